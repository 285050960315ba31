package devalue

import (
	"errors"
	"math"
	"math/big"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// ErrType is matched by the errors Decode and Unmarshal return when a value
// does not fit the Go type it is decoded into.
var ErrType = errors.New("devalue: value does not fit the Go type")

// Decode stores the value v (a value of the model, as Parse returns, or a
// plain Go value) in the Go value pointed to by out, the way encoding/json's
// Unmarshal fills Go values:
//
//   - numbers go into integer kinds (if integral and in range) and float kinds;
//     BigInts into *big.Int, big.Int and integer kinds (if in range);
//   - strings, booleans and boxed primitives into string and bool kinds;
//   - arrays and Sets into slices and arrays (holes become zero values);
//     typed arrays, DataViews and ArrayBuffers into []byte;
//   - objects into structs (members matched to fields by their `devalue` or
//     `json` tag name, else the field name, exactly first then ignoring case;
//     unknown members are ignored) and into maps with string (or integer)
//     keys; Maps into maps of any key type that the keys decode into;
//   - Dates into time.Time, URLs (and strings) into url.URL;
//   - null and undefined set pointers, interfaces, maps and slices to nil and
//     leave other values unchanged;
//   - an interface{} receives the model value itself.
//
// Shared references and cycles are kept when they pass through pointers and
// maps. A value that does not fit gives an *Error matching ErrType whose Path
// names it, for example `.cart[2].quantity`. So does a value whose shared
// parts would expand into more than 64 Go values per value of the input
// (plus 1024): the work of Decode is bounded by the size of its input.
func Decode(v any, out any) error { return Options{}.Decode(v, out) }

// Decode is [Decode] with the depth limit of o.
func (o Options) Decode(v any, out any) error {
	return o.decode(v, out, &valueDecoder{root: v, limit: workSlack})
}

func (o Options) decode(v any, out any, d *valueDecoder) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Message: "Decode needs a non-nil pointer, got " + typeName(out), Value: out, kind: ErrType}
	}
	d.maxDepth = o.maxDepth()
	return d.decode(v, rv.Elem(), 0)
}

// Unmarshal parses the devalue text data and stores the result in the value
// pointed to by out, as [Decode] does.
func Unmarshal(data []byte, out any) error { return Options{}.Unmarshal(data, out) }

// Unmarshal is [Unmarshal] with the revivers and limits of o.
func (o Options) Unmarshal(data []byte, out any) error {
	v, size, err := o.parse(string(data))
	if err != nil {
		return err
	}
	return o.decode(v, out, &valueDecoder{limit: workPerValue*size + workSlack, sized: true})
}

// valueDecoder decodes a value of the model into a Go value.
//
// A model value may be reached many times (a DAG): through pointers and maps
// it is decoded once (memo), but Go slices and structs are values, so each
// reference gets its own copy. To keep the work bounded by the size of the
// input, the decoder counts the values it decodes (work) and gives up beyond
// workPerValue × the size of the input + workSlack: the number of JSON values
// of the text for Unmarshal; for Decode, the size of the model, measured
// once the work first passes workSlack.
type valueDecoder struct {
	memo     map[memoKey]reflect.Value
	root     any
	work     int
	limit    int
	sized    bool // limit counts the size of root
	maxDepth int
	// one-entry cache of structInfoOf: the elements of a slice of structs
	// all have the same type
	lastType reflect.Type
	lastInfo *structInfo
}

const (
	workPerValue = 64
	workSlack    = 1024
)

type memoKey struct {
	src any
	t   reflect.Type
}

// remember records the Go value a shared model value was decoded into.
func (d *valueDecoder) remember(key memoKey, v reflect.Value) {
	if d.memo == nil {
		d.memo = make(map[memoKey]reflect.Value)
	}
	d.memo[key] = v
}

// count charges one decoded value to the budget.
func (d *valueDecoder) count(v any) error {
	d.work++
	if d.work > d.limit && !d.sized {
		d.sized = true
		d.limit += workPerValue * modelSize(d.root)
	}
	if d.work > d.limit {
		return &Error{Message: "decoding expands shared values into more than " + strconv.Itoa(d.limit) +
			" Go values, beyond what the size of the input allows", Value: v, kind: ErrType}
	}
	return nil
}

