package devalue

import (
	"cmp"
	"errors"
	"math"
	"math/big"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// mapID identifies a Go map (maps are references, like JavaScript objects).
type mapID struct {
	t reflect.Type
	p uintptr
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	urlType    = reflect.TypeFor[url.URL]()
	bigIntType = reflect.TypeFor[big.Int]()
)

// goScalar converts a Go value of a bool, string, integer or float kind
// (including named types) to the model's primitive.
func goScalar(v any) (any, bool) {
	p, err := scalarOf(reflect.ValueOf(v))
	return p, err == nil && p != nil
}

// errUnsafeInt is internal: callers turn it into an *Error for the value.
var errUnsafeInt = errors.New(unsafeIntMsg)

// scalarOf returns the primitive for a scalar kind, (nil, nil) for other kinds,
// or an error for an integer JavaScript cannot hold exactly.
func scalarOf(rv reflect.Value) (any, error) {
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := rv.Int()
		if !safeInt(i) {
			return nil, errUnsafeInt
		}
		return float64(i), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u >= 1<<53 {
			return nil, errUnsafeInt
		}
		return float64(u), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	}
	return nil, nil
}

// identityOf returns the identity of a Go value that is a reference (pointer
// to a struct or array, map), or nil.
func identityOf(rv reflect.Value, v any) any {
	switch rv.Kind() {
	case reflect.Pointer:
		return v
	case reflect.Map:
		if rv.IsNil() {
			return nil // every nil map is a new empty object
		}
		return mapID{rv.Type(), rv.Pointer()}
	}
	return nil
}

// unsupported returns the error for kinds devalue cannot write.
func unsupported(rv reflect.Value, v any) error {
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

// flattenGo writes a Go value that is not part of the model.
func (e *encoder) flattenGo(v any, depth int) (int, error) {
	if depth >= e.maxDepth {
		return 0, tooDeep(v)
	}
	rv := reflect.ValueOf(v)
	p, err := scalarOf(rv)
	if err != nil {
		return 0, notSerializable(unsafeIntMsg, v)
	}
	if p != nil {
		return e.goPrimitive(p, v, depth)
	}
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return e.literal(0, v, depth)
		}
		switch rv.Elem().Kind() {
		case reflect.Struct, reflect.Array:
		default:
			return e.flatten(rv.Elem().Interface(), depth+1)
		}
		if rv.Elem().Type() == bigIntType {
			return e.flatten(rv.Interface().(*big.Int), depth)
		}
	case reflect.Map:
	case reflect.Slice, reflect.Array, reflect.Struct:
		if rv.Type() == bigIntType {
			b := rv.Interface().(big.Int)
			return e.flatten(&b, depth)
		}
	default:
		return 0, unsupported(rv, v)
	}
	id := identityOf(rv, v)
	if id != nil {
		if i, ok := e.findObj(id); ok {
			return i, nil
		}
	}
	idx := e.reserve()
	if id != nil {
		e.addObj(id, idx)
	}
	if len(e.reducers) > 0 {
		if ok, err := e.reduce(idx, v, depth); ok || err != nil {
			return idx, err
		}
	}
	if e.direct && !e.reducible(rv.Type()) {
		// direct paths for the common containers of typed data
		ev := rv
		if ev.Kind() == reflect.Pointer {
			ev = ev.Elem()
		}
		switch ev.Kind() {
		case reflect.Struct:
			if fields, ok := e.plan(ev.Type()); ok {
				return idx, e.encodeStruct(idx, ev, fields, depth)
			}
		case reflect.Slice, reflect.Array:
			if ev.Type().Elem().Kind() != reflect.Uint8 {
				return idx, e.encodeSlice(idx, ev, depth)
			}
		}
	}
	m, err := normalize(rv)
	if err != nil {
		return 0, err
	}
	return idx, e.encodeModel(idx, m, depth)
}

type structPlan struct {
	fields []fieldInfo
	plain  bool
}

var planCache sync.Map // reflect.Type -> *structPlan

