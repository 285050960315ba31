package devalue

import (
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
)

// ErrSyntax is matched by the errors Parse returns for text that is not JSON.
var ErrSyntax = errors.New("devalue: malformed JSON")

// ErrInvalid is matched by the errors Parse returns for JSON that is not a
// valid devalue text ("Invalid input", "Unknown type X", ...).
var ErrInvalid = errors.New("devalue: invalid input")

// ParseError is the error of Parse. Message is the npm package's message where
// it has one ("Invalid input", "Invalid data", "Unknown type Foo",
// "Cannot parse an object with a `__proto__` property", ...). Offset is the
// byte offset of a JSON syntax error, or -1.
type ParseError struct {
	Message string
	Offset  int
	kind    error
}

// Error implements error.
func (e *ParseError) Error() string {
	if e.Offset >= 0 {
		return "devalue: " + e.Message + " at offset " + strconv.Itoa(e.Offset)
	}
	return "devalue: " + e.Message
}

// Unwrap returns ErrSyntax, ErrInvalid or ErrTooDeep.
func (e *ParseError) Unwrap() error { return e.kind }

func invalid(msg string) error { return &ParseError{Message: msg, Offset: -1, kind: ErrInvalid} }

var errInvalidInput = invalid("Invalid input")

// Parse parses a devalue text. See [Options.Parse].
func Parse(text string) (any, error) { return Options{}.Parse(text) }

// decoder turns the tokens of a text (scan.go) into values of the model.
type decoder struct {
	text        string
	toks        []tok
	slots       []int32 // token of each top-level element
	hydrated    []any
	state       []uint8 // 0 not yet, 1 hydrating, 2 done
	reviving    map[int]bool
	chStack     []int // see children
	revivers    map[string]func(any) (any, error)
	keepUnknown bool
	maxDepth    int
	nMembers    int // members of all objects
	nObjects    int
	memArena    []member
	objArena    []Object
}

const (
	stDone      = 2
	stHydrating = 1
)

// Parse parses a devalue text as the npm package's parse(text, revivers)
// does and returns the value in the model of this package (see the package
// documentation). It rejects what the npm package rejects, with the same
// message, and additionally any index that is not an integer pointing at an
// element of the text, nesting deeper than the depth limit, and sizes beyond
// 2 GiB. Strings of the result may share memory with text.
func (o Options) Parse(text string) (any, error) {
	v, _, err := o.parse(text)
	return v, err
}

// parse is Parse that also returns the number of JSON values in the text.
func (o Options) parse(text string) (v any, size int, err error) {
	if len(text) > math.MaxInt32-1 {
		return nil, 0, invalid("text too large")
	}
	d := decoderPool.Get().(*decoder)
	defer d.release()
	d.text, d.revivers, d.keepUnknown, d.maxDepth = text, o.Revivers, o.KeepUnknownTags, o.maxDepth()
	if cap(d.toks) < len(text)/6+4 {
		d.toks = make([]tok, 0, len(text)/6+4)
	}
	constant, err := d.scanRoot()
	if err != nil {
		return nil, 0, err
	}
	if constant {
		v, _ := sentinel(d.toks[0].num())
		return v, 1, nil
	}
	d.allocArenas()
	v, err = d.hydrate(0, 0)
	return v, len(d.toks), err
}

// addSlot records top-level element t. Primitives get their value at once:
// nearly all of them are referenced, and this spares building them later.
func (d *decoder) addSlot(t int) {
	d.slots = append(d.slots, int32(t))
	var v any
	st := uint8(stDone)
	switch tk := &d.toks[t]; tk.kind {
	case tString:
		v = d.str(t)
	case tNumber:
		v = d.number(tk)
	case tTrue, tFalse:
		v = tk.kind == tTrue
	case tNull:
	default:
		st = 0
	}
	d.hydrated = append(d.hydrated, v)
	d.state = append(d.state, st)
}

// allocArenas makes room for the objects of the text and their members: in
// one allocation for a small record, two otherwise.
func (d *decoder) allocArenas() {
	if d.nObjects == 0 {
		return
	}
	if d.nObjects <= 8 && d.nMembers <= 16 {
		p := new(struct {
			o [8]Object
			m [16]member
		})
		d.objArena, d.memArena = p.o[:d.nObjects], p.m[:d.nMembers]
		return
	}
	d.objArena, d.memArena = make([]Object, d.nObjects), make([]member, d.nMembers)
}

