package devalue

import (
	"errors"
	"math"
	"math/big"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
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
// names it, for example `.cart[2].quantity`.
func Decode(v any, out any) error { return Options{}.Decode(v, out) }

// Decode is [Decode] with the depth limit of o.
func (o Options) Decode(v any, out any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Message: "Decode needs a non-nil pointer, got " + typeName(out), Value: out, kind: ErrType}
	}
	d := &valueDecoder{maxDepth: o.maxDepth()}
	return d.decode(v, rv.Elem(), 0)
}

// Unmarshal is [Unmarshal] with the revivers and limits of o.
func (o Options) Unmarshal(data []byte, out any) error {
	v, err := o.Parse(string(data))
	if err != nil {
		return err
	}
	return o.Decode(v, out)
}

// Marshal is [Marshal] with the reducers and limits of o.
func (o Options) Marshal(v any) ([]byte, error) {
	s, err := o.Stringify(v)
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

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

type valueDecoder struct {
	memo     map[memoKey]reflect.Value
	maxDepth int
	// one-entry cache of structInfoOf: the elements of a slice of structs
	// all have the same type
	lastType reflect.Type
	lastInfo *structInfo
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
	case string:
		return "string"
	case float64:
		return "number " + FormatNumber(x)
	case *big.Int:
		return "BigInt"
	case *Object:
		return "object"
	case *Array:
		return "array"
	case *Map:
		return "Map"
	case *Set:
		return "Set"
	case *Date:
		return "Date"
	case *RegExp:
		return "RegExp"
	case *URL:
		return "URL"
	case *URLSearchParams:
		return "URLSearchParams"
	case *ArrayBuffer:
		return "ArrayBuffer"
	case *TypedArray:
		return x.Type
	case *DataView:
		return "DataView"
	case *Boxed:
		return "boxed " + jsType(x.Value)
	case *Custom:
		return x.Tag
	case *Temporal:
		return x.Tag
	}
	return typeName(v)
}

func (d *valueDecoder) mismatch(v any, t reflect.Type) error {
	return &Error{Message: "cannot decode " + jsType(v) + " into Go value of type " + t.String(), Value: v, kind: ErrType}
}

var bigIntPtrType = reflect.TypeFor[*big.Int]()

func (d *valueDecoder) decode(v any, dst reflect.Value, depth int) error {
	if depth >= d.maxDepth {
		return &Error{Message: "cannot decode a value nested deeper than the depth limit", kind: ErrTooDeep}
	}
	if b, ok := v.(*Boxed); ok && b != nil {
		v = b.Value
	}
	t := dst.Type()
	switch v.(type) {
	case nil, Undefined, Hole:
		switch dst.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
			dst.SetZero()
		}
		return nil
	case string, float64, bool, *big.Int:
	default:
		if !isModelPointer(v) {
			mv, err := ValueOf(v)
			if err != nil {
				return err
			}
			v = mv
		}
	}
	if k := dst.Kind(); (k == reflect.Pointer || k == reflect.Interface) && isModelPointer(v) && reflect.TypeOf(v).AssignableTo(t) {
		dst.Set(reflect.ValueOf(v)) // a model value into its own type: shared
		return nil
	}
	switch dst.Kind() {
	case reflect.Interface:
		if t.NumMethod() == 0 {
			dst.Set(reflect.ValueOf(v))
			return nil
		}
		if v != nil && reflect.TypeOf(v).Implements(t) {
			dst.Set(reflect.ValueOf(v))
			return nil
		}
		return d.mismatch(v, t)
	case reflect.Pointer:
		if t == bigIntPtrType {
			b, err := d.bigInt(v, t)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(b))
			return nil
		}
		key := memoKey{v, t}
		shared := isModelPointer(v)
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
	if dst.Kind() != reflect.Struct {
		return d.value(v, dst, depth)
	}
	switch t {
	case timeType:
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
				dd := ParseDate(x)
				if dd.Invalid {
					return d.mismatch(v, t)
				}
				tm = dd.Time
			}
			dst.Set(reflect.ValueOf(tm))
			return nil
		}
		return d.mismatch(v, t)
	case urlType:
		var href string
		switch x := v.(type) {
		case *URL:
			href = x.Href
		case string:
			href = x
		default:
			return d.mismatch(v, t)
		}
		u, err := url.Parse(href)
		if err != nil {
			return &Error{Message: "cannot decode " + strconv.Quote(href) + " into url.URL: " + err.Error(), Value: v, kind: ErrType}
		}
		dst.Set(reflect.ValueOf(*u))
		return nil
	case bigIntType:
		b, err := d.bigInt(v, t)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(*b))
		return nil
	}
	return d.value(v, dst, depth)
}

