package devalue

import (
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

type lazyLine struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	Price     float64
	Tags      []string
	Extra     map[string]any
	Next      *lazyLine
}

// decodeTargets make fresh Go values of the types a Node and the model are
// both decoded into.
var decodeTargets = []func() any{
	func() any { return new(any) },
	func() any { return new(string) },
	func() any { return new(float64) },
	func() any { return new(float32) },
	func() any { return new(int) },
	func() any { return new(uint8) },
	func() any { return new(bool) },
	func() any { return new([]any) },
	func() any { return new([]string) },
	func() any { return new([]int) },
	func() any { return new([]lazyLine) },
	func() any { return new(lazyLine) },
	func() any { return new(*lazyLine) },
	func() any { return new(map[string]any) },
	func() any { return new(map[string]int) },
	func() any { return new(map[string][]lazyLine) },
	func() any { return new([2]string) },
	func() any { return new([]byte) },
}

// checkDoc checks that ParseDoc agrees with Parse on text: the same error, the
// same text written back (from the Node and from its built value), and the
// same results of decoding into every target.
func checkDoc(t *testing.T, text string) {
	t.Helper()
	o := Options{KeepUnknownTags: true}
	v, perr := o.Parse(text)
	doc, derr := o.ParseDoc(text)
	if (perr == nil) != (derr == nil) || (perr != nil && perr.Error() != derr.Error()) {
		t.Fatalf("%q: Parse error %v, ParseDoc error %v", text, perr, derr)
	}
	if perr != nil {
		return
	}
	want, werr := Stringify(v)
	got, gerr := Stringify(doc.Root())
	if got != want || (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: Stringify of the Node\n got %s (%v)\nwant %s (%v)", text, got, gerr, want, werr)
	}
	for _, mk := range decodeTargets {
		a, b := mk(), mk()
		errA := Decode(v, a)
		errB := doc.Root().Decode(b)
		if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			t.Fatalf("%q into %T: Decode error %v, Node.Decode error %v", text, a, errA, errB)
		}
		if !reflect.DeepEqual(a, b) && !sameText(a, b) {
			t.Fatalf("%q into %T: Decode gave %#v, Node.Decode %#v", text, a, a, b)
		}
	}
	built, err := doc.Root().Value()
	if err != nil {
		t.Fatalf("%q: Value: %v", text, err)
	}
	if s, _ := Stringify(built); s != want {
		t.Fatalf("%q: Stringify of Value\n got %s\nwant %s", text, s, want)
	}
	// once built, the Node is written from the model
	if s, _ := Stringify(doc.Root()); s != want {
		t.Fatalf("%q: Stringify of the built Node\n got %s\nwant %s", text, s, want)
	}
}

var lazyTexts = []string{
	`[[1,2,3],"a",{"productId":1,"quantity":4},4]`,
	`[[1,2],{"productId":3,"quantity":4,"Tags":5},{"productId":6,"quantity":4,"Tags":7},"p1",1,[3,6],"p2",[]]`,
	`[{"productId":1,"quantity":2,"Extra":3},"p",2.5,{"a":-1,"b":-3,"c":-6,"d":4},null]`,
	`[{"productId":1,"quantity":2},"p",1e300]`,
	`[{"productId":1,"quantity":2},"p",-5]`,
	`[{"productId":1,"quantity":2},"p",1.5]`,
	`[{"Next":1,"productId":2},{"productId":2},"shared"]`,
	`[{"a":1,"b":1},{"x":2},"y"]`,
	`[{"a":1,"a":2},"x","y"]`,
	`[{"2":1,"1":2},"x","y"]`,
	`[{"__proto__":1},"x"]`,
	`[[1,-2,1],"x"]`,
	`[[1,2],"x",-0.0]`,
	`[[-0,1],"x"]`,
	`[[1.0,2],"x","y"]`,
	`[[5],"x"]`,
	`[[-2],"x"]`,
	`[{"a":-2},"x"]`,
	`[[1],["Date","2020-01-01T00:00:00.000Z"]]`,
	`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],{"productId":6,"quantity":7},{"productId":8,"quantity":7},"sku-1",1,"sku-2"]`,
	`[["Map",1,2],"k",{"data":0,"expires":-1}]`,
	`[["Map",1,2,3],"k",{"data":-1}]`,
	`[["Set",1,1],"x"]`,
	`[[1,2,3],"\u003Cb>","a\"b\\c\u2028",{"\u003Ck":1}]`,
	`[{"a":1},{"b":2},{"c":3},{"d":4},{"e":0}]`,
	`[[1,1,1],{"v":2},true]`,
	`[[1,2,3,4],true,false,null,-1]`,
	`["just a string"]`, `[42]`, `-1`, `-3`, `[]`, `{}`, `[1]`, `[-2]`, `[{}]`, `[[]]`,
}

func TestDocMatchesParse(t *testing.T) {
	texts := append(append(append([]string{}, lazyTexts...), roundTripVectors...), parseErrorInputs()...)
	for _, name := range []string{"testdata/session-2k.devalue", "testdata/session-200k.devalue"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, strings.TrimSpace(string(b)))
	}
	for _, text := range texts {
		checkDoc(t, text)
	}
}