func (d *decoder) number(tk *tok) any {
	if tk.esc && tk.start >= 0 && int(tk.start) < len(smallNumbers) {
		return smallNumbers[tk.start]
	}
	return tk.num()
}

// scanRoot tokenizes the text and checks its root, as devalue does: a
// negative constant (constant is true) or a non-empty array of slots.
func (d *decoder) scanRoot() (constant bool, err error) {
	p, err := d.scanTop()
	if err != nil {
		return false, err
	}
	if p < len(d.text) {
		return false, d.syntax(p, "unexpected data after the JSON value")
	}
	root := &d.toks[0]
	switch root.kind {
	case tNumber:
		if _, ok := sentinel(root.num()); ok {
			return true, nil
		}
	case tArray:
		if root.start > 0 {
			return false, nil
		}
	}
	return false, errInvalidInput
}

// decoderPool keeps the token buffers of earlier texts: tokenizing into a
// buffer of the right size is most of what makes Parse fast.
var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// release returns the decoder to the pool, keeping its buffers unless they
// grew large, and dropping every reference into the parsed value.
func (d *decoder) release() {
	clear(d.hydrated)
	*d = decoder{chStack: d.chStack[:0], toks: d.toks[:0], slots: d.slots[:0], hydrated: d.hydrated[:0], state: d.state[:0]}
	if cap(d.toks) > 1<<20 || cap(d.slots) > 1<<20 {
		*d = decoder{}
	}
	decoderPool.Put(d)
}

// newObject returns an empty object with room for n members, carved from the
// decoder's arenas.
func (d *decoder) newObject(n int) *Object {
	if len(d.objArena) == 0 || len(d.memArena) < n {
		return &Object{m: make([]member, 0, n)}
	}
	o := &d.objArena[0]
	d.objArena = d.objArena[1:]
	o.m = d.memArena[:0:n]
	d.memArena = d.memArena[n:]
	return o
}

// sentinel returns the value of a negative constant allowed in place of an
// index (HOLE excluded).
func sentinel(f float64) (any, bool) {
	switch f {
	case idxUndefined:
		return Undefined{}, true
	case idxNaN:
		return math.NaN(), true
	case idxPosInf:
		return math.Inf(1), true
	case idxNegInf:
		return math.Inf(-1), true
	case idxNegZero:
		return math.Copysign(0, -1), true
	}
	return nil, false
}

// ref hydrates the value referenced by number token t (an index or a
// negative constant).
func (d *decoder) ref(t, depth int) (any, error) {
	tk := &d.toks[t]
	if tk.kind != tNumber {
		return nil, errInvalidInput
	}
	if tk.esc && tk.start >= 0 && int(tk.start) < len(d.slots) {
		i := int(tk.start)
		if d.state[i] == stDone {
			return d.hydrated[i], nil
		}
		return d.hydrate(i, depth+1)
	}
	f := tk.num()
	if f >= 0 && f < float64(len(d.slots)) && f == math.Trunc(f) {
		i := int(f)
		if d.state[i] == stDone {
			return d.hydrated[i], nil
		}
		return d.hydrate(i, depth+1)
	}
	if v, ok := sentinel(f); ok {
		return v, nil
	}
	return nil, errInvalidInput
}

// hydrate returns the value of slot i.
func (d *decoder) hydrate(i, depth int) (any, error) {
	if d.state[i] == stDone {
		return d.hydrated[i], nil
	}
	if d.state[i] == stHydrating && !d.hasReviver(i) {
		// a value that contains itself without a container in between
		// (["URL",0]); a custom reviver may revive again, as devalue does
		return nil, invalid("Invalid circular reference")
	}
	if depth >= d.maxDepth {
		return nil, errValueTooDeep
	}
	d.state[i] = stHydrating
	v, err := d.build(int(d.slots[i]), i, depth)
	if err != nil {
		return nil, err
	}
	d.hydrated[i] = v
	d.state[i] = stDone
	return v, nil
}

var errValueTooDeep = &ParseError{Message: "value nested deeper than the depth limit", Offset: -1, kind: ErrTooDeep}

// hasReviver reports whether slot i is a tagged value with a custom reviver.
func (d *decoder) hasReviver(i int) bool {
	t := int(d.slots[i])
	if len(d.revivers) == 0 || d.toks[t].kind != tArray || d.toks[t].start == 0 || d.toks[t+1].kind != tString {
		return false
	}
	return d.revivers[d.str(t+1)] != nil
}

