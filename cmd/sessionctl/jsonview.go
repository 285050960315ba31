package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/goastro/session/devalue"
)

// The JSON view of a devalue value. What JSON has (null, booleans, strings,
// finite numbers, plain objects, dense arrays) is written as itself; everything
// else becomes an object naming its JavaScript type under "$type":
//
//	undefined          {"$type":"undefined"}
//	NaN, ±Infinity, -0 {"$type":"number","value":"NaN"}
//	BigInt             {"$type":"BigInt","value":"12345678901234567890"}
//	Date               {"$type":"Date","value":"2025-01-02T03:04:05.006Z"} (null when invalid)
//	Map                {"$type":"Map","entries":[[key,value],...]}
//	Set                {"$type":"Set","values":[...]}
//	URL                {"$type":"URL","href":"..."}
//	RegExp             {"$type":"RegExp","source":"...","flags":"..."}
//	hole of an array   {"$type":"hole"}
//	sparse array       {"$type":"Array","length":N,"elements":{"index":value,...}}
//	object with a "$type" key or without prototype
//	                   {"$type":"Object","nullPrototype":bool,"members":{...}}
//	a value inside itself {"$type":"circular"}
//
// and likewise URLSearchParams, ArrayBuffer, typed arrays, DataView (bytes in
// base64), boxed primitives, Temporal values and custom tags.
type jsonView struct {
	b     bytes.Buffer
	stack []any // containers being written, to show a cycle instead of looping
}

// toJSON returns the JSON view of v, compact.
func toJSON(v any) []byte {
	var w jsonView
	w.value(v)
	return w.b.Bytes()
}

func (w *jsonView) str(s string) {
	b, _ := json.Marshal(s) // a string always marshals
	w.b.Write(b)
}

// typed writes {"$type":t, then fn's members, then }.
func (w *jsonView) typed(t string, fn func()) {
	w.b.WriteString(`{"$type":`)
	w.str(t)
	if fn != nil {
		fn()
	}
	w.b.WriteByte('}')
}

// member writes ,"name": then the value fn writes.
func (w *jsonView) member(name string, fn func()) {
	w.b.WriteByte(',')
	w.str(name)
	w.b.WriteByte(':')
	fn()
}

func (w *jsonView) value(v any) {
	switch x := v.(type) {
	case nil:
		w.b.WriteString("null")
	case bool:
		w.b.WriteString(strconv.FormatBool(x))
	case string:
		w.str(x)
	case float64:
		w.number(x)
	case devalue.Undefined:
		w.typed("undefined", nil)
	case devalue.Hole:
		w.typed("hole", nil)
	case *big.Int:
		w.typed("BigInt", func() { w.member("value", func() { w.str(x.String()) }) })
	case devalue.BigInt:
		w.typed("BigInt", func() { w.member("value", func() { w.str(string(x)) }) })
	case *devalue.Date:
		w.typed("Date", func() {
			w.member("value", func() {
				if x.Invalid {
					w.b.WriteString("null")
				} else {
					w.str(isoString(x))
				}
			})
		})
	case *devalue.URL:
		w.typed("URL", func() { w.member("href", func() { w.str(x.Href) }) })
	case *devalue.RegExp:
		w.typed("RegExp", func() {
			w.member("source", func() { w.str(x.Source) })
			w.member("flags", func() { w.str(x.Flags) })
		})
	case *devalue.Temporal:
		w.typed(x.Tag, func() { w.member("value", func() { w.str(x.Value) }) })
	default:
		w.container(v)
	}
}

func (w *jsonView) number(f float64) {
	switch {
	case math.IsNaN(f):
		w.typed("number", func() { w.member("value", func() { w.str("NaN") }) })
	case math.IsInf(f, 1):
		w.typed("number", func() { w.member("value", func() { w.str("Infinity") }) })
	case math.IsInf(f, -1):
		w.typed("number", func() { w.member("value", func() { w.str("-Infinity") }) })
	case f == 0 && math.Signbit(f):
		w.typed("number", func() { w.member("value", func() { w.str("-0") }) })
	default:
		t, _ := devalue.Stringify(f) // "[n]", with n in JavaScript's form, valid JSON for finite numbers
		w.b.WriteString(strings.TrimSuffix(strings.TrimPrefix(t, "["), "]"))
	}
}

// container writes the values that may hold other values, guarding against cycles.
func (w *jsonView) container(v any) {
	for _, a := range w.stack {
		if a == v {
			w.typed("circular", nil)
			return
		}
	}
	w.stack = append(w.stack, v)
	defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	switch x := v.(type) {
	case *devalue.Object:
		w.object(x)
	case *devalue.Array:
		w.array(x)
	case *devalue.Map:
		w.typed("Map", func() {
			w.member("entries", func() {
				w.b.WriteByte('[')
				for i, e := range x.Entries() {
					if i > 0 {
						w.b.WriteByte(',')
					}
					w.b.WriteByte('[')
					w.value(e.Key)
					w.b.WriteByte(',')
					w.value(e.Value)
					w.b.WriteByte(']')
				}
				w.b.WriteByte(']')
			})
		})
	case *devalue.Set:
		w.typed("Set", func() { w.member("values", func() { w.list(x.Values()) }) })
	default:
		w.other(v)
	}
}

