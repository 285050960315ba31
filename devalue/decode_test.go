package devalue

import (
	"errors"
	"math/big"
	"net/url"
	"reflect"
	"testing"
	"time"
)

type cartItem struct {
	SKU      string  `devalue:"sku" json:"ignored"`
	Quantity int     `json:"quantity"`
	Price    float64 `json:"price,omitempty"`
	Gift     bool    `json:"gift,omitempty"`
}

type profile struct {
	Name    string            `json:"name"`
	Since   time.Time         `json:"since"`
	Home    *url.URL          `json:"home"`
	Tags    []string          `json:"tags"`
	Cart    []cartItem        `json:"cart"`
	Prefs   map[string]string `json:"prefs"`
	Counts  map[int]int       `json:"counts"`
	Big     *big.Int          `json:"big"`
	Avatar  []byte            `json:"avatar"`
	Skip    string            `json:"-"`
	private string
	Extra   any `json:"extra"`
}

func TestMarshalUnmarshal(t *testing.T) {
	in := profile{
		Name:   "Houston",
		Since:  time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC),
		Home:   mustURL("https://example.com/"),
		Tags:   []string{"a", "b", "a"},
		Cart:   []cartItem{{"sku-1", 2, 9.5, false}, {"sku-2", 1, 0, true}},
		Prefs:  map[string]string{"theme": "dark"},
		Counts: map[int]int{3: 1, 1: 2},
		Big:    big.NewInt(-12345678901234),
		Avatar: []byte{1, 2, 3},
		Skip:   "x",
		Extra:  []any{1.5, "x", nil},
	}
	b, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out profile
	if err := Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	in.Skip, in.private = "", ""
	// interface{} receives the model
	if a, ok := out.Extra.(*Array); !ok || a.Len() != 3 || a.At(0) != 1.5 {
		t.Errorf("Extra = %#v", out.Extra)
	}
	out.Extra, in.Extra = nil, nil
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func TestDecodeErrorsNamePath(t *testing.T) {
	tests := []struct {
		text string
		out  any
		path string
	}{
		{`[{"cart":1},[2,3,4],{"sku":5,"quantity":6},{"sku":5,"quantity":6},{"sku":5,"quantity":7},"s",1,"three"]`, &struct {
			Cart []cartItem `json:"cart"`
		}{}, ".cart[2].quantity"},
		{`[["Map",1,2],"k",{"data":3},{"x-y":4},true]`, &map[string]struct {
			Data map[string]int `json:"data"`
		}{}, `.get("k").data["x-y"]`},
		{`[{"n":1},300]`, &struct{ N int8 }{}, ".n"},
		{`[{"n":1},-1]`, &struct{ N uint }{}, ".n"},
		{`[{"t":1},["Date",""]]`, &struct{ T time.Time }{}, ".t"},
	}
	for _, tt := range tests {
		err := Unmarshal([]byte(tt.text), tt.out)
		var e *Error
		if !errors.Is(err, ErrType) || !errors.As(err, &e) || e.Path != tt.path {
			t.Errorf("Unmarshal(%s) = %v, want path %s", tt.text, err, tt.path)
		}
	}
	if err := Decode(1.0, struct{}{}); !errors.Is(err, ErrType) {
		t.Errorf("non-pointer: %v", err)
	}
}

func TestDecodeKeepsSharingAndCycles(t *testing.T) {
	type node struct {
		Name string `json:"name"`
		Next *node  `json:"next"`
	}
	v, err := Parse(`[[1,1],{"name":2,"next":1},"loop"]`)
	if err != nil {
		t.Fatal(err)
	}
	var out []*node
	if err := Decode(v, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0] != out[1] || out[0].Next != out[0] || out[0].Name != "loop" {
		t.Errorf("decoded %#v", out)
	}
}