// modelSize returns the number of values reachable from root, each shared
// container counted once.
func modelSize(root any) int {
	n := 0
	seen := map[any]bool{}
	for stack := []any{root}; len(stack) > 0; {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n++
		if !isModel(v) || seen[v] {
			continue
		}
		seen[v] = true
		switch x := v.(type) {
		case *Object:
			for _, m := range x.m {
				stack = append(stack, m.val)
			}
		case *Array:
			stack = append(stack, x.elems...)
			for _, e := range x.sparse {
				stack = append(stack, e)
			}
		case *Map:
			for _, e := range x.entries {
				stack = append(stack, e.Key, e.Value)
			}
		case *Set:
			for _, e := range x.m.entries {
				stack = append(stack, e.Key)
			}
		case *Custom:
			stack = append(stack, x.Value)
		case *Boxed:
			stack = append(stack, x.Value)
		}
	}
	return n
}

// isModel reports whether v is a non-nil pointer of the model.
func isModel(v any) bool {
	switch v.(type) {
	case *Object, *Array, *Map, *Set, *Date, *RegExp, *URL, *URLSearchParams,
		*ArrayBuffer, *TypedArray, *DataView, *Boxed, *Custom, *Temporal:
		return !reflect.ValueOf(v).IsNil()
	}
	return false
}

func typeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// jsType names the JavaScript type of a model value for error messages.
func jsType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case Undefined, Hole:
		return "undefined"
	case bool:
		return "boolean"
	case float64:
		return "number " + formatNumber(x)
	case *Object:
		return "object"
	case *Array:
		return "array"
	case *TypedArray:
		return x.Type
	case *Boxed:
		return "boxed " + jsType(x.Value)
	case *Custom:
		return x.Tag
	case *Temporal:
		return x.Tag
	}
	return strings.TrimPrefix(strings.TrimPrefix(typeName(v), "*"), "devalue.") // string, BigInt, Map, ...
}

func (d *valueDecoder) mismatch(v any, t reflect.Type) error {
	return &Error{Message: "cannot decode " + jsType(v) + " into Go value of type " + t.String(), Value: v, kind: ErrType}
}

var bigIntPtrType = reflect.TypeFor[*big.Int]()

func (d *valueDecoder) decode(v any, dst reflect.Value, depth int) error {
	if depth >= d.maxDepth {
		return &Error{Message: "cannot decode a value nested deeper than the depth limit", kind: ErrTooDeep}
	}
	switch v.(type) {
	case nil, Undefined, Hole, string, float64, bool, BigInt:
	default:
		if !isModel(v) {
			mv, err := ValueOf(v) // a Go value: its size adds to the input's
			if err != nil {
				return err
			}
			v = mv
			d.limit += workPerValue * modelSize(mv)
		}
	}
	if err := d.count(v); err != nil {
		return err
	}
	if b, ok := v.(*Boxed); ok && b != nil {
		v = b.Value
	}
	switch v.(type) {
	case nil, Undefined, Hole:
		switch dst.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
			dst.SetZero()
		}
		return nil
	}
	t := dst.Type()
	switch dst.Kind() {
	case reflect.Interface:
		if t.NumMethod() == 0 || (v != nil && reflect.TypeOf(v).Implements(t)) {
			dst.Set(reflect.ValueOf(v))
			return nil
		}
		return d.mismatch(v, t)
	case reflect.Pointer:
		return d.pointer(v, dst, depth)
	case reflect.Struct:
		switch t {
		case timeType:
			return d.time(v, dst)
		case urlType:
			return d.url(v, dst)
		case bigIntType:
			b, err := d.bigInt(v, t)
			if err == nil {
				dst.Set(reflect.ValueOf(b).Elem())
			}
			return err
		}
	}
	return d.value(v, dst, depth)
}

