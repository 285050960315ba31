package devalue

import (
	"math"
	"reflect"
	"strings"
)

// Doc is a parsed devalue text whose values are built only when asked for.
// Parse builds the whole value at once; ParseDoc checks the text as Parse
// does but leaves each value as a [Node], to be built into the model
// ([Node.Value]), decoded straight into a Go value ([Node.Decode]), or written
// into another text by Stringify without being built at all.
//
// A Doc is not safe for concurrent use.
type Doc struct {
	d decoder
	// plain: every value reachable from the root (the root itself aside) is
	// a primitive, an array without holes or a plain object whose keys are
	// unique and not array indices, and no container is reached twice. Such
	// values are read and copied straight from the tokens; any other Doc
	// goes through the model, so that everything devalue can hold keeps its
	// exact meaning.
	plain bool
	// rootTagged: the root is a tagged value (such as a Map), read through
	// MapEntries, built by the model, never copied from its tokens
	rootTagged bool
	origin     *Doc // the Doc this one was forked from (itself when parsed)
}

// Node is one value of a Doc. Its zero value stands for undefined.
//
// Stringify writes a Node as the value it stands for, copying it from its Doc
// without building it; reducers are not applied to what is copied (it is
// already in devalue's form).
type Node struct {
	doc *Doc
	ref int32 // slot index, or one of the negative constants
}

// ParseDoc parses text lazily. See [Options.ParseDoc].
func ParseDoc(text string) (*Doc, error) { return Options{}.ParseDoc(text) }

