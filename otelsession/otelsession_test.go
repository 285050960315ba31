package otelsession_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	session "github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/otelsession"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/memory"
	"github.com/goastro/session/storage/redis"
	"github.com/goastro/session/storage/storagetest"
)

// telemetry is the OpenTelemetry SDK with an in-memory span exporter and a
// manual metric reader.
type telemetry struct {
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	opts   []otelsession.Option
}

func newTelemetry(t *testing.T, name string) *telemetry {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { tp.Shutdown(context.Background()); mp.Shutdown(context.Background()) })
	return &telemetry{spans: spans, reader: reader, opts: []otelsession.Option{
		otelsession.WithTracerProvider(tp), otelsession.WithMeterProvider(mp), otelsession.WithDriverName(name),
	}}
}

// metrics collects the metrics and returns each sum's data points and each
// histogram's counts, keyed by metric name and then by the data point's
// attributes other than the driver, as "k=v,k=v".
func (tm *telemetry) metrics(t *testing.T, driver string) map[string]map[string]int64 {
	var rm metricdata.ResourceMetrics
	if err := tm.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int64{}
	put := func(name string, attrs attribute.Set, v int64) {
		if d, _ := attrs.Value("session.driver"); d.AsString() != driver {
			t.Errorf("%s: data point without session.driver=%s: %v", name, driver, attrs.Encoded(attribute.DefaultEncoder()))
		}
		var parts []string
		for _, kv := range attrs.ToSlice() {
			if kv.Key != "session.driver" {
				parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
			}
		}
		if out[name] == nil {
			out[name] = map[string]int64{}
		}
		out[name][strings.Join(parts, ",")] += v
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					put(m.Name, p.Attributes, p.Value)
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					put(m.Name, p.Attributes, int64(p.Count))
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					put(m.Name, p.Attributes, int64(p.Count))
				}
			}
		}
	}
	return out
}

// The drivers of these tests: a real memory store seen through interfaces that
// show some of its abilities and hide the others.
type (
	plainDriver struct{ storage.Driver }
	swapOnly    struct {
		storage.Driver
		storage.Swapper
	}
	sweepOnly struct {
		storage.Driver
		storage.Sweeper
	}
	batchOnly struct {
		storage.Driver
		storage.Batcher
	}
)

// TestAbilities: the wrapper is a Swapper, a Sweeper and a Batcher exactly
// when the driver is one, in each of the eight combinations.
func TestAbilities(t *testing.T) {
	mem := memory.New(memory.Options{})
	defer mem.Close()
	b, _ := storage.AsBatcher(mem)
	type (
		swapBatch struct {
			storage.Driver
			storage.Swapper
			storage.Batcher
		}
		sweepBatch struct {
			storage.Driver
			storage.Sweeper
			storage.Batcher
		}
		all struct {
			storage.Driver
			storage.Swapper
			storage.Sweeper
			storage.Batcher
		}
	)
	for _, tc := range []struct {
		name                string
		d                   storage.Driver
		swap, sweeps, batch bool
	}{
		{"compare-and-swap and sweep", mem, true, true, false},
		{"none", plainDriver{mem}, false, false, false},
		{"compare-and-swap only", swapOnly{mem, mem}, true, false, false},
		{"sweep only", sweepOnly{mem, mem}, false, true, false},
		{"batch only", batchOnly{mem, b}, false, false, true},
		{"compare-and-swap and batch", swapBatch{mem, mem, b}, true, false, true},
		{"sweep and batch", sweepBatch{mem, mem, b}, false, true, true},
		{"all three", all{mem, mem, mem, b}, true, true, true},
	} {
		w := otelsession.Wrap(tc.d)
		_, swap := w.(storage.Swapper)
		_, sweeps := w.(storage.Sweeper)
		_, batches := w.(storage.Batcher)
		if swap != tc.swap || sweeps != tc.sweeps || batches != tc.batch {
			t.Errorf("%s: wrapper is Swapper %v, Sweeper %v, Batcher %v; want %v, %v, %v",
				tc.name, swap, sweeps, batches, tc.swap, tc.sweeps, tc.batch)
		}
		if u, ok := w.(interface{ Unwrap() storage.Driver }); !ok || u.Unwrap() != tc.d {
			t.Errorf("%s: Unwrap does not return the driver", tc.name)
		}
	}
}

// TestConformance runs the storage conformance suite through the wrapper, with
// and without the driver's optional abilities.
func TestConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Driver {
			return otelsession.Wrap(memory.New(memory.Options{}), newTelemetry(t, "memory").opts...)
		})
	})
	t.Run("memory with a batcher", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Driver {
			mem := memory.New(memory.Options{})
			b, _ := storage.AsBatcher(mem)
			return otelsession.Wrap(batchOnly{mem, b}, newTelemetry(t, "memory").opts...)
		})
	})
	t.Run("memory without abilities", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Driver {
			return otelsession.Wrap(plainDriver{memory.New(memory.Options{})}, newTelemetry(t, "memory").opts...)
		})
	})
}