// value decodes v into dst by dst's kind (special struct types are handled by
// decode).
func (d *valueDecoder) value(v any, dst reflect.Value, depth int) error {
	t := dst.Type()
	switch dst.Kind() {
	case reflect.Bool:
		if b, ok := v.(bool); ok {
			dst.SetBool(b)
			return nil
		}
	case reflect.String:
		switch x := v.(type) {
		case string:
			dst.SetString(x)
			return nil
		case *URL:
			dst.SetString(x.Href)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 && !dst.OverflowInt(int64(x)) {
				dst.SetInt(int64(x))
				return nil
			}
		case *big.Int:
			if x.IsInt64() && !dst.OverflowInt(x.Int64()) {
				dst.SetInt(x.Int64())
				return nil
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && x >= 0 && x < 1<<64 && !dst.OverflowUint(uint64(x)) {
				dst.SetUint(uint64(x))
				return nil
			}
		case *big.Int:
			if x.IsUint64() && !dst.OverflowUint(x.Uint64()) {
				dst.SetUint(x.Uint64())
				return nil
			}
		}
	case reflect.Float32, reflect.Float64:
		if f, ok := v.(float64); ok {
			if dst.Kind() == reflect.Float32 && !math.IsInf(f, 0) && f == f && math.Abs(f) > math.MaxFloat32 {
				break
			}
			dst.SetFloat(f)
			return nil
		}
	case reflect.Slice:
		return d.slice(v, dst, depth)
	case reflect.Array:
		return d.array(v, dst, depth)
	case reflect.Map:
		return d.mapValue(v, dst, depth)
	case reflect.Struct:
		return d.structValue(v, dst, depth)
	}
	return d.mismatch(v, t)
}

func (d *valueDecoder) bigInt(v any, t reflect.Type) (*big.Int, error) {
	switch x := v.(type) {
	case *big.Int:
		return new(big.Int).Set(x), nil
	case float64:
		if isSafeInteger(x) {
			return big.NewInt(int64(x)), nil
		}
	case string:
		if b, ok := parseBigInt(x); ok {
			return b, nil
		}
	}
	return nil, d.mismatch(v, t)
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
			b := x.Bytes()
			return b, b != nil
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
			return withPath(err, "["+strconv.Itoa(i)+"]")
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
	for i, e := range elems {
		if i >= dst.Len() {
			break
		}
		if _, hole := e.(Hole); hole {
			continue
		}
		if err := d.decode(e, dst.Index(i), depth+1); err != nil {
			return withPath(err, "["+strconv.Itoa(i)+"]")
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
	switch x := v.(type) {
	case *Object:
		kt := t.Key()
		m := reflect.MakeMapWithSize(t, x.Len())
		d.remember(key, m)
		for i := range x.m {
			k := x.m[i].key
			kv := reflect.New(kt).Elem()
			switch kt.Kind() {
			case reflect.String:
				kv.SetString(k)
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				n, err := strconv.ParseInt(k, 10, 64)
				if err != nil || kv.OverflowInt(n) {
					return withPath(d.mismatch(k, kt), pathKey(k))
				}
				kv.SetInt(n)
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
				n, err := strconv.ParseUint(k, 10, 64)
				if err != nil || kv.OverflowUint(n) {
					return withPath(d.mismatch(k, kt), pathKey(k))
				}
				kv.SetUint(n)
			default:
				if err := d.decode(k, kv, depth+1); err != nil {
					return withPath(err, pathKey(k))
				}
			}
			ev := reflect.New(t.Elem()).Elem()
			if err := d.decode(x.m[i].val, ev, depth+1); err != nil {
				return withPath(err, pathKey(k))
			}
			m.SetMapIndex(kv, ev)
		}
		dst.Set(m)
		return nil
	case *Map:
		m := reflect.MakeMapWithSize(t, x.Len())
		d.remember(key, m)
		for _, en := range x.entries {
			kv := reflect.New(t.Key()).Elem()
			if err := d.decode(en.Key, kv, depth+1); err != nil {
				return withPath(err, mapPath(en.Key))
			}
			if !kv.Comparable() {
				return withPath(d.mismatch(en.Key, t.Key()), mapPath(en.Key))
			}
			ev := reflect.New(t.Elem()).Elem()
			if err := d.decode(en.Value, ev, depth+1); err != nil {
				return withPath(err, mapPath(en.Key))
			}
			m.SetMapIndex(kv, ev)
		}
		dst.Set(m)
		return nil
	}
	return d.mismatch(v, t)
}

type structInfo struct {
	fields []fieldInfo
	exact  map[string]int
	folded map[string]int
}

var structInfoCache sync.Map

func structInfoOf(t reflect.Type) *structInfo {
	if si, ok := structInfoCache.Load(t); ok {
		return si.(*structInfo)
	}
	fs := structFields(t)
	si := &structInfo{fields: fs, exact: map[string]int{}, folded: map[string]int{}}
	for i, f := range fs {
		si.exact[f.name] = i
		if _, ok := si.folded[strings.ToLower(f.name)]; !ok {
			si.folded[strings.ToLower(f.name)] = i
		}
	}
	structInfoCache.Store(t, si)
	return si
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
			k, ok := en.Key.(string)
			if !ok {
				continue
			}
			if err := set(k, en.Value); err != nil {
				return err
			}
		}
		return nil
	}
	return d.mismatch(v, t)
}
