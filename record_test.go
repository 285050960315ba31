package session

import (
	"github.com/goastro/session/internal/record"
	"math"
	"strings"
	"testing"

	"github.com/goastro/session/devalue"
)

// referenceRecord reads a record through the whole value model, as Astro does:
// a Map of string keys to objects. It says whether the text is a valid record.
func referenceRecord(text string) (*devalue.Map, bool) {
	v, err := record.Codec.Parse(text)
	if err != nil {
		return nil, false
	}
	m, ok := v.(*devalue.Map)
	if !ok {
		return nil, false
	}
	for _, e := range m.Entries() {
		if _, ok := e.Key.(string); !ok {
			return nil, false
		}
		if _, ok := e.Value.(*devalue.Object); !ok {
			return nil, false
		}
	}
	return m, true
}

// FuzzDecodeRecord checks the lazy record reader against the value model on
// any text: the same texts are accepted, every value reads the same, and an
// unchanged record is written back as devalue writes what it parsed.
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range []string{
		`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`,
		`[["Map",1,2,3,4],"a",{"data":5,"expires":6},"b",{"data":7,"expires":-1},{"x":8},1767225600000,["Date","2025-01-02T03:04:05.006Z"],"y"]`,
		`[["Map",1,2],"u",{"data":3,"expires":-1},["URL",4],"https://example.com/"]`,
		`[["Map",1,2],"k",["null","data",3,"expires",-1],5]`,
		`[["Map",1,2],1,{"data":1}]`,
		`[["Map",1,2],"k",[3]]`,
		`[["Set",1],"x"]`,
		`[["Map",1,2,1,3],"k",{"data":4},{"data":5},"a","b"]`,
		`[["Map",1,2],"k",{"data":2,"expires":3},-0.5]`,
		`[["Map",1,2],"k",{"data":3,"expires":-3,"extra":4},{"a":0},true]`,
		`[["Map",1,2],"$session",{"data":3,"expires":-1},{"created":4,"seen":4,"user":5},1767225600000,"ada"]`,
		`[{"a":1},"x"]`, `-1`, `[]`, `[["Map"]]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rec, err := record.Decode(text, math.Inf(-1))
		ref, ok := referenceRecord(text)
		if (err == nil) != ok {
			t.Fatalf("%q: decodeRecord error %v, valid per the model %v", text, err, ok)
		}
		if err != nil {
			if !strings.Contains(err.Error(), ErrCorruptRecord.Error()) {
				t.Fatalf("%q: error %v does not say the record is corrupt", text, err)
			}
			return
		}
		byKey := map[string]*devalue.Object{}
		for _, e := range ref.Entries() {
			byKey[e.Key.(string)] = e.Value.(*devalue.Object)
		}
		for i := range rec.Entries {
			e := &rec.Entries[i]
			obj := byKey[e.Key]
			want, ok := obj.Get("data")
			if !ok {
				want = devalue.Undefined{} // as entry.data reads in JavaScript
			}
			got, err := e.Data, error(nil)
			if err != nil {
				t.Fatalf("%q: value of %q: %v", text, e.Key, err)
			}
			ws, _ := record.Codec.Stringify(want)
			gs, _ := record.Codec.Stringify(got)
			if ws != gs {
				t.Fatalf("%q: value of %q is %s, want %s", text, e.Key, gs, ws)
			}
		}
		if _, hasMeta := byKey[MetaKey]; hasMeta {
			return // the meta entry is written in its own form
		}
		// an unchanged record (nothing has expired at -Inf) is written back as
		// devalue writes what it parsed, once read from the text...
		fresh, _ := record.Decode(text, math.Inf(-1))
		out, _, err := fresh.Encode(math.Inf(-1))
		if err != nil {
			t.Fatalf("%q: encode: %v", text, err)
		}
		refMap := devalue.NewMap()
		for _, e := range ref.Entries() {
			refMap.Set(e.Key, e.Value)
		}
		want, err := record.Codec.Stringify(refMap)
		if err != nil {
			t.Fatalf("%q: Stringify: %v", text, err)
		}
		if out != want {
			t.Fatalf("%q: written back as\n %s\nwant %s", text, out, want)
		}
		// ...and once every value was built (and could have been changed)
		out, _, err = rec.Encode(math.Inf(-1))
		if err != nil || out != want {
			t.Fatalf("%q: written back after building as\n %s (%v)\nwant %s", text, out, err, want)
		}
	})
}