// plainStruct returns the fields of a struct type that is written as a plain
// object field by field: not a type with its own encoding, and no field name
// JavaScript would order first (an array index).
func plainStruct(t reflect.Type) ([]fieldInfo, bool) {
	if p, found := planCache.Load(t); found {
		plan := p.(*structPlan)
		return plan.fields, plan.plain
	}
	plan := &structPlan{plain: true}
	if t == timeType || t == urlType || t == bigIntType || t == undefinedType || t == holeType {
		plan.plain = false
	} else {
		plan.fields = structFields(t)
		if _, model := modelValue(reflect.New(t).Elem()); model {
			plan.plain = false
		}
		for _, f := range plan.fields {
			if isArrayIndex(f.name) || f.name == "__proto__" {
				plan.plain = false
			}
		}
	}
	planCache.Store(t, plan)
	return plan.fields, plan.plain
}

// plan is plainStruct with a one-entry cache in the encoder: the elements of
// a slice of structs all have the same type.
func (e *encoder) plan(t reflect.Type) ([]fieldInfo, bool) {
	if t != e.lastType || e.lastType == nil {
		e.lastType = t
		e.lastFields, e.lastPlain = plainStruct(t)
		e.lastScalar = e.lastPlain && scalarFields(e.lastFields)
	}
	return e.lastFields, e.lastPlain
}

// scalarKinds are the kinds of the fields encodeScalarStruct writes.
const scalarKinds = 1<<reflect.String | 1<<reflect.Int | 1<<reflect.Int64 | 1<<reflect.Int32

// scalarFields reports whether every field is a string or an int of its own
// (not promoted, never left out): the structs encodeScalarStruct writes.
func scalarFields(fields []fieldInfo) bool {
	if len(fields) == 0 || len(fields) > 16 {
		return false
	}
	for i := range fields {
		f := &fields[i]
		if len(f.index) != 1 || f.omitEmpty || f.omitZero || scalarKinds&(1<<f.typ.Kind()) == 0 {
			return false
		}
	}
	return true
}

// plainString returns the index of string x, writing its text when it is
// new, for a string no reducer may take.
func (e *encoder) plainString(x string) int {
	idx, isNew := e.internStr(x)
	if isNew {
		start := len(e.arena)
		e.arena = AppendString(e.arena, x)
		e.spans[idx] = span{start, len(e.arena)}
	}
	return idx
}

// encodeScalarStruct writes a struct whose fields are all strings and ints
// (see scalarFields) when no reducer may take their types: what encodeStruct
// writes, without asking of each field what it is.
func (e *encoder) encodeScalarStruct(idx int, rv reflect.Value, fields []fieldInfo, depth int) error {
	var idxs [16]int
	for j := range fields {
		fv := rv.Field(fields[j].index[0])
		if fv.Kind() == reflect.String {
			idxs[j] = e.plainString(fv.String())
			continue
		}
		i := fv.Int()
		if !safeInt(i) {
			return withPath(notSerializable(unsafeIntMsg, fv.Interface()), pathKey(fields[j].name))
		}
		idxs[j], _ = e.number(float64(i), nil, 0)
	}
	b := e.buf(depth)
	b = append(b, '{')
	for j := range fields {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, fields[j].member...)
		b = appendIdx(b, idxs[j])
	}
	e.commit(idx, depth, append(b, '}'))
	return nil
}

// reducible reports whether a reducer declared type t.
func (e *encoder) reducible(t reflect.Type) bool { return declares(e.reducers, e.rkinds, t) }

// declares reports whether one of the reducers declared type t; kinds are
// the kinds of all their declared types (see declaredTypes), checked first.
func declares(rs []Reducer, kinds uint64, t reflect.Type) bool {
	if kinds&(1<<t.Kind()) == 0 {
		return false
	}
	for i := range rs {
		for _, rt := range rs[i].Types {
			if rt == t {
				return true
			}
		}
	}
	return false
}

