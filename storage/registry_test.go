package storage_test

import (
	"errors"
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
