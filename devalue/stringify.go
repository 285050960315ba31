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

// Unwrap returns ErrNotSerializable, ErrType or ErrTooDeep.
func (e *Error) Unwrap() error { return e.kind }

func notSerializable(msg string, v any) error {
	return &Error{Message: msg, Value: v, kind: ErrNotSerializable}
}

func tooDeep(v any) error {
	return &Error{Message: "Cannot stringify a value nested deeper than the depth limit", Value: v, kind: ErrTooDeep}
}

const unsafeIntMsg = "Cannot stringify an integer outside ±(2^53-1) as a number (use *big.Int for a BigInt)"

// withPath prefixes the path of a *Error with seg.
func withPath(err error, seg string) error {
	if e, ok := err.(*Error); ok {
		e.Path = seg + e.Path
	}
	return err
}

func indexPath(i int) string { return "[" + strconv.Itoa(i) + "]" }

// Reducer turns values of a custom type into something devalue can write, as
// the reducers argument of the npm package's stringify: when Reduce returns
// ok, the value is written as `["Tag",<index of reduced>]`. Reducers are tried
// in order for every value (after de-duplication, before built-in handling),
// and see Go values as given (a *url.URL stays a *url.URL).
type Reducer struct {
	Tag    string
	Reduce func(v any) (reduced any, ok bool)
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
func Marshal(v any) ([]byte, error) { return Options{}.Marshal(v) }

// Stringify returns the devalue text of v, byte for byte what the npm
// package's stringify(value, reducers) writes for the same JavaScript value.
// v may be a value of the model (see the package documentation) or a plain Go
// value (see [ValueOf] for how Go values map to JavaScript ones), or a mix.
// A value that cannot be written gives an *Error matching ErrNotSerializable.
func (o Options) Stringify(v any) (string, error) {
	e := encoderPool.Get().(*encoder)
	defer e.release()
	if err := e.run(o, v); err != nil {
		return "", err
	}
	e.out = e.join(e.out[:0])
	return string(e.out), nil
}

// Marshal is [Marshal] with the reducers and limits of o.
func (o Options) Marshal(v any) ([]byte, error) {
	e := encoderPool.Get().(*encoder)
	defer e.release()
	if err := e.run(o, v); err != nil {
		return nil, err
	}
	return e.join(nil), nil
}

type span struct{ start, end int }

// encoder writes one text. Every value gets a slot when first reached (so
// slots are numbered in the order devalue numbers them); its text is built
// once its children have their indices, and the texts are joined at the end.
type encoder struct {
	reducers []Reducer
	maxDepth int
	root     int
	arena    []byte // the texts of the slots
	spans    []span // where each slot's text is in arena
	out      []byte
	// de-duplication: written primitives by value, containers by identity
	strs map[string]int
	nums map[uint64]int // by bits: -0 and NaN never get there
	ids  map[any]int
	lits [3]int // null, false, true (index+1; 0 = none yet)
	// the integers 0 to 255, which records are full of, without hashing
	smallNums [256]int // index+1; 0 = none yet
	// one-entry cache of fieldsOf: the elements of a slice of structs all
	// have the same type
	lastType   reflect.Type
	lastFields *structInfo
}

// encoderPool keeps the buffers and de-duplication maps of earlier texts,
// which Stringify would otherwise grow again for every text.
var encoderPool = sync.Pool{New: func() any {
	return &encoder{strs: map[string]int{}, nums: map[uint64]int{}, ids: map[any]int{}}
}}

func (e *encoder) run(o Options, v any) error {
	e.reducers, e.maxDepth = o.Reducers, o.maxDepth()
	root, err := e.flatten(v, 0)
	e.root = root
	return err
}

// release returns the encoder to the pool, dropping every reference to the
// value written, and buffers that grew very large.
func (e *encoder) release() {
	e.reducers, e.lastType, e.lastFields = nil, nil, nil
	e.lits, e.smallNums = [3]int{}, [256]int{}
	if cap(e.arena) > 8<<20 || cap(e.out) > 8<<20 || len(e.spans) > 1<<18 {
		return // let the garbage collector have it
	}
	e.arena, e.spans, e.out = e.arena[:0], e.spans[:0], e.out[:0]
	clear(e.strs)
	clear(e.nums)
	clear(e.ids)
	encoderPool.Put(e)
}

// join appends the text: the slots in order, or a negative constant. The
// result is the caller's (Marshal returns it): the encoder keeps no reference.
func (e *encoder) join(b []byte) []byte {
	if e.root < 0 {
		return strconv.AppendInt(b, int64(e.root), 10)
	}
	n := 1 + len(e.spans)
	for _, s := range e.spans {
		n += s.end - s.start
	}
	b = append(b, '[')
	if cap(b) < n {
		b = append(make([]byte, 0, n), b...)
	}
	for i, s := range e.spans {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.arena[s.start:s.end]...)
	}
	return append(b, ']')
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

// start returns the buffer the text of a slot is appended to: the end of the
// arena. Children are always written before their parent's text is built,
// so the text can go straight into the arena.
func (e *encoder) start() []byte { return e.arena }

// commit records b, obtained from start and appended to, as the text of
// slot idx.
func (e *encoder) commit(idx int, b []byte) {
	e.spans[idx] = span{len(e.arena), len(b)}
	e.arena = b
}

// flatten writes v (if not yet written) and returns its index or constant.
func (e *encoder) flatten(v any, depth int) (int, error) {
	switch x := v.(type) {
	case string:
		return e.str(x, v, depth)
	case float64:
		return e.number(x, v, depth)
	case int:
		if !safeInt(int64(x)) {
			return 0, notSerializable(unsafeIntMsg, v)
		}
		return e.number(float64(x), v, depth)
	case nil:
		return e.literal(0, v, depth)
	case bool:
		return e.literal(boolLit(x), v, depth)
	case Undefined, Hole:
		return idxUndefined, nil
	case BigInt:
		return e.bigInt(x, v, depth)
	case *big.Int:
		if x == nil {
			return e.literal(0, v, depth)
		}
		return e.bigInt(BigInt(x.String()), v, depth)
	case *Object, *Array, *Map, *Set, *Date, *RegExp, *URL, *URLSearchParams,
		*ArrayBuffer, *TypedArray, *DataView, *Boxed, *Custom, *Temporal:
		return e.container(v, depth)
	}
	return e.flattenGo(reflect.ValueOf(v), depth)
}

func boolLit(b bool) int {
	if b {
		return 2
	}
	return 1
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
		b := appendString(append(e.start(), '['), r.Tag)
		e.commit(idx, append(appendIdx(append(b, ','), ci), ']'))
		return true, nil
	}
	return false, nil
}

