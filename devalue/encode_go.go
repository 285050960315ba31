package devalue

import (
	"cmp"
	"math/big"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// The encoder's walk of plain Go values (see ValueOf for how they map to
// JavaScript). Structs and slices are written field by field and element by
// element; Go maps, []byte, time.Time and url.URL become a container of the
// model first, whose children are still Go values.

var (
	timeType      = reflect.TypeFor[time.Time]()
	urlType       = reflect.TypeFor[url.URL]()
	bigIntType    = reflect.TypeFor[big.Int]()
	undefinedType = reflect.TypeFor[Undefined]()
	holeType      = reflect.TypeFor[Hole]()
)

// modelStructs are the model's container types, when held by value.
var modelStructs = map[reflect.Type]bool{
	reflect.TypeFor[Object](): true, reflect.TypeFor[Array](): true, reflect.TypeFor[Map](): true,
	reflect.TypeFor[Set](): true, reflect.TypeFor[Date](): true, reflect.TypeFor[RegExp](): true,
	reflect.TypeFor[URL](): true, reflect.TypeFor[URLSearchParams](): true,
	reflect.TypeFor[ArrayBuffer](): true, reflect.TypeFor[TypedArray](): true,
	reflect.TypeFor[DataView](): true, reflect.TypeFor[Boxed](): true,
	reflect.TypeFor[Custom](): true, reflect.TypeFor[Temporal](): true,
}

// goID identifies a Go pointer or map (references, like JavaScript objects).
type goID struct {
	t reflect.Type
	p uintptr
}

// orig returns the Go value for the reducers to see, or nil without reducers.
func (e *encoder) orig(rv reflect.Value) any {
	if len(e.reducers) == 0 || !rv.CanInterface() {
		return nil
	}
	return rv.Interface()
}

// flattenGo writes a Go value that is not a value of the model.
func (e *encoder) flattenGo(rv reflect.Value, depth int) (int, error) {
	switch rv.Kind() {
	case reflect.Invalid:
		return e.literal(0, nil, depth)
	case reflect.Interface:
		if rv.IsNil() {
			return e.literal(0, nil, depth)
		}
		return e.flatten(rv.Interface(), depth)
	case reflect.String:
		return e.str(rv.String(), e.orig(rv), depth)
	case reflect.Bool:
		return e.literal(boolLit(rv.Bool()), e.orig(rv), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if i := rv.Int(); safeInt(i) {
			return e.number(float64(i), e.orig(rv), depth)
		}
		return 0, notSerializable(unsafeIntMsg, rv.Interface())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u < 1<<53 {
			return e.number(float64(u), e.orig(rv), depth)
		}
		return 0, notSerializable(unsafeIntMsg, rv.Interface())
	case reflect.Float32, reflect.Float64:
		return e.number(rv.Float(), e.orig(rv), depth)
	case reflect.Pointer:
		return e.goPointer(rv, depth)
	case reflect.Map:
		return e.goRef(rv, rv, depth)
	case reflect.Struct:
		switch rv.Type() {
		case undefinedType, holeType:
			return idxUndefined, nil
		case bigIntType:
			b := rv.Interface().(big.Int)
			return e.bigInt(BigInt(b.String()), e.orig(rv), depth)
		}
	case reflect.Slice, reflect.Array:
	default:
		return 0, unsupported(rv)
	}
	idx := e.reserve()
	return idx, e.goValue(idx, e.orig(rv), rv, depth)
}

// unsupported returns the error for kinds devalue cannot write.
func unsupported(rv reflect.Value) error {
	v := rv.Interface()
	switch rv.Kind() {
	case reflect.Func:
		return notSerializable("Cannot stringify a function", v)
	case reflect.Chan:
		return notSerializable("Cannot stringify a channel", v)
	case reflect.Complex64, reflect.Complex128:
		return notSerializable("Cannot stringify a complex number", v)
	case reflect.UnsafePointer:
		return notSerializable("Cannot stringify an unsafe pointer", v)
	}
	return notSerializable("Cannot stringify a value of type "+rv.Type().String(), v)
}

// goPointer writes what a pointer points to. Pointers to structs and arrays
// keep their identity: reached twice, they are written once.
func (e *encoder) goPointer(rv reflect.Value, depth int) (int, error) {
	if rv.IsNil() {
		return e.literal(0, e.orig(rv), depth)
	}
	if rv.CanInterface() {
		switch v := rv.Interface(); v.(type) {
		case *Object, *Array, *Map, *Set, *Date, *RegExp, *URL, *URLSearchParams,
			*ArrayBuffer, *TypedArray, *DataView, *Boxed, *Custom, *Temporal, *big.Int:
			return e.flatten(v, depth)
		}
	}
	if k := rv.Elem().Kind(); k != reflect.Struct && k != reflect.Array {
		return e.flattenGo(rv.Elem(), depth+1)
	}
	return e.goRef(rv, rv.Elem(), depth)
}

// goRef writes the value of a Go reference (a pointer to rv, or the map rv),
// once for each reference. Every nil map is a new empty object.
func (e *encoder) goRef(ref, rv reflect.Value, depth int) (int, error) {
	var id any
	if !ref.IsNil() {
		id = goID{ref.Type(), ref.Pointer()}
		if i, ok := e.ids[id]; ok {
			return i, nil
		}
	}
	idx := e.reserve()
	if id != nil {
		e.ids[id] = idx
	}
	return idx, e.goValue(idx, e.orig(ref), rv, depth)
}

// goValue writes slot idx for a Go struct, slice, array or map.
func (e *encoder) goValue(idx int, orig any, rv reflect.Value, depth int) error {
	if depth >= e.maxDepth {
		return tooDeep(orig)
	}
	if len(e.reducers) > 0 && orig != nil {
		if ok, err := e.reduce(idx, orig, depth); ok || err != nil {
			return err
		}
	}
	switch rv.Kind() {
	case reflect.Map:
		return e.fill(idx, nil, goMap(rv), depth)
	case reflect.Slice, reflect.Array:
		return e.goList(idx, rv, depth)
	}
	t := rv.Type()
	switch {
	case t == timeType:
		return e.fill(idx, nil, &Date{Time: rv.Interface().(time.Time)}, depth)
	case t == urlType:
		u := rv.Interface().(url.URL)
		return e.fill(idx, nil, &URL{Href: u.String()}, depth)
	case modelStructs[t]:
		p := reflect.New(t)
		p.Elem().Set(rv)
		return e.fill(idx, nil, p.Interface(), depth)
	}
	si := e.fields(t)
	if !si.plain {
		return e.fill(idx, nil, structObject(rv, si), depth)
	}
	return e.goStruct(idx, rv, si, depth)
}

// leftOut marks, among a struct's field indices, a field left out.
const leftOut = -1 << 62

// goStruct writes a struct whose field names JavaScript keeps in order.
func (e *encoder) goStruct(idx int, rv reflect.Value, si *structInfo, depth int) error {
	var l idxList
	idxs := l.init(len(si.fields))
	for j := range si.fields {
		f := &si.fields[j]
		fv, ok := f.value(rv)
		if !ok {
			idxs = append(idxs, leftOut)
			continue
		}
		ci, err := e.flattenGo(fv, depth+1)
		if err != nil {
			return withPath(err, pathKey(f.name))
		}
		idxs = append(idxs, ci)
	}
	b := append(e.start(), '{')
	first := true
	for j, i := range idxs {
		if i == leftOut {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendIdx(append(b, si.fields[j].member...), i)
	}
	e.commit(idx, append(b, '}'))
	return nil
}

// goList writes a slice or an array: []byte as a Uint8Array, elements of
// interface type through an *Array (they may be holes).
func (e *encoder) goList(idx int, rv reflect.Value, depth int) error {
	n := rv.Len()
	switch rv.Type().Elem().Kind() {
	case reflect.Uint8:
		b := make([]byte, n)
		reflect.Copy(reflect.ValueOf(b), rv)
		return e.fill(idx, nil, &TypedArray{Type: "Uint8Array", Buffer: &ArrayBuffer{Bytes: b}, Length: n}, depth)
	case reflect.Interface:
		elems := make([]any, n)
		for i := range elems {
			elems[i] = rv.Index(i).Interface()
		}
		return e.fill(idx, nil, NewArray(elems...), depth)
	}
	var l idxList
	idxs := l.init(n)
	for i := 0; i < n; i++ {
		ci, err := e.flattenGo(rv.Index(i), depth+1)
		if err != nil {
			return withPath(err, indexPath(i))
		}
		idxs = append(idxs, ci)
	}
	e.commit(idx, append(appendIdxList(append(e.start(), '['), idxs), ']'))
	return nil
}

// structObject returns the fields of a struct as an object.
func structObject(rv reflect.Value, si *structInfo) *Object {
	o := &Object{m: make([]member, 0, len(si.fields))}
	for i := range si.fields {
		if fv, ok := si.fields[i].value(rv); ok {
			o.Set(si.fields[i].name, fv.Interface())
		}
	}
	return o
}

// goMap returns a Go map as an *Object (string keys, sorted) or a *Map
// (numbers, strings and booleans sorted, other keys in iteration order).
func goMap(rv reflect.Value) any {
	keys := rv.MapKeys()
	switch rv.Type().Key().Kind() {
	case reflect.String:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		o := &Object{m: make([]member, 0, len(keys))}
		for _, k := range keys {
			o.Set(k.String(), rv.MapIndex(k).Interface())
		}
		return o
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.Int(), b.Int()) })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.Uint(), b.Uint()) })
	case reflect.Float32, reflect.Float64:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.Float(), b.Float()) })
	case reflect.Bool:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(boolLit(a.Bool()), boolLit(b.Bool())) })
	}
	m := &Map{entries: make([]MapEntry, 0, len(keys))}
	for _, k := range keys {
		kv := k.Interface()
		if p, ok := goScalar(kv); ok {
			kv = p
		}
		m.Set(kv, rv.MapIndex(k).Interface())
	}
	return m
}