// request runs one request through the Manager's middleware, with the session
// cookie id when it is not empty, and returns the session's ID.
func request(t *testing.T, m *session.Manager, id string, fn func(s *session.Session) error) string {
	t.Helper()
	var got string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if err := fn(s); err != nil {
			t.Errorf("handler: %v", err)
		}
		got = s.ID()
	}))
	req := httptest.NewRequest("GET", "/", nil)
	if id != "" {
		req.AddCookie(&http.Cookie{Name: "astro-session", Value: id})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("request: %d %s", rec.Code, rec.Body)
	}
	return got
}

// exerciseManager makes a session, reads it back, and checks the spans and the
// metrics that the Manager's store calls produced.
func exerciseManager(t *testing.T, tm *telemetry, d storage.Driver, driver string) {
	m, err := session.New(session.Config{Storage: otelsession.Wrap(d, tm.opts...)})
	if err != nil {
		t.Fatal(err)
	}
	id := request(t, m, "", func(s *session.Session) error { return s.Set("cart", []string{"sku-1"}) })
	request(t, m, id, func(s *session.Session) error {
		v, err := s.Get("cart")
		if err == nil && v == nil {
			err = errors.New("cart is gone")
		}
		return err
	})
	_, swaps := d.(storage.Swapper)
	write := "set"
	if swaps {
		write = "compare_and_swap"
	}
	spans := tm.spans.GetSpans()
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
		for _, kv := range s.Attributes {
			if strings.Contains(kv.Value.Emit(), id) {
				t.Errorf("span %s carries the session ID in %s", s.Name, kv.Key)
			}
		}
	}
	want := []string{"session.store." + write, "session.store.get"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("spans %v, want %v", names, want)
	}
	for _, s := range spans {
		attrs := attribute.NewSet(s.Attributes...)
		if v, _ := attrs.Value("session.driver"); v.AsString() != driver {
			t.Errorf("span %s: session.driver = %q", s.Name, v.AsString())
		}
		if v, _ := attrs.Value("session.key_hash"); v.AsString() != otelsession.KeyHash(id) {
			t.Errorf("span %s: session.key_hash = %q, want %q", s.Name, v.AsString(), otelsession.KeyHash(id))
		}
	}
	got := tm.metrics(t, driver)
	checks := []struct {
		metric, attrs string
		want          int64
	}{
		{"session.store.loads", "session.result=hit", 1},
		{"session.store.saves", "session.operation=" + write + ",session.result=ok", 1},
		{"session.store.record.size", "session.operation=" + write, 1},
		{"session.store.record.size", "session.operation=get", 1},
		{"session.store.duration", "session.operation=get,session.outcome=ok", 1},
		{"session.store.duration", "session.operation=" + write + ",session.outcome=ok", 1},
	}
	for _, c := range checks {
		if g := got[c.metric][c.attrs]; g != c.want {
			t.Errorf("%s{%s} = %d, want %d (all: %v)", c.metric, c.attrs, g, c.want, got[c.metric])
		}
	}
}

// TestManagerOnMemory instruments a Manager on the memory driver, with and
// without compare-and-swap.
func TestManagerOnMemory(t *testing.T) {
	t.Run("with compare-and-swap", func(t *testing.T) {
		exerciseManager(t, newTelemetry(t, "memory"), memory.New(memory.Options{}), "memory")
	})
	t.Run("without compare-and-swap", func(t *testing.T) {
		exerciseManager(t, newTelemetry(t, "memory"), plainDriver{memory.New(memory.Options{})}, "memory")
	})
}

// TestManagerOnRedis instruments a Manager on the local Redis server.
func TestManagerOnRedis(t *testing.T) {
	d := openRedis(t)
	if _, ok := otelsession.Wrap(d).(storage.Swapper); !ok {
		t.Fatal("the Redis driver's wrapper lost compare-and-swap")
	}
	exerciseManager(t, newTelemetry(t, "redis"), d, "redis")
}

// TestConformanceOnRedis runs the conformance suite through the wrapper on Redis.
func TestConformanceOnRedis(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		return otelsession.Wrap(openRedis(t), newTelemetry(t, "redis").opts...)
	})
}

