package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// benchValue is a session record of typical size (about 1 KiB).
var benchValue = `[["Map",1,2,5,6],"user",{"data":3,"expires":-1},{"id":4},"` + strings.Repeat("x", 1000) + `","cart",{"data":7,"expires":-1},[]]`

func benchDriver(b *testing.B) *Driver {
	d, err := Open(context.Background(), Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// The driver against a bare database/sql query on the same table, to show the
// driver's own cost.
func BenchmarkGet(b *testing.B) {
	d := benchDriver(b)
	ctx := context.Background()
	if err := d.Set(ctx, "bench", benchValue, 0); err != nil {
		b.Fatal(err)
	}
	b.Run("driver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, err := d.Get(ctx, "bench"); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("database-sql", func(b *testing.B) {
		st, err := d.DB().Prepare(`SELECT value FROM astro_sessions WHERE key = ?`)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		b.ReportAllocs()
		for b.Loop() {
			var v string
			if err := st.QueryRowContext(ctx, "bench").Scan(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSet(b *testing.B) {
	d := benchDriver(b)
	ctx := context.Background()
	b.Run("driver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Set(ctx, "bench", benchValue, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("database-sql", func(b *testing.B) {
		// The statement the driver runs, without the driver around it.
		st, err := d.DB().Prepare(`INSERT INTO astro_sessions (key, value, expires_at) VALUES (?1, ?2, ?3)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, version = version + 1`)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.ExecContext(ctx, "bench", benchValue, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCompareAndSwap(b *testing.B) {
	d := benchDriver(b)
	ctx := context.Background()
	if err := d.Set(ctx, "bench", benchValue, 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := d.CompareAndSwap(ctx, "bench", benchValue, true, benchValue, 0); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