// goScalar converts a Go value of a bool, string, integer or float kind
// (including named types) to the model's primitive.
func goScalar(v any) (any, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), true
	case reflect.Bool:
		return rv.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), safeInt(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), rv.Uint() < 1<<53
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return nil, false
}

type fieldInfo struct {
	name      string
	member    string // name as written in an object: quoted, then a colon
	index     []int
	omitEmpty bool
	omitZero  bool
}

// value returns the field of the struct rv, or false when it is left out
// (omitempty, omitzero, or promoted through a nil pointer).
func (f *fieldInfo) value(rv reflect.Value) (reflect.Value, bool) {
	fv := rv.Field(f.index[0])
	for _, x := range f.index[1:] {
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				return fv, false
			}
			fv = fv.Elem()
		}
		fv = fv.Field(x)
	}
	if (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && fv.IsZero()) {
		return fv, false
	}
	return fv, true
}

// structInfo is what the encoder and Decode need of a struct type.
type structInfo struct {
	fields []fieldInfo
	// plain: no field name that JavaScript would order first (an array
	// index) or refuse (__proto__), so the fields are written in order
	plain  bool
	exact  map[string]int
	folded map[string]int
}

var structInfoCache sync.Map // reflect.Type -> *structInfo

func structInfoOf(t reflect.Type) *structInfo {
	if si, ok := structInfoCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{fields: structFields(t), plain: true, exact: map[string]int{}, folded: map[string]int{}}
	for i, f := range si.fields {
		if isArrayIndex(f.name) || f.name == "__proto__" {
			si.plain = false
		}
		si.exact[f.name] = i
		if _, ok := si.folded[strings.ToLower(f.name)]; !ok {
			si.folded[strings.ToLower(f.name)] = i
		}
	}
	structInfoCache.Store(t, si)
	return si
}