func (w *jsonView) list(vals []any) {
	w.b.WriteByte('[')
	for i, e := range vals {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.value(e)
	}
	w.b.WriteByte(']')
}

func (w *jsonView) members(o *devalue.Object) {
	w.b.WriteByte('{')
	for i, k := range o.Keys() {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.str(k)
		w.b.WriteByte(':')
		m, _ := o.Get(k)
		w.value(m)
	}
	w.b.WriteByte('}')
}

func (w *jsonView) object(o *devalue.Object) {
	if _, clash := o.Get("$type"); !clash && !o.NullProto {
		w.members(o)
		return
	}
	w.typed("Object", func() {
		w.member("nullPrototype", func() { w.b.WriteString(strconv.FormatBool(o.NullProto)) })
		w.member("members", func() { w.members(o) })
	})
}

// sparseFrom is the length from which an array with few elements is shown by
// its indices rather than element by element.
const sparseFrom = 1024

// maxShown bounds the indices of a long array that are looked at.
const maxShown = 1 << 20

func (w *jsonView) array(a *devalue.Array) {
	n := a.Len()
	if n <= sparseFrom {
		w.b.WriteByte('[')
		for i := range n {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.value(a.At(i))
		}
		w.b.WriteByte(']')
		return
	}
	w.typed("Array", func() {
		w.member("length", func() { w.b.WriteString(strconv.Itoa(n)) })
		w.member("elements", func() {
			w.b.WriteByte('{')
			j := 0
			for i := range min(n, maxShown) {
				if _, hole := a.At(i).(devalue.Hole); hole {
					continue
				}
				if j > 0 {
					w.b.WriteByte(',')
				}
				j++
				w.str(strconv.Itoa(i))
				w.b.WriteByte(':')
				w.value(a.At(i))
			}
			w.b.WriteByte('}')
		})
	})
}

// other writes the binary and less common types.
func (w *jsonView) other(v any) {
	b64 := func(b []byte) func() { return func() { w.str(base64.StdEncoding.EncodeToString(b)) } }
	switch x := v.(type) {
	case *devalue.URLSearchParams:
		w.typed("URLSearchParams", func() {
			w.member("params", func() {
				pairs := make([]any, len(x.Params))
				for i, p := range x.Params {
					pairs[i] = devalue.NewArray(p.Name, p.Value)
				}
				w.list(pairs)
			})
		})
	case *devalue.ArrayBuffer:
		w.typed("ArrayBuffer", func() { w.member("base64", b64(x.Bytes)) })
	case *devalue.TypedArray:
		w.typed(x.Type, func() {
			w.member("length", func() { w.b.WriteString(strconv.Itoa(x.Length)) })
			w.member("base64", b64(typedBytes(x)))
		})
	case *devalue.DataView:
		var b []byte
		if x.Buffer != nil && x.ByteOffset >= 0 && x.ByteLength >= 0 && x.ByteOffset+x.ByteLength <= len(x.Buffer.Bytes) {
			b = x.Buffer.Bytes[x.ByteOffset : x.ByteOffset+x.ByteLength]
		}
		w.typed("DataView", func() { w.member("base64", b64(b)) })
	case *devalue.Boxed:
		w.typed("Boxed", func() { w.member("value", func() { w.value(x.Value) }) })
	case *devalue.Custom:
		w.typed("Custom", func() {
			w.member("tag", func() { w.str(x.Tag) })
			w.member("value", func() { w.value(x.Value) })
		})
	default:
		w.typed("unknown", func() { w.member("goType", func() { w.str(kindOf(v)) }) })
	}
}

// isoString writes a valid Date as JavaScript's toISOString does.
func isoString(d *devalue.Date) string {
	t := d.Time.UTC()
	y := t.Year()
	if y >= 0 && y <= 9999 {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	sign := "+"
	if y < 0 {
		sign, y = "-", -y
	}
	ys := strconv.Itoa(y)
	for len(ys) < 6 {
		ys = "0" + ys
	}
	return sign + ys + t.Format("-01-02T15:04:05.000Z")
}

// typedBytes is the part of a typed array's buffer that the view covers.
func typedBytes(x *devalue.TypedArray) []byte {
	size := map[string]int{"Int16Array": 2, "Uint16Array": 2, "Float16Array": 2, "Int32Array": 4,
		"Uint32Array": 4, "Float32Array": 4, "Float64Array": 8, "BigInt64Array": 8, "BigUint64Array": 8}[x.Type]
	size = max(size, 1)
	if x.Buffer == nil || x.ByteOffset < 0 || x.Length < 0 || x.ByteOffset+x.Length*size > len(x.Buffer.Bytes) {
		return nil
	}
	return x.Buffer.Bytes[x.ByteOffset : x.ByteOffset+x.Length*size]
}
