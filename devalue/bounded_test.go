package devalue

import (
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// sharedLevels returns a text of depth levels in which each level is an
// object whose two members refer to one array holding the next level: a
// DAG of about 25 bytes per level that is a tree of 2^depth nodes.
func sharedLevels(depth int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < depth; i++ {
		next := strconv.Itoa(2*i + 1)
		fmt.Fprintf(&b, `{"a":%s,"b":%s},[%d],`, next, next, 2*i+2)
	}
	b.WriteString(`{"a":-1,"b":-1}]`)
	return b.String()
}

type sharedLevel struct {
	A []sharedLevel `json:"a"`
	B []sharedLevel `json:"b"`
}

// TestDecodeSharedLevelsIsBounded: decoding a small text whose shared
// references expand into a huge tree fails with ErrType instead of
// allocating the tree.
func TestDecodeSharedLevelsIsBounded(t *testing.T) {
	text := sharedLevels(22)
	if len(text) > 800 {
		t.Fatalf("text is %d bytes", len(text))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var out sharedLevel
	err := Unmarshal([]byte(text), &out)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrType) {
		t.Fatalf("Unmarshal of a %d-byte text of 22 shared levels: err = %v, want one matching ErrType", len(text), err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("Unmarshal allocated %d bytes for a %d-byte text", grew, len(text))
	}
	v, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if err := Decode(v, &out); !errors.Is(err, ErrType) {
		t.Errorf("Decode: err = %v, want one matching ErrType", err)
	}
	// a few shared levels decode: the budget is proportional to the text
	var small sharedLevel
	if err := Unmarshal([]byte(sharedLevels(4)), &small); err != nil {
		t.Errorf("4 shared levels: %v", err)
	}
	if len(small.A) != 1 || len(small.A[0].B) != 1 || len(small.A[0].B[0].A[0].B) != 1 {
		t.Errorf("4 shared levels decoded as %+v", small)
	}
}

// TestBigIntStaysText: Parse keeps a BigInt as its decimal text, so a huge
// one costs what its text costs; Decode converts it when asked.
func TestBigIntStaysText(t *testing.T) {
	digits := strings.Repeat("1234567890", 100_000)
	text := `[["Map",1,2],"big",["BigInt","` + digits + `"]]`
	v, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	big1, _ := v.(*Map).Get("big")
	if got := fmt.Sprintf("%T", big1); got != "devalue.BigInt" {
		t.Fatalf("Parse gave a %s for a BigInt", got)
	}
	if s, err := Stringify(v); err != nil || s != text {
		t.Errorf("round trip of a big BigInt differs (%v)", err)
	}
	var n *big.Int
	if err := Decode(big1, &n); err != nil || n.String() != digits {
		t.Errorf("Decode into *big.Int: %v", err)
	}
}

// TestMarshalResultIsTheCallers: the bytes Marshal returns are not reused by
// a later call.
func TestMarshalResultIsTheCallers(t *testing.T) {
	b, err := Marshal([]string{"first"})
	if err != nil {
		t.Fatal(err)
	}
	want := string(b)
	for i := 0; i < 10; i++ {
		if _, err := Stringify([]string{"a later text, longer than the first one"}); err != nil {
			t.Fatal(err)
		}
	}
	if string(b) != want {
		t.Errorf("Marshal's result changed to %s", b)
	}
}

// TestDecodeLargeGoValue: the budget counts a Go value handed to Decode by
// its size, like a parsed one.
func TestDecodeLargeGoValue(t *testing.T) {
	in := make([]int, 100_000)
	var out []int
	if err := Decode(in, &out); err != nil || len(out) != len(in) {
		t.Errorf("Decode of %d ints: %d, %v", len(in), len(out), err)
	}
}
