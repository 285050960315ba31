package devalue

import (
	"strconv"
	"testing"
)

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
