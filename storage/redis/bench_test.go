package redis

import (
	"context"
	"strings"
	"testing"
)

// benchValue is a session record of typical size (about 1 KiB).
var benchValue = `[["Map",1,2,5,6],"user",{"data":3,"expires":-1},{"id":4},"` + strings.Repeat("x", 1000) + `","cart",{"data":7,"expires":-1},[]]`

// The driver against the same commands sent with go-redis directly, to show
// the driver's own cost.
func BenchmarkGet(b *testing.B) {
	d := openSingle(b, Config{})
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
	b.Run("go-redis", func(b *testing.B) {
		c := d.Client()
		key := d.prefix + "bench"
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Get(ctx, key).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSet(b *testing.B) {
	d := openSingle(b, Config{})
	ctx := context.Background()
	b.Run("driver", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Set(ctx, "bench", benchValue, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-redis", func(b *testing.B) {
		c := d.Client()
		key := d.prefix + "bench"
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Set(ctx, key, benchValue, 0).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A conditional write (Lua compare-and-swap) against a plain SET.
func BenchmarkCompareAndSwap(b *testing.B) {
	d := openSingle(b, Config{})
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
