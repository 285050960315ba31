package fs_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/memory"
)

// TestAgainstMemory runs the same random operations on an fs store and an
// unbounded memory store and compares every answer: the two drivers must
// behave alike, through key normalization, empty values, TTLs that never
// expire during the test, and compare-and-swap.
func TestAgainstMemory(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	f := newStore(t, fs.Options{NoSync: true})
	m := memory.New(memory.Options{MaxBytes: -1})
	defer m.Close()
	drivers := []interface {
		storage.Driver
		storage.Swapper
	}{f, m}
	// Leaf keys only: no key is the folder of another.
	names := []string{"a", "b:c", "b/d", "/e/", "f?x", "g\\h", "u:1", "u:2", "..", "x..", "", ":"}
	values := []string{"", "v", "[[\"Map\"]]", "é😀", "line\nbreak", "  "}
	for step := range 1500 {
		k := names[r.IntN(len(names))]
		v := values[r.IntN(len(values))]
		op := r.IntN(6)
		exists, nv := r.IntN(2) == 0, values[r.IntN(len(values))]
		var answers [2]string
		for i, d := range drivers {
			var a string
			switch op {
			case 0:
				a = errString(d.Set(ctx, k, v, 0))
			case 1:
				a = errString(d.Set(ctx, k, v, 3600e9))
			case 2:
				got, ok, err := d.Get(ctx, k)
				a = got + "|" + strconv.FormatBool(ok) + "|" + errString(err)
			case 3:
				ok, err := d.Has(ctx, k)
				a = strconv.FormatBool(ok) + "|" + errString(err)
			case 4:
				a = errString(d.Delete(ctx, k))
			case 5:
				ok, err := d.CompareAndSwap(ctx, k, v, exists, nv, 0)
				a = strconv.FormatBool(ok) + "|" + errString(err)
			}
			answers[i] = a
		}
		if answers[0] != answers[1] {
			t.Fatalf("step %d op %d key %q: fs %q, memory %q", step, op, k, answers[0], answers[1])
		}
		fk, err1 := f.Keys(ctx, "")
		mk, err2 := m.Keys(ctx, "")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		sort.Strings(fk)
		sort.Strings(mk)
		if !slices.Equal(fk, mk) {
			t.Fatalf("step %d: keys fs %q, memory %q", step, fk, mk)
		}
		for _, key := range fk {
			a, _, _ := f.Get(ctx, key)
			b, _, _ := m.Get(ctx, key)
			if a != b {
				t.Fatalf("step %d: %q is %q in fs, %q in memory", step, key, a, b)
			}
		}
	}
}

func errString(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, storage.ErrInvalidKey):
		return "invalid key"
	}
	return err.Error()
}
