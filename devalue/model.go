package devalue

import (
	"sort"
	"time"
)

// Undefined is JavaScript's undefined. It is distinct from nil, which is null.
// As a value of an object member or a Map entry it is written as -1.
type Undefined struct{}

// Hole is a missing element of an array (JavaScript `[1, , 3]`). It only
// appears as an element of an [Array]; anywhere else it means undefined.
type Hole struct{}

// BigInt is a JavaScript BigInt, kept as its decimal text ("-12345"), so that
// reading a huge one costs no more than its text. [Decode] converts it into
// *big.Int, big.Int and integer kinds; Stringify also accepts *big.Int.
type BigInt string

// Object is a JavaScript object with ordered string keys. The zero value is an
// empty object ready to use. NullProto marks an object created with
// Object.create(null), written with the "null" tag.
//
// Members are kept in insertion order; Keys and Stringify apply JavaScript's
// own-key order, in which keys that are array indices ("0", "17", but not
// "01" or "-1") come first in ascending numeric order.
type Object struct {
	m        []member
	idx      map[string]int // built once the object grows beyond smallSize
	nIndexes int            // how many keys are array indices

	// NullProto is true for an object without prototype (Object.create(null)).
	NullProto bool
}

// member is one key and value of an Object.
type member struct {
	key string
	val any
}

// smallSize is the size beyond which objects and Maps index their keys.
const smallSize = 16

// NewObject returns an empty object.
func NewObject() *Object { return &Object{} }

func (o *Object) find(key string) int {
	if o.idx != nil {
		if i, ok := o.idx[key]; ok {
			return i
		}
		return -1
	}
	for i := range o.m {
		if o.m[i].key == key {
			return i
		}
	}
	return -1
}

// Get returns the value of key and whether the object has it.
func (o *Object) Get(key string) (any, bool) {
	if i := o.find(key); i >= 0 {
		return o.m[i].val, true
	}
	return nil, false
}

// Set sets key to v. A new key is appended; an existing key keeps its position.
func (o *Object) Set(key string, v any) {
	if i := o.find(key); i >= 0 {
		o.m[i].val = v
		return
	}
	if o.m == nil {
		o.m = make([]member, 0, 4) // one allocation for the small objects most are
	}
	o.m = append(o.m, member{key, v})
	if isArrayIndex(key) {
		o.nIndexes++
	}
	if o.idx != nil {
		o.idx[key] = len(o.m) - 1
	} else if len(o.m) > smallSize {
		o.idx = make(map[string]int, len(o.m)*2)
		for i := range o.m {
			o.idx[o.m[i].key] = i
		}
	}
}

// Delete removes key if present.
func (o *Object) Delete(key string) {
	i := o.find(key)
	if i < 0 {
		return
	}
	if isArrayIndex(key) {
		o.nIndexes--
	}
	o.m = append(o.m[:i], o.m[i+1:]...)
	if o.idx != nil {
		delete(o.idx, key)
		for j := i; j < len(o.m); j++ {
			o.idx[o.m[j].key] = j
		}
	}
}

// Len returns the number of members.
func (o *Object) Len() int { return len(o.m) }

// Keys returns the keys in JavaScript own-key order (array-index keys first,
// ascending, then the other keys in insertion order).
func (o *Object) Keys() []string {
	out := make([]string, len(o.m))
	order := o.order()
	for i := range out {
		if order != nil {
			out[i] = o.m[order[i]].key
		} else {
			out[i] = o.m[i].key
		}
	}
	return out
}

// order returns the positions of the members in JavaScript own-key order,
// or nil when that is insertion order.
func (o *Object) order() []int {
	if o.nIndexes == 0 {
		return nil
	}
	out := make([]int, 0, len(o.m))
	for i := range o.m {
		if isArrayIndex(o.m[i].key) {
			out = append(out, i)
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		ka, kb := o.m[out[a]].key, o.m[out[b]].key
		if len(ka) != len(kb) {
			return len(ka) < len(kb)
		}
		return ka < kb
	})
	for i := range o.m {
		if !isArrayIndex(o.m[i].key) {
			out = append(out, i)
		}
	}
	return out
}

