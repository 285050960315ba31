package devalue

import (
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"sync"
)

// DefaultMaxDepth is the nesting limit used when Options.MaxDepth is 0: how
// deep Parse, Stringify, ValueOf and Decode follow nested values (each object,
// array, Map, Set or tagged value is one level). It is far beyond any
// reasonable session value and keeps hostile input from exhausting the stack.
const DefaultMaxDepth = 10000

// ErrNotSerializable is matched (errors.Is) by every error Stringify, Marshal
// and ValueOf return for a value devalue cannot represent ("Cannot stringify a
// function", ...). The concrete type is *Error, which carries the path.
var ErrNotSerializable = errors.New("devalue: value cannot be serialized")

// ErrTooDeep is matched by the errors returned when a value or a text nests
// deeper than the depth limit.
var ErrTooDeep = errors.New("devalue: nesting too deep")

// Error is the error of Stringify, ValueOf and Decode. Message is devalue's
// message (for example "Cannot stringify a function"), Path the path of the
// offending value from the root in devalue's notation
// (`.user.tags[2]`, `.get("cart").data`).
type Error struct {
	Message string
	Path    string
	// Value is the offending value.
	Value any
	kind  error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Path == "" {
		return "devalue: " + e.Message
	}
	return "devalue: " + e.Message + " (at " + e.Path + ")"
}

// Unwrap returns ErrNotSerializable or ErrTooDeep (or nil).
func (e *Error) Unwrap() error { return e.kind }

func notSerializable(msg string, v any) error {
	return &Error{Message: msg, Value: v, kind: ErrNotSerializable}
}

// withPath prefixes the path of a *Error with seg.
func withPath(err error, seg string) error {
	if e, ok := err.(*Error); ok {
		e.Path = seg + e.Path
	}
	return err
}

// Reducer turns values of a custom type into something devalue can write, as
// the reducers argument of the npm package's stringify: when Reduce returns
// ok, the value is written as `["Tag",<index of reduced>]`. Reducers are tried
// in order for every value (after de-duplication, before built-in handling),
// and see Go values as given (a *url.URL stays a *url.URL).
type Reducer struct {
	Tag    string
	Reduce func(v any) (reduced any, ok bool)
	// Types, when not empty, are the only Go types Reduce ever returns ok
	// for. Declaring them lets Stringify write Go structs and slices of
	// other types field by field, without handing each value to Reduce.
	Types []reflect.Type
}

// Options configures Parse and Stringify. The zero value gives the behaviour
// of the package-level functions.
type Options struct {
	// Reducers are custom reducers for Stringify, tried in order.
	Reducers []Reducer
	// Revivers are custom revivers for Parse, by tag. A reviver receives the
	// parsed payload and returns the value to use. Revivers take precedence
	// over built-in tags (a "URL" reviver receives the href string).
	Revivers map[string]func(v any) (any, error)
	// MaxDepth is the nesting limit; 0 means DefaultMaxDepth.
	MaxDepth int
	// KeepUnknownTags makes Parse return a tag it has no reviver for as a
	// *Custom instead of failing with "Unknown type <tag>".
	KeepUnknownTags bool
}

func (o *Options) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}

// Stringify returns the devalue text of v. See [Options.Stringify].
func Stringify(v any) (string, error) { return Options{}.Stringify(v) }

