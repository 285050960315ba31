package devalue

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

type cloneLine struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	Tags      []string
	Attrs     map[string]any `json:"attrs,omitempty"`
	Dims      [2]float32
	hidden    []int
}

type cloneEmbedded struct {
	cloneLine
	Extra string
}

// checkClone checks that the clone of v is written as v is, within the
// bound, and that changing v afterwards does not change the clone.
func checkClone(t *testing.T, o Options, v any, change func()) {
	t.Helper()
	want, err := o.Stringify(v)
	if err != nil {
		t.Fatalf("Stringify(%#v): %v", v, err)
	}
	c, n, ok := o.Clone(v)
	if !ok {
		t.Fatalf("Clone(%#v) refused", v)
	}
	got, err := o.Stringify(c)
	if err != nil || got != want {
		t.Fatalf("Stringify of the clone of %#v\n got %s (%v)\nwant %s", v, got, err, want)
	}
	if len(want) > n {
		t.Fatalf("%s: %d bytes, over the bound %d", want, len(want), n)
	}
	if change != nil {
		change()
		if again, _ := o.Stringify(c); again != want {
			t.Fatalf("the clone changed with the original:\n got %s\nwant %s", again, want)
		}
	}
}

func TestClone(t *testing.T) {
	o := Options{}
	cart := []cloneLine{{ProductID: "sku-1", Quantity: 2, Tags: []string{"a", "<b>"}, Attrs: map[string]any{"x": []any{1, "y"}}, hidden: []int{1}},
		{ProductID: "sku-1", Quantity: 1, Dims: [2]float32{1.5, float32(math.Inf(1))}}}
	checkClone(t, o, cart, func() {
		cart[0].ProductID = "changed"
		cart[0].Tags[0] = "changed"
		cart[0].Attrs["x"].([]any)[0] = 99
		cart[1].Quantity = 7
	})
	m := map[string][]int{"b": {1, 2}, "a": nil, "c": {}}
	checkClone(t, o, m, func() { m["b"][0] = 5; m["d"] = []int{1} })
	arr := [3]map[string]string{{"k": "v"}, nil, {"\u2028": "\x00"}}
	checkClone(t, o, arr, func() { arr[0]["k"] = "w" })
	for _, v := range []any{nil, "", "s", 1, -1<<53 + 1, uint64(1<<53 - 1), 2.5, math.NaN(), math.Copysign(0, -1), true,
		[]any{nil, "x", 1.0, []any{}}, map[string]any{}, []string(nil), struct{ A, B int }{1, 2}, []cloneLine{}} {
		checkClone(t, o, v, nil)
	}

	type money struct{ Cents int }
	shared := map[string]int{"a": 1}
	refused := []any{
		&cloneLine{}, []byte("x"), time.Now(), url.URL{}, NewObject(), []any{NewArray()}, 1 << 53, uint64(1 << 53),
		map[int]string{1: "a"}, map[string]int{"__proto__": 1}, cloneEmbedded{}, Undefined{}, struct{ F func() }{},
		[]map[string]int{shared, shared}, "\xff", make(chan int), []money{{1}},
	}
	typed := Options{Reducers: []Reducer{{Tag: "Money", Reduce: func(v any) (any, bool) {
		m, ok := v.(money)
		return m.Cents, ok
	}, Types: []reflect.Type{reflect.TypeFor[money]()}}}}
	for i, v := range refused {
		if _, _, ok := typed.Clone(v); ok {
			t.Errorf("Clone of value %d (%T) accepted", i, v)
		}
	}
	untyped := Options{Reducers: []Reducer{{Tag: "X", Reduce: func(any) (any, bool) { return nil, false }}}}
	if _, _, ok := untyped.Clone("s"); ok {
		t.Error("Clone accepted a value with a reducer of undeclared types")
	}
	deep := []any{}
	for range 20 {
		deep = []any{deep}
	}
	if _, _, ok := (Options{MaxDepth: 10}).Clone(deep); ok {
		t.Error("Clone accepted a value nested beyond the depth limit")
	}
}

// TestCloneRandom checks Clone against Stringify on random plain values.
func TestCloneRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	strs := []string{"", "a", "sku-1", "<", "\"\\", "\u2028é😀", "\n\t\x01", strings.Repeat("x", 40)}
	var gen func(depth int) any
	gen = func(depth int) any {
		k := r.IntN(9)
		if depth > 4 {
			k %= 4
		}
		switch k {
		case 0:
			return strs[r.IntN(len(strs))]
		case 1:
			return r.IntN(2000) - 1000
		case 2:
			return []float64{r.Float64() * 1e20, -0.5, 1e-7, math.Inf(-1)}[r.IntN(4)]
		case 3:
			return r.IntN(2) == 0
		case 4:
			n := r.IntN(5)
			s := make([]any, n)
			for i := range s {
				s[i] = gen(depth + 1)
			}
			return s
		case 5:
			m := map[string]any{}
			for range r.IntN(5) {
				m[strs[r.IntN(len(strs))]] = gen(depth + 1)
			}
			return m
		case 6:
			l := make([]cloneLine, r.IntN(4))
			for i := range l {
				l[i] = cloneLine{ProductID: strs[r.IntN(len(strs))], Quantity: r.IntN(100), Tags: []string{strs[r.IntN(len(strs))]}}
			}
			return l
		case 7:
			return map[string]int{strs[r.IntN(len(strs))]: r.IntN(9)}
		default:
			return [2]string{strs[r.IntN(len(strs))], strs[r.IntN(len(strs))]}
		}
	}
	for range 3000 {
		checkClone(t, Options{}, gen(0), nil)
	}
}

type exactLine struct {
	ID    string            `json:"id"`
	Qty   int               `json:"qty"`
	Price float32           `json:"price"`
	Tags  []string          `json:"tags"`
	Attrs map[string]uint16 `json:"attrs"`
	Grid  [2][]int8
}