// isArrayIndex reports whether key is the canonical form of an integer in
// [0, 2^32-2], which JavaScript orders before the other keys of an object.
func isArrayIndex(key string) bool {
	n := len(key)
	if n == 0 || n > 10 || (n > 1 && key[0] == '0') {
		return false
	}
	var v uint64
	for i := 0; i < n; i++ {
		c := key[i]
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + uint64(c-'0')
	}
	return v <= maxArrayIndex
}

const (
	maxArrayLen   = 1<<32 - 1
	maxArrayIndex = maxArrayLen - 1
)

// Array is a JavaScript array, possibly with holes. Arrays with a large
// length and few elements are stored sparsely, so a length of 4294967295
// costs nothing. The zero value is an empty array.
type Array struct {
	elems  []any       // dense storage (sparse == nil); Hole{} marks a hole
	sparse map[int]any // sparse storage: populated elements only
	length int
}

// NewArray returns an array holding elems (not copied). Use Hole{} for holes.
func NewArray(elems ...any) *Array {
	if elems == nil {
		elems = []any{}
	}
	return &Array{elems: elems, length: len(elems)}
}

// newSparseArray returns an array of the given length, all holes, with room
// for n elements, choosing dense storage when that is cheap.
func newSparseArray(length, n int) *Array {
	if length <= 1024 || length <= 8*(n+1) {
		elems := make([]any, length)
		for i := range elems {
			elems[i] = Hole{}
		}
		return &Array{elems: elems, length: length}
	}
	return &Array{sparse: make(map[int]any, n), length: length}
}

// Len returns the array's length (holes included).
func (a *Array) Len() int { return a.length }

// At returns element i: Hole{} for a hole or an index out of range.
func (a *Array) At(i int) any {
	if i < 0 || i >= a.length {
		return Hole{}
	}
	if a.sparse != nil {
		if v, ok := a.sparse[i]; ok {
			return v
		}
		return Hole{}
	}
	return a.elems[i]
}

// Set sets element i (0 <= i < 2^32-1), growing the array with holes as
// needed; Set(a.Len(), v) appends. Setting Hole{} makes element i a hole.
// Out-of-range indices are ignored.
func (a *Array) Set(i int, v any) {
	if i < 0 || i > maxArrayIndex {
		return
	}
	_, hole := v.(Hole)
	if i >= a.length {
		a.setLen(i + 1)
	}
	if a.sparse != nil {
		if hole {
			delete(a.sparse, i)
		} else {
			a.sparse[i] = v
		}
		return
	}
	a.elems[i] = v
}

// setLen sets the length like assigning JavaScript's `array.length`: elements
// beyond it are dropped, new slots are holes.
func (a *Array) setLen(n int) {
	if a.sparse == nil && n > 2*len(a.elems)+1024 {
		a.sparse = make(map[int]any)
		for i, v := range a.elems {
			if _, hole := v.(Hole); !hole {
				a.sparse[i] = v
			}
		}
		a.elems = nil
	}
	switch {
	case a.sparse != nil:
		for i := range a.sparse {
			if i >= n {
				delete(a.sparse, i)
			}
		}
	case n < len(a.elems):
		clear(a.elems[n:])
		a.elems = a.elems[:n]
	default:
		for len(a.elems) < n {
			a.elems = append(a.elems, Hole{})
		}
	}
	a.length = n
}

// indices returns the indices of the elements that are not holes, ascending.
func (a *Array) indices() []int {
	var out []int
	if a.sparse != nil {
		out = make([]int, 0, len(a.sparse))
		for i := range a.sparse {
			out = append(out, i)
		}
		sort.Ints(out)
		return out
	}
	for i, v := range a.elems {
		if _, hole := v.(Hole); !hole {
			out = append(out, i)
		}
	}
	return out
}

// MapEntry is one entry of a [Map].
type MapEntry struct {
	Key, Value any
}

