package devalue

import (
	"errors"
	"math"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"
)

type gvInner struct {
	A int    `json:"a"`
	S string `json:"s,omitempty"`
}

type gvEmbedded struct {
	E float32
}

type gvName string

type gvAll struct {
	gvEmbedded
	*gvInner
	I8     int8
	U64    uint64
	F      float64
	NegZ   float64
	NaN    float64
	B      bool
	Name   gvName
	Any    any
	Ptr    *gvInner
	Ptr2   *gvInner
	Items  []gvInner
	Arr    [2]gvInner
	Bytes  []byte
	Nil    []int
	Map    map[string]int
	IntMap map[int]string
	When   time.Time
	Link   url.URL
	Big    big.Int
	Date   Date
	Undef  Undefined
	Hole   Hole
	Obj    *Object
	Nested [][]gvInner
	Skip   int `json:"-"`
	Zero   int `json:"zero,omitzero"`
	Empty  string
}

// TestValueOfMatchesStringify checks that converting a Go value with ValueOf
// and writing the result gives the text Stringify writes for the Go value
// itself: two independent paths over the same mapping.
func TestValueOfMatchesStringify(t *testing.T) {
	shared := &gvInner{A: 7, S: "shared"}
	o := NewObject()
	o.Set("k", "v")
	all := gvAll{
		gvEmbedded: gvEmbedded{E: 1.5},
		gvInner:    &gvInner{A: 1},
		I8:         -8, U64: 1 << 52, F: 3.25, NegZ: math.Copysign(0, -1), NaN: math.NaN(), B: true,
		Name:   "named",
		Any:    []any{1, "x", gvInner{A: 2}, nil, Hole{}, Undefined{}},
		Ptr:    shared,
		Ptr2:   shared,
		Items:  []gvInner{{A: 1, S: "a"}, {A: 2}, {A: 1500, S: "a"}},
		Arr:    [2]gvInner{{A: 3}, {S: "b"}},
		Bytes:  []byte{1, 2, 3},
		Map:    map[string]int{"b": 2, "a": 1},
		IntMap: map[int]string{2: "two", 1: "one"},
		When:   time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC),
		Link:   url.URL{Scheme: "https", Host: "example.com", Path: "/a"},
		Date:   Date{Time: time.UnixMilli(0)},
		Obj:    o,
		Nested: [][]gvInner{{{A: 1}}, nil, {}},
		Skip:   99,
	}
	all.Big.SetInt64(12345)
	type cyc struct {
		Name string
		Next *cyc
	}
	loop := &cyc{Name: "loop"}
	loop.Next = loop
	for _, v := range []any{
		all, &all, []gvAll{all, all}, []*gvInner{shared, shared, nil},
		[]gvInner{}, []gvInner(nil), [0]gvInner{}, gvInner{}, []int{-1, 0, 1, 1023, 1024, 1 << 40},
		[]uint8{}, []float32{0.5, -0}, loop, []cyc{{Name: "a", Next: loop}},
		map[string][]gvInner{"x": {{A: 1}}},
	} {
		want, err := Stringify(v)
		if err != nil {
			t.Fatalf("Stringify(%T): %v", v, err)
		}
		m, err := ValueOf(v)
		if err != nil {
			t.Fatalf("ValueOf(%T): %v", v, err)
		}
		got, err := Stringify(m)
		if err != nil {
			t.Fatalf("Stringify(ValueOf(%T)): %v", v, err)
		}
		if got != want {
			t.Errorf("%T:\nValueOf then Stringify: %s\nStringify:             %s", v, got, want)
		}
	}
}

func TestValueOfErrors(t *testing.T) {
	type bad struct {
		Lines []struct {
			N int64 `json:"n"`
		} `json:"lines"`
	}
	v := bad{}
	v.Lines = make([]struct {
		N int64 `json:"n"`
	}, 3)
	v.Lines[2].N = 1 << 60
	_, err := ValueOf(v)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrNotSerializable) || e.Path != ".lines[2].n" {
		t.Errorf("ValueOf with a huge int = %v, want ErrNotSerializable at .lines[2].n", err)
	}
	type fn struct{ F []func() }
	if _, err := ValueOf(fn{F: []func(){nil}}); !errors.Is(err, ErrNotSerializable) || !strings.Contains(err.Error(), ".F[0]") {
		t.Errorf("ValueOf with a func = %v", err)
	}
	deep := [][][][]gvInner{{{{{A: 1}}}}}
	if _, err := (Options{MaxDepth: 3}).ValueOf(deep); !errors.Is(err, ErrTooDeep) {
		t.Errorf("ValueOf beyond MaxDepth = %v, want ErrTooDeep", err)
	}
	if _, err := (Options{MaxDepth: 6}).ValueOf(deep); err != nil {
		t.Errorf("ValueOf within MaxDepth = %v", err)
	}
}