// pointer decodes into a pointer: a model value into its own type is shared,
// other shared values are decoded once for each pointer type.
func (d *valueDecoder) pointer(v any, dst reflect.Value, depth int) error {
	t := dst.Type()
	if v != nil && reflect.TypeOf(v) == t {
		dst.Set(reflect.ValueOf(v))
		return nil
	}
	if t == bigIntPtrType {
		b, err := d.bigInt(v, t)
		if err == nil {
			dst.Set(reflect.ValueOf(b))
		}
		return err
	}
	key := memoKey{v, t}
	shared := isModel(v)
	if shared {
		if p, ok := d.memo[key]; ok {
			dst.Set(p)
			return nil
		}
	}
	p := reflect.New(t.Elem())
	if shared {
		d.remember(key, p)
	}
	if err := d.decode(v, p.Elem(), depth+1); err != nil {
		return err
	}
	dst.Set(p)
	return nil
}

func (d *valueDecoder) time(v any, dst reflect.Value) error {
	switch x := v.(type) {
	case *Date:
		if x.Invalid {
			return &Error{Message: "cannot decode an invalid Date into time.Time", Value: v, kind: ErrType}
		}
		dst.Set(reflect.ValueOf(x.Time))
		return nil
	case string:
		tm, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			dd := parseDate(x)
			if dd.Invalid {
				return d.mismatch(v, dst.Type())
			}
			tm = dd.Time
		}
		dst.Set(reflect.ValueOf(tm))
		return nil
	}
	return d.mismatch(v, dst.Type())
}

func (d *valueDecoder) url(v any, dst reflect.Value) error {
	var href string
	switch x := v.(type) {
	case *URL:
		href = x.Href
	case string:
		href = x
	default:
		return d.mismatch(v, dst.Type())
	}
	u, err := url.Parse(href)
	if err != nil {
		return &Error{Message: "cannot decode " + strconv.Quote(href) + " into url.URL: " + err.Error(), Value: v, kind: ErrType}
	}
	dst.Set(reflect.ValueOf(*u))
	return nil
}

// value decodes v into dst by dst's kind.
func (d *valueDecoder) value(v any, dst reflect.Value, depth int) error {
	var ok bool
	switch dst.Kind() {
	case reflect.Bool:
		var b bool
		if b, ok = v.(bool); ok {
			dst.SetBool(b)
		}
	case reflect.String:
		ok = setString(v, dst)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		ok = setInt(v, dst)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		ok = setUint(v, dst)
	case reflect.Float32, reflect.Float64:
		ok = setFloat(v, dst)
	case reflect.Slice:
		return d.slice(v, dst, depth)
	case reflect.Array:
		return d.array(v, dst, depth)
	case reflect.Map:
		return d.mapValue(v, dst, depth)
	case reflect.Struct:
		return d.structValue(v, dst, depth)
	}
	if !ok {
		return d.mismatch(v, dst.Type())
	}
	return nil
}

func setString(v any, dst reflect.Value) bool {
	switch x := v.(type) {
	case string:
		dst.SetString(x)
	case *URL:
		dst.SetString(x.Href)
	default:
		return false
	}
	return true
}

func setInt(v any, dst reflect.Value) bool {
	var n int64
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || x < -(1<<63) || x >= 1<<63 {
			return false
		}
		n = int64(x)
	case BigInt:
		var err error
		if n, err = strconv.ParseInt(string(x), 10, 64); err != nil {
			return false
		}
	default:
		return false
	}
	if dst.OverflowInt(n) {
		return false
	}
	dst.SetInt(n)
	return true
}

func setUint(v any, dst reflect.Value) bool {
	var n uint64
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || x < 0 || x >= 1<<64 {
			return false
		}
		n = uint64(x)
	case BigInt:
		var err error
		if n, err = strconv.ParseUint(string(x), 10, 64); err != nil {
			return false
		}
	default:
		return false
	}
	if dst.OverflowUint(n) {
		return false
	}
	dst.SetUint(n)
	return true
}

func setFloat(v any, dst reflect.Value) bool {
	f, ok := v.(float64)
	if !ok || (dst.Kind() == reflect.Float32 && !math.IsInf(f, 0) && f == f && math.Abs(f) > math.MaxFloat32) {
		return false
	}
	dst.SetFloat(f)
	return true
}