// Marshal returns the devalue text of the Go value v, as Stringify does.
func Marshal(v any) ([]byte, error) {
	s, err := Stringify(v)
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

type span struct{ start, end int }

type encoder struct {
	reducers []Reducer
	maxDepth int
	arena    []byte
	out      []byte // where text joins the slots
	spans    []span
	// de-duplication (dedup.go)
	strList   []strRef
	strTab    strTable
	strMapped bool
	nums      smallIndex[uint64] // by bits: -0 and NaN never get there
	objs      smallIndex[any]
	ptrs      smallIndex[*Object]
	// one-entry cache of plainStruct
	lastType   reflect.Type
	lastFields []fieldInfo
	lastPlain  bool
	lastScalar bool   // every field of lastType is a string or an int written as is (see scalarFields)
	litIdx     [3]int // null, false, true (index+1; 0 = none yet)
	direct     bool   // no reducer can match a Go value whose type it did not declare
	rkinds     uint64 // the kinds (bit 1<<Kind) of the types the reducers declared
	bufStart   int    // where the slot being built starts in arena
}

// Stringify returns the devalue text of v, byte for byte what the npm
// package's stringify(value, reducers) writes for the same JavaScript value.
// v may be a value of the model (see the package documentation) or a plain Go
// value (see [ValueOf] for how Go values map to JavaScript ones), or a mix.
// A value that cannot be written gives an *Error matching ErrNotSerializable.
func (o Options) Stringify(v any) (string, error) {
	e := encoderPool.Get().(*encoder)
	defer e.release()
	e.setup(o)
	root, err := e.flatten(v, 0)
	if err != nil {
		return "", err
	}
	if root < 0 {
		return strconv.Itoa(root), nil
	}
	return e.text(), nil
}

// setup readies a pooled encoder for a call with options o.
func (e *encoder) setup(o Options) {
	e.reducers, e.maxDepth = o.Reducers, o.maxDepth()
	e.direct, e.rkinds = declaredTypes(o.Reducers)
}

// declaredTypes reports whether every reducer declared its types, and the
// kinds of those types.
func declaredTypes(rs []Reducer) (all bool, kinds uint64) {
	all = true
	for _, r := range rs {
		if len(r.Types) == 0 {
			all = false
		}
		for _, t := range r.Types {
			kinds |= 1 << t.Kind()
		}
	}
	return all, kinds
}

// text joins the slots written into the final text.
func (e *encoder) text() string {
	n := 1 + len(e.spans)
	for _, s := range e.spans {
		n += s.end - s.start
	}
	// joined in the encoder's own buffer, then copied once into the string
	out := e.out
	if cap(out) < n {
		out = make([]byte, n)
	}
	out = out[:n]
	out[0] = '['
	p := 1
	for i, s := range e.spans {
		if i > 0 {
			out[p] = ','
			p++
		}
		p += copy(out[p:], e.arena[s.start:s.end])
	}
	out[p] = ']'
	e.out = out[:0]
	return string(out)
}

var encoderPool = sync.Pool{New: func() any {
	return &encoder{
		arena: make([]byte, 0, 1024),
		spans: make([]span, 0, 64),
	}
}}

// release returns the encoder to the pool, dropping every reference to the
// value written, and buffers that grew very large.
func (e *encoder) release() {
	e.reducers = nil
	e.lastType, e.lastFields = nil, nil
	e.litIdx = [3]int{}
	if cap(e.arena) > 8<<20 || cap(e.out) > 8<<20 || len(e.spans) > 1<<18 {
		return // let the garbage collector have it
	}
	e.arena, e.spans = e.arena[:0], e.spans[:0]
	e.resetDedup()
	encoderPool.Put(e)
}

const (
	idxUndefined = -1
	idxHole      = -2
	idxNaN       = -3
	idxPosInf    = -4
	idxNegInf    = -5
	idxNegZero   = -6
	idxSparse    = -7
)

func (e *encoder) reserve() int {
	e.spans = append(e.spans, span{})
	return len(e.spans) - 1
}

// buf returns the buffer a slot's text is appended to: the end of the arena.
// Children are always written before their parent's text is built, so the
// text can go straight into the arena.
func (e *encoder) buf(int) []byte {
	e.bufStart = len(e.arena)
	return e.arena
}

// commit records b, obtained from buf and appended to, as the text of slot idx.
func (e *encoder) commit(idx, _ int, b []byte) {
	e.arena = b
	e.spans[idx] = span{e.bufStart, len(b)}
}

// flatten writes v (if not yet written) and returns its index or sentinel.
func (e *encoder) flatten(v any, depth int) (int, error) {
	switch x := v.(type) {
	case string:
		idx, isNew := e.internStr(x)
		if !isNew {
			return idx, nil
		}
		return e.primitive(idx, v, depth)
	case float64:
		return e.number(x, v, depth)
	case int:
		if safeInt(int64(x)) {
			return e.number(float64(x), v, depth)
		}
		return 0, notSerializable(unsafeIntMsg, v)
	case nil:
		return e.literal(0, v, depth)
	case bool:
		if x {
			return e.literal(2, v, depth)
		}
		return e.literal(1, v, depth)
	case Undefined, Hole:
		return idxUndefined, nil
	case Node:
		return e.copyNode(x, depth)
	case *big.Int:
		if x == nil {
			return e.literal(0, v, depth)
		}
		key := bigKey{x.String()}
		if i, ok := e.findObj(key); ok {
			return i, nil
		}
		idx := e.reserve()
		e.addObj(key, idx)
		return e.primitive(idx, v, depth)
	case *Object:
		// the most common container, de-duplicated by pointer
		if x == nil {
			return e.literal(0, v, depth)
		}
		if i, ok := e.findObject(x); ok {
			return i, nil
		}
		idx := e.reserve()
		e.addObject(x, idx)
		if depth >= e.maxDepth {
			return 0, tooDeep(v)
		}
		if len(e.reducers) > 0 {
			if ok, err := e.reduce(idx, v, depth); ok || err != nil {
				return idx, err
			}
		}
		return idx, e.encodeObject(idx, x, depth)
	case *Array, *Map, *Set, *Date, *RegExp, *URL, *URLSearchParams,
		*ArrayBuffer, *TypedArray, *DataView, *Boxed, *Custom, *Temporal:
		if isNilModel(v) {
			return e.literal(0, v, depth)
		}
		if i, ok := e.findObj(v); ok {
			return i, nil
		}
		idx := e.reserve()
		e.addObj(v, idx)
		if depth >= e.maxDepth {
			return 0, tooDeep(v)
		}
		if len(e.reducers) > 0 {
			if ok, err := e.reduce(idx, v, depth); ok || err != nil {
				return idx, err
			}
		}
		return idx, e.encodeModel(idx, v, depth)
	}
	return e.flattenGo(v, depth)
}

const unsafeIntMsg = "Cannot stringify an integer outside ±(2^53-1) as a number (use *big.Int for a BigInt)"

func tooDeep(v any) error {
	return &Error{Message: "Cannot stringify a value nested deeper than the depth limit", Value: v, kind: ErrTooDeep}
}

func isNilModel(v any) bool {
	switch x := v.(type) {
	case *Object:
		return x == nil
	case *Array:
		return x == nil
	case *Map:
		return x == nil
	case *Set:
		return x == nil
	case *Date:
		return x == nil
	case *RegExp:
		return x == nil
	case *URL:
		return x == nil
	case *URLSearchParams:
		return x == nil
	case *ArrayBuffer:
		return x == nil
	case *TypedArray:
		return x == nil
	case *DataView:
		return x == nil
	case *Boxed:
		return x == nil
	case *Custom:
		return x == nil
	case *Temporal:
		return x == nil
	}
	return false
}

func (e *encoder) number(f float64, orig any, depth int) (int, error) {
	switch {
	case f != f:
		return idxNaN, nil
	case f > math.MaxFloat64:
		return idxPosInf, nil
	case f < -math.MaxFloat64:
		return idxNegInf, nil
	case f == 0 && math.Signbit(f):
		return idxNegZero, nil
	}
	bits := math.Float64bits(f)
	if i, ok := e.findNum(bits); ok {
		return i, nil
	}
	idx := e.reserve()
	e.addNum(bits, idx)
	// a plain float64 goes to the reducers only if one may take it
	if len(e.reducers) > 0 && (orig != nil || !e.direct || e.rkinds&(1<<reflect.Float64) != 0) {
		if orig == nil {
			orig = f
		}
		if ok, err := e.reduce(idx, orig, depth); ok || err != nil {
			return idx, err
		}
	}
	start := len(e.arena)
	e.arena = AppendNumber(e.arena, f)
	e.spans[idx] = span{start, len(e.arena)}
	return idx, nil
}

func (e *encoder) literal(which int, orig any, depth int) (int, error) {
	if i := e.litIdx[which]; i > 0 {
		return i - 1, nil
	}
	idx := e.reserve()
	e.litIdx[which] = idx + 1
	if len(e.reducers) > 0 {
		if orig == nil && which > 0 {
			orig = which == 2
		}
		if ok, err := e.reduce(idx, orig, depth); ok || err != nil {
			return idx, err
		}
	}
	start := len(e.arena)
	e.arena = append(e.arena, [3]string{"null", "false", "true"}[which]...)
	e.spans[idx] = span{start, len(e.arena)}
	return idx, nil
}

// primitive writes the slot of a primitive at idx (reducers first).
func (e *encoder) primitive(idx int, v any, depth int) (int, error) {
	if len(e.reducers) > 0 {
		if ok, err := e.reduce(idx, v, depth); ok || err != nil {
			return idx, err
		}
	}
	start := len(e.arena)
	switch x := v.(type) {
	case string:
		e.arena = AppendString(e.arena, x)
	case float64:
		e.arena = AppendNumber(e.arena, x)
	case bool:
		e.arena = strconv.AppendBool(e.arena, x)
	case nil:
		e.arena = append(e.arena, "null"...)
	case *big.Int:
		e.arena = append(e.arena, `["BigInt","`...)
		e.arena = x.Append(e.arena, 10)
		e.arena = append(e.arena, `"]`...)
	default:
		// a Go scalar that reducers saw in its own type
		p, _ := goScalar(v)
		switch y := p.(type) {
		case string:
			e.arena = AppendString(e.arena, y)
		case float64:
			e.arena = AppendNumber(e.arena, y)
		case bool:
			e.arena = strconv.AppendBool(e.arena, y)
		default:
			e.arena = append(e.arena, "null"...)
		}
	}
	e.spans[idx] = span{start, len(e.arena)}
	return idx, nil
}

// reduce tries the custom reducers on v, writing slot idx on a match.
func (e *encoder) reduce(idx int, v any, depth int) (bool, error) {
	for _, r := range e.reducers {
		if r.Reduce == nil {
			continue
		}
		red, ok := r.Reduce(v)
		if !ok {
			continue
		}
		if depth >= e.maxDepth {
			return true, tooDeep(v)
		}
		ci, err := e.flatten(red, depth+1)
		if err != nil {
			return true, err
		}
		b := e.buf(depth)
		b = append(b, '[')
		b = AppendString(b, r.Tag)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(ci), 10)
		b = append(b, ']')
		e.commit(idx, depth, b)
		return true, nil
	}
	return false, nil
}