func openRedis(t *testing.T) storage.Driver {
	addr := testenv.RedisAddr(t)
	b := make([]byte, 6)
	rand.Read(b)
	d, err := redis.Open(redis.Options{Addr: addr, Config: redis.Config{Base: "otelsession-test:" + hex.EncodeToString(b)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := redis.Open(redis.Options{Addr: addr, Config: redis.Config{Base: "otelsession-test:" + hex.EncodeToString(b)}})
		if err == nil {
			c.Clear(context.Background())
			c.Close()
		}
		d.Close()
	})
	return d
}

// TestConflictsAndFailures counts a compare-and-swap that finds another value,
// and a write that fails, which also marks its span as an error.
func TestConflictsAndFailures(t *testing.T) {
	tm := newTelemetry(t, "memory")
	w := otelsession.Wrap(memory.New(memory.Options{}), tm.opts...)
	ctx := context.Background()
	sw := w.(storage.Swapper)
	if ok, err := sw.CompareAndSwap(ctx, "k", "", false, "v1", 0); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := sw.CompareAndSwap(ctx, "k", "stale", true, "v2", 0); ok || err != nil {
		t.Fatalf("stale swap = %v, %v", ok, err)
	}
	w.Close()
	if err := w.Set(ctx, "k", "v3", 0); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("Set after Close = %v", err)
	}
	got := tm.metrics(t, "memory")
	for _, c := range []struct {
		metric, attrs string
		want          int64
	}{
		{"session.store.cas_conflicts", "", 1},
		{"session.store.saves", "session.operation=compare_and_swap,session.result=conflict", 1},
		{"session.store.saves", "session.operation=compare_and_swap,session.result=ok", 1},
		{"session.store.saves", "session.operation=set,session.result=error", 1},
		{"session.store.save_failures", "session.operation=set", 1},
		{"session.store.duration", "session.operation=set,session.outcome=error", 1},
	} {
		if g := got[c.metric][c.attrs]; g != c.want {
			t.Errorf("%s{%s} = %d, want %d (all: %v)", c.metric, c.attrs, g, c.want, got[c.metric])
		}
	}
	spans := tm.spans.GetSpans()
	last := spans[len(spans)-1]
	if last.Name != "session.store.set" || last.Status.Code != codes.Error || len(last.Events) == 0 {
		t.Fatalf("failed Set's span: %s %v %v", last.Name, last.Status, last.Events)
	}
	conflict := attribute.NewSet(spans[1].Attributes...)
	if v, _ := conflict.Value("session.swapped"); v.AsBool() {
		t.Fatal("the conflicting swap's span says it swapped")
	}
}

// TestSweep traces a sweep of the driver and counts what it removed.
func TestSweep(t *testing.T) {
	tm := newTelemetry(t, "memory")
	w := otelsession.Wrap(memory.New(memory.Options{}), tm.opts...)
	defer w.Close()
	n, err := w.(storage.Sweeper).Sweep(context.Background())
	if err != nil || n != 0 {
		t.Fatal(n, err)
	}
	spans := tm.spans.GetSpans()
	if len(spans) != 1 || spans[0].Name != "session.store.sweep" {
		t.Fatalf("spans: %v", spans)
	}
}

// TestDestroyUserOnRedis: through the wrapper, the Manager checks and removes a
// user's sessions with the driver's batched calls, whose spans say how many
// keys they took.
func TestDestroyUserOnRedis(t *testing.T) {
	tm := newTelemetry(t, "redis")
	m, err := session.New(session.Config{Storage: otelsession.Wrap(openRedis(t), tm.opts...)})
	if err != nil {
		t.Fatal(err)
	}
	const sessions = 5
	for range sessions {
		request(t, m, "", func(s *session.Session) error { return s.SetUser("ada") })
	}
	tm.spans.Reset()
	n, err := m.DestroyUser(context.Background(), "ada")
	if err != nil || n != sessions {
		t.Fatalf("DestroyUser = %d, %v; want %d", n, err, sessions)
	}
	count := map[string]int{}
	for _, s := range tm.spans.GetSpans() {
		count[s.Name]++
		if s.Name == "session.store.has_many" || s.Name == "session.store.delete_many" {
			for _, kv := range s.Attributes {
				if kv.Key == "session.keys" && kv.Value.AsInt64() != sessions {
					t.Errorf("%s: session.keys = %d, want %d", s.Name, kv.Value.AsInt64(), sessions)
				}
			}
		}
	}
	want := map[string]int{"session.store.get": 1, "session.store.has_many": 1, "session.store.delete_many": 1, "session.store.delete": 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("spans of DestroyUser: %v, want %v", count, want)
	}
	if ids, err := m.UserSessions(context.Background(), "ada"); err != nil || len(ids) != 0 {
		t.Errorf("UserSessions after DestroyUser = %v, %v", ids, err)
	}
}
