package devalue

import (
	"reflect"
	"sync"
	"unicode/utf8"
)

// Clone returns a deep copy of the Go value v, and an upper bound of the
// length of the text Stringify writes for it, when v is plain data that
// Stringify writes without fail and the same way for the copy: strings,
// booleans, numbers (integers within ±(2^53-1)), and structs (written field by
// field), slices, arrays and string-keyed maps of those, and interfaces
// holding them. For anything else (pointers, values of the model, []byte,
// time.Time, a value a reducer may take, nesting beyond the depth limit) ok is
// false: Stringify copies any value into its text instead.
//
// Clone lets a caller keep a snapshot of a value now and write it later,
// without writing it twice.
func (o Options) Clone(v any) (clone any, maxLen int, ok bool) {
	all, kinds := declaredTypes(o.Reducers)
	if !all {
		return nil, 0, false
	}
	if v == nil {
		return nil, 6, true
	}
	c := cloner{reducers: o.Reducers, rkinds: kinds, maxDepth: o.maxDepth()}
	rv := reflect.ValueOf(v)
	cv, ok := c.clone(rv, 0, true)
	if !ok {
		return nil, 0, false
	}
	return cv.Interface(), c.size + 2, true
}

type cloner struct {
	reducers []Reducer
	rkinds   uint64 // see encoder.rkinds
	maxDepth int
	size     int
	maps     []uintptr // maps seen: Stringify writes a map reached twice once
	// one-entry cache of the struct type last seen: the elements of a
	// slice of structs all have the same type
	lastType   reflect.Type
	lastFields []fieldInfo
	lastPlain  bool
	lastFlat   []bool // by field: copying the field copies all of it
	lastScalar bool   // every field is a string or an int (see scalarFields)
}

// plan loads the last* fields with what cloneStruct needs to know of struct
// type t, unless they hold it already.
func (c *cloner) plan(t reflect.Type) {
	if t != c.lastType {
		c.lastType = t
		c.lastFields, c.lastPlain = plainStruct(t)
		c.lastFlat = fieldsFlat(t, c.lastFields)
		c.lastScalar = c.lastPlain && scalarFields(c.lastFields)
	}
}

// refCost is the most a reference to a slot costs its parent: an index and a comma.
const refCost = 11

// stringCost bounds the text of a string of n bytes: each byte may be
// written as \u00xx, quotes and a comma.
func stringCost(n int) int { return 6*n + 3 }

// numberCost bounds the text of a number, a comma included.
const numberCost = 25

func (c *cloner) reducible(t reflect.Type) bool { return declares(c.reducers, c.rkinds, t) }

// clone returns a copy of rv that Stringify writes as it writes rv, adding to
// c.size the bound of its text. With want false it only checks and measures
// rv (the caller copies it whole) and returns no value.
func (c *cloner) clone(rv reflect.Value, depth int, want bool) (reflect.Value, bool) {
	t := rv.Type()
	if depth >= c.maxDepth || (len(c.reducers) > 0 && c.reducible(t)) {
		return reflect.Value{}, false
	}
	if handled, ok := c.scalar(rv); handled {
		// invalid UTF-8 is written as U+FFFD, and integers beyond 2^53 not at all
		return rv, ok
	}
	switch rv.Kind() {
	case reflect.Interface:
		if rv.IsNil() {
			c.size += 5
			return rv, true
		}
		ev, ok := c.clone(rv.Elem(), depth+1, true)
		if !ok {
			return reflect.Value{}, false
		}
		out := reflect.New(t).Elem()
		out.Set(ev)
		return out, true
	case reflect.Struct:
		return c.cloneStruct(rv, depth, want)
	case reflect.Slice:
		if rv.IsNil() {
			c.size += 3
			return rv, true
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return reflect.Value{}, false
		}
		n := rv.Len()
		var out reflect.Value
		if want {
			out = reflect.MakeSlice(t, n, n)
		}
		if !c.cloneElems(rv, out, depth) {
			return reflect.Value{}, false
		}
		return out, true
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return reflect.Value{}, false
		}
		var out reflect.Value
		if want {
			out = reflect.New(t).Elem()
		}
		if !c.cloneElems(rv, out, depth) {
			return reflect.Value{}, false
		}
		return out, true
	case reflect.Map:
		if t.Key().Kind() != reflect.String || t.Key() != reflect.TypeFor[string]() {
			return reflect.Value{}, false
		}
		if rv.IsNil() {
			c.size += 3
			return rv, true
		}
		p := rv.Pointer()
		for _, q := range c.maps {
			if q == p {
				return reflect.Value{}, false
			}
		}
		c.maps = append(c.maps, p)
		var out reflect.Value
		if want {
			out = reflect.MakeMapWithSize(t, rv.Len())
		}
		c.size += 3
		iter := rv.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			if k == "__proto__" || !validUTF8(k) {
				return reflect.Value{}, false
			}
			ev, ok := c.clone(iter.Value(), depth+1, want)
			if !ok {
				return reflect.Value{}, false
			}
			c.size += stringCost(len(k)) + refCost
			if want {
				out.SetMapIndex(iter.Key(), ev)
			}
		}
		return out, true
	}
	return reflect.Value{}, false
}

