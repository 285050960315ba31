package fs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestSweepMemoryFlat: Sweep reads folders a batch of entries at a time, so
// the memory it holds does not grow with the number of files in the base
// folder (a session store keeps every record in that one folder). A folder of
// 30,000 records and an expired half of 400 records with a TTL is swept while
// the live heap is sampled; reading the folder whole would hold several MiB of
// directory entries.
func TestSweepMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 30,000 files")
	}
	base := t.TempDir()
	s, err := New(Options{Base: base, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const plain = 30000
	body := []byte(`[["Map",1],[]]`)
	for i := range plain {
		name := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		if err := os.WriteFile(filepath.Join(base, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for i := range 400 {
		ttl := time.Hour
		if i%2 == 1 {
			ttl = time.Nanosecond
		}
		if err := s.Set(ctx, fmt.Sprintf("ttl-%d", i), "v", ttl); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(time.Millisecond)

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before, peak := ms.HeapAlloc, ms.HeapAlloc
	visits := 0
	sweepVisit = func() {
		visits++
		if visits%1000 != 0 {
			return
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	defer func() { sweepVisit = nil }()
	removed, err := s.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if removed != 200 {
		t.Errorf("Sweep removed %d records, want 200", removed)
	}
	if visits < plain {
		t.Fatalf("Sweep visited %d files, want at least %d", visits, plain)
	}
	if grew := int64(peak) - int64(before); grew > 1<<20 {
		t.Errorf("the live heap grew by %d KiB during the sweep of %d files, want under 1 MiB", grew>>10, visits)
	}
	keys, err := s.Keys(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != plain+200 {
		t.Errorf("%d keys left after the sweep, want %d", len(keys), plain+200)
	}
}
