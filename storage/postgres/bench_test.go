package postgres

import (
	"context"
	"strings"
	"testing"
)

// benchValue is a session record of typical size (about 1 KiB).
var benchValue = `[["Map",1,2,5,6],"user",{"data":3,"expires":-1},{"id":4},"` + strings.Repeat("x", 1000) + `","cart",{"data":7,"expires":-1},[]]`

func benchDriver(b *testing.B) *Driver {
	pool, schema := testSchema(b)
	d, err := New(context.Background(), pool, Config{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// The driver against the same statements sent with pgx directly, to show the
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
	b.Run("pgx", func(b *testing.B) {
		q := d.qGet // the statement the driver runs, without the driver around it
		b.ReportAllocs()
		for b.Loop() {
			var v string
			if err := d.Pool().QueryRow(ctx, q, "bench").Scan(&v); err != nil {
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
	b.Run("pgx", func(b *testing.B) {
		q := d.qSet // the statement the driver runs, without the driver around it
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Pool().Exec(ctx, q, "bench", benchValue, int64(0)); err != nil {
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
