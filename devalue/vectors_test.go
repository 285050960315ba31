package devalue

import (
	"errors"
	"math"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// roundTripVectors are texts written by the npm package (the upstream test
// vectors, Astro session records, and more). Parse then Stringify must give
// each back byte for byte.
var roundTripVectors = []string{
	// upstream test vectors
	`[{"foo":1,"x-y":2},"bar","z"]`,
	`[["Map",1,2],"a","b"]`,
	`[["Set",1,2,3],1,2,3]`,
	`[["Date","2001-09-09T01:46:40.000Z"]]`,
	`[["Date",""]]`,
	`[["RegExp","regexp","gim"]]`,
	`[[-2,1,-2],"b"]`,
	`[[-7,1000001,1000000,1],"x"]`,
	`[[-7,21,10,1,20,2],"a","b"]`,
	`-1`, `-3`, `-4`, `-5`, `-6`,
	`[42]`, `[null]`, `["woo!!!"]`, `[[1,-6],0]`,
	`[["BigInt","1"]]`,
	`[["Object",1],["BigInt","1"]]`,
	`[["Object",1],42]`,
	`[["Object",-3]]`,
	`[["Object",1],"woo!!!"]`,
	`[["Uint8Array",1],["ArrayBuffer","AQID"]]`,
	`[["Uint16Array",1,2,2],["ArrayBuffer","CgAUAB4AKAA="]]`,
	`[["Float64Array",1],["ArrayBuffer","AAAAAAAAAIAAAAAAAAD4Pw=="]]`,
	`[["DataView",1,2,4],["ArrayBuffer","AAECAwQFBgcICQ=="]]`,
	`[["ArrayBuffer","AQID"]]`,
	`[["Map",1,0],"self"]`,
	`[["Set",0,1],42]`,
	`[{"self":0}]`,
	`[["null","self",0]]`,
	`[[1,2],{"second":2},{"first":1}]`,
	`[[1,1],"a string"]`,
	`[["null"]]`,
	`[[1,3],{"id":2},1,["Map",1,4],"v"]`,
	`[["URL","https://user:password@example.com/%3Cscript%3E/path?foo=bar#hash"]]`,
	`[["URLSearchParams","foo=1&foo=2&baz=%3C+%3E"]]`,
	`["a\nb"]`, `["\"yar\""]`, `["\u0000"]`, `["\u001f"]`, `["\\"]`,
	`["\u003C/script>\u003Cscript src='https://evil.com/script.js'>alert('pwned')\u003C/script>\u003Cscript>"]`,
	`[{"\u003Csvg onload=alert(\"xss_works\")>":1},"bar"]`,
	`[[1,1],["Foo",2],{"bar":3},["Bar",4],{"answer":5},42]`,
	`[["Temporal.Instant","1999-09-29T05:30:00Z"]]`,
	`[["Temporal.Duration","P1Y2M3D"]]`,
	`[["Temporal.ZonedDateTime","1999-09-29T12:34:56+02:00[Europe/Rome]"]]`,
	// Astro session records
	`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`,
	`[["Map",1,2],"user",{"data":3,"expires":7},{"id":1,"name":4,"roles":5},"Houston",["Set",6],"admin",1767225600000]`,
	`[["Map",1,2],"lastVisit",{"data":3,"expires":-1},["Date","2025-01-02T03:04:05.006Z"]]`,
	`[["Map",1,2,3,4,5,6],"n",{"data":-1,"expires":-1},"z",{"data":-6,"expires":-1},"big",{"data":7,"expires":-1},["BigInt","12345678901234567890"]]`,
	`[["Map"]]`,
	// numbers
	`[[1,2,3,4,5,6,7,8,9,10,11,12]," ",1e+21,1e-7,5e-324,123456789012345680000,0.000001,1.7976931348623157e+308,1.5e-7,-0.5,0.1,100,2.5e+25]`,
	// strings
	"[\"\\u2028\\u2029 \\b\\f\\r\\t é 😀 \u007f > & /\"]",
	`["\ud800x\udc00"]`,
	// keys in JavaScript order
	`[{"1":1,"10":2,"b":3,"a":4,"01":5},"x","y","z","w","v"]`,
	// more tags
	`[["Date","+275760-09-13T00:00:00.000Z"]]`,
	`[["Date","-000001-01-01T00:00:00.000Z"]]`,
	`[["RegExp","a\\/b"]]`,
	`[["Object",1],true]`,
	`[["Object",1],""]`,
	`[["BigUint64Array",1],["ArrayBuffer","AQAAAAAAAAA="]]`,
	`[["Float16Array",1],["ArrayBuffer","ADw="]]`,
	`[[1,3],["Uint8Array",2],["ArrayBuffer","AAEC"],["Int8Array",2,1,1]]`,
	`[[-2,-2,1],1]`,
	`[[-7,4,3,1],1]`,
	`[[]]`, `[{}]`, `[true]`, `[false]`, `[[1,2],true,false]`,
	`[["Set",1,-3,-1,2],1,0]`,
}

func TestRoundTripVectors(t *testing.T) {
	for _, text := range roundTripVectors {
		v, err := Parse(text)
		if err != nil {
			if strings.Contains(text, `"Foo"`) {
				continue // needs revivers, tested below
			}
			t.Errorf("Parse(%s): %v", text, err)
			continue
		}
		got, err := Stringify(v)
		if err != nil {
			t.Errorf("Stringify(Parse(%s)): %v", text, err)
			continue
		}
		if got != text {
			t.Errorf("round trip:\n got %s\nwant %s", got, text)
		}
	}
}

func TestStringifyGoValues(t *testing.T) {
	shared := &Object{}
	shared.Set("id", 1.0)
	m := NewMap()
	m.Set(shared, "v")
	selfMap := NewMap()
	selfMap.Set("self", selfMap)
	selfObj := NewObject()
	selfObj.Set("self", selfObj)
	sparse := &Array{}
	sparse.Set(1000000, "x")
	sparse2 := &Array{}
	sparse2.Set(10, "a")
	sparse2.Set(20, "b")
	buf := &ArrayBuffer{Bytes: []byte{10, 0, 20, 0, 30, 0, 40, 0}}
	dvBuf := &ArrayBuffer{Bytes: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"object", struct {
			Foo string `json:"foo"`
			XY  string `devalue:"x-y"`
		}{"bar", "z"}, `[{"foo":1,"x-y":2},"bar","z"]`},
		{"set ints", NewSet(1, 2, 3), `[["Set",1,2,3],1,2,3]`},
		{"date", time.UnixMilli(1e12), `[["Date","2001-09-09T01:46:40.000Z"]]`},
		{"invalid date", &Date{Invalid: true}, `[["Date",""]]`},
		{"regexp", &RegExp{"regexp", "gim"}, `[["RegExp","regexp","gim"]]`},
		{"holes", NewArray(Hole{}, "b", Hole{}), `[[-2,1,-2],"b"]`},
		{"sparse", sparse, `[[-7,1000001,1000000,1],"x"]`},
		{"sparse2", sparse2, `[[-7,21,10,1,20,2],"a","b"]`},
		{"undefined", Undefined{}, `-1`},
		{"nan", math.NaN(), `-3`},
		{"inf", math.Inf(1), `-4`},
		{"-inf", math.Inf(-1), `-5`},
		{"-0", math.Copysign(0, -1), `-6`},
		{"int", 42, `[42]`},
		{"null", nil, `[null]`},
		{"zeros", []float64{0, math.Copysign(0, -1)}, `[[1,-6],0]`},
		{"bigint", big.NewInt(1), `[["BigInt","1"]]`},
		{"boxed bigint", &Boxed{big.NewInt(1)}, `[["Object",1],["BigInt","1"]]`},
		{"boxed nan", &Boxed{math.NaN()}, `[["Object",-3]]`},
		{"uint8array", []byte{1, 2, 3}, `[["Uint8Array",1],["ArrayBuffer","AQID"]]`},
		{"subarray", &TypedArray{Type: "Uint16Array", Buffer: buf, ByteOffset: 2, Length: 2}, `[["Uint16Array",1,2,2],["ArrayBuffer","CgAUAB4AKAA="]]`},
		{"dataview", &DataView{Buffer: dvBuf, ByteOffset: 2, ByteLength: 4}, `[["DataView",1,2,4],["ArrayBuffer","AAECAwQFBgcICQ=="]]`},
		{"self map", selfMap, `[["Map",1,0],"self"]`},
		{"self obj", selfObj, `[{"self":0}]`},
		{"shared key", []any{shared, m}, `[[1,3],{"id":2},1,["Map",1,4],"v"]`},
		{"url", mustURL("https://user:password@example.com/%3Cscript%3E/path?foo=bar#hash"), `[["URL","https://user:password@example.com/%3Cscript%3E/path?foo=bar#hash"]]`},
		{"xss", `</script>`, `["\u003C/script>"]`},
		{"map keys", map[int]string{2: "b", 1: "a"}, `[["Map",1,2,3,4],1,"a",2,"b"]`},
		{"int keys object", map[string]int{"b": 1, "10": 2, "2": 3}, `[{"2":1,"10":2,"b":3},3,2,1]`},
	}
	for _, tt := range tests {
		got, err := Stringify(tt.v)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// astroURLReducer is the reducer Astro passes to stringify.
var astroURLReducer = Reducer{Tag: "URL", Reduce: func(v any) (any, bool) {
	switch u := v.(type) {
	case *url.URL:
		return u.String(), true
	case url.URL:
		return u.String(), true
	case *URL:
		return u.Href, true
	}
	return nil, false
}}

func entry(data, expires any) *Object {
	o := NewObject()
	o.Set("data", data)
	o.Set("expires", expires)
	return o
}

func TestAstroRecords(t *testing.T) {
	opts := Options{Reducers: []Reducer{astroURLReducer}}
	user := NewObject()
	user.Set("id", "user")
	user.Set("name", "Houston")
	user.Set("roles", NewSet("admin"))
	big1, _ := new(big.Int).SetString("12345678901234567890", 10)
	tests := []struct {
		name    string
		entries [][2]any
		want    string
	}{
		{"cart", [][2]any{{"cart", entry([]string{"sku-1", "sku-2"}, Undefined{})}},
			`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`},
		{"user", [][2]any{{"user", entry(user, 1767225600000.0)}},
			`[["Map",1,2],"user",{"data":3,"expires":7},{"id":1,"name":4,"roles":5},"Houston",["Set",6],"admin",1767225600000]`},
		{"date", [][2]any{{"lastVisit", entry(time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC), Undefined{})}},
			`[["Map",1,2],"lastVisit",{"data":3,"expires":-1},["Date","2025-01-02T03:04:05.006Z"]]`},
		{"specials", [][2]any{{"n", entry(Undefined{}, Undefined{})}, {"z", entry(math.Copysign(0, -1), Undefined{})}, {"big", entry(big1, Undefined{})}},
			`[["Map",1,2,3,4,5,6],"n",{"data":-1,"expires":-1},"z",{"data":-6,"expires":-1},"big",{"data":7,"expires":-1},["BigInt","12345678901234567890"]]`},
		{"url", [][2]any{{"u", entry(mustURL("https://example.com/a%20b?x=%3C1%3E"), Undefined{})}, {"same", entry("https://example.com/a%20b?x=%3C1%3E", Undefined{})}},
			`[["Map",1,2,5,6],"u",{"data":3,"expires":-1},["URL",4],"https://example.com/a%20b?x=%3C1%3E","same",{"data":4,"expires":-1}]`},
		{"empty", nil, `[["Map"]]`},
	}
	for _, tt := range tests {
		m := NewMap()
		for _, e := range tt.entries {
			m.Set(e[0], e[1])
		}
		got, err := opts.Stringify(m)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		// Parse accepts the index form of URL without a reviver, and the
		// model value with the reducer writes the same text again.
		v, err := Parse(got)
		if err != nil {
			t.Errorf("%s: Parse: %v", tt.name, err)
			continue
		}
		again, err := opts.Stringify(v)
		if err != nil || again != tt.want {
			t.Errorf("%s: re-stringify = %s, %v", tt.name, again, err)
		}
	}
	v, err := Parse(`[["URL","https://example.com/"]]`)
	if u, ok := v.(*URL); err != nil || !ok || u.Href != "https://example.com/" {
		t.Errorf("inline URL: %#v %v", v, err)
	}
	v, err = Parse(`[["URL",1],"https://example.com/"]`)
	if u, ok := v.(*URL); err != nil || !ok || u.Href != "https://example.com/" {
		t.Errorf("index URL: %#v %v", v, err)
	}
}

type foo struct{ bar any }
type barT struct{ answer float64 }

func TestCustomReducersRevivers(t *testing.T) {
	inner := &foo{bar: &barT{answer: 42}}
	opts := Options{
		Reducers: []Reducer{
			{Tag: "Foo", Reduce: func(v any) (any, bool) {
				f, ok := v.(*foo)
				if !ok {
					return nil, false
				}
				o := NewObject()
				o.Set("bar", f.bar)
				return o, true
			}},
			{Tag: "Bar", Reduce: func(v any) (any, bool) {
				b, ok := v.(*barT)
				if !ok {
					return nil, false
				}
				o := NewObject()
				o.Set("answer", b.answer)
				return o, true
			}},
		},
		Revivers: map[string]func(any) (any, error){
			"Foo": func(v any) (any, error) { b, _ := v.(*Object).Get("bar"); return &foo{bar: b}, nil },
			"Bar": func(v any) (any, error) { a, _ := v.(*Object).Get("answer"); return &barT{answer: a.(float64)}, nil },
		},
	}
	want := `[[1,1],["Foo",2],{"bar":3},["Bar",4],{"answer":5},42]`
	got, err := opts.Stringify([]any{inner, inner})
	if err != nil || got != want {
		t.Fatalf("got %s, %v; want %s", got, err, want)
	}
	v, err := opts.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	a := v.(*Array)
	if a.At(0) != a.At(1) || a.At(0).(*foo).bar.(*barT).answer != 42 {
		t.Fatalf("revived %#v", a.elems)
	}
	_, err = Options{Revivers: map[string]func(any) (any, error){"Custom": func(v any) (any, error) { return v, nil }}}.Parse(`[["Custom",0]]`)
	if err == nil || !strings.Contains(err.Error(), "Invalid circular reference") {
		t.Errorf("self-referencing custom: %v", err)
	}
	// a reviver for a built-in tag receives the inline payload
	v, err = Options{Revivers: map[string]func(any) (any, error){"URL": func(v any) (any, error) { return "url:" + v.(string), nil }}}.Parse(`[["URL","https://a.example/"]]`)
	if err != nil || v != "url:https://a.example/" {
		t.Errorf("URL reviver: %v %v", v, err)
	}
}

var parseErrorVectors = []struct{ in, msg string }{
	{`[["Int8Array", 1], { "length": 2 }, 1000000000]`, "Invalid data"},
	{`[["ArrayBuffer", { "length": 100 }]]`, "Invalid ArrayBuffer encoding"},
	{`-2`, "Invalid input"},
	{`"hello"`, "Invalid input"},
	{`42`, "Invalid input"},
	{`true`, "Invalid input"},
	{`null`, "Invalid input"},
	{`{}`, "Invalid input"},
	{`[]`, "Invalid input"},
	{`[{"__proto__":1},{}]`, "Cannot parse an object with a `__proto__` property"},
	{`[[-7,1,"__proto__",{}]]`, "Invalid input"},
	{`[[-7,5,"foo",1]]`, "Invalid input"},
	{`[[-7,5,-1,1]]`, "Invalid input"},
	{`[[-7,2,5,1]]`, "Invalid input"},
	{`[[-7,"abc"]]`, "Invalid input"},
	{`[[-7,-3]]`, "Invalid input"},
	{`[[-7,1.5]]`, "Invalid input"},
	{`[[-7,5,1.5,1]]`, "Invalid input"},
	{`[[-7,4294967296]]`, "Invalid input"},
	{`[["null","__proto__",1],{}]`, "Cannot parse an object with a `__proto__` property"},
	{`[["null",1,1],{}]`, "Cannot parse an object with a non-string key"},
	{`[["Object",{"__proto__":1}],{}]`, "Invalid input"},
	{`[{"0":1,"toString":"push"},"hello"]`, "Invalid input"},
	{`[["Uint8Array", 0]]`, "Invalid data"},
	{`[["Uint8Array", 1], ["Uint8Array", 0]]`, "Invalid data"},
	{`[["Object",0]]`, "Invalid input"},
	{`[["Object",1],{}]`, "Invalid input"},
	{`[["Object",5]]`, "Invalid input"},
	{`[[5]]`, "Invalid input"},
	{`[{"a":7}]`, "Invalid input"},
	{`[["Foo",1],2]`, "Unknown type Foo"},
	{`[["Map",1],"k"]`, "Invalid input"},
	{`[["URL",0]]`, "Invalid circular reference"},
	{`[["URL","relative/path"]]`, "Invalid URL"},
	{`[["RegExp","a","gg"]]`, "Invalid flags supplied to RegExp constructor 'gg'"},
	{`[["BigInt","1.5"]]`, "Cannot convert 1.5 to a BigInt"},
	{`[["Uint16Array",1],["ArrayBuffer","AQID"]]`, "byte length of Uint16Array should be a multiple of 2"},
	{`[["Uint16Array",1,1,1],["ArrayBuffer","AQID"]]`, "start offset of Uint16Array should be a multiple of 2"},
	{`[["Uint8Array",1,0,4],["ArrayBuffer","AQID"]]`, "Invalid typed array length: 4"},
	{`[1,`, "unexpected end of JSON input"},
	{`[1]x`, "unexpected data after the JSON value"},
	{`["\x"]`, "invalid escape"},
}

func parseErrorInputs() []string {
	var out []string
	for _, tt := range parseErrorVectors {
		out = append(out, tt.in)
	}
	return out
}

func TestParseErrors(t *testing.T) {
	for _, tt := range parseErrorVectors {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%s): no error, want %q", tt.in, tt.msg)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Message != tt.msg {
			t.Errorf("Parse(%s) = %v, want message %q", tt.in, err, tt.msg)
		}
	}
}