func (d *valueDecoder) bigInt(v any, t reflect.Type) (*big.Int, error) {
	var s string
	switch x := v.(type) {
	case BigInt:
		s = string(x)
	case float64:
		if !isSafeInteger(x) {
			return nil, d.mismatch(v, t)
		}
		return big.NewInt(int64(x)), nil
	case string:
		b, err := parseBigInt(x)
		if err != nil {
			return nil, d.mismatch(v, t)
		}
		s = string(b)
	default:
		return nil, d.mismatch(v, t)
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, d.mismatch(v, t)
	}
	return b, nil
}

// elements returns the elements of an array-like value.
func (d *valueDecoder) elements(v any, t reflect.Type) ([]any, error) {
	switch x := v.(type) {
	case *Array:
		if x.sparse != nil {
			return nil, &Error{Message: "cannot decode a sparse array of length " + strconv.Itoa(x.length) + " into " + t.String(), Value: v, kind: ErrType}
		}
		return x.elems, nil
	case *Set:
		return x.Values(), nil
	}
	return nil, d.mismatch(v, t)
}

func viewBytes(v any) ([]byte, bool) {
	switch x := v.(type) {
	case *ArrayBuffer:
		return x.Bytes, true
	case *TypedArray:
		if x.Type == "Uint8Array" || x.Type == "Int8Array" || x.Type == "Uint8ClampedArray" {
			n := x.Length * elemSize(x.Type)
			if x.Buffer != nil && x.ByteOffset >= 0 && x.Length >= 0 && x.ByteOffset+n <= len(x.Buffer.Bytes) {
				return x.Buffer.Bytes[x.ByteOffset : x.ByteOffset+n], true
			}
		}
	case *DataView:
		if x.Buffer != nil && x.ByteOffset >= 0 && x.ByteLength >= 0 && x.ByteOffset+x.ByteLength <= len(x.Buffer.Bytes) {
			return x.Buffer.Bytes[x.ByteOffset : x.ByteOffset+x.ByteLength], true
		}
	}
	return nil, false
}

func (d *valueDecoder) slice(v any, dst reflect.Value, depth int) error {
	t := dst.Type()
	if t.Elem().Kind() == reflect.Uint8 {
		if b, ok := viewBytes(v); ok {
			s := reflect.MakeSlice(t, len(b), len(b))
			reflect.Copy(s, reflect.ValueOf(b))
			dst.Set(s)
			return nil
		}
	}
	elems, err := d.elements(v, t)
	if err != nil {
		return err
	}
	return fillSlice(dst, len(elems), func(i int, ev reflect.Value) error {
		if _, hole := elems[i].(Hole); hole {
			return nil
		}
		return d.decode(elems[i], ev, depth+1)
	})
}

// fillSlice sets the slice dst to n elements, filled in order by elem, and
// names the element in the error of one that fails. A nil slice grows in
// place (one allocation instead of two) and is nil again if an element fails;
// any other gets a new backing array.
func fillSlice(dst reflect.Value, n int, elem func(i int, v reflect.Value) error) error {
	inPlace := n > 0 && dst.IsNil() && dst.CanSet()
	var s reflect.Value
	if inPlace {
		dst.Grow(n)
		dst.SetLen(n)
		s = dst
	} else {
		s = reflect.MakeSlice(dst.Type(), n, n)
	}
	for i := 0; i < n; i++ {
		if err := elem(i, s.Index(i)); err != nil {
			if inPlace {
				dst.SetZero()
			}
			return withPath(err, indexPath(i))
		}
	}
	if !inPlace {
		dst.Set(s)
	}
	return nil
}

func (d *valueDecoder) array(v any, dst reflect.Value, depth int) error {
	t := dst.Type()
	if t.Elem().Kind() == reflect.Uint8 {
		if b, ok := viewBytes(v); ok {
			dst.SetZero()
			reflect.Copy(dst, reflect.ValueOf(b))
			return nil
		}
	}
	elems, err := d.elements(v, t)
	if err != nil {
		return err
	}
	dst.SetZero()
	for i, e := range elems[:min(len(elems), dst.Len())] {
		if _, hole := e.(Hole); hole {
			continue
		}
		if err := d.decode(e, dst.Index(i), depth+1); err != nil {
			return withPath(err, indexPath(i))
		}
	}
	return nil
}

