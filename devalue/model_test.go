package devalue

import (
	"math"
	"strconv"
	"testing"
)

func TestNewMapFromEntries(t *testing.T) {
	a, b := NewObject(), NewObject()
	entries := []MapEntry{
		{"x", 1.0},
		{math.Copysign(0, -1), "negative zero"},
		{"y", a},
		{"x", 2.0}, // keeps the first position, takes the last value
		{0.0, "zero"},
		{b, true},
	}
	m := NewMapFromEntries(entries)
	want := NewMap()
	want.Set("x", 1.0)
	want.Set(math.Copysign(0, -1), "negative zero")
	want.Set("y", a)
	want.Set("x", 2.0)
	want.Set(0.0, "zero")
	want.Set(b, true)
	got, err := Stringify(m)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := Stringify(want)
	if err != nil {
		t.Fatal(err)
	}
	if got != exp || m.Len() != 4 {
		t.Fatalf("NewMapFromEntries = %s (%d entries), want %s", got, m.Len(), exp)
	}
	if k := m.Entries()[1].Key.(float64); math.Signbit(k) {
		t.Errorf("key -0 was kept, want +0")
	}
	if v, ok := m.Get(b); !ok || v != true {
		t.Errorf("Get(b) = %v, %v", v, ok)
	}
	// the entries beyond the Map's length hold no references
	for i, en := range entries[m.Len():] {
		if en != (MapEntry{}) {
			t.Errorf("entries[%d] = %v after the call, want zero", m.Len()+i, en)
		}
	}

	// large: the index is built
	var many []MapEntry
	for i := range 40 {
		many = append(many, MapEntry{float64(i % 30), float64(i)})
	}
	big := NewMapFromEntries(many)
	if big.Len() != 30 {
		t.Fatalf("Len = %d, want 30", big.Len())
	}
	for i := range 30 {
		want := float64(i)
		if i < 10 {
			want = float64(i + 30)
		}
		if v, ok := big.Get(float64(i)); !ok || v != want {
			t.Errorf("Get(%d) = %v, %v; want %v", i, v, ok, want)
		}
	}
	if m := NewMapFromEntries(nil); m.Len() != 0 {
		t.Errorf("NewMapFromEntries(nil).Len() = %d", m.Len())
	}
}

// TestSmallContainersGrow checks that objects and Maps sharing an allocation
// with their first members grow past it without losing anything.
func TestSmallContainersGrow(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, 5, 8, 9, 20} {
		o := NewObjectCap(n)
		m := newMapCap(n)
		for i := range 2*n + 3 {
			k := string(rune('a' + i))
			o.Set(k, float64(i))
			m.Set(k, float64(i))
		}
		for i := range 2*n + 3 {
			k := string(rune('a' + i))
			if v, _ := o.Get(k); v != float64(i) {
				t.Fatalf("n=%d: object %s = %v", n, k, v)
			}
			if v, _ := m.Get(k); v != float64(i) {
				t.Fatalf("n=%d: Map %s = %v", n, k, v)
			}
		}
		if o.Len() != 2*n+3 || m.Len() != 2*n+3 {
			t.Fatalf("n=%d: lengths %d, %d", n, o.Len(), m.Len())
		}
	}
}

// TestDecodeSliceErrorLeavesNil checks that a slice decoded in place is nil
// again when one of its elements does not fit, and that a non-nil slice keeps
// its backing array untouched.
func TestDecodeSliceErrorLeavesNil(t *testing.T) {
	v := NewArray(1.0, 2.0, "three")
	var nilInts []int
	if err := Decode(v, &nilInts); err == nil {
		t.Fatal("Decode of a string into int succeeded")
	}
	if nilInts != nil {
		t.Errorf("slice after a failed Decode = %v, want nil", nilInts)
	}
	old := []int{7, 8, 9}
	ints := old
	if err := Decode(NewArray(1.0, 2.0), &ints); err != nil {
		t.Fatal(err)
	}
	if len(ints) != 2 || ints[0] != 1 || ints[1] != 2 || old[0] != 7 {
		t.Errorf("Decode = %v, old backing array %v", ints, old)
	}
	var empty []int
	if err := Decode(NewArray(), &empty); err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("Decode of [] = %#v, %v; want an empty non-nil slice", empty, err)
	}
}

func TestAppendIdx(t *testing.T) {
	for _, i := range []int{-7, -1, 0, 9, 10, 42, 99, 100, 517, 999, 1000, 123456} {
		if got, want := string(appendIdx([]byte("x"), i)), "x"+strconv.Itoa(i); got != want {
			t.Errorf("appendIdx(%d) = %q, want %q", i, got, want)
		}
	}
}