// ParseDoc parses text as [Options.Parse] does, returning the same errors,
// but builds no value: see [Doc].
func (o Options) ParseDoc(text string) (*Doc, error) {
	if len(text) > math.MaxInt32-1 {
		return nil, invalid("text too large")
	}
	doc := &Doc{}
	d := &doc.d
	d.text, d.revivers, d.keepUnknown, d.maxDepth, d.lazy = text, o.Revivers, o.KeepUnknownTags, o.maxDepth(), true
	d.toks = make([]tok, 0, len(text)/5+4)
	constant, err := d.scanRoot()
	if err != nil {
		return nil, err
	}
	if constant {
		sd := &Doc{d: decoder{text: text, toks: d.toks}, plain: true}
		sd.origin = sd
		return sd, nil
	}
	root := &d.toks[0]
	d.slots = make([]int32, 0, root.start)
	for t := 1; t < int(root.end); t = d.next(t) {
		d.slots = append(d.slots, int32(t))
	}
	doc.plain = doc.check()
	doc.origin = doc
	if !doc.plain {
		// The model decides what is valid and gives Parse's error.
		d.ensureMemo()
		if _, err := d.hydrate(0, 0); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// Fork returns a Doc of the same text that shares doc's tokens but none of
// the values built from them, for use beside doc in another goroutine: the
// tokens are never changed once parsed, the built values belong to one Doc.
func (doc *Doc) Fork() *Doc {
	d := &doc.d
	return &Doc{
		d: decoder{text: d.text, toks: d.toks, slots: d.slots, revivers: d.revivers,
			keepUnknown: d.keepUnknown, lazy: true, maxDepth: d.maxDepth},
		plain: doc.plain, rootTagged: doc.rootTagged, origin: doc.origin,
	}
}

// In returns the Node of fork that stands where n stands in its own Doc;
// fork must be a Fork of n's Doc or share its origin. ok is false otherwise.
func (n Node) In(fork *Doc) (Node, bool) {
	if n.doc == nil || fork == nil || n.doc.origin != fork.origin {
		return Node{}, false
	}
	return Node{doc: fork, ref: n.ref}, true
}

// Doc returns the Doc of n (nil for the zero Node).
func (n Node) Doc() *Doc { return n.doc }

// Root returns the root value of the Doc.
func (doc *Doc) Root() Node {
	if len(doc.d.slots) == 0 {
		return Node{doc: doc, ref: int32(doc.d.toks[0].num())}
	}
	return Node{doc: doc, ref: 0}
}

// ensureMemo makes room for hydrated values: a lazy decoder allocates it
// only when a value is built.
func (d *decoder) ensureMemo() {
	if len(d.hydrated) < len(d.slots) {
		d.hydrated = make([]any, len(d.slots))
		if len(d.state) < len(d.slots) {
			d.state = make([]uint8, len(d.slots))
		}
	}
}

// refIndex returns the slot a reference token points at, or the negative
// constant it holds (ok false when it is neither).
func (d *decoder) refIndex(t int) (int, bool) {
	tk := &d.toks[t]
	if tk.kind != tNumber {
		return 0, false
	}
	if tk.esc {
		i := int(tk.start)
		return i, i < len(d.slots) && i >= idxNegZero
	}
	f := tk.num()
	if f >= idxNegZero && f < float64(len(d.slots)) && f == math.Trunc(f) {
		return int(f), true
	}
	return 0, false
}

// check reports whether the Doc is plain (see Doc.plain), validating as it
// goes: false also when the text is not valid, for the model to tell why.
func (doc *Doc) check() bool {
	d := &doc.d
	t := int(d.slots[0])
	if d.toks[t].kind == tArray && d.toks[t].start > 0 && d.toks[t+1].kind == tString {
		// a tagged root: a Map or Set is checked here, anything else by the model
		switch d.str(t + 1) {
		case "Map":
			if (d.toks[t].start-1)%2 != 0 {
				return false
			}
		case "Set":
		default:
			return false
		}
		doc.rootTagged = true
		d.toks[t].seen = true
		for c := d.next(t + 1); c < int(d.toks[t].end); c = d.next(c) {
			if !doc.checkRef(c, 1) {
				return false
			}
		}
		return true
	}
	return doc.checkSlot(0, 0)
}

func (doc *Doc) checkRef(c, depth int) bool {
	i, ok := doc.d.refIndex(c)
	switch {
	case !ok || i == idxHole:
		return false
	case i < 0:
		return true
	}
	return doc.checkSlot(i, depth)
}

func (doc *Doc) checkSlot(i, depth int) bool {
	d := &doc.d
	t := int(d.slots[i])
	tk := &d.toks[t]
	switch tk.kind {
	case tArray, tObject:
	default:
		return true // a primitive may be shared
	}
	if tk.seen || depth >= d.maxDepth {
		return false // shared, a cycle, or too deep
	}
	tk.seen = true
	if tk.kind == tArray {
		if tk.start > 0 && d.toks[t+1].kind != tNumber {
			return false // tagged
		}
		for c := t + 1; c < int(tk.end); c = d.next(c) {
			if !doc.checkRef(c, depth+1) {
				return false
			}
		}
		return true
	}
	n := int(tk.start) / 2
	if n > 16 {
		return false // uniqueness of keys is left to the model
	}
	for c, j := t+1, 0; c < int(tk.end); c, j = d.next(c+1), j+1 {
		key := d.str(c)
		if key == "__proto__" || isArrayIndex(key) {
			return false
		}
		for c2 := t + 1; c2 < c; c2 = d.next(c2 + 1) {
			if d.str(c2) == key {
				return false
			}
		}
		if !doc.checkRef(c+1, depth+1) {
			return false
		}
	}
	return true
}

// Value builds the value of n in the model, as Parse would have returned it.
// Values built once are kept: the same Node gives the same pointer.
func (n Node) Value() (any, error) {
	if n.doc == nil {
		return Undefined{}, nil
	}
	if n.ref < 0 {
		if v, ok := sentinel(float64(n.ref)); ok {
			return v, nil
		}
		return nil, errInvalidInput
	}
	d := &n.doc.d
	d.ensureMemo()
	return d.hydrate(int(n.ref), 0)
}

// token returns the token of n's slot, or -1 for a negative constant.
func (n Node) token() int {
	if n.doc == nil || n.ref < 0 {
		return -1
	}
	return int(n.doc.d.slots[n.ref])
}

// String returns the value of n if it is a string.
func (n Node) String() (string, bool) {
	t := n.token()
	if t < 0 || n.doc.d.toks[t].kind != tString {
		return "", false
	}
	return n.doc.d.str(t), true
}

// Float returns the value of n if it is a number.
func (n Node) Float() (float64, bool) {
	t := n.token()
	if t < 0 {
		if n.doc != nil {
			if v, ok := sentinel(float64(n.ref)); ok {
				f, isNum := v.(float64)
				return f, isNum
			}
		}
		return 0, false
	}
	if tk := &n.doc.d.toks[t]; tk.kind == tNumber {
		return tk.num(), true
	}
	return 0, false
}

// Member returns the member name of n if n is a plain object that has it.
func (n Node) Member(name string) (Node, bool) {
	t := n.token()
	if t < 0 {
		return Node{}, false
	}
	d := &n.doc.d
	tk := &d.toks[t]
	if tk.kind != tObject {
		return Node{}, false
	}
	for c := t + 1; c < int(tk.end); c = d.next(c + 1) {
		if d.str(c) == name {
			i, ok := d.refIndex(c + 1)
			if !ok {
				return Node{}, false
			}
			return Node{doc: n.doc, ref: int32(i)}, true
		}
	}
	return Node{}, false
}

// Members calls fn with the name and value of each member of n, in the
// order of the text, if n is a plain object, stopping when fn returns false.
// It reports whether n is a plain object.
func (n Node) Members(fn func(name string, value Node) bool) bool {
	t := n.token()
	if t < 0 {
		return false
	}
	d := &n.doc.d
	tk := &d.toks[t]
	if tk.kind != tObject {
		return false
	}
	for c := t + 1; c < int(tk.end); c = d.next(c + 1) {
		i, ok := d.refIndex(c + 1)
		if !ok {
			return false
		}
		if !fn(d.str(c), Node{doc: n.doc, ref: int32(i)}) {
			break
		}
	}
	return true
}

// MapEntries calls fn with each key and value of n, in order, if n is a Map,
// stopping when fn returns false. It reports whether n is a Map.
func (n Node) MapEntries(fn func(key, value Node) bool) bool {
	t := n.token()
	if t < 0 {
		return false
	}
	d := &n.doc.d
	tk := &d.toks[t]
	if tk.kind != tArray || tk.start == 0 || d.toks[t+1].kind != tString || d.str(t+1) != "Map" || (tk.start-1)%2 != 0 {
		return false
	}
	for c := d.next(t + 1); c < int(tk.end); {
		k, ok1 := d.refIndex(c)
		c = d.next(c)
		v, ok2 := d.refIndex(c)
		c = d.next(c)
		if !ok1 || !ok2 {
			return false
		}
		if !fn(Node{doc: n.doc, ref: int32(k)}, Node{doc: n.doc, ref: int32(v)}) {
			break
		}
	}
	return true
}

// Decode stores the value of n in the Go value pointed to by out, as
// [Decode] does with the value Parse would have returned, without building
// that value when it is made of strings, numbers, booleans, arrays and plain
// objects.
func (n Node) Decode(out any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Message: "Decode needs a non-nil pointer, got " + typeName(out), Value: out, kind: ErrType}
	}
	if n.doc == nil || !n.doc.plain || (n.ref == 0 && n.doc.rootTagged) {
		v, err := n.Value()
		if err != nil {
			return err
		}
		vd := valueDecoder{maxDepth: n.doc.maxDepth()}
		return vd.decode(v, rv.Elem(), 0)
	}
	nd := nodeDecoder{d: &n.doc.d, rootTagged: n.doc.rootTagged, vd: valueDecoder{maxDepth: n.doc.maxDepth()}}
	return nd.decode(int(n.ref), rv.Elem(), 0)
}