// roundTrip is what a value reads back as from its text.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	text, err := Stringify(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := Unmarshal([]byte(text), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkCopyInto[T any](t *testing.T, v T) {
	t.Helper()
	var got T
	if !CopyInto(v, &got) {
		t.Fatalf("CopyInto refused %T", v)
	}
	// %#v tells nil from empty, and prints NaN alike (DeepEqual does not)
	if want := roundTrip(t, v); fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Fatalf("CopyInto gave %#v, reading the text back %#v", got, want)
	}
}

// TestCopyInto checks CopyInto against writing the value and reading it back.
func TestCopyInto(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	strs := []string{"", "sku-1", "<\u2028>", "é😀", "\"\\\n"}
	for range 500 {
		n := r.IntN(4)
		var lines []exactLine
		if n > 0 {
			lines = make([]exactLine, n)
		}
		for i := range lines {
			l := &lines[i]
			l.ID, l.Qty, l.Price = strs[r.IntN(len(strs))], r.IntN(1e6)-5e5, float32(r.NormFloat64())
			if r.IntN(2) == 0 {
				l.Tags = []string{strs[r.IntN(len(strs))]}
			}
			if r.IntN(2) == 0 {
				l.Attrs = map[string]uint16{strs[r.IntN(len(strs))]: uint16(r.IntN(65536))}
			}
			if r.IntN(2) == 0 {
				l.Grid[1] = []int8{int8(r.IntN(256) - 128)}
			}
		}
		checkCopyInto(t, lines)
		checkCopyInto(t, map[string][]exactLine{"k": lines})
	}
	checkCopyInto(t, []float64{math.NaN(), math.Inf(1), math.Copysign(0, -1)})
	checkCopyInto(t, "s")
	checkCopyInto(t, [3]bool{true})

	// and the copy is a copy
	orig := []exactLine{{ID: "a", Tags: []string{"x"}, Attrs: map[string]uint16{"k": 1}}}
	var cp []exactLine
	CopyInto(orig, &cp)
	orig[0].Tags[0], orig[0].Attrs["k"], orig[0].ID = "changed", 2, "changed"
	if cp[0].Tags[0] != "x" || cp[0].Attrs["k"] != 1 || cp[0].ID != "a" {
		t.Fatalf("the copy changed with the original: %#v", cp)
	}
	flat := []scalarLine{{ProductID: "a", Quantity: 1}, {ProductID: "b"}}
	var flatCopy []scalarLine
	if !CopyInto(flat, &flatCopy) || len(flatCopy) != 2 || flatCopy[1].ProductID != "b" {
		t.Fatalf("CopyInto of plain structs: %#v", flatCopy)
	}
	flat[0].ProductID, flat[0].Quantity = "changed", 9
	if flatCopy[0].ProductID != "a" || flatCopy[0].Quantity != 1 {
		t.Fatalf("the copy changed with the original: %#v", flatCopy)
	}

	for i, c := range []struct{ v, out any }{
		{cloneLine{}, new(cloneLine)},         // unexported field, omitempty
		{cloneEmbedded{}, new(cloneEmbedded)}, // promoted fields
		{[]any{1}, new([]any)},                // interfaces read back as the model
		{struct {
			A int `json:"-"`
		}{}, new(struct {
			A int `json:"-"`
		})},
		{struct {
			A int `json:",omitempty"`
		}{}, new(struct {
			A int `json:",omitempty"`
		})},
		{[]byte("x"), new([]byte)},
		{1, new(int64)}, // not the same type
		{&exactLine{}, new(*exactLine)},
		{map[int]string{}, new(map[int]string)},
	} {
		if CopyInto(c.v, c.out) {
			t.Errorf("case %d: CopyInto accepted %T", i, c.v)
		}
	}
}

// TestCloneScalarStructs checks slices of structs of strings and ints, which
// Clone checks field by field: the clone, its bound (the same as cloneStruct
// counts for each element), and the values it refuses.
func TestCloneScalarStructs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	words := []string{"", "sku-1", "a\"b", "<x>", "é", "\u2028"}
	for iter := 0; iter < 500; iter++ {
		lines := make([]scalarLine, rng.IntN(30))
		for i := range lines {
			lines[i] = scalarLine{ProductID: words[rng.IntN(len(words))], Quantity: rng.IntN(9) - 4,
				Note: sku(words[rng.IntN(len(words))]), Small: int32(rng.IntN(3)), Big: int64(rng.IntN(1 << 20))}
		}
		checkClone(t, Options{}, lines, func() {
			if len(lines) > 0 {
				lines[0].ProductID, lines[0].Big = "changed", 42
			}
		})

		fast := cloner{maxDepth: DefaultMaxDepth}
		if !fast.cloneElems(reflect.ValueOf(lines), reflect.Value{}, 0) {
			t.Fatal("refused")
		}
		slow := cloner{maxDepth: DefaultMaxDepth}
		slow.size = 3 + refCost*len(lines)
		for i := range lines {
			if _, ok := slow.cloneStruct(reflect.ValueOf(lines[i]), 1, false); !ok {
				t.Fatal("cloneStruct refused")
			}
		}
		if fast.size != slow.size {
			t.Fatalf("%d lines: size %d, cloneStruct counts %d", len(lines), fast.size, slow.size)
		}
	}
	for _, bad := range [][]scalarLine{{{}, {ProductID: "\xff"}}, {{Note: "\xed\xa0"}}, {{Big: 1 << 53}}, {{Big: -(1 << 53)}}} {
		if _, _, ok := (Options{}).Clone(bad); ok {
			t.Errorf("Clone(%#v) accepted", bad)
		}
	}
}