func TestParseLimits(t *testing.T) {
	deep := strings.Repeat("[", 100000)
	if _, err := Parse(deep); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep JSON: %v", err)
	}
	// a linked list deeper than the limit
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 200; i++ {
		b.WriteString(`{"n":` + formatNumber(float64(i+1)) + `},`)
	}
	b.WriteString(`1]`)
	if _, err := (Options{MaxDepth: 100}).Parse(b.String()); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep value: %v", err)
	}
	if _, err := (Options{MaxDepth: 1000}).Parse(b.String()); err != nil {
		t.Errorf("value within the limit: %v", err)
	}
	// a huge sparse length allocates nothing
	v, err := Parse(`[[-7,4294967295,4294967294,1],"x"]`)
	if err != nil {
		t.Fatal(err)
	}
	a := v.(*Array)
	if a.Len() != 4294967295 || a.At(4294967294) != "x" || len(a.indices()) != 1 {
		t.Errorf("sparse: len %d", a.Len())
	}
	if s, err := Stringify(a); err != nil || s != `[[-7,4294967295,4294967294,1],"x"]` {
		t.Errorf("sparse round trip: %s %v", s, err)
	}
}

func TestNotSerializable(t *testing.T) {
	type handler struct {
		Name    string
		Handler func() `json:"handler"`
	}
	tests := []struct {
		v    any
		msg  string
		path string
	}{
		{handler{Name: "x", Handler: func() {}}, "Cannot stringify a function", ".handler"},
		{map[string]any{"a": []any{1, make(chan int)}}, "Cannot stringify a channel", ".a[1]"},
		{map[string]any{"c": complex(1, 2)}, "Cannot stringify a complex number", ".c"},
		{map[string]any{"x-y": int64(1 << 60)}, unsafeIntMsg, `["x-y"]`},
		{func() *Map { m := NewMap(); m.Set("k", entry(func() {}, Undefined{})); return m }(), "Cannot stringify a function", `.get("k").data`},
		{func() *Object { o := NewObject(); o.Set("__proto__", 1.0); return o }(), "Cannot stringify objects with __proto__ keys", ""},
	}
	for _, tt := range tests {
		_, err := Stringify(tt.v)
		var e *Error
		if !errors.Is(err, ErrNotSerializable) || !errors.As(err, &e) || e.Message != tt.msg || e.Path != tt.path {
			t.Errorf("Stringify(%T) = %v; want %q at %q", tt.v, err, tt.msg, tt.path)
		}
		if _, err := ValueOf(tt.v); !errors.Is(err, ErrNotSerializable) {
			if _, isObj := tt.v.(*Object); !isObj {
				t.Errorf("ValueOf(%T) = %v", tt.v, err)
			}
		}
	}
	// cycles through Go pointers and maps
	type node struct {
		Name string
		Next *node
	}
	n := &node{Name: "a"}
	n.Next = n
	if s, err := Stringify(n); err != nil || s != `[{"Name":1,"Next":0},"a"]` {
		t.Errorf("pointer cycle: %s %v", s, err)
	}
	mm := map[string]any{}
	mm["self"] = mm
	if s, err := Stringify(mm); err != nil || s != `[{"self":0}]` {
		t.Errorf("map cycle: %s %v", s, err)
	}
	// a slice containing itself cannot be followed forever
	sl := make([]any, 1)
	sl[0] = sl
	if _, err := Stringify(sl); !errors.Is(err, ErrTooDeep) {
		t.Errorf("slice cycle: %v", err)
	}
}