// publish records the (still incomplete) container of slot i so that
// references to it from its own descendants resolve to it.
func (d *decoder) publish(slot int, v any) {
	if slot >= 0 {
		d.hydrated[slot] = v
		d.state[slot] = stDone
	}
}

// build builds the value of token t, which is slot `slot` (or -1 for a payload
// written inline).
func (d *decoder) build(t, slot, depth int) (any, error) {
	tk := &d.toks[t]
	switch tk.kind {
	case tString:
		return d.str(t), nil
	case tNumber:
		return d.number(tk), nil
	case tTrue, tFalse:
		return tk.kind == tTrue, nil
	case tNull:
		return nil, nil
	case tObject:
		return d.object(t, slot, depth)
	}
	if tk.start == 0 {
		return NewArray(), nil
	}
	switch first := &d.toks[t+1]; {
	case first.kind == tString:
		return d.tagged(t, slot, depth)
	case first.kind == tNumber && first.num() == idxSparse:
		return d.sparse(t, slot, depth)
	}
	return d.array(t, slot, depth)
}

func (d *decoder) object(t, slot, depth int) (any, error) {
	o := d.newObject(int(d.toks[t].start) / 2)
	d.publish(slot, o)
	for c := t + 1; c < int(d.toks[t].end); c = d.next(c + 1) {
		key := d.str(c)
		if key == "__proto__" {
			return nil, errProto
		}
		v, err := d.ref(c+1, depth)
		if err != nil {
			return nil, err
		}
		o.Set(key, v)
	}
	return o, nil
}

var errProto = invalid("Cannot parse an object with a `__proto__` property")

func (d *decoder) array(t, slot, depth int) (any, error) {
	n := int(d.toks[t].start)
	a := &Array{elems: make([]any, n), length: n}
	d.publish(slot, a)
	c := t + 1
	for j := 0; j < n; j, c = j+1, d.next(c) {
		if d.toks[c].kind == tNumber && d.toks[c].num() == idxHole {
			a.elems[j] = Hole{}
			continue
		}
		v, err := d.ref(c, depth)
		if err != nil {
			return nil, err
		}
		a.elems[j] = v
	}
	return a, nil
}

// children returns the tokens of the children of container token t.
//
// The slices live on a stack shared by the whole parse: callers release
// theirs with popChildren, innermost first.
func (d *decoder) children(t int) []int {
	start := len(d.chStack)
	for c := t + 1; c < int(d.toks[t].end); c = d.next(c) {
		d.chStack = append(d.chStack, c)
	}
	return d.chStack[start:len(d.chStack):len(d.chStack)]
}

func (d *decoder) popChildren(ch []int) { d.chStack = d.chStack[:len(d.chStack)-len(ch)] }

func (d *decoder) sparse(t, slot, depth int) (any, error) {
	ch := d.children(t)
	defer d.popChildren(ch)
	if len(ch) < 2 || d.toks[ch[1]].kind != tNumber {
		return nil, errInvalidInput
	}
	lf := d.toks[ch[1]].num()
	if lf < 0 || lf > maxArrayLen || lf != math.Trunc(lf) {
		return nil, errInvalidInput
	}
	length := int(lf)
	a := newSparseArray(length, (len(ch)-2)/2)
	d.publish(slot, a)
	for j := 2; j < len(ch); j += 2 {
		it := &d.toks[ch[j]]
		if it.kind != tNumber || it.num() < 0 || it.num() >= lf || it.num() != math.Trunc(it.num()) {
			return nil, errInvalidInput
		}
		if j+1 >= len(ch) {
			return nil, errInvalidInput
		}
		v, err := d.ref(ch[j+1], depth)
		if err != nil {
			return nil, err
		}
		idx := int(it.num())
		if a.sparse != nil {
			a.sparse[idx] = v
		} else {
			a.elems[idx] = v
		}
	}
	return a, nil
}