// fields is structInfoOf with a one-entry cache.
func (e *encoder) fields(t reflect.Type) *structInfo {
	if t != e.lastType || e.lastFields == nil {
		e.lastType, e.lastFields = t, structInfoOf(t)
	}
	return e.lastFields
}

// structFields returns the serialized fields of a struct type: exported
// fields named by their `devalue` tag, else their `json` tag, else their Go
// name; "-" skips a field; fields of embedded structs without a name are
// promoted (the shallowest wins).
func structFields(t reflect.Type) []fieldInfo {
	var out []fieldInfo
	seen := map[string]int{} // name -> depth
	type level struct {
		t     reflect.Type
		index []int
	}
	current := []level{{t, nil}}
	visited := map[reflect.Type]bool{}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		for _, lv := range current {
			if visited[lv.t] {
				continue
			}
			visited[lv.t] = true
			for i := 0; i < lv.t.NumField(); i++ {
				sf := lv.t.Field(i)
				tag, hasTag := sf.Tag.Lookup("devalue")
				if !hasTag {
					tag = sf.Tag.Get("json")
				}
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := append(append([]int(nil), lv.index...), i)
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					if sf.IsExported() || ft.Kind() == reflect.Struct {
						next = append(next, level{ft, index})
					}
					continue
				}
				if !sf.IsExported() {
					continue
				}
				if name == "" {
					name = sf.Name
				}
				if _, dup := seen[name]; dup {
					continue
				}
				seen[name] = depth
				out = append(out, fieldInfo{
					name:      name,
					member:    string(appendString(nil, name)) + ":",
					index:     index,
					omitEmpty: strings.Contains(","+opts+",", ",omitempty,"),
					omitZero:  strings.Contains(","+opts+",", ",omitzero,"),
				})
			}
		}
		current = next
	}
	// keep declaration order within the struct: sort by index path
	slices.SortStableFunc(out, func(a, b fieldInfo) int { return slices.Compare(a.index, b.index) })
	return out
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
