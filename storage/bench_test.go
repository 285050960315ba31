package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/memory"
)

// A session record of typical size (about 200 bytes of devalue text) under a
// UUID key.
const (
	benchKey   = "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
	benchValue = `[["Map",1,2,6,7],"user",{"data":3,"expires":-1},{"id":4,"name":5},"u-1042","Houston","cart",{"data":8,"expires":1767225600000},[9,10,11],"sku-1","sku-2","sku-3"]`
)

func benchDrivers(b *testing.B) map[string]storage.Driver {
	mk := func(opts fs.Options) storage.Driver {
		opts.Base = b.TempDir()
		s, err := fs.New(opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	m := memory.New(memory.Options{})
	b.Cleanup(func() { m.Close() })
	return map[string]storage.Driver{
		"memory":    m,
		"fs":        mk(fs.Options{}),
		"fs-nosync": mk(fs.Options{NoSync: true}),
	}
}

var benchOrder = []string{"memory", "fs", "fs-nosync"}

// BenchmarkGet reads one record. The baselines are a plain os.ReadFile of the
// same file (what unstorage's fs-lite does, without expiry) and a map behind a mutex.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	ds := benchDrivers(b)
	for _, name := range benchOrder {
		d := ds[name]
		if err := d.Set(ctx, benchKey, benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := d.Get(ctx, benchKey); !ok || err != nil {
					b.Fatal("miss", err)
				}
			}
		})
	}
	b.Run("baseline-os.ReadFile", func(b *testing.B) {
		p := filepath.Join(b.TempDir(), benchKey)
		if err := os.WriteFile(p, []byte(benchValue), 0o600); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := os.ReadFile(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-mutex-map", func(b *testing.B) {
		var mu sync.Mutex
		m := map[string]string{benchKey: benchValue}
		b.ReportAllocs()
		for b.Loop() {
			mu.Lock()
			_, ok := m[benchKey]
			mu.Unlock()
			if !ok {
				b.Fatal("miss")
			}
		}
	})
}

// BenchmarkSet writes one record with a TTL (as the session layer does). The
// baseline is a plain os.WriteFile (what unstorage's fs-lite does: truncate and
// write in place, no fsync, not atomic).
func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	ds := benchDrivers(b)
	for _, name := range benchOrder {
		d := ds[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := d.Set(ctx, benchKey, benchValue, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"-nottl", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := d.Set(ctx, benchKey, benchValue, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("baseline-os.WriteFile", func(b *testing.B) {
		p := filepath.Join(b.TempDir(), benchKey)
		b.ReportAllocs()
		for b.Loop() {
			if err := os.WriteFile(p, []byte(benchValue), 0o600); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGetParallel reads 1000 records from all CPUs at once.
func BenchmarkGetParallel(b *testing.B) {
	ctx := context.Background()
	ds := benchDrivers(b)
	for _, name := range benchOrder {
		d := ds[name]
		for i := range 1000 {
			if err := d.Set(ctx, "k"+strconv.Itoa(i), benchValue, 0); err != nil {
				b.Fatal(err)
			}
		}
		keys := make([]string, 1000)
		for i := range keys {
			keys[i] = "k" + strconv.Itoa(i)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, ok, err := d.Get(ctx, keys[i%len(keys)]); !ok || err != nil {
						b.Fatal("miss", err)
					}
					i++
				}
			})
		})
	}
}