func TestNumberFormat(t *testing.T) {
	tests := map[float64]string{
		0: "0", 1: "1", -1: "-1", 0.1: "0.1", 1e21: "1e+21", 1e-7: "1e-7", 5e-324: "5e-324",
		123456789012345680000: "123456789012345680000", 0.000001: "0.000001", 0.00000123: "0.00000123",
		100000000000000000000: "100000000000000000000", 1.7976931348623157e308: "1.7976931348623157e+308",
		1.5e-7: "1.5e-7", 1e15: "1000000000000000", 123e-20: "1.23e-18", 4.35: "4.35", 1 / 3.0: "0.3333333333333333",
		-1e-7: "-1e-7", 2 << 60: "2305843009213694000", 9007199254740993: "9007199254740992",
	}
	for f, want := range tests {
		if got := formatNumber(f); got != want {
			t.Errorf("formatNumber(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestParseNumbers(t *testing.T) {
	for _, s := range []string{"0.1", "123.45", "0.000001", "1e-7", "9007199254740993", "0.30000000000000004",
		"-0.5", "1.7976931348623157e308", "5e-324", "4.35", "100.10", "0.1234567890123", "123456789012.345", "-0"} {
		v, err := Parse("[" + s + "]")
		if err != nil {
			t.Fatal(err)
		}
		want, _ := strconv.ParseFloat(s, 64)
		if got := v.(float64); got != want || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("Parse(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestNamedScalarTypes(t *testing.T) {
	type flag bool
	type name string
	type count uint16
	v := map[string]any{"f": flag(true), "g": flag(false), "n": name("x"), "c": count(7), "p": new(flag)}
	s, err := Stringify(v)
	if err != nil || s != `[{"c":1,"f":2,"g":3,"n":4,"p":3},7,true,false,"x"]` {
		t.Errorf("got %s %v", s, err)
	}
	type st struct {
		F flag  `json:"f"`
		N name  `json:"n"`
		C count `json:"c"`
		I any   `json:"i"`
	}
	s, err = Stringify(st{true, "x", 7, flag(false)})
	if err != nil || s != `[{"f":1,"n":2,"c":3,"i":4},true,"x",7,false]` {
		t.Errorf("got %s %v", s, err)
	}
}

func TestNilMapsAreDistinct(t *testing.T) {
	var a, b map[string]int
	s, err := Stringify([]any{a, b, []int(nil)})
	if err != nil || s != `[[1,2,3],{},{},[]]` {
		t.Errorf("got %s %v", s, err)
	}
}

// The expected values come from Node.js 20: new RegExp(s).source and
// new URLSearchParams(s).toString().
func TestRegExpAndSearchParamsLikeJS(t *testing.T) {
	for src, want := range map[string]string{
		"": "(?:)", "a/b": `a\/b`, "[/]": "[/]", `a\/b`: `a\/b`, "\n": `\n`, "a\u2028b": `a\u2028b`, "[a/]/": `[a/]\/`, `\[/`: `\[\/`,
	} {
		r, err := newRegExp(src, "yigdsm")
		if err != nil || r.Source != want || r.Flags != "dgimsy" {
			t.Errorf("newRegExp(%q) = %+v, %v; want source %q", src, r, err, want)
		}
	}
	if got := parseSearchParams("?a=b c&&d=%zz&e=%E2%82%AC+x&f=é*-._~!").searchString(); got != "a=b+c&d=%25zz&e=%E2%82%AC+x&f=%C3%A9*-._%7E%21" {
		t.Errorf("URLSearchParams: %s", got)
	}
}

// A custom reviver whose payload refers back to it: devalue revives twice
// (checked with devalue 6.0.3: the inner reference is a second instance).
func TestReviverCycleLikeDevalue(t *testing.T) {
	type foo struct {
		payload any
		id      int
	}
	n := 0
	v, err := Options{Revivers: map[string]func(any) (any, error){"Foo": func(x any) (any, error) {
		n++
		return &foo{x, n}, nil
	}}}.Parse(`[["Foo",1],{"self":0}]`)
	if err != nil {
		t.Fatal(err)
	}
	outer := v.(*foo)
	self, _ := outer.payload.(*Object).Get("self")
	inner := self.(*foo)
	if outer.id != 2 || inner.id != 1 || inner.payload != outer.payload {
		t.Errorf("outer %d inner %d", outer.id, inner.id)
	}
}