// appendIdxList appends the indices, separated by commas.
func appendIdxList(b []byte, idxs []int) []byte {
	for j, i := range idxs {
		if j > 0 {
			b = append(b, ',')
		}
		b = appendIdx(b, i)
	}
	return b
}

func appendIdx(b []byte, i int) []byte {
	switch {
	case i >= 0 && i < 10:
		return append(b, byte('0'+i))
	case i >= 10 && i < 100:
		return append(b, byte('0'+i/10), byte('0'+i%10))
	case i >= 100 && i < 1000:
		return append(b, byte('0'+i/100), byte('0'+i/10%10), byte('0'+i%10))
	}
	return strconv.AppendInt(b, int64(i), 10)
}

// encodeModel writes the slot idx of a (non-nil) container of the model.
func (e *encoder) encodeModel(idx int, v any, depth int) error {
	d := depth + 1
	switch x := v.(type) {
	case *Object:
		return e.encodeObject(idx, x, depth)
	case *Array:
		return e.encodeArray(idx, x, depth)
	case *Map:
		// children first, into indices; the slot text is built after
		var small [16]int
		idxs := small[:0]
		if 2*len(x.entries) > len(small) {
			idxs = make([]int, 0, 2*len(x.entries))
		}
		for _, en := range x.entries {
			ki, err := e.flatten(en.Key, d)
			if err != nil {
				return withPath(err, mapPath(en.Key))
			}
			vi, err := e.flatten(en.Value, d)
			if err != nil {
				return withPath(err, mapPath(en.Key))
			}
			idxs = append(idxs, ki, vi)
		}
		b := e.buf(depth)
		b = append(b, `["Map"`...)
		for _, i := range idxs {
			b = append(b, ',')
			b = appendIdx(b, i)
		}
		e.commit(idx, depth, append(b, ']'))
	case *Set:
		var small [16]int
		idxs := small[:0]
		if len(x.m.entries) > len(small) {
			idxs = make([]int, 0, len(x.m.entries))
		}
		for _, en := range x.m.entries {
			i, err := e.flatten(en.Key, d)
			if err != nil {
				return err
			}
			idxs = append(idxs, i)
		}
		b := e.buf(depth)
		b = append(b, `["Set"`...)
		for _, i := range idxs {
			b = append(b, ',')
			b = appendIdx(b, i)
		}
		e.commit(idx, depth, append(b, ']'))
	case *Date:
		b := e.buf(depth)
		b = append(b, `["Date","`...)
		b, _ = appendISO(b, x)
		e.commit(idx, depth, append(b, `"]`...))
	case *RegExp:
		b := e.buf(depth)
		b = append(b, `["RegExp",`...)
		b = AppendString(b, x.Source)
		if x.Flags != "" {
			b = append(b, ',')
			b = AppendString(b, x.Flags)
		}
		e.commit(idx, depth, append(b, ']'))
	case *URL:
		b := e.buf(depth)
		b = append(b, `["URL",`...)
		b = AppendString(b, x.Href)
		e.commit(idx, depth, append(b, ']'))
	case *URLSearchParams:
		b := e.buf(depth)
		b = append(b, `["URLSearchParams",`...)
		b = AppendString(b, x.String())
		e.commit(idx, depth, append(b, ']'))
	case *Temporal:
		b := e.buf(depth)
		b = append(b, '[')
		b = AppendString(b, x.Tag)
		b = append(b, ',')
		b = AppendString(b, x.Value)
		e.commit(idx, depth, append(b, ']'))
	case *ArrayBuffer:
		b := e.buf(depth)
		b = append(b, `["ArrayBuffer","`...)
		b = base64.StdEncoding.AppendEncode(b, x.Bytes)
		e.commit(idx, depth, append(b, `"]`...))
	case *TypedArray:
		size := elemSize(x.Type)
		if size == 0 {
			return notSerializable("Cannot stringify a typed array of unknown type "+strconv.Quote(x.Type), v)
		}
		if x.Buffer == nil || x.ByteOffset < 0 || x.Length < 0 || x.ByteOffset%size != 0 ||
			x.ByteOffset+x.Length*size > len(x.Buffer.Bytes) {
			return notSerializable("Cannot stringify a typed array that does not fit its buffer", v)
		}
		bi, err := e.flatten(x.Buffer, d)
		if err != nil {
			return err
		}
		b := e.buf(depth)
		b = append(b, '[')
		b = AppendString(b, x.Type)
		b = append(b, ',')
		b = appendIdx(b, bi)
		if x.Length*size != len(x.Buffer.Bytes) {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(x.ByteOffset), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(x.Length), 10)
		}
		e.commit(idx, depth, append(b, ']'))
	case *DataView:
		if x.Buffer == nil || x.ByteOffset < 0 || x.ByteLength < 0 || x.ByteOffset+x.ByteLength > len(x.Buffer.Bytes) {
			return notSerializable("Cannot stringify a DataView that does not fit its buffer", v)
		}
		bi, err := e.flatten(x.Buffer, d)
		if err != nil {
			return err
		}
		b := e.buf(depth)
		b = append(b, `["DataView",`...)
		b = appendIdx(b, bi)
		if x.ByteLength != len(x.Buffer.Bytes) {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(x.ByteOffset), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(x.ByteLength), 10)
		}
		e.commit(idx, depth, append(b, ']'))
	case *Boxed:
		switch x.Value.(type) {
		case float64, string, bool, *big.Int:
		default:
			return notSerializable("Cannot stringify a boxed value that is not a number, string, boolean or BigInt", v)
		}
		i, err := e.flatten(x.Value, d)
		if err != nil {
			return err
		}
		b := e.buf(depth)
		b = append(b, `["Object",`...)
		b = appendIdx(b, i)
		e.commit(idx, depth, append(b, ']'))
	case *Custom:
		i, err := e.flatten(x.Value, d)
		if err != nil {
			return err
		}
		b := e.buf(depth)
		b = append(b, '[')
		b = AppendString(b, x.Tag)
		b = append(b, ',')
		b = appendIdx(b, i)
		e.commit(idx, depth, append(b, ']'))
	}
	return nil
}