// Map is a JavaScript Map: entries in insertion order, keys of any type
// compared with SameValueZero (NaN equals NaN, +0 equals -0, objects by
// identity, strings, numbers and BigInts by value). The zero value is an empty
// Map ready to use.
type Map struct {
	entries []MapEntry
	idx     map[any]int // built once the Map grows beyond smallSize
}

// NewMap returns an empty Map.
func NewMap() *Map { return &Map{} }

type nanKey struct{}

// hashKey returns a comparable key equal for SameValueZero-equal values.
func hashKey(k any) (any, bool) {
	switch v := k.(type) {
	case nil, bool, string, BigInt, Undefined, Hole:
		return v, true
	case float64:
		if v != v {
			return nanKey{}, true
		}
		if v == 0 {
			return float64(0), true
		}
		return v, true
	case int:
		return hashKey(float64(v))
	case *Object, *Array, *Map, *Set, *Date, *RegExp, *URL, *URLSearchParams,
		*ArrayBuffer, *TypedArray, *DataView, *Boxed, *Custom, *Temporal:
		return v, true
	}
	return nil, false
}

func sameValueZero(a, b any) (eq bool) {
	ha, oka := hashKey(a)
	hb, okb := hashKey(b)
	if oka && okb {
		return ha == hb
	}
	defer func() {
		if recover() != nil {
			eq = false // a Go key that is not comparable
		}
	}()
	return a == b
}

func (m *Map) find(key any) int {
	if s, ok := key.(string); ok && m.idx == nil {
		for i := range m.entries {
			if k, ok := m.entries[i].Key.(string); ok && k == s {
				return i
			}
		}
		return -1
	}
	if m.idx != nil {
		if h, ok := hashKey(key); ok {
			if i, ok := m.idx[h]; ok {
				return i
			}
			return -1
		}
	}
	for i := range m.entries {
		if sameValueZero(m.entries[i].Key, key) {
			return i
		}
	}
	return -1
}

func (m *Map) reindex() {
	m.idx = nil
	if len(m.entries) <= smallSize {
		return
	}
	m.idx = make(map[any]int, len(m.entries))
	for i := range m.entries {
		if h, ok := hashKey(m.entries[i].Key); ok {
			m.idx[h] = i
		}
	}
}

// Get returns the value for key and whether the Map has it.
func (m *Map) Get(key any) (any, bool) {
	if i := m.find(key); i >= 0 {
		return m.entries[i].Value, true
	}
	return nil, false
}

// Set sets the value for key; a new key is appended, an existing one keeps its
// position (and its original key value, as in JavaScript).
func (m *Map) Set(key, v any) {
	if f, ok := key.(float64); ok && f == 0 {
		key = float64(0) // Map.prototype.set turns -0 into +0
	}
	if i := m.find(key); i >= 0 {
		m.entries[i].Value = v
		return
	}
	if m.entries == nil {
		m.entries = make([]MapEntry, 0, 8) // one allocation for the small Maps most are
	}
	m.entries = append(m.entries, MapEntry{key, v})
	if m.idx == nil {
		if len(m.entries) > smallSize {
			m.reindex()
		}
	} else if h, ok := hashKey(key); ok {
		m.idx[h] = len(m.entries) - 1
	}
}

// Delete removes key if present.
func (m *Map) Delete(key any) {
	if i := m.find(key); i >= 0 {
		m.entries = append(m.entries[:i], m.entries[i+1:]...)
		m.reindex()
	}
}

// Len returns the number of entries.
func (m *Map) Len() int { return len(m.entries) }

// Entries returns the entries in insertion order. The slice is shared with the
// Map until the next change; do not modify it.
func (m *Map) Entries() []MapEntry { return m.entries }

// Set is a JavaScript Set: values in insertion order, compared like [Map] keys.
// The zero value is an empty Set ready to use.
type Set struct {
	m Map
}

// NewSet returns a Set of the given values.
func NewSet(values ...any) *Set {
	s := &Set{}
	for _, v := range values {
		s.Add(v)
	}
	return s
}

