package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestSweepInBatches: a sweep over more expired rows than one batch deletes
// them all and nothing live.
func TestSweepInBatches(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dead := 2*sweepBatch + 17
	tx, err := d.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range dead + 10 {
		exp := nowMS() - 1000
		if i >= dead {
			exp = nowMS() + 3600_000
		}
		if _, err := tx.Exec(`INSERT INTO astro_sessions (key, value, expires_at) VALUES (?, 'v', ?)`, fmt.Sprint("k", i), exp); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Sweep(ctx); err != nil || n != int64(dead) {
		t.Fatalf("Sweep = %d, %v; want %d", n, err, dead)
	}
	keys, err := d.Keys(ctx, "")
	if err != nil || len(keys) != 10 {
		t.Fatalf("Keys after the sweep: %d keys, %v; want 10", len(keys), err)
	}
}

// TestManyWriters: many goroutines writing at once through one driver all
// succeed within a short busy timeout; they queue in the process instead of
// polling SQLite's lock, where the busy handler's growing sleeps let some of
// them wait past the timeout (SQLITE_BUSY) on a loaded machine.
func TestManyWriters(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db"), Config: Config{BusyTimeout: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const writers, each = 32, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := d.Set(ctx, fmt.Sprintf("w%d:%d", w, i), "value", time.Hour); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	keys, err := d.Keys(ctx, "")
	if err != nil || len(keys) != writers*each {
		t.Fatalf("%d keys, %v; want %d", len(keys), err, writers*each)
	}
}