// flattenRV writes a Go value held in a reflect.Value, without boxing
// scalars (only used when no reducer can match it: see encoder.direct).
func (e *encoder) flattenRV(rv reflect.Value, depth int) (int, error) {
	if len(e.reducers) > 0 && rv.IsValid() && e.reducible(rv.Type()) && rv.CanInterface() {
		return e.flatten(rv.Interface(), depth)
	}
	switch rv.Kind() {
	case reflect.String:
		return e.plainString(rv.String()), nil
	case reflect.Bool:
		if rv.Bool() {
			return e.literal(2, nil, depth)
		}
		return e.literal(1, nil, depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := rv.Int()
		if !safeInt(i) {
			return 0, notSerializable(unsafeIntMsg, rv.Interface())
		}
		return e.number(float64(i), nil, depth)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u >= 1<<53 {
			return 0, notSerializable(unsafeIntMsg, rv.Interface())
		}
		return e.number(float64(u), nil, depth)
	case reflect.Float32, reflect.Float64:
		return e.number(rv.Float(), nil, depth)
	case reflect.Interface:
		if rv.IsNil() {
			return e.literal(0, nil, depth)
		}
		return e.flatten(rv.Elem().Interface(), depth)
	case reflect.Invalid:
		return e.literal(0, nil, depth)
	case reflect.Struct:
		if depth >= e.maxDepth {
			return 0, tooDeep(nil)
		}
		if rv.Type() == timeType && rv.CanAddr() {
			t := rv.Addr().Interface().(*time.Time)
			idx := e.reserve()
			b := e.buf(depth)
			b = append(b, `["Date","`...)
			b, _ = appendISO(b, &Date{Time: *t})
			e.commit(idx, depth, append(b, `"]`...))
			return idx, nil
		}
		if fields, ok := e.plan(rv.Type()); ok {
			idx := e.reserve()
			return idx, e.encodeStruct(idx, rv, fields, depth)
		}
	case reflect.Slice:
		if rv.Type().Elem().Kind() != reflect.Uint8 {
			if depth >= e.maxDepth {
				return 0, tooDeep(nil)
			}
			idx := e.reserve()
			return idx, e.encodeSlice(idx, rv, depth)
		}
	}
	if !rv.CanInterface() {
		return e.literal(0, nil, depth)
	}
	return e.flatten(rv.Interface(), depth)
}

// leftOut marks, among a struct's field indices, a field left out
// (omitempty, omitzero, or promoted through a nil pointer): no slot or
// sentinel has this value.
const leftOut = math.MinInt

// encodeStruct writes slot idx for a struct, field by field.
func (e *encoder) encodeStruct(idx int, rv reflect.Value, fields []fieldInfo, depth int) error {
	var small [16]int
	idxs := small[:0]
	if len(fields) > len(small) {
		idxs = make([]int, 0, len(fields))
	}
	for j := range fields {
		f := &fields[j]
		var fv reflect.Value
		ok := true
		if len(f.index) == 1 {
			fv = rv.Field(f.index[0])
		} else {
			fv, ok = fieldByIndex(rv, f.index)
		}
		if !ok || (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && fv.IsZero()) {
			idxs = append(idxs, leftOut)
			continue
		}
		if ci, ok := e.scalarField(fv, f.typ); ok {
			idxs = append(idxs, ci)
			continue
		}
		ci, err := e.flattenRV(fv, depth+1)
		if err != nil {
			return withPath(err, pathKey(f.name))
		}
		idxs = append(idxs, ci)
	}
	b := e.buf(depth)
	b = append(b, '{')
	first := true
	for j := range fields {
		f := &fields[j]
		if idxs[j] == leftOut {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.member...)
		b = appendIdx(b, idxs[j])
	}
	e.commit(idx, depth, append(b, '}'))
	return nil
}

// scalarField writes a string or an int field directly, as flattenRV would,
// when no reducer may take its type; ok is false for anything else.
func (e *encoder) scalarField(fv reflect.Value, t reflect.Type) (int, bool) {
	k := t.Kind()
	if !e.direct || (e.rkinds&(1<<k) != 0 && declares(e.reducers, e.rkinds, t)) {
		return 0, false
	}
	switch k {
	case reflect.String:
		return e.plainString(fv.String()), true
	case reflect.Int, reflect.Int64, reflect.Int32:
		i := fv.Int()
		if !safeInt(i) {
			return 0, false // flattenRV gives the error
		}
		idx, _ := e.number(float64(i), nil, 0)
		return idx, true
	}
	return 0, false
}

// safeInt reports whether JavaScript holds i exactly: |i| < 2^53.
func safeInt(i int64) bool { return i > -1<<53 && i < 1<<53 }

// encodeSlice writes slot idx for a slice or array (not of bytes).
func (e *encoder) encodeSlice(idx int, rv reflect.Value, depth int) error {
	n := rv.Len()
	var small [32]int
	idxs := small[:0]
	if n > len(small) {
		idxs = make([]int, 0, n)
	}
	// elements that are plain structs are written without looking at each
	// element's type again (what flattenRV would find for every one)
	var fields []fieldInfo
	structs := false
	if et := rv.Type().Elem(); et.Kind() == reflect.Struct && depth+1 < e.maxDepth && !(len(e.reducers) > 0 && e.reducible(et)) {
		fields, structs = e.plan(et)
	}
	// structs of strings and ints, when no reducer may take those, are
	// written field by field without asking what each field is
	scalar := structs && e.lastScalar && e.direct && e.rkinds&scalarKinds == 0
	for i := 0; i < n; i++ {
		var ci int
		var err error
		if scalar {
			ci = e.reserve()
			err = e.encodeScalarStruct(ci, rv.Index(i), fields, depth+1)
		} else if structs {
			ci = e.reserve()
			err = e.encodeStruct(ci, rv.Index(i), fields, depth+1)
		} else {
			ci, err = e.flattenRV(rv.Index(i), depth+1)
		}
		if err != nil {
			return withPath(err, "["+strconv.Itoa(i)+"]")
		}
		idxs = append(idxs, ci)
	}
	b := e.buf(depth)
	b = appendIdxList(append(b, '['), idxs)
	e.commit(idx, depth, append(b, ']'))
	return nil
}

// goPrimitive writes a primitive converted from a Go scalar; reducers see the
// original Go value.
func (e *encoder) goPrimitive(p, orig any, depth int) (int, error) {
	switch x := p.(type) {
	case string:
		idx, isNew := e.internStr(x)
		if !isNew {
			return idx, nil
		}
		if len(e.reducers) > 0 {
			if ok, err := e.reduce(idx, orig, depth); ok || err != nil {
				return idx, err
			}
		}
		start := len(e.arena)
		e.arena = AppendString(e.arena, x)
		e.spans[idx] = span{start, len(e.arena)}
		return idx, nil
	case float64:
		return e.number(x, orig, depth)
	case bool:
		if x {
			return e.literal(2, orig, depth)
		}
		return e.literal(1, orig, depth)
	}
	return e.literal(0, nil, depth)
}

// normalize converts a Go container (pointer to struct or array, map, slice,
// array, struct) to a container of the model whose children are Go values.
func normalize(rv reflect.Value) (any, error) {
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	t := rv.Type()
	switch rv.Kind() {
	case reflect.Struct:
		switch t {
		case timeType:
			return &Date{Time: rv.Interface().(time.Time)}, nil
		case urlType:
			u := rv.Interface().(url.URL)
			return &URL{Href: u.String()}, nil
		}
		if m, ok := modelValue(rv); ok {
			return m, nil
		}
		fields := structFields(t)
		o := newObjectCap(len(fields))
		for _, f := range fields {
			fv, ok := fieldByIndex(rv, f.index)
			if !ok || (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && fv.IsZero()) {
				continue
			}
			o.Set(f.name, fv.Interface())
		}
		return o, nil
	case reflect.Map:
		return normalizeMap(rv), nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			return &TypedArray{Type: "Uint8Array", Buffer: &ArrayBuffer{Bytes: b}, Length: len(b)}, nil
		}
		n := rv.Len()
		elems := make([]any, n)
		for i := 0; i < n; i++ {
			elems[i] = rv.Index(i).Interface()
		}
		return &Array{elems: elems, length: n}, nil
	}
	return nil, unsupported(rv, rv.Interface())
}