func (doc *Doc) maxDepth() int {
	if doc == nil || doc.d.maxDepth == 0 {
		return DefaultMaxDepth
	}
	return doc.d.maxDepth
}

// nodeDecoder decodes the slots of a plain Doc into Go values, handing what
// it has no shortcut for to the model's decoder.
type nodeDecoder struct {
	d          *decoder
	rootTagged bool
	vd         valueDecoder
}

// fallback decodes slot ref (or a negative constant) through the model.
func (nd *nodeDecoder) fallback(ref int, dst reflect.Value, depth int) error {
	var v any
	if ref < 0 {
		v, _ = sentinel(float64(ref))
	} else {
		nd.d.ensureMemo()
		var err error
		if v, err = nd.d.hydrate(ref, depth); err != nil {
			return err
		}
	}
	return nd.vd.decode(v, dst, depth)
}

func (nd *nodeDecoder) decode(ref int, dst reflect.Value, depth int) error {
	if ref < 0 || depth >= nd.vd.maxDepth || (ref == 0 && nd.rootTagged) {
		return nd.fallback(ref, dst, depth)
	}
	d := nd.d
	t := int(d.slots[ref])
	tk := &d.toks[t]
	switch dst.Kind() {
	case reflect.String:
		if tk.kind == tString {
			dst.SetString(d.str(t))
			return nil
		}
	case reflect.Bool:
		if tk.kind == tTrue || tk.kind == tFalse {
			dst.SetBool(tk.kind == tTrue)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if tk.kind == tNumber {
			if x := tk.num(); x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 && !dst.OverflowInt(int64(x)) {
				dst.SetInt(int64(x))
				return nil
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if tk.kind == tNumber {
			if x := tk.num(); x == math.Trunc(x) && x >= 0 && x < 1<<64 && !dst.OverflowUint(uint64(x)) {
				dst.SetUint(uint64(x))
				return nil
			}
		}
	case reflect.Float64:
		if tk.kind == tNumber {
			dst.SetFloat(tk.num())
			return nil
		}
	case reflect.Slice:
		if tk.kind == tArray && dst.Type().Elem().Kind() != reflect.Uint8 {
			return nd.slice(t, dst, depth)
		}
	case reflect.Struct:
		if tk.kind == tObject {
			switch dst.Type() {
			case timeType, urlType, bigIntType:
			default:
				return nd.structValue(t, dst, depth)
			}
		}
	case reflect.Map:
		if tk.kind == tObject && dst.Type().Key().Kind() == reflect.String {
			return nd.mapValue(t, dst, depth)
		}
	}
	return nd.fallback(ref, dst, depth)
}

// child returns the slot (or constant) child token c refers to. The Doc was
// checked, so the reference is valid.
func (nd *nodeDecoder) child(c int) int {
	i, _ := nd.d.refIndex(c)
	return i
}

func (nd *nodeDecoder) slice(t int, dst reflect.Value, depth int) error {
	d := nd.d
	c := t + 1
	return fillSlice(dst, int(d.toks[t].start), func(_ int, ev reflect.Value) error {
		err := nd.decode(nd.child(c), ev, depth+1)
		c = d.next(c)
		return err
	})
}

func (nd *nodeDecoder) structValue(t int, dst reflect.Value, depth int) error {
	d := nd.d
	st := dst.Type()
	if st != nd.vd.lastType || nd.vd.lastInfo == nil {
		nd.vd.lastType, nd.vd.lastInfo = st, structInfoOf(st)
	}
	si := nd.vd.lastInfo
	next := 0
	for c := t + 1; c < int(d.toks[t].end); c = d.next(c + 1) {
		k := d.str(c)
		i, ok := si.field(k, next)
		if !ok {
			continue
		}
		next = i + 1
		fv, ok := fieldForSet(dst, si.fields[i].index)
		if !ok {
			continue
		}
		if err := nd.decode(nd.child(c+1), fv, depth+1); err != nil {
			return withPath(err, pathKey(k))
		}
	}
	return nil
}

func (nd *nodeDecoder) mapValue(t int, dst reflect.Value, depth int) error {
	d := nd.d
	mt := dst.Type()
	m := reflect.MakeMapWithSize(mt, int(d.toks[t].start)/2)
	for c := t + 1; c < int(d.toks[t].end); c = d.next(c + 1) {
		k := d.str(c)
		kv := reflect.New(mt.Key()).Elem()
		kv.SetString(k)
		ev := reflect.New(mt.Elem()).Elem()
		if err := nd.decode(nd.child(c+1), ev, depth+1); err != nil {
			return withPath(err, pathKey(k))
		}
		m.SetMapIndex(kv, ev)
	}
	dst.Set(m)
	return nil
}

// field returns the field member k names: the one after the last matched
// when its name is k, else by exact name, else ignoring case.
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

// copyNode writes the value of n, copying it from its Doc.
func (e *encoder) copyNode(n Node, depth int) (int, error) {
	if n.doc == nil {
		return idxUndefined, nil
	}
	if n.ref < 0 {
		return int(n.ref), nil
	}
	if !n.doc.plain || (n.ref == 0 && n.doc.rootTagged) {
		v, err := n.Value()
		if err != nil {
			return 0, err
		}
		return e.flatten(v, depth)
	}
	return e.copySlot(&n.doc.d, int(n.ref), depth)
}

// copySlot writes slot i of a plain Doc. A container built into the model
// meanwhile is written from the model, which may have been changed.
func (e *encoder) copySlot(d *decoder, i, depth int) (int, error) {
	t := int(d.slots[i])
	tk := &d.toks[t]
	switch tk.kind {
	case tString:
		s := d.str(t)
		idx, isNew := e.internStr(s)
		if !isNew {
			return idx, nil
		}
		start := len(e.arena)
		e.arena = d.appendString(e.arena, t)
		e.spans[idx] = span{start, len(e.arena)}
		return idx, nil
	case tNumber, tTrue, tFalse, tNull:
		// copied as stored: no reducer sees them
		r := e.reducers
		e.reducers = nil
		var j int
		var err error
		switch tk.kind {
		case tNumber:
			j, err = e.number(tk.num(), nil, depth)
		case tTrue:
			j, err = e.literal(2, nil, depth)
		case tFalse:
			j, err = e.literal(1, nil, depth)
		default:
			j, err = e.literal(0, nil, depth)
		}
		e.reducers = r
		return j, err
	}
	if i < len(d.state) && d.state[i] == stDone {
		return e.flatten(d.hydrated[i], depth)
	}
	if depth >= e.maxDepth {
		return 0, tooDeep(nil)
	}
	idx := e.reserve()
	var small [16]int
	idxs := small[:0]
	for c := t + 1; c < int(tk.end); {
		if tk.kind == tObject {
			c++ // the key
		}
		j, _ := d.refIndex(c)
		if j >= 0 {
			var err error
			if j, err = e.copySlot(d, j, depth+1); err != nil {
				return 0, err
			}
		}
		idxs = append(idxs, j)
		c = d.next(c)
	}
	b := e.buf(depth)
	if tk.kind == tArray {
		b = append(appendIdxList(append(b, '['), idxs), ']')
	} else {
		b = append(b, '{')
		for c, k := t+1, 0; c < int(tk.end); c, k = d.next(c+1), k+1 {
			if k > 0 {
				b = append(b, ',')
			}
			b = d.appendString(b, c)
			b = append(b, ':')
			b = appendIdx(b, idxs[k])
		}
		b = append(b, '}')
	}
	e.commit(idx, depth, b)
	return idx, nil
}

// appendString appends string token t as AppendString writes its value.
func (d *decoder) appendString(b []byte, t int) []byte {
	tk := &d.toks[t]
	if tk.verbatim {
		b = append(b, '"')
		b = append(b, d.text[tk.start:tk.end]...)
		return append(b, '"')
	}
	return AppendString(b, d.str(t))
}