func TestValueOfDeepCopy(t *testing.T) {
	shared := &cartItem{SKU: "s"}
	in := map[string]any{"a": shared, "b": shared, "when": time.UnixMilli(5).UTC()}
	v, err := ValueOf(in)
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	a, _ := o.Get("a")
	b, _ := o.Get("b")
	if a != b {
		t.Error("shared pointer lost its identity")
	}
	if w, _ := o.Get("when"); string(appendISO(nil, w.(*Date))) != "1970-01-01T00:00:00.005Z" {
		t.Errorf("when = %#v", w)
	}
	// copying a parsed value does not alias it
	p, _ := Parse(`[{"x":1},[2],"y"]`)
	cp, _ := ValueOf(p)
	cp.(*Object).Set("z", 1.0)
	x, _ := cp.(*Object).Get("x")
	x.(*Array).Set(0, "changed")
	if s, _ := Stringify(p); s != `[{"x":1},[2],"y"]` {
		t.Errorf("original changed: %s", s)
	}
}

func TestModelBasics(t *testing.T) {
	o := NewObject()
	for _, k := range []string{"b", "10", "a", "2", "01"} {
		o.Set(k, k)
	}
	o.Set("b", "again")
	if got := o.Keys(); !reflect.DeepEqual(got, []string{"2", "10", "b", "a", "01"}) {
		t.Errorf("Keys = %v", got)
	}
	o.Delete("10")
	if v, ok := o.Get("b"); !ok || v != "again" || o.Len() != 4 {
		t.Errorf("Get b = %v %v", v, ok)
	}
	m := NewMap()
	for i := 0; i < 20; i++ {
		m.Set(float64(i), i)
	}
	m.Set("k", 1)
	m.Set(negZero(), "zero")
	if v, _ := m.Get(0.0); v != "zero" || m.Len() != 21 {
		t.Errorf("SameValueZero: %v", v)
	}
	m.Delete(5.0)
	if _, ok := m.Get(5.0); ok || m.Len() != 20 {
		t.Error("Delete")
	}
	if v, ok := m.Get("k"); !ok || v != 1 {
		t.Error("string key after delete")
	}
	nan := NewSet(nanValue(), nanValue())
	if nan.Len() != 1 {
		t.Error("NaN is SameValueZero-equal to NaN")
	}
	a := &Array{}
	a.Set(5, "x")
	a.Set(a.Len(), "y")
	if a.Len() != 7 || !reflect.DeepEqual(a.indices(), []int{5, 6}) {
		t.Errorf("array %v", a.elems)
	}
	a.setLen(6)
	if _, hole := a.At(6).(Hole); a.Len() != 6 || !hole {
		t.Error("setLen")
	}
	big := &Array{}
	big.Set(4000000000, 1.0)
	if big.Len() != 4000000001 || len(big.indices()) != 1 {
		t.Error("sparse Set")
	}
}

func negZero() float64 { z := 0.0; return -z }

func nanValue() float64 { z := 0.0; return z / z }

func TestDecodeIntoModelTypes(t *testing.T) {
	var out struct {
		Data    *Object `json:"data"`
		Expires any     `json:"expires"`
		When    *Date   `json:"when"`
	}
	if err := Unmarshal([]byte(`[{"data":1,"expires":-1,"when":2},{"a":-3},["Date",""]]`), &out); err != nil {
		t.Fatal(err)
	}
	if a, _ := out.Data.Get("a"); a.(float64) == a.(float64) || out.Expires != nil || !out.When.Invalid {
		t.Errorf("decoded %+v", out)
	}
}

type embeddedInner struct {
	A int
	B []int
}

// EmbeddedPtr is exported so that its pointer can be allocated by Decode.
type EmbeddedPtr struct{ C string }

type embeddedOuter struct {
	embeddedInner
	*EmbeddedPtr
	D int
}

func TestEmbeddedStructs(t *testing.T) {
	in := embeddedOuter{embeddedInner{1, []int{2}}, &EmbeddedPtr{"c"}, 3}
	s, err := Stringify(in)
	if err != nil || s != `[{"A":1,"B":2,"C":4,"D":5},1,[3],2,"c",3]` {
		t.Fatalf("got %s %v", s, err)
	}
	var out embeddedOuter
	if err := Unmarshal([]byte(s), &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v %v", out, err)
	}
}