// modelValue returns a pointer to a copy of a model struct held by value.
func modelValue(rv reflect.Value) (any, bool) {
	switch x := rv.Interface().(type) {
	case Object:
		return &x, true
	case Array:
		return &x, true
	case Map:
		return &x, true
	case Set:
		return &x, true
	case Date:
		return &x, true
	case RegExp:
		return &x, true
	case URL:
		return &x, true
	case URLSearchParams:
		return &x, true
	case ArrayBuffer:
		return &x, true
	case TypedArray:
		return &x, true
	case DataView:
		return &x, true
	case Boxed:
		return &x, true
	case Custom:
		return &x, true
	case Temporal:
		return &x, true
	}
	return nil, false
}

// normalizeMap converts a Go map: string keys give an *Object (keys sorted),
// other keys a *Map (numbers, strings and booleans sorted, other keys in Go's
// iteration order).
func normalizeMap(rv reflect.Value) any {
	keys := rv.MapKeys()
	kk := rv.Type().Key().Kind()
	switch kk {
	case reflect.String:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		o := newObjectCap(len(keys))
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
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			if a.Bool() == b.Bool() {
				return 0
			}
			if b.Bool() {
				return -1
			}
			return 1
		})
	}
	m := newMapCap(len(keys))
	for _, k := range keys {
		kv := k.Interface()
		if p, err := scalarOf(k); err == nil && p != nil {
			kv = p
		}
		m.Set(kv, rv.MapIndex(k).Interface())
	}
	return m
}