func mapPath(key any) string {
	var b []byte
	switch k := key.(type) {
	case string:
		b = AppendString(b, k)
	case float64:
		switch {
		case k != k:
			b = append(b, "-3"...)
		case k > math.MaxFloat64:
			b = append(b, "-4"...)
		case k < -math.MaxFloat64:
			b = append(b, "-5"...)
		default:
			b = AppendNumber(b, k)
		}
	case bool:
		b = strconv.AppendBool(b, k)
	case nil:
		b = append(b, "null"...)
	case Undefined:
		b = append(b, "-1"...)
	case *big.Int:
		if k == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, `["BigInt","`...)
			b = k.Append(b, 10)
			b = append(b, `"]`...)
		}
	default:
		if p, ok := goScalar(key); ok {
			return mapPath(p)
		}
		b = append(b, "..."...)
	}
	return ".get(" + string(b) + ")"
}

func (e *encoder) encodeObject(idx int, o *Object, depth int) error {
	d := depth + 1
	n := len(o.m)
	var order []int
	if o.nIndexes > 0 {
		order = o.order()
	}
	var small [16]int
	idxs := small[:0]
	if n > len(small) {
		idxs = make([]int, 0, n)
	}
	for j := 0; j < n; j++ {
		p := j
		if order != nil {
			p = order[j]
		}
		k := o.m[p].key
		if k == "__proto__" {
			return notSerializable("Cannot stringify objects with __proto__ keys", o)
		}
		i, err := e.flatten(o.m[p].val, d)
		if err != nil {
			return withPath(err, pathKey(k))
		}
		idxs = append(idxs, i)
	}
	b := e.buf(depth)
	if o.NullProto {
		b = append(b, `["null"`...)
		for j, i := range idxs {
			p := j
			if order != nil {
				p = order[j]
			}
			b = append(b, ',')
			b = AppendString(b, o.m[p].key)
			b = append(b, ',')
			b = appendIdx(b, i)
		}
		b = append(b, ']')
	} else {
		b = append(b, '{')
		for j, i := range idxs {
			p := j
			if order != nil {
				p = order[j]
			}
			if j > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, o.m[p].key)
			b = append(b, ':')
			b = appendIdx(b, i)
		}
		b = append(b, '}')
	}
	e.commit(idx, depth, b)
	return nil
}