// payload hydrates the payload of a tagged value for a custom reviver or an
// unknown tag: an index, or a value written inline.
func (d *decoder) payload(ch []int, depth int) (any, error) {
	if len(ch) < 2 {
		return Undefined{}, nil
	}
	if d.toks[ch[1]].kind == tNumber {
		f := d.toks[ch[1]].num()
		if f >= 0 && f < float64(len(d.slots)) && f == math.Trunc(f) {
			i := int(f)
			if d.state[i] == stDone {
				return d.hydrated[i], nil
			}
			if d.reviving == nil {
				d.reviving = map[int]bool{}
			}
			if d.reviving[i] {
				return nil, invalid("Invalid circular reference")
			}
			d.reviving[i] = true
			v, err := d.hydrate(i, depth+1)
			delete(d.reviving, i)
			return v, err
		}
		return d.ref(ch[1], depth)
	}
	if depth >= d.maxDepth {
		return nil, &ParseError{Message: "value nested deeper than the depth limit", Offset: -1, kind: ErrTooDeep}
	}
	return d.build(ch[1], -1, depth+1)
}

// stringArg returns the string of child token j, if it is a string.
func (d *decoder) stringArg(ch []int, j int) (string, bool) {
	if j >= len(ch) || d.toks[ch[j]].kind != tString {
		return "", false
	}
	return d.str(ch[j]), true
}

// tagged builds a tagged value, ["Tag", ...], by its tag.
func (d *decoder) tagged(t, slot, depth int) (any, error) {
	ch := d.children(t)
	defer d.popChildren(ch)
	tag := d.str(ch[0])
	if rv, ok := d.revivers[tag]; ok && rv != nil {
		return d.revive(tag, rv, ch, depth)
	}
	switch tag {
	case "Date":
		return d.date(ch), nil
	case "Set":
		return d.set(ch, slot, depth)
	case "Map":
		return d.mapValue(ch, slot, depth)
	case "RegExp":
		return d.regExp(ch)
	case "Object":
		return d.boxed(ch, depth)
	case "BigInt":
		return d.bigInt(ch)
	case "null":
		return d.nullProto(ch, slot, depth)
	case "ArrayBuffer":
		return d.arrayBuffer(ch)
	case "URL", "URLSearchParams":
		return d.url(tag, ch, depth)
	}
	if elemSize(tag) > 0 || tag == "DataView" {
		return d.view(tag, ch, depth)
	}
	if strings.HasPrefix(tag, "Temporal.") && isTemporal(tag[len("Temporal."):]) {
		s, ok := d.stringArg(ch, 1)
		if !ok {
			return nil, invalid("Invalid " + tag)
		}
		return &Temporal{Tag: tag, Value: s}, nil
	}
	if d.keepUnknown {
		c := &Custom{Tag: tag}
		d.publish(slot, c)
		p, err := d.payload(ch, depth)
		c.Value = p
		return c, err
	}
	return nil, invalid("Unknown type " + tag)
}

func isTemporal(name string) bool {
	switch name {
	case "Duration", "Instant", "PlainDate", "PlainTime", "PlainDateTime", "PlainMonthDay", "PlainYearMonth", "ZonedDateTime":
		return true
	}
	return false
}

// revive hands the payload of a tagged value to a custom reviver.
func (d *decoder) revive(tag string, rv func(any) (any, error), ch []int, depth int) (any, error) {
	p, err := d.payload(ch, depth)
	if err != nil {
		return nil, err
	}
	v, err := rv(p)
	if err != nil {
		return nil, &ParseError{Message: "reviver " + tag + ": " + err.Error(), Offset: -1, kind: err}
	}
	return v, nil
}

// date builds ["Date", x] as `new Date(x)` would.
func (d *decoder) date(ch []int) *Date {
	if len(ch) < 2 {
		return &Date{Invalid: true}
	}
	tk := &d.toks[ch[1]]
	switch tk.kind {
	case tString:
		return parseDate(d.str(ch[1]))
	case tNumber:
		return dateFromMs(tk.num())
	case tNull, tFalse:
		return dateFromMs(0)
	case tTrue:
		return dateFromMs(1)
	}
	return &Date{Invalid: true}
}

func (d *decoder) set(ch []int, slot, depth int) (any, error) {
	s := &Set{}
	s.m.entries = make([]MapEntry, 0, len(ch)-1)
	d.publish(slot, s)
	for _, c := range ch[1:] {
		v, err := d.ref(c, depth)
		if err != nil {
			return nil, err
		}
		s.Add(v)
	}
	return s, nil
}

func (d *decoder) mapValue(ch []int, slot, depth int) (any, error) {
	m := &Map{entries: make([]MapEntry, 0, len(ch)/2)}
	d.publish(slot, m)
	for j := 1; j < len(ch); j += 2 {
		if j+1 >= len(ch) {
			return nil, errInvalidInput
		}
		k, err := d.ref(ch[j], depth)
		if err != nil {
			return nil, err
		}
		v, err := d.ref(ch[j+1], depth)
		if err != nil {
			return nil, err
		}
		m.Set(k, v)
	}
	return m, nil
}

