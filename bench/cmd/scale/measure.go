package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goastro/session/storage"
)

const (
	liveTTL = 24 * time.Hour
	deadTTL = time.Millisecond
)

// fill writes the sessions from..to-1 of salt, in parallel. With halfDead the
// odd ones get a TTL that has passed by the time anything reads them.
func fill(ctx context.Context, d storage.Driver, salt uint64, from, to int, rec string, halfDead bool, workers int) error {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(to) || ctx.Err() != nil {
					return
				}
				ttl := liveTTL
				if halfDead && i%2 == 1 {
					ttl = deadTTL
				}
				if err := d.Set(ctx, sessionID(salt, uint64(i)), strings.Clone(rec), ttl); err != nil {
					errs <- fmt.Errorf("fill: session %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	time.Sleep(2 * deadTTL)
	return ctx.Err()
}

// latency is p50 and p99 of one kind of call.
type latency struct{ p50, p99 time.Duration }

func (l latency) String() string { return fmtDur(l.p50) + " / " + fmtDur(l.p99) }

func percentiles(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return latency{at(0.50), at(0.99)}
}

// sizeLatency is what one size measured.
type sizeLatency struct {
	sessions                int
	reads, writes, durables []time.Duration
}

func (s sizeLatency) read() latency    { return percentiles(s.reads) }
func (s sizeLatency) write() latency   { return percentiles(s.writes) }
func (s sizeLatency) durable() latency { return percentiles(s.durables) }

// measureLatency times samples reads and samples writes of random live
// sessions among the first size, one call at a time, and adds them to res;
// every read must return the record.
func measureLatency(ctx context.Context, t *target, salt uint64, size, samples int, rec string, res *sizeLatency) error {
	live := func() uint64 {
		if t.sweep != nil {
			return uint64(rand.IntN((size+1)/2)) * 2
		}
		return uint64(rand.IntN(size))
	}
	res.sessions = size
	for range samples {
		id := sessionID(salt, live())
		start := time.Now()
		v, ok, err := t.d.Get(ctx, id)
		res.reads = append(res.reads, time.Since(start))
		if err != nil || !ok || v != rec {
			return fmt.Errorf("read of session %s: ok=%v err=%v (record %d bytes, want %d)", id, ok, err, len(v), len(rec))
		}
		id = sessionID(salt, live())
		start = time.Now()
		err = t.d.Set(ctx, id, rec, liveTTL)
		res.writes = append(res.writes, time.Since(start))
		if err != nil {
			return err
		}
	}
	if t.durable == nil {
		return nil
	}
	for range max(1, samples/3) {
		id := sessionID(salt, live())
		start := time.Now()
		if err := t.durable.Set(ctx, id, rec, liveTTL); err != nil {
			return err
		}
		res.durables = append(res.durables, time.Since(start))
	}
	return nil
}

// peak runs fn while sampling the Go heap, and reports the highest heap (live
// and not yet collected objects) above the heap before it, and the process's
// peak resident memory during fn (VmHWM after resetting it; 0 where the
// kernel cannot reset it).
func peak(fn func() error) (heap uint64, rss int64, took time.Duration, err error) {
	runtime.GC()
	debug.FreeOSMemory()
	canReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var top atomic.Uint64
	top.Store(base)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if v := read(); v > top.Load() {
					top.Store(v)
				}
			}
		}
	}()
	start := time.Now()
	err = fn()
	took = time.Since(start)
	close(stop)
	<-done
	if canReset {
		rss = vmHWM()
	}
	return top.Load() - base, rss, took, err
}

// vmHWM is the process's peak resident set size in bytes.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	}
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// thousands writes n with commas.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
