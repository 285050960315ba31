package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// statsCmd: stats
type statsCmd struct{}

// sizeBounds are the upper bounds of the size histogram's buckets, in bytes.
var sizeBounds = []int{256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

// expiryBounds are the upper bounds of the expiry buckets, from now.
var expiryBounds = []struct {
	name string
	d    time.Duration
}{{"within an hour", time.Hour}, {"within a day", 24 * time.Hour}, {"within 7 days", 7 * 24 * time.Hour}, {"within 30 days", 30 * 24 * time.Hour}}

type stats struct {
	count, total, largest int
	largestID             string
	sizes                 []int // len(sizeBounds)+1
	expired, never        int
	expiring              []int // len(expiryBounds)+1, the last one for later
	unreadable, users     int
	other                 int
}

func (c *statsCmd) run(ctx context.Context, e *env) error {
	keys, err := e.keys(ctx)
	if err != nil {
		return err
	}
	var ids []string
	st := stats{sizes: make([]int, len(sizeBounds)+1), expiring: make([]int, len(expiryBounds)+1)}
	for _, k := range keys {
		switch kind := keyKind(k); kind {
		case kindSession:
			ids = append(ids, k)
		case kindUserIndex:
			st.users++
		default:
			st.other++
		}
	}
	sums, err := e.summaries(ctx, "stats", ids)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, s := range sums {
		if s.present {
			st.add(s, now)
		}
	}
	st.print(e.stdout)
	return nil
}

func (st *stats) add(s summary, now time.Time) {
	st.count++
	st.total += s.size
	if s.size > st.largest {
		st.largest, st.largestID = s.size, s.id
	}
	i := 0
	for i < len(sizeBounds) && s.size >= sizeBounds[i] {
		i++
	}
	st.sizes[i]++
	if s.rec == nil {
		st.unreadable++
		return
	}
	exp, ok := s.rec.expiry()
	switch {
	case !ok:
		st.never++
	case !exp.After(now):
		st.expired++
	default:
		j := 0
		for j < len(expiryBounds) && exp.Sub(now) > expiryBounds[j].d {
			j++
		}
		st.expiring[j]++
	}
}

func (st *stats) print(w io.Writer) {
	fmt.Fprintf(w, "sessions: %d\n", st.count)
	fmt.Fprintf(w, "total size: %s\n", bytesText(st.total))
	if st.count > 0 {
		fmt.Fprintf(w, "average size: %s\n", bytesText(st.total/st.count))
		fmt.Fprintf(w, "largest: %s (%s)\n", bytesText(st.largest), st.largestID)
	}
	fmt.Fprintln(w, "sizes:")
	lo := 0
	for i, n := range st.sizes {
		label := fmt.Sprintf("%s and more", bytesText(lo))
		if i < len(sizeBounds) {
			label = fmt.Sprintf("%s to %s", bytesText(lo), bytesText(sizeBounds[i]))
			lo = sizeBounds[i]
		}
		fmt.Fprintf(w, "  %-22s %8d %s\n", label, n, histBar(n, st.count))
	}
	fmt.Fprintln(w, "expiry:")
	fmt.Fprintf(w, "  %-22s %8d\n", "expired", st.expired)
	for i, n := range st.expiring {
		label := "later"
		if i < len(expiryBounds) {
			label = expiryBounds[i].name
		}
		fmt.Fprintf(w, "  %-22s %8d\n", label, n)
	}
	fmt.Fprintf(w, "  %-22s %8d\n", "never (no expiry)", st.never)
	if st.unreadable > 0 {
		fmt.Fprintf(w, "unreadable records: %d\n", st.unreadable)
	}
	fmt.Fprintf(w, "user indexes: %d\n", st.users)
	if st.other > 0 {
		fmt.Fprintf(w, "other keys: %d\n", st.other)
	}
}

func histBar(n, total int) string {
	if total == 0 {
		return ""
	}
	return strings.Repeat("#", (40*n+total-1)/total)
}

func bytesText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