// scalar checks and measures a value of a scalar kind, as clone does; handled
// is false for other kinds.
func (c *cloner) scalar(rv reflect.Value) (handled, ok bool) {
	switch rv.Kind() {
	case reflect.String:
		s := rv.String()
		c.size += stringCost(len(s))
		return true, validUTF8(s)
	case reflect.Bool:
		c.size += 6
		return true, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := rv.Int()
		c.size += numberCost
		return true, safeInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c.size += numberCost
		return true, rv.Uint() < 1<<53
	case reflect.Float32, reflect.Float64:
		c.size += numberCost
		return true, true
	}
	return false, false
}

// cloneElems copies the elements of the slice or array rv into out (when
// out is valid).
func (c *cloner) cloneElems(rv, out reflect.Value, depth int) bool {
	n := rv.Len()
	c.size += 3 + refCost*n
	flat := isFlat(rv.Type().Elem())
	want := out.IsValid() && !flat
	if out.IsValid() && flat {
		reflect.Copy(out, rv)
	}
	// elements that are structs are checked as a type once, not one by one
	et := rv.Type().Elem()
	structs := et.Kind() == reflect.Struct && depth+1 < c.maxDepth && !(len(c.reducers) > 0 && c.reducible(et))
	if structs && flat && depth+2 < c.maxDepth && c.rkinds&scalarKinds == 0 {
		if c.plan(et); c.lastScalar {
			return c.checkScalarStructs(rv, c.lastFields)
		}
	}
	for i := 0; i < n; i++ {
		var ev reflect.Value
		var ok bool
		if structs {
			ev, ok = c.cloneStruct(rv.Index(i), depth+1, want)
		} else {
			ev, ok = c.clone(rv.Index(i), depth+1, want)
		}
		if !ok {
			return false
		}
		if want {
			out.Index(i).Set(ev)
		}
	}
	return true
}

// checkScalarStructs checks the elements of rv, structs whose fields are all
// strings and ints (see scalarFields), and counts their size, as cloneStruct
// does for each, without asking what each field is. The elements were
// copied already.
func (c *cloner) checkScalarStructs(rv reflect.Value, fields []fieldInfo) bool {
	per := 3 // the braces and commas of one struct, and its fields' names and references
	for j := range fields {
		per += len(fields[j].member) + refCost
	}
	for i, n := 0, rv.Len(); i < n; i++ {
		ev := rv.Index(i)
		c.size += per
		for j := range fields {
			fv := ev.Field(fields[j].index[0])
			if fv.Kind() == reflect.String {
				s := fv.String()
				if !validUTF8(s) {
					return false
				}
				c.size += stringCost(len(s))
				continue
			}
			if !safeInt(fv.Int()) {
				return false
			}
			c.size += numberCost
		}
	}
	return true
}

func (c *cloner) cloneStruct(rv reflect.Value, depth int, want bool) (reflect.Value, bool) {
	t := rv.Type()
	c.plan(t)
	fields, flat := c.lastFields, c.lastFlat
	if !c.lastPlain {
		return reflect.Value{}, false
	}
	var out reflect.Value
	if want {
		out = reflect.New(t).Elem()
		out.Set(rv) // the fields Stringify does not write are copied as they are
	}
	c.size += 3
	for i := range fields {
		f := &fields[i]
		if len(f.index) != 1 {
			return reflect.Value{}, false // promoted from an embedded struct
		}
		fv := rv.Field(f.index[0])
		if flat[i] && c.rkinds&(1<<fv.Kind()) == 0 && depth+1 < c.maxDepth {
			if handled, ok := c.scalar(fv); handled {
				if !ok {
					return reflect.Value{}, false
				}
				c.size += len(f.member) + refCost
				continue
			}
		}
		deep := want && !flat[i]
		cv, ok := c.clone(fv, depth+1, deep)
		if !ok {
			return reflect.Value{}, false
		}
		c.size += len(f.member) + refCost
		if deep {
			out.Field(f.index[0]).Set(cv)
		}
	}
	return out, true
}