type fieldInfo struct {
	name      string
	member    string // name as written in an object: quoted, then a colon
	typ       reflect.Type
	index     []int
	omitEmpty bool
	omitZero  bool
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

// structFields returns the serialized fields of a struct type: exported
// fields named by their `devalue` tag, else their `json` tag, else their Go
// name; "-" skips a field; fields of embedded structs without a name are
// promoted (the shallowest wins).
func structFields(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
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
					tag, hasTag = sf.Tag.Lookup("json")
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
					member:    string(AppendString(nil, name)) + ":",
					typ:       sf.Type,
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
	fieldCache.Store(t, out)
	return out
}

// fieldByIndex is reflect.Value.FieldByIndex that reports a nil embedded
// pointer instead of panicking.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
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

// ValueOf converts v into a deep copy in the value model: the result holds
// only nil, Undefined, bool, string, float64, *big.Int and the model's
// pointer types. Repeated references (pointers, maps, model pointers) stay
// shared and cycles are kept.
//
// Go values map to JavaScript as follows: bool, string and every integer and
// float kind to boolean, string and number (integers beyond ±(2^53-1) are
// an error, use *big.Int for a BigInt); *big.Int and big.Int to BigInt;
// time.Time to Date; url.URL and *url.URL to URL; []byte and [N]byte to
// Uint8Array; other slices and arrays to arrays (nil slices to empty
// arrays); maps with string keys to objects (keys sorted) and other maps to
// Maps; structs to objects (fields named by `devalue` or `json` tags, with
// "-", omitempty and omitzero); pointers to what they point to (nil to null),
// pointers to structs and arrays and maps keep their identity. Functions,
// channels, complex numbers and unsafe pointers give an *Error matching
// ErrNotSerializable that names the path.
func ValueOf(v any) (any, error) { return Options{}.ValueOf(v) }

// ValueOf is [ValueOf] with the depth limit of o.
func (o Options) ValueOf(v any) (any, error) {
	c := converter{maxDepth: o.maxDepth()}
	return c.conv(v, 0)
}

type converter struct {
	memo     map[any]any // made on first use
	maxDepth int
	// one-entry cache of plainStruct
	lastType   reflect.Type
	lastFields []fieldInfo
	lastPlain  bool
	// objects and members carved out for the elements of a slice of structs:
	// together for structs of up to 4 fields, in two arenas otherwise
	slab2    []object2
	slab4    []object4
	objArena []Object
	memArena []member
}

// object2 and object4 are an object and room for its members in one piece.
type object2 struct {
	o Object
	m [2]member
}

type object4 struct {
	o Object
	m [4]member
}

// reserveObjects makes room for n objects of k members each.
func (c *converter) reserveObjects(n, k int) {
	switch {
	case k <= 2:
		if len(c.slab2) < n {
			c.slab2 = make([]object2, n)
		}
	case k <= 4:
		if len(c.slab4) < n {
			c.slab4 = make([]object4, n)
		}
	default:
		if len(c.objArena) < n || len(c.memArena) < n*k {
			c.objArena = make([]Object, n)
			c.memArena = make([]member, n*k)
		}
	}
}

var (
	undefinedType = reflect.TypeFor[Undefined]()
	holeType      = reflect.TypeFor[Hole]()
)

// boxFloat returns f as an interface value, without allocating for the
// small non-negative integers.
func boxFloat(f float64) any {
	if f >= 0 && f < float64(len(smallNumbers)) {
		if i := int(f); float64(i) == f && (i != 0 || !math.Signbit(f)) {
			return smallNumbers[i]
		}
	}
	return f
}

// plan is plainStruct with a one-entry cache: the elements of a slice of
// structs all have the same type.
func (c *converter) plan(t reflect.Type) ([]fieldInfo, bool) {
	if t != c.lastType || c.lastType == nil {
		c.lastType = t
		c.lastFields, c.lastPlain = plainStruct(t)
	}
	return c.lastFields, c.lastPlain
}

// fastStruct reports the fields of a struct type that convRV builds
// directly: a plain struct that is not a special value of the model.
func (c *converter) fastStruct(t reflect.Type) ([]fieldInfo, bool) {
	if t == undefinedType || t == holeType {
		return nil, false
	}
	return c.plan(t)
}

// newObject returns an empty object with room for n members, carved from
// the arenas when they have room.
func (c *converter) newObject(n int) *Object {
	if n <= 2 && len(c.slab2) > 0 {
		p := &c.slab2[0]
		c.slab2 = c.slab2[1:]
		p.o.m = p.m[:0:n]
		return &p.o
	}
	if n > 2 && n <= 4 && len(c.slab4) > 0 {
		p := &c.slab4[0]
		c.slab4 = c.slab4[1:]
		p.o.m = p.m[:0:n]
		return &p.o
	}
	if len(c.objArena) == 0 || len(c.memArena) < n {
		return newObjectCap(n)
	}
	o := &c.objArena[0]
	c.objArena = c.objArena[1:]
	o.m = c.memArena[:0:n]
	c.memArena = c.memArena[n:]
	return o
}

// convRV converts a Go value held in a reflect.Value (a struct field or an
// element) without boxing it first. It builds scalars, plain structs, slices
// and arrays directly and hands everything else to conv.
func (c *converter) convRV(rv reflect.Value, depth int) (any, error) {
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := rv.Int()
		if !safeInt(i) {
			return nil, notSerializable(unsafeIntMsg, rv.Interface())
		}
		return boxFloat(float64(i)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u >= 1<<53 {
			return nil, notSerializable(unsafeIntMsg, rv.Interface())
		}
		return boxFloat(float64(u)), nil
	case reflect.Float32, reflect.Float64:
		return boxFloat(rv.Float()), nil
	case reflect.Struct:
		if fields, ok := c.fastStruct(rv.Type()); ok {
			if depth >= c.maxDepth {
				return nil, tooDeep(rv.Interface())
			}
			o := c.newObject(len(fields))
			return o, c.fillStruct(o, rv, fields, depth+1)
		}
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() != reflect.Uint8 {
			if depth >= c.maxDepth {
				return nil, tooDeep(rv.Interface())
			}
			return c.convSlice(rv, depth)
		}
	}
	return c.conv(rv.Interface(), depth)
}

// fillStruct sets the members of o from the fields of the struct rv, whose
// values are converted at depth d.
func (c *converter) fillStruct(o *Object, rv reflect.Value, fields []fieldInfo, d int) error {
	for _, f := range fields {
		fv, ok := fieldByIndex(rv, f.index)
		if !ok || (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && fv.IsZero()) {
			continue
		}
		v, err := c.convRV(fv, d)
		if err != nil {
			return withPath(err, pathKey(f.name))
		}
		// plain structs have unique names that are not array indices
		o.m = append(o.m, member{f.name, v})
	}
	return nil
}

// convSlice converts a slice or array (not of bytes) at depth, its elements
// at depth+1.
func (c *converter) convSlice(rv reflect.Value, depth int) (any, error) {
	n := rv.Len()
	a := &Array{elems: make([]any, n), length: n}
	if n > 1 && rv.Type().Elem().Kind() == reflect.Struct {
		if fields, ok := c.fastStruct(rv.Type().Elem()); ok {
			c.reserveObjects(n, len(fields))
		}
	}
	for i := 0; i < n; i++ {
		v, err := c.convRV(rv.Index(i), depth+1)
		if err != nil {
			return nil, withPath(err, "["+strconv.Itoa(i)+"]")
		}
		a.elems[i] = v
	}
	return a, nil
}

func (c *converter) conv(v any, depth int) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, Undefined:
		return v, nil
	case Hole:
		return Undefined{}, nil
	case Node:
		return x.Value()
	case float64:
		return v, nil
	case int:
		if !safeInt(int64(x)) {
			return nil, notSerializable(unsafeIntMsg, v)
		}
		return boxFloat(float64(x)), nil
	case *big.Int:
		if x == nil {
			return nil, nil
		}
		return new(big.Int).Set(x), nil
	}
	if depth >= c.maxDepth {
		return nil, tooDeep(v)
	}
	var id, m any
	if isModelPointer(v) {
		if isNilModel(v) {
			return nil, nil
		}
		id = v
		if r, ok := c.memo[id]; ok {
			return r, nil
		}
		m = shallowCopy(v)
	} else {
		rv := reflect.ValueOf(v)
		p, err := scalarOf(rv)
		if err != nil {
			return nil, notSerializable(unsafeIntMsg, v)
		}
		if p != nil {
			return p, nil
		}
		switch rv.Kind() {
		case reflect.Pointer:
			if rv.IsNil() {
				return nil, nil
			}
			if rv.Elem().Type() == bigIntType {
				return c.conv(rv.Interface().(*big.Int), depth)
			}
			switch rv.Elem().Kind() {
			case reflect.Struct, reflect.Array:
			default:
				return c.conv(rv.Elem().Interface(), depth+1)
			}
		case reflect.Map:
		case reflect.Struct, reflect.Slice, reflect.Array:
			if rv.Type() == bigIntType {
				b := rv.Interface().(big.Int)
				return new(big.Int).Set(&b), nil
			}
		default:
			return nil, unsupported(rv, v)
		}
		if c.direct(rv) {
			return c.convRV(rv, depth)
		}
		id = identityOf(rv, v)
		if id != nil {
			if r, ok := c.memo[id]; ok {
				return r, nil
			}
		}
		if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Struct {
			if fields, ok := c.fastStruct(rv.Elem().Type()); ok {
				o := c.newObject(len(fields))
				c.remember(id, o)
				return o, c.fillStruct(o, rv.Elem(), fields, depth+1)
			}
		}
		m, err = normalize(rv)
		if err != nil {
			return nil, err
		}
	}
	if id != nil {
		c.remember(id, m)
	}
	return m, c.fill(m, depth+1)
}