func (d *decoder) regExp(ch []int) (any, error) {
	src, ok := d.stringArg(ch, 1)
	if !ok && len(ch) > 1 {
		return nil, errInvalidInput
	}
	flags := ""
	if len(ch) > 2 {
		if flags, ok = d.stringArg(ch, 2); !ok {
			return nil, errInvalidInput
		}
	}
	return newRegExp(src, flags)
}

func (d *decoder) bigInt(ch []int) (any, error) {
	if s, ok := d.stringArg(ch, 1); ok {
		return parseBigInt(s)
	}
	if len(ch) > 1 && d.toks[ch[1]].kind == tNumber && isSafeInteger(d.toks[ch[1]].num()) {
		return BigInt(strconv.FormatInt(int64(d.toks[ch[1]].num()), 10)), nil
	}
	return nil, invalid("Cannot convert to a BigInt")
}

// nullProto builds ["null", key, index, ...]: Object.create(null).
func (d *decoder) nullProto(ch []int, slot, depth int) (any, error) {
	o := &Object{NullProto: true}
	d.publish(slot, o)
	for j := 1; j < len(ch); j += 2 {
		if d.toks[ch[j]].kind != tString {
			return nil, invalid("Cannot parse an object with a non-string key")
		}
		key := d.str(ch[j])
		if key == "__proto__" {
			return nil, errProto
		}
		if j+1 >= len(ch) {
			return nil, errInvalidInput
		}
		v, err := d.ref(ch[j+1], depth)
		if err != nil {
			return nil, err
		}
		o.Set(key, v)
	}
	return o, nil
}

func (d *decoder) arrayBuffer(ch []int) (any, error) {
	s, ok := d.stringArg(ch, 1)
	if !ok {
		return nil, invalid("Invalid ArrayBuffer encoding")
	}
	b, ok := decodeBase64(s)
	if !ok {
		return nil, invalid("Invalid ArrayBuffer encoding")
	}
	return &ArrayBuffer{Bytes: b}, nil
}

// url builds ["URL", href] and ["URLSearchParams", query]; the payload may
// also be the index of the string (the form of Astro's URL reducer).
func (d *decoder) url(tag string, ch []int, depth int) (any, error) {
	s, ok := d.stringArg(ch, 1)
	if !ok && len(ch) > 1 && d.toks[ch[1]].kind == tNumber {
		v, err := d.ref(ch[1], depth)
		if err != nil {
			return nil, err
		}
		s, ok = v.(string)
	}
	if !ok {
		return nil, invalid("Invalid " + tag)
	}
	if tag == "URLSearchParams" {
		return parseSearchParams(s), nil
	}
	if !isAbsoluteURL(s) {
		return nil, invalid("Invalid URL")
	}
	return &URL{Href: s}, nil
}

func (d *decoder) boxed(ch []int, depth int) (any, error) {
	if len(ch) < 2 || d.toks[ch[1]].kind != tNumber {
		return nil, errInvalidInput
	}
	f := d.toks[ch[1]].num()
	switch f {
	case idxNaN, idxPosInf, idxNegInf, idxNegZero:
		v, _ := sentinel(f)
		return &Boxed{Value: v}, nil
	}
	if f < 0 || f >= float64(len(d.slots)) || f != math.Trunc(f) {
		return nil, errInvalidInput
	}
	raw := int(d.slots[int(f)])
	switch d.toks[raw].kind {
	case tString, tNumber, tTrue, tFalse:
	case tArray:
		if d.toks[raw].start == 0 || d.toks[raw+1].kind != tString || d.str(raw+1) != "BigInt" {
			return nil, errInvalidInput
		}
	default:
		return nil, errInvalidInput
	}
	v, err := d.ref(ch[1], depth)
	if err != nil {
		return nil, err
	}
	switch v.(type) {
	case float64, string, bool, BigInt:
	default: // a custom reviver replaced the BigInt
		return nil, errInvalidInput
	}
	return &Boxed{Value: v}, nil
}

// intArg reads an optional integer argument of a view (byteOffset, length).
func (d *decoder) intArg(ch []int, j int) (int, bool, error) {
	if j >= len(ch) {
		return 0, false, nil
	}
	tk := &d.toks[ch[j]]
	if tk.kind != tNumber || tk.num() < 0 || tk.num() > 1<<53 {
		return 0, false, invalid("Invalid typed array length")
	}
	return int(tk.num()), true, nil
}