// primitive gives a new primitive slot idx to the reducers, then writes text.
func (e *encoder) primitive(idx int, orig any, depth int, text func([]byte) []byte) (int, error) {
	if len(e.reducers) > 0 {
		if ok, err := e.reduce(idx, orig, depth); ok || err != nil {
			return idx, err
		}
	}
	e.commit(idx, text(e.start()))
	return idx, nil
}

func (e *encoder) str(s string, orig any, depth int) (int, error) {
	if i, ok := e.strs[s]; ok {
		return i, nil
	}
	idx := e.reserve()
	e.strs[s] = idx
	if orig == nil && len(e.reducers) > 0 {
		orig = s
	}
	return e.primitive(idx, orig, depth, func(b []byte) []byte { return appendString(b, s) })
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
	small := f >= 0 && f < float64(len(e.smallNums)) && f == math.Trunc(f)
	bits := math.Float64bits(f)
	if small && e.smallNums[int(f)] > 0 {
		return e.smallNums[int(f)] - 1, nil
	} else if i, ok := e.nums[bits]; ok && !small {
		return i, nil
	}
	idx := e.reserve()
	if small {
		e.smallNums[int(f)] = idx + 1
	} else {
		e.nums[bits] = idx
	}
	if orig == nil && len(e.reducers) > 0 {
		orig = f
	}
	return e.primitive(idx, orig, depth, func(b []byte) []byte { return appendNumber(b, f) })
}

// literal writes null (which 0), false (1) or true (2).
func (e *encoder) literal(which int, orig any, depth int) (int, error) {
	if i := e.lits[which]; i > 0 {
		return i - 1, nil
	}
	idx := e.reserve()
	e.lits[which] = idx + 1
	if orig == nil && which > 0 {
		orig = which == 2
	}
	return e.primitive(idx, orig, depth, func(b []byte) []byte {
		return append(b, [3]string{"null", "false", "true"}[which]...)
	})
}

func (e *encoder) bigInt(x BigInt, orig any, depth int) (int, error) {
	if i, ok := e.ids[x]; ok {
		return i, nil
	}
	idx := e.reserve()
	e.ids[x] = idx
	return e.primitive(idx, orig, depth, func(b []byte) []byte {
		return append(append(append(b, `["BigInt","`...), x...), `"]`...)
	})
}

// container writes a (shared) container of the model.
func (e *encoder) container(v any, depth int) (int, error) {
	if reflect.ValueOf(v).IsNil() {
		return e.literal(0, v, depth)
	}
	if i, ok := e.ids[v]; ok {
		return i, nil
	}
	idx := e.reserve()
	e.ids[v] = idx
	return idx, e.fill(idx, v, v, depth)
}

// fill writes slot idx for the container m, after offering orig (m or the Go
// value it stands for) to the reducers.
func (e *encoder) fill(idx int, orig, m any, depth int) error {
	if depth >= e.maxDepth {
		return tooDeep(orig)
	}
	if len(e.reducers) > 0 && orig != nil {
		if ok, err := e.reduce(idx, orig, depth); ok || err != nil {
			return err
		}
	}
	switch x := m.(type) {
	case *Object:
		return e.object(idx, x, depth)
	case *Array:
		return e.array(idx, x, depth)
	case *Map:
		return e.mapValue(idx, x, depth)
	case *Set:
		return e.set(idx, x, depth)
	case *TypedArray:
		return e.typedArray(idx, x, depth)
	case *DataView:
		return e.dataView(idx, x, depth)
	case *Boxed:
		return e.boxed(idx, x, depth)
	case *Custom:
		return e.tagged(idx, x.Tag, x.Value, depth)
	}
	e.commit(idx, appendLeaf(e.start(), m))
	return nil
}

// appendLeaf appends the text of a model value without children.
func appendLeaf(b []byte, m any) []byte {
	switch x := m.(type) {
	case *Date:
		return append(appendISO(append(b, `["Date","`...), x), `"]`...)
	case *RegExp:
		b = appendString(append(b, `["RegExp",`...), x.Source)
		if x.Flags != "" {
			b = appendString(append(b, ','), x.Flags)
		}
	case *URL:
		b = appendString(append(b, `["URL",`...), x.Href)
	case *URLSearchParams:
		b = appendString(append(b, `["URLSearchParams",`...), x.searchString())
	case *Temporal:
		b = appendString(append(appendString(append(b, '['), x.Tag), ','), x.Value)
	case *ArrayBuffer:
		return append(base64.StdEncoding.AppendEncode(append(b, `["ArrayBuffer","`...), x.Bytes), `"]`...)
	}
	return append(b, ']')
}