// TestStringifyUndefinedField is the regression test for a struct field of
// type Undefined (or Hole), which Stringify wrote as an empty object.
func TestStringifyUndefinedField(t *testing.T) {
	s, err := Stringify(struct {
		U Undefined
		H Hole
	}{})
	if want := `[{"U":-1,"H":-1}]`; s != want || err != nil {
		t.Errorf("Stringify = %s, %v; want %s", s, err, want)
	}
}

// TestReducersSeeNestedGoValues checks that reducers are offered the Go
// values inside structs, slices and maps, in their own types.
func TestReducersSeeNestedGoValues(t *testing.T) {
	type money struct{ Cents int }
	type code string
	reduce := func(v any) (any, bool) {
		switch u := v.(type) {
		case money:
			return u.Cents, true
		case code:
			return "code:" + string(u), true
		case *url.URL:
			if u != nil {
				return u.String(), true
			}
		case url.URL:
			return u.String(), true
		}
		return nil, false
	}
	untyped := Options{Reducers: []Reducer{{Tag: "URL", Reduce: reduce}}}
	type line struct {
		ID    string   `json:"id"`
		Qty   int      `json:"qty"`
		Link  url.URL  `json:"link"`
		Ptr   *url.URL `json:"ptr"`
		Links []url.URL
		Any   any
		Price money
		Hist  []money
		Code  code
	}
	u, _ := url.Parse("https://example.com/a?b=1")
	values := []any{
		[]line{{ID: "a", Qty: 1, Link: *u, Ptr: u, Links: []url.URL{*u}, Any: u, Price: money{5}, Hist: []money{{1}, {5}}, Code: "x"}, {ID: "b", Qty: 1}},
		line{ID: "a", Any: []any{*u, "x"}},
		&line{ID: "a", Ptr: u},
		[]url.URL{*u, *u},
		map[string]any{"u": u, "l": []line{{ID: "z"}}},
		*u, u,
	}
	for i, v := range values {
		got, err := untyped.Stringify(v)
		if err != nil || strings.Contains(got, "Cents") || strings.Contains(got, "example.com") && !strings.Contains(got, `["URL",`) {
			t.Errorf("value %d: %s (%v)", i, got, err)
		}
	}
}

// wideStruct has more fields than the 64 encodeStruct once tracked in a
// bitmask, with omitempty fields after them.
type wideStruct struct {
	F0  int
	F1  int
	F2  int
	F3  int
	F4  int
	F5  int
	F6  int
	F7  int
	F8  int
	F9  int
	F10 int
	F11 int
	F12 int
	F13 int
	F14 int
	F15 int
	F16 int
	F17 int
	F18 int
	F19 int
	F20 int
	F21 int
	F22 int
	F23 int
	F24 int
	F25 int
	F26 int
	F27 int
	F28 int
	F29 int
	F30 int
	F31 int
	F32 int
	F33 int
	F34 int
	F35 int
	F36 int
	F37 int
	F38 int
	F39 int
	F40 int
	F41 int
	F42 int
	F43 int
	F44 int
	F45 int
	F46 int
	F47 int
	F48 int
	F49 int
	F50 int
	F51 int
	F52 int
	F53 int
	F54 int
	F55 int
	F56 int
	F57 int
	F58 int
	F59 int
	F60 int
	F61 int
	F62 int
	F63 int
	S   string `json:"s,omitempty"`
	N   int    `json:"n,omitempty"`
	L   []int  `json:"l,omitempty"`
}

// TestOmitEmptyBeyond64Fields: empty omitempty fields past the 64th are left
// out, as they are before it and as the value model leaves them out; a
// string or an int there once panicked or was written as undefined.
func TestOmitEmptyBeyond64Fields(t *testing.T) {
	for _, v := range []wideStruct{{}, {F63: 7, S: "x"}, {N: 3, L: []int{1}}} {
		checkWrittenAsModel(t, v)
	}
}

// checkWrittenAsModel checks that Stringify writes Go value v as it writes
// the same value converted to the value model.
func checkWrittenAsModel(t *testing.T, v any) {
	t.Helper()
	got, err := Stringify(v)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ValueOf(v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Stringify(m)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Stringify(%+v)\n got %s\nwant %s", v, got, want)
	}
}