func (d *decoder) view(tag string, ch []int, depth int) (any, error) {
	if len(ch) < 2 || d.toks[ch[1]].kind != tNumber {
		return nil, invalid("Invalid input")
	}
	f := d.toks[ch[1]].num()
	if f < 0 || f >= float64(len(d.slots)) || f != math.Trunc(f) {
		return nil, errInvalidInput
	}
	raw := int(d.slots[int(f)])
	if d.toks[raw].kind != tArray || d.toks[raw].start == 0 || d.toks[raw+1].kind != tString || d.str(raw+1) != "ArrayBuffer" {
		return nil, invalid("Invalid data")
	}
	bv, err := d.ref(ch[1], depth)
	if err != nil {
		return nil, err
	}
	buf, ok := bv.(*ArrayBuffer)
	if !ok {
		return nil, invalid("Invalid data")
	}
	off, hasOff, err := d.intArg(ch, 2)
	if err != nil {
		return nil, err
	}
	n, hasLen, err := d.intArg(ch, 3)
	if err != nil {
		return nil, err
	}
	bl := len(buf.Bytes)
	if tag == "DataView" {
		if off > bl {
			return nil, invalid("Start offset " + strconv.Itoa(off) + " is outside the bounds of the buffer")
		}
		if !hasLen {
			n = bl - off
		}
		if off+n > bl {
			return nil, invalid("Invalid DataView length " + strconv.Itoa(n))
		}
		return &DataView{Buffer: buf, ByteOffset: off, ByteLength: n}, nil
	}
	size := elemSize(tag)
	if !hasOff {
		if bl%size != 0 {
			return nil, invalid("byte length of " + tag + " should be a multiple of " + strconv.Itoa(size))
		}
		return &TypedArray{Type: tag, Buffer: buf, Length: bl / size}, nil
	}
	if off%size != 0 {
		return nil, invalid("start offset of " + tag + " should be a multiple of " + strconv.Itoa(size))
	}
	if !hasLen {
		if off > bl || (bl-off)%size != 0 {
			return nil, invalid("byte length of " + tag + " should be a multiple of " + strconv.Itoa(size))
		}
		n = (bl - off) / size
	} else if n > (bl-off)/size || off > bl {
		return nil, invalid("Invalid typed array length: " + strconv.Itoa(n))
	}
	return &TypedArray{Type: tag, Buffer: buf, ByteOffset: off, Length: n}, nil
}

func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// maxRadixDigits bounds the digits of a BigInt written in base 2, 8 or 16,
// which Parse converts to decimal (decimal digits are kept as they are).
const maxRadixDigits = 4096

// parseBigInt parses a string as JavaScript's BigInt(string) does and
// returns its decimal text.
func parseBigInt(s string) (BigInt, error) {
	s = strings.TrimFunc(s, isJSSpace)
	base, digits := 10, s
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			base, digits = 16, s[2:]
		case 'o', 'O':
			base, digits = 8, s[2:]
		case 'b', 'B':
			base, digits = 2, s[2:]
		}
	}
	neg := false
	if base == 10 && digits != "" && (digits[0] == '-' || digits[0] == '+') {
		neg, digits = digits[0] == '-', digits[1:]
		if digits == "" {
			return "", invalid("Cannot convert " + s + " to a BigInt")
		}
	}
	for i := 0; i < len(digits); i++ {
		if v, ok := unhex(digits[i]); !ok || int(v) >= base {
			return "", invalid("Cannot convert " + s + " to a BigInt")
		}
	}
	if base != 10 {
		if len(digits) > maxRadixDigits {
			return "", invalid("Cannot convert a BigInt of more than " + strconv.Itoa(maxRadixDigits) + " digits in base " + strconv.Itoa(base))
		}
		b, _ := new(big.Int).SetString(digits, base)
		return BigInt(b.String()), nil
	}
	digits = strings.TrimLeft(digits, "0")
	switch {
	case digits == "":
		return "0", nil
	case neg:
		return BigInt("-" + digits), nil
	}
	return BigInt(digits), nil
}

func isJSSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// isAbsoluteURL reports whether s starts with a URL scheme ("https:").
func isAbsoluteURL(s string) bool {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !alpha && (j == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}