func TestDocPlainness(t *testing.T) {
	for text, plain := range map[string]bool{
		`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`: true,
		`[[1,2],{"a":3},{"b":3},"x"]`:                                        true,
		`[[1,1],{"a":2},"x"]`:                                                false, // a shared object
		`[{"a":0}]`:                                                          false, // a cycle
		`[[1,-2],"x"]`:                                                       false, // a hole
		`[[1],["Date","2020-01-01T00:00:00.000Z"]]`:                          false,
		`[{"1":1},"x"]`:                                                      false, // JavaScript reorders index keys
	} {
		doc, err := ParseDoc(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if doc.plain != plain {
			t.Errorf("%s: plain %v, want %v", text, doc.plain, plain)
		}
	}
}

// TestNodesInAnotherText writes Nodes of two Docs into one new text, with
// values of the model and Go values around them, and compares it with the
// text of the same values built.
func TestNodesInAnotherText(t *testing.T) {
	rec, err := ParseDoc(`[["Map",1,2,3,4],"cart",{"data":5,"expires":-1},"user",{"data":8,"expires":9},[6,7],"sku-1","sku-2","sku-1",1767225600000]`)
	if err != nil {
		t.Fatal(err)
	}
	frag, err := Options{}.ParseDoc(`[[1,2],{"productId":3,"quantity":4},{"productId":5,"quantity":4},"sku-2",1,"sku-3"]`)
	if err != nil {
		t.Fatal(err)
	}
	var entries []Node
	rec.Root().MapEntries(func(k, v Node) bool {
		d, ok := v.Member("data")
		if !ok {
			t.Fatal("no data")
		}
		entries = append(entries, d)
		return true
	})
	build := func(a, b, c any) *Map {
		m := NewMap()
		m.Set("cart", a)
		m.Set("user", b)
		m.Set("new", c)
		m.Set("n", 1767225600000.0)
		m.Set("s", "sku-3")
		return m
	}
	got, err := Stringify(build(entries[0], entries[1], frag.Root()))
	if err != nil {
		t.Fatal(err)
	}
	va, _ := entries[0].Value()
	vb, _ := entries[1].Value()
	vc, _ := frag.Root().Value()
	want, err := Stringify(build(va, vb, vc))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if s, ok := entries[1].String(); !ok || s != "sku-1" {
		t.Fatalf("String: %q %v", s, ok)
	}
}

// TestNodeSeesChangesToItsModel: a Node whose value was built and then
// changed is written as changed.
func TestNodeSeesChangesToItsModel(t *testing.T) {
	doc, err := ParseDoc(`[[1,2],{"a":3},{"b":3},"x"]`)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := doc.Root().Value()
	v.(*Array).At(0).(*Object).Set("a", "changed")
	got, _ := Stringify(doc.Root())
	if want := `[[1,3],{"a":2},"changed",{"b":4},"x"]`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// FuzzDoc checks that ParseDoc agrees with Parse on any text.
func FuzzDoc(f *testing.F) {
	addSeeds(f)
	for _, s := range lazyTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkDoc(t, text)
	})
}

// sameText reports whether a and b write the same text: values of the model
// may differ in their insides (NaN is not equal to itself, objects keep
// spare room) and still stand for the same JavaScript value.
func sameText(a, b any) bool {
	sa, errA := Stringify(reflect.ValueOf(a).Elem().Interface())
	sb, errB := Stringify(reflect.ValueOf(b).Elem().Interface())
	return errA == nil && errB == nil && sa == sb
}

// TestFork checks that a Fork reads like its Doc, builds its own values, and
// can be used beside it from other goroutines.
func TestFork(t *testing.T) {
	doc, err := ParseDoc(`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],{"id":6},{"id":7},"a","b"]`)
	if err != nil {
		t.Fatal(err)
	}
	var data Node
	doc.Root().MapEntries(func(_, v Node) bool { data, _ = v.Member("data"); return true })
	v1, _ := data.Value()
	v1.(*Array).At(0).(*Object).Set("id", "changed")
	want := `[[1,3],{"id":2},"a",{"id":4},"b"]`
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := doc.Fork()
			n, ok := data.In(f)
			if !ok {
				t.Error("In refused a Fork")
				return
			}
			if got, _ := Stringify(n); got != want {
				t.Errorf("fork wrote %s, want %s", got, want)
			}
			v2, _ := n.Value()
			if v2 == v1 {
				t.Error("a Fork shares built values")
			}
			var out []struct{ ID string }
			if err := n.Decode(&out); err != nil || out[0].ID != "a" {
				t.Errorf("Decode in a fork: %v %v", out, err)
			}
		}()
	}
	wg.Wait()
	if got, _ := Stringify(data); got != `[[1,3],{"id":2},"changed",{"id":4},"b"]` {
		t.Fatalf("the original lost its built value: %s", got)
	}
	other, _ := ParseDoc(`["x"]`)
	if _, ok := data.In(other); ok {
		t.Fatal("In accepted a Doc of another text")
	}
	if _, ok := data.In(doc.Fork().Fork()); !ok {
		t.Fatal("In refused a Fork of a Fork")
	}
}