// Add adds v if it is not already present.
func (s *Set) Add(v any) {
	if s.m.find(v) < 0 {
		s.m.Set(v, nil)
	}
}

// Has reports whether v is in the Set.
func (s *Set) Has(v any) bool { return s.m.find(v) >= 0 }

// Len returns the number of values.
func (s *Set) Len() int { return s.m.Len() }

// Values returns the values in insertion order.
func (s *Set) Values() []any {
	out := make([]any, len(s.m.entries))
	for i, e := range s.m.entries {
		out[i] = e.Key
	}
	return out
}

// Date is a JavaScript Date: an instant with millisecond precision, or an
// invalid date (Invalid true). Stringify writes Time.UnixMilli() in the form of
// Date.prototype.toISOString (`2025-01-02T03:04:05.006Z`, years outside
// 0000–9999 as `+012345`/`-000001`); a time outside JavaScript's range
// (±8.64e15 ms) is written as an invalid date, `["Date",""]`.
type Date struct {
	Time    time.Time
	Invalid bool
}

// NewDate returns a Date for t, truncated to milliseconds.
func NewDate(t time.Time) *Date { return &Date{Time: time.UnixMilli(t.UnixMilli()).UTC()} }

// RegExp is a JavaScript regular expression: its source and flags, as the
// RegExp properties of the same names report them (flags in the canonical
// order "dgimsuvy"). The pattern is not compiled.
type RegExp struct {
	Source string
	Flags  string
}

// URL is a WHATWG URL, kept as its href. Parse checks that the href is an
// absolute URL but does not normalise it the way the URL constructor does;
// text written by JavaScript is already normalised.
type URL struct {
	Href string
}

// URLSearchParams is a list of name/value pairs in the
// application/x-www-form-urlencoded form of the WHATWG URL standard.
type URLSearchParams struct {
	Params []QueryParam
}

// QueryParam is one name/value pair of [URLSearchParams].
type QueryParam struct {
	Name, Value string
}

// ArrayBuffer is a JavaScript ArrayBuffer: raw bytes, written in base64.
type ArrayBuffer struct {
	Bytes []byte
}

// TypedArray is a view on an [ArrayBuffer] (Uint8Array, Float64Array, ...).
// Type is the constructor name; the view covers Length elements starting at
// ByteOffset. Elements are little-endian, as on every platform JavaScript
// runs on. Views sharing a buffer share the *ArrayBuffer.
type TypedArray struct {
	Type       string
	Buffer     *ArrayBuffer
	ByteOffset int
	Length     int
}

// elemSize returns the element size of a typed array type, 0 if unknown.
func elemSize(typ string) int {
	switch typ {
	case "Int8Array", "Uint8Array", "Uint8ClampedArray":
		return 1
	case "Int16Array", "Uint16Array", "Float16Array":
		return 2
	case "Int32Array", "Uint32Array", "Float32Array":
		return 4
	case "Float64Array", "BigInt64Array", "BigUint64Array":
		return 8
	}
	return 0
}

// DataView is a JavaScript DataView on ByteLength bytes of Buffer starting at
// ByteOffset.
type DataView struct {
	Buffer     *ArrayBuffer
	ByteOffset int
	ByteLength int
}

// Boxed is a boxed primitive (new Number(1), new String("s"), Object(1n)).
// Value is a float64, string, bool or BigInt.
type Boxed struct {
	Value any
}

// Custom is a value written with a custom tag, `["Tag",<index of Value>]`, the
// form of the npm package's custom reducers. Stringify writes it; Parse
// returns it for tags that have no reviver when Options.KeepUnknownTags is set.
type Custom struct {
	Tag   string
	Value any
}

// Temporal is a value of the TC39 Temporal API, kept as text: Tag is the full
// tag ("Temporal.Instant", "Temporal.Duration", ...) and Value the value's
// toString(). It is neither validated nor interpreted.
type Temporal struct {
	Tag   string
	Value string
}
