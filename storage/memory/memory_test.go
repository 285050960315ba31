package memory_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/memory"
	"github.com/goastro/session/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver { return memory.New(memory.Options{}) })
}

func TestConformanceBounded(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		return memory.New(memory.Options{MaxEntries: 1000, MaxBytes: 8 << 20, SweepInterval: 50 * time.Millisecond})
	})
}

func TestOpen(t *testing.T) {
	d, err := storage.Open("memory", map[string]any{"maxEntries": float64(2), "maxBytes": "1000", "sweepInterval": "1m"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	for i := range 3 {
		if err := d.Set(ctx, strconv.Itoa(i), "v", 0); err != nil {
			t.Fatal(err)
		}
	}
	if n := d.(*memory.Store).Len(); n != 2 {
		t.Fatalf("Len = %d, want 2 (maxEntries)", n)
	}
	for _, bad := range []map[string]any{
		{"maxEntries": "many"},
		{"maxEntries": 1.5},
		{"maxBytes": true},
		{"sweepInterval": "soon"},
		{"max": 3},
	} {
		if _, err := storage.Open("memory", bad); !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("Open(%v): err = %v, want ErrInvalidOption", bad, err)
		}
	}
	_, err = storage.Open("memory", map[string]any{"maxentries": 3})
	if err == nil || !strings.Contains(err.Error(), "maxEntries") || !strings.Contains(err.Error(), `"maxentries"`) {
		t.Errorf("unknown option error does not list the accepted ones: %v", err)
	}
}

func TestEvictionLRU(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.Options{MaxEntries: 3})
	defer s.Close()
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Set(ctx, k, "v"+k, 0); err != nil {
			t.Fatal(err)
		}
	}
	// Touch a, so b is the least recently used.
	if _, ok, _ := s.Get(ctx, "a"); !ok {
		t.Fatal("a missing")
	}
	if err := s.Set(ctx, "d", "vd", 0); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if has, _ := s.Has(ctx, k); has != want {
			t.Errorf("Has(%q) = %v, want %v", k, has, want)
		}
	}
}

func TestEvictionBytes(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.Options{MaxBytes: 100})
	defer s.Close()
	// 10 records of 1+19 = 20 bytes: only 5 fit.
	for i := range 10 {
		if err := s.Set(ctx, strconv.Itoa(i), strings.Repeat("x", 19), 0); err != nil {
			t.Fatal(err)
		}
		if s.Bytes() > 100 {
			t.Fatalf("Bytes = %d over the bound", s.Bytes())
		}
	}
	if s.Len() != 5 || s.Bytes() != 100 {
		t.Fatalf("Len, Bytes = %d, %d; want 5, 100", s.Len(), s.Bytes())
	}
	for i := range 10 {
		has, _ := s.Has(ctx, strconv.Itoa(i))
		if has != (i >= 5) {
			t.Errorf("Has(%d) = %v", i, has)
		}
	}
	// Growing a value evicts others, never the record being written.
	if err := s.Set(ctx, "9", strings.Repeat("y", 90), 0); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1 || s.Bytes() != 91 {
		t.Fatalf("after growing: Len, Bytes = %d, %d; want 1, 91", s.Len(), s.Bytes())
	}
	if err := s.Set(ctx, "big", strings.Repeat("z", 100), 0); !errors.Is(err, storage.ErrTooLarge) {
		t.Fatalf("Set over MaxBytes: err = %v, want ErrTooLarge", err)
	}
	if v, ok, _ := s.Get(ctx, "9"); !ok || len(v) != 90 {
		t.Fatal("a refused Set evicted or changed another record")
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.Options{})
	defer s.Close()
	for i := range 10 {
		ttl := time.Duration(0)
		if i%2 == 0 {
			ttl = 20 * time.Millisecond
		}
		if err := s.Set(ctx, strconv.Itoa(i), "v", ttl); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(40 * time.Millisecond)
	if s.Len() != 10 {
		t.Fatalf("Len = %d before sweep", s.Len())
	}
	n, err := s.Sweep(ctx)
	if err != nil || n != 5 || s.Len() != 5 || s.Bytes() != 10 {
		t.Fatalf("Sweep = %d, %v; Len %d Bytes %d", n, err, s.Len(), s.Bytes())
	}
}

func TestBackgroundSweep(t *testing.T) {
	s := memory.New(memory.Options{SweepInterval: 10 * time.Millisecond})
	if err := s.Set(context.Background(), "k", "v", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("background sweep did not remove the expired record")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestGetHitAllocs(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.Options{})
	defer s.Close()
	if err := s.Set(ctx, "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b", "value", time.Hour); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, ok, err := s.Get(ctx, "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"); !ok || err != nil {
			panic("miss")
		}
	})
	if allocs != 0 {
		t.Fatalf("Get hit allocates %v times, want 0", allocs)
	}
}
