package storage_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session/storage"
)

func TestRegistry(t *testing.T) {
	var got map[string]any
	storage.Register("registry-test", func(o map[string]any) (storage.Driver, error) {
		got = o
		return nil, errors.New("opened")
	})
	if _, err := storage.Open("registry-test", map[string]any{"x": 1}); err == nil || err.Error() != "opened" || got["x"] != 1 {
		t.Fatalf("Open did not call the driver: %v %v", err, got)
	}
	found := false
	for _, n := range storage.Names() {
		found = found || n == "registry-test"
	}
	if !found {
		t.Fatalf("Names() = %v", storage.Names())
	}
	_, err := storage.Open("no-such-driver", nil)
	if !errors.Is(err, storage.ErrUnknownDriver) || !strings.Contains(err.Error(), "registry-test") || !strings.Contains(err.Error(), `"no-such-driver"`) {
		t.Fatalf("unknown driver error = %v", err)
	}
	for name, fn := range map[string]func(){
		"duplicate": func() {
			storage.Register("registry-test", func(map[string]any) (storage.Driver, error) { return nil, nil })
		},
		"empty": func() { storage.Register("", func(map[string]any) (storage.Driver, error) { return nil, nil }) },
		"nil":   func() { storage.Register("registry-nil", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register %s did not panic", name)
				}
			}()
			fn()
		}()
	}
}

func TestOptions(t *testing.T) {
	o := storage.NewOptions("d", map[string]any{
		"s": "text", "i": float64(42), "i2": 7, "i3": "9", "b": true, "b2": "false",
		"d1": "1m30s", "d2": float64(1.5), "d3": 2, "d4": 3 * time.Second, "nil": nil,
	})
	if o.String("s", "") != "text" || o.Int("i", 0) != 42 || o.Int("i2", 0) != 7 || o.Int64("i3", 0) != 9 ||
		!o.Bool("b", false) || o.Bool("b2", true) || o.Duration("d1", 0) != 90*time.Second ||
		o.Duration("d2", 0) != 1500*time.Millisecond || o.Duration("d3", 0) != 2*time.Second ||
		o.Duration("d4", 0) != 3*time.Second || o.String("nil", "def") != "def" || o.String("absent", "def") != "def" {
		t.Fatal("getter returned a wrong value")
	}
	if err := o.Err(); err != nil {
		t.Fatal(err)
	}

	o = storage.NewOptions("d", map[string]any{"s": 1, "i": 1.5, "b": "yes", "d": []int{}, "extra": 1, "zz": 2})
	o.String("s", "")
	o.Int("i", 0)
	o.Bool("b", false)
	o.Duration("d", 0)
	err := o.Err()
	if !errors.Is(err, storage.ErrInvalidOption) {
		t.Fatalf("Err = %v", err)
	}
	for _, want := range []string{`"s" must be a string`, `"i" must be a whole number`, `"b" must be a boolean`, `"d" must be a duration`, `unknown option "extra" (accepted: b, d, i, s)`, `unknown option "zz"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err() = %q, missing %q", err, want)
		}
	}
}

// FuzzOptions: the option getters never panic; Int64 returns a number exactly
// when it is a whole number (a decimal string or an integral float64) and
// otherwise reports an error wrapping ErrInvalidOption.
func FuzzOptions(f *testing.F) {
	for _, s := range []string{"", "1", "-1", "1.5", "90s", "1h30m", "true", "no", "9223372036854775808", " 42 "} {
		f.Add(s, 1.5)
	}
	f.Fuzz(func(t *testing.T, s string, n float64) {
		o := storage.NewOptions("fuzz", map[string]any{"v": s})
		got := o.Int64("v", -7)
		want, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err := o.Err(); (err == nil) != (perr == nil) || (err == nil && got != want) || (err != nil && (got != -7 || !errors.Is(err, storage.ErrInvalidOption))) {
			t.Fatalf("Int64(%q) = %d, %v", s, got, err)
		}
		o = storage.NewOptions("fuzz", map[string]any{"v": n})
		got = o.Int64("v", -7)
		whole := n == math.Trunc(n) && n >= -(1<<63) && n < 1<<63
		if err := o.Err(); (err == nil) != whole || (whole && got != int64(n)) {
			t.Fatalf("Int64(%v) = %d, %v", n, got, err)
		}
		for _, v := range []any{s, n} {
			o := storage.NewOptions("fuzz", map[string]any{"v": v})
			o.Duration("v", 0)
			o.Bool("v", false)
			o.String("v", "")
			o.Int("v", 0)
			if err := o.Err(); err != nil && !errors.Is(err, storage.ErrInvalidOption) {
				t.Fatalf("Err() = %v", err)
			}
		}
	})
}