func decimalDigits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

func (e *encoder) encodeArray(idx int, a *Array, depth int) error {
	d := depth + 1
	length := a.length
	pop := a.Populated()
	sparse := false
	if pop < length {
		dg := decimalDigits(length)
		holeCost := (length - pop) * 3
		sparseCost := 4 + dg + pop*(dg+1)
		sparse = holeCost > sparseCost
	}
	if sparse {
		ids := a.Indices()
		idxs := make([]int, len(ids))
		for j, i := range ids {
			ci, err := e.flatten(a.At(i), d)
			if err != nil {
				return withPath(err, "["+strconv.Itoa(i)+"]")
			}
			idxs[j] = ci
		}
		b := e.buf(depth)
		b = append(b, "[-7,"...)
		b = strconv.AppendInt(b, int64(length), 10)
		for j, i := range ids {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, ',')
			b = appendIdx(b, idxs[j])
		}
		e.commit(idx, depth, append(b, ']'))
		return nil
	}
	// dense: length is at most a small multiple of the population here
	var small [16]int
	idxs := small[:0]
	if length > len(small) {
		idxs = make([]int, 0, length)
	}
	for i := 0; i < length; i++ {
		v := a.At(i)
		if _, hole := v.(Hole); hole {
			idxs = append(idxs, idxHole)
			continue
		}
		ci, err := e.flatten(v, d)
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