func (d *valueDecoder) mapValue(v any, dst reflect.Value, depth int) error {
	t := dst.Type()
	key := memoKey{v, t}
	if m, ok := d.memo[key]; ok {
		dst.Set(m)
		return nil
	}
	var m reflect.Value
	var err error
	switch x := v.(type) {
	case *Object:
		m = reflect.MakeMapWithSize(t, len(x.m))
		d.remember(key, m)
		err = d.objectEntries(x, m, depth)
	case *Map:
		m = reflect.MakeMapWithSize(t, len(x.entries))
		d.remember(key, m)
		err = d.mapEntries(x, m, depth)
	default:
		return d.mismatch(v, t)
	}
	if err == nil {
		dst.Set(m)
	}
	return err
}

// objectEntries fills the Go map m with the members of an object; keys go
// into string and integer kinds.
func (d *valueDecoder) objectEntries(x *Object, m reflect.Value, depth int) error {
	t := m.Type()
	kt := t.Key()
	for i := range x.m {
		k := x.m[i].key
		kv := reflect.New(kt).Elem()
		var err error
		switch kt.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			n, perr := strconv.ParseInt(k, 10, 64)
			if perr != nil || kv.OverflowInt(n) {
				err = d.mismatch(k, kt)
			} else {
				kv.SetInt(n)
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			n, perr := strconv.ParseUint(k, 10, 64)
			if perr != nil || kv.OverflowUint(n) {
				err = d.mismatch(k, kt)
			} else {
				kv.SetUint(n)
			}
		default:
			err = d.decode(k, kv, depth+1)
		}
		ev := reflect.New(t.Elem()).Elem()
		if err == nil {
			err = d.decode(x.m[i].val, ev, depth+1)
		}
		if err != nil {
			return withPath(err, pathKey(k))
		}
		m.SetMapIndex(kv, ev)
	}
	return nil
}

// mapEntries fills the Go map m with the entries of a Map.
func (d *valueDecoder) mapEntries(x *Map, m reflect.Value, depth int) error {
	t := m.Type()
	for _, en := range x.entries {
		kv := reflect.New(t.Key()).Elem()
		ev := reflect.New(t.Elem()).Elem()
		err := d.decode(en.Key, kv, depth+1)
		if err == nil && !kv.Comparable() {
			err = d.mismatch(en.Key, t.Key())
		}
		if err == nil {
			err = d.decode(en.Value, ev, depth+1)
		}
		if err != nil {
			return withPath(err, mapPath(en.Key))
		}
		m.SetMapIndex(kv, ev)
	}
	return nil
}

// field returns the field a member named k sets: the one named exactly k,
// else the first named k ignoring case; next is the likeliest.
func (si *structInfo) field(k string, next int) (int, bool) {
	if next < len(si.fields) && si.fields[next].name == k {
		return next, true
	}
	if i, ok := si.exact[k]; ok {
		return i, true
	}
	i, ok := si.folded[strings.ToLower(k)]
	return i, ok
}

// fieldForSet is fieldByIndex that allocates nil embedded pointers.
func fieldForSet(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, v.CanSet()
}

func (d *valueDecoder) structValue(v any, dst reflect.Value, depth int) error {
	t := dst.Type()
	if t != d.lastType || d.lastInfo == nil {
		d.lastType, d.lastInfo = t, structInfoOf(t)
	}
	si := d.lastInfo
	next := 0 // the field the next member most likely names
	set := func(k string, val any) error {
		i, ok := si.field(k, next)
		if !ok {
			return nil
		}
		next = i + 1
		fv, ok := fieldForSet(dst, si.fields[i].index)
		if !ok {
			return nil
		}
		if err := d.decode(val, fv, depth+1); err != nil {
			return withPath(err, pathKey(k))
		}
		return nil
	}
	switch x := v.(type) {
	case *Object:
		for i := range x.m {
			if err := set(x.m[i].key, x.m[i].val); err != nil {
				return err
			}
		}
		return nil
	case *Map:
		for _, en := range x.entries {
			if k, ok := en.Key.(string); ok {
				if err := set(k, en.Value); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return d.mismatch(v, t)
}