// remember records the conversion of a value with identity id.
func (c *converter) remember(id, m any) {
	if c.memo == nil {
		c.memo = make(map[any]any)
	}
	c.memo[id] = m
}

// direct reports whether convRV builds the struct, slice or array rv itself
// (a value without identity).
func (c *converter) direct(rv reflect.Value) bool {
	switch rv.Kind() {
	case reflect.Struct:
		_, ok := c.fastStruct(rv.Type())
		return ok
	case reflect.Slice, reflect.Array:
		return rv.Type().Elem().Kind() != reflect.Uint8
	}
	return false
}

// fill converts the children of a fresh container in place.
func (c *converter) fill(m any, d int) error {
	var err error
	switch x := m.(type) {
	case *Object:
		for i := range x.m {
			if x.m[i].val, err = c.conv(x.m[i].val, d); err != nil {
				return withPath(err, pathKey(x.m[i].key))
			}
		}
	case *Array:
		if x.sparse != nil {
			for i, v := range x.sparse {
				if x.sparse[i], err = c.conv(v, d); err != nil {
					return withPath(err, "["+strconv.Itoa(i)+"]")
				}
			}
			return nil
		}
		for i, v := range x.elems {
			if _, hole := v.(Hole); hole {
				continue
			}
			if x.elems[i], err = c.conv(v, d); err != nil {
				return withPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
	case *Map:
		old := x.entries
		*x = Map{entries: make([]MapEntry, 0, len(old))}
		for _, en := range old {
			k, err := c.conv(en.Key, d)
			if err != nil {
				return withPath(err, mapPath(en.Key))
			}
			v, err := c.conv(en.Value, d)
			if err != nil {
				return withPath(err, mapPath(en.Key))
			}
			x.Set(k, v)
		}
	case *Set:
		old := x.m.entries
		*x = Set{}
		x.m.entries = make([]MapEntry, 0, len(old))
		for _, en := range old {
			k, err := c.conv(en.Key, d)
			if err != nil {
				return err
			}
			x.Add(k)
		}
	case *TypedArray:
		if x.Buffer != nil {
			b, err := c.conv(x.Buffer, d)
			if err != nil {
				return err
			}
			x.Buffer, _ = b.(*ArrayBuffer)
		}
	case *DataView:
		if x.Buffer != nil {
			b, err := c.conv(x.Buffer, d)
			if err != nil {
				return err
			}
			x.Buffer, _ = b.(*ArrayBuffer)
		}
	case *Boxed:
		if x.Value, err = c.conv(x.Value, d); err != nil {
			return err
		}
		switch x.Value.(type) {
		case float64, string, bool, *big.Int:
		default:
			return notSerializable("Cannot stringify a boxed value that is not a number, string, boolean or BigInt", x)
		}
	case *Custom:
		if x.Value, err = c.conv(x.Value, d); err != nil {
			return err
		}
	}
	return nil
}

func isModelPointer(v any) bool {
	switch v.(type) {
	case *Object, *Array, *Map, *Set, *Date, *RegExp, *URL, *URLSearchParams,
		*ArrayBuffer, *TypedArray, *DataView, *Boxed, *Custom, *Temporal:
		return true
	}
	return false
}

// shallowCopy copies a non-nil model container (children not yet converted).
func shallowCopy(v any) any {
	switch x := v.(type) {
	case *Object:
		o := &Object{NullProto: x.NullProto, m: slices.Clone(x.m), nIndexes: x.nIndexes}
		if x.idx != nil {
			o.idx = make(map[string]int, len(x.idx))
			for k, i := range x.idx {
				o.idx[k] = i
			}
		}
		return o
	case *Array:
		a := &Array{length: x.length}
		if x.sparse != nil {
			a.sparse = make(map[int]any, len(x.sparse))
			for i, v := range x.sparse {
				a.sparse[i] = v
			}
		} else {
			a.elems = slices.Clone(x.elems)
			if a.elems == nil {
				a.elems = []any{}
			}
		}
		return a
	case *Map:
		return &Map{entries: slices.Clone(x.entries)}
	case *Set:
		return &Set{m: Map{entries: slices.Clone(x.m.entries)}}
	case *Date:
		c := *x
		return &c
	case *RegExp:
		c := *x
		return &c
	case *URL:
		c := *x
		return &c
	case *URLSearchParams:
		return &URLSearchParams{Params: slices.Clone(x.Params)}
	case *ArrayBuffer:
		return &ArrayBuffer{Bytes: slices.Clone(x.Bytes)}
	case *TypedArray:
		c := *x
		return &c
	case *DataView:
		c := *x
		return &c
	case *Boxed:
		c := *x
		return &c
	case *Custom:
		c := *x
		return &c
	case *Temporal:
		c := *x
		return &c
	}
	return v
}