// validUTF8 is utf8.ValidString with a quicker path for the short ASCII
// strings most session data holds.
func validUTF8(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.ValidString(s[i:])
		}
	}
	return true
}

var flatTypes sync.Map // reflect.Type (a struct or array) -> bool

// isFlat reports whether values of type t hold no references, so that
// copying one copies all of it.
func isFlat(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct, reflect.Array:
		if f, ok := flatTypes.Load(t); ok {
			return f.(bool)
		}
		f := flatType(t)
		flatTypes.Store(t, f)
		return f
	}
	return flatType(t)
}

func flatType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	case reflect.Array:
		return isFlat(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if !isFlat(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

// CopyInto stores in the value out points to what Decode would store there
// for the text Stringify writes for v, by copying v, when v has exactly the
// type out points to and that type reads back from devalue as it was written:
// strings, booleans, numbers, and structs (every field exported, written under
// its name, without omitempty or omitzero), slices, arrays and string-keyed maps
// of those. A nil slice or map becomes an empty one, as reading `[]` or `{}`
// gives. v must be a value Clone accepted (valid UTF-8, integers JavaScript
// holds). It reports false, leaving out unchanged, for any other type.
func CopyInto(v, out any) bool {
	rv := reflect.ValueOf(out)
	if v == nil || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	src := reflect.ValueOf(v)
	dst := rv.Elem()
	if src.Type() != dst.Type() || !readsBackExactly(src.Type()) {
		return false
	}
	if src.Kind() == reflect.Slice && dst.IsNil() && src.Len() > 0 {
		// into a nil slice: only the new array is allocated
		dst.Grow(src.Len())
		dst.SetLen(src.Len())
		copyElems(dst, src)
		return true
	}
	dst.Set(copyExact(src))
	return true
}

var exactCache sync.Map // reflect.Type -> bool

// readsBackExactly reports whether values of type t read back from their
// devalue text as they were, nil slices and maps aside.
func readsBackExactly(t reflect.Type) bool {
	if b, ok := exactCache.Load(t); ok {
		return b.(bool)
	}
	b := exactType(t, 0)
	exactCache.Store(t, b)
	return b
}

func exactType(t reflect.Type, depth int) bool {
	if depth > 32 {
		return false
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	case reflect.Slice, reflect.Array:
		return t.Elem().Kind() != reflect.Uint8 && exactType(t.Elem(), depth+1)
	case reflect.Map:
		return t.Key() == reflect.TypeFor[string]() && exactType(t.Elem(), depth+1)
	case reflect.Struct:
		fields, plain := plainStruct(t)
		if !plain || len(fields) != t.NumField() {
			return false // a field not written (unexported, "-") or promoted
		}
		for _, f := range fields {
			if len(f.index) != 1 || f.omitEmpty || f.omitZero || !exactType(t.Field(f.index[0]).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// copyExact returns a deep copy of v, whose type readsBackExactly.
func copyExact(v reflect.Value) reflect.Value {
	t := v.Type()
	switch v.Kind() {
	case reflect.Slice:
		n := v.Len()
		out := reflect.MakeSlice(t, n, n)
		copyElems(out, v)
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		copyElems(out, v)
		return out
	case reflect.Map:
		out := reflect.MakeMapWithSize(t, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out.SetMapIndex(iter.Key(), copyExact(iter.Value()))
		}
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		if !isFlat(t) {
			for i := 0; i < t.NumField(); i++ {
				if !isFlat(t.Field(i).Type) {
					out.Field(i).Set(copyExact(v.Field(i)))
				}
			}
		}
		return out
	}
	return v
}

var flatCache sync.Map // reflect.Type -> []bool

// fieldsFlat reports, field by field, whether copying the field copies all of it.
func fieldsFlat(t reflect.Type, fields []fieldInfo) []bool {
	if f, ok := flatCache.Load(t); ok {
		return f.([]bool)
	}
	flat := make([]bool, len(fields))
	for i, f := range fields {
		flat[i] = isFlat(t.FieldByIndex(f.index).Type)
	}
	flatCache.Store(t, flat)
	return flat
}

// copyElems copies the elements of slice or array src into dst, of the same
// type and length (an array addressable), as copyExact copies each.
func copyElems(dst, src reflect.Value) {
	if isFlat(src.Type().Elem()) {
		reflect.Copy(dst, src)
		return
	}
	for i := 0; i < src.Len(); i++ {
		dst.Index(i).Set(copyExact(src.Index(i)))
	}
}
