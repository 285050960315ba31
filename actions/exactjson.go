package actions

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"unicode"
)

// encoding/json matches object keys to struct fields case-insensitively, so
// {"quantity":1,"QUANTITY":7} would fill Quantity with 7. Astro's input
// schemas (zod objects) match keys exactly and ignore unknown keys. Before a
// JSON value reaches encoding/json, exactKeys drops from every object that
// fills a struct the keys that are not exactly the name of one of its fields,
// so that only exact matches remain.

var jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// exactKeys returns raw with the keys that do not name a field exactly removed
// from every object decoded into a struct of type t (at any depth). A value
// that is not what t expects is returned unchanged, for encoding/json to
// report.
func exactKeys(raw []byte, t reflect.Type) []byte {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !needsExactKeys(t) {
		return raw
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return raw
	}
	switch t.Kind() {
	case reflect.Struct:
		return exactObject(raw, trimmed, func(key string) (reflect.Type, bool) {
			ft, ok := jsonFieldsOf(t)[key]
			return ft, ok
		})
	case reflect.Map:
		return exactObject(raw, trimmed, func(string) (reflect.Type, bool) { return t.Elem(), true })
	case reflect.Slice, reflect.Array:
		if trimmed[0] != '[' {
			return raw
		}
		var elems []json.RawMessage
		if json.Unmarshal(trimmed, &elems) != nil {
			return raw
		}
		for i, e := range elems {
			elems[i] = exactKeys(e, t.Elem())
		}
		return remarshal(raw, elems)
	}
	return raw
}

// exactObject keeps the members of a JSON object whose key field accepts,
// each filtered for the type it will fill.
func exactObject(raw, trimmed []byte, field func(key string) (reflect.Type, bool)) []byte {
	if trimmed[0] != '{' {
		return raw
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(trimmed, &obj) != nil {
		return raw
	}
	kept := make(map[string]json.RawMessage, len(obj))
	for k, v := range obj {
		if ft, ok := field(k); ok {
			kept[k] = exactKeys(v, ft)
		}
	}
	return remarshal(raw, kept)
}

func remarshal(raw []byte, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil { // cannot happen: v holds valid JSON text only
		return raw
	}
	return b
}

// exactNeeds caches needsExactKeys: reflect.Type -> bool.
var exactNeeds sync.Map

// needsExactKeys reports whether a value of type t can hold a struct that
// encoding/json fills by matching keys, where exactKeys has work to do.
func needsExactKeys(t reflect.Type) bool {
	if v, ok := exactNeeds.Load(t); ok {
		return v.(bool)
	}
	need := needsExact(t, map[reflect.Type]bool{})
	exactNeeds.Store(t, need)
	return need
}

func needsExact(t reflect.Type, visiting map[reflect.Type]bool) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		return false
	}
	if visiting[t] {
		return true // a recursive type holds a struct
	}
	visiting[t] = true
	defer delete(visiting, t)
	switch t.Kind() {
	case reflect.Struct:
		return true
	case reflect.Slice, reflect.Array, reflect.Map:
		return needsExact(t.Elem(), visiting)
	}
	return false
}

// jsonFieldCache caches jsonFieldsOf: reflect.Type -> map[string]reflect.Type.
var jsonFieldCache sync.Map

// jsonFieldsOf returns the JSON names of the fields encoding/json fills in a
// struct type, with their types: exported fields named by their json tag or
// Go name, the fields of embedded structs promoted, and, among fields with
// one name, the shallowest winning, then the only tagged one; a name that is
// still ambiguous is dropped, as encoding/json does.
func jsonFieldsOf(t reflect.Type) map[string]reflect.Type {
	if v, ok := jsonFieldCache.Load(t); ok {
		return v.(map[string]reflect.Type)
	}
	type cand struct {
		typ    reflect.Type
		depth  int
		tagged bool
		count  int
	}
	best := map[string]*cand{}
	type level struct {
		t     reflect.Type
		depth int
	}
	queue := []level{{t, 0}}
	seen := map[reflect.Type]bool{}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if seen[cur.t] {
			continue
		}
		seen[cur.t] = true
		for i := 0; i < cur.t.NumField(); i++ {
			f := cur.t.Field(i)
			name, tagged, embedded, ok := jsonFieldName(f)
			if !ok {
				continue
			}
			if embedded {
				et := f.Type
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				queue = append(queue, level{et, cur.depth + 1})
				continue
			}
			c := best[name]
			switch {
			case c == nil || cur.depth < c.depth:
				best[name] = &cand{typ: f.Type, depth: cur.depth, tagged: tagged, count: 1}
			case cur.depth == c.depth && tagged && !c.tagged:
				*c = cand{typ: f.Type, depth: cur.depth, tagged: true, count: 1}
			case cur.depth == c.depth && tagged == c.tagged:
				c.count++
			}
		}
	}
	fields := make(map[string]reflect.Type, len(best))
	for name, c := range best {
		if c.count == 1 {
			fields[name] = c.typ
		}
	}
	jsonFieldCache.Store(t, fields)
	return fields
}

// jsonFieldName returns the JSON name of a struct field as encoding/json sees
// it, whether a json tag named it, whether it is an embedded struct whose
// fields are promoted instead, and false when encoding/json ignores it.
func jsonFieldName(f reflect.StructField) (name string, tagged, embedded, ok bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false, false, false
	}
	name, _, _ = strings.Cut(tag, ",")
	if !validJSONTagName(name) {
		name = ""
	}
	if f.Anonymous {
		t := f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if !f.IsExported() && t.Kind() != reflect.Struct {
			return "", false, false, false
		}
		if name == "" && t.Kind() == reflect.Struct {
			return "", false, true, true
		}
	} else if !f.IsExported() {
		return "", false, false, false
	}
	if name != "" {
		return name, true, false, true
	}
	return f.Name, false, false, true
}

// validJSONTagName reports whether encoding/json takes name from a json tag.
func validJSONTagName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) {
			return false
		}
	}
	return true
}

// UnmarshalJSON decodes JSON into v (a non-nil pointer) as an action decodes
// its input: object keys match the json names of struct fields exactly, at
// every depth, where encoding/json also accepts keys that differ in case
// ({"quantity":1,"QUANTITY":7} fills Quantity with 1, not 7); other keys are
// ignored. Use it in plain JSON endpoints to read their bodies as an Astro
// endpoint or action reads them.
func UnmarshalJSON(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return json.Unmarshal(data, v) // encoding/json reports the invalid target
	}
	return json.Unmarshal(exactKeys(data, rv.Type().Elem()), v)
}
