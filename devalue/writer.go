package devalue

import "strconv"

// Writer builds a devalue text slot by slot, for a caller that wraps values
// in a structure of its own (a session record's Map of entries, say) without
// building that structure in the model first. Values written through one
// Writer share its de-duplication, so the text is the one Stringify would
// write for the whole structure, provided indices are taken in devalue's
// order: a container's index (Reserve) before those of its children.
//
// String and Number apply no reducers. A Writer must be finished with Text or
// Release (Release after Text does nothing); it is not safe for concurrent use.
type Writer struct {
	e *encoder
}

// NewWriter returns a Writer with the reducers and limits of o. Keep it in a
// variable and call its methods there; do not copy it.
func (o Options) NewWriter() Writer {
	e := encoderPool.Get().(*encoder)
	e.setup(o)
	return Writer{e: e}
}

// Reserve takes the next index, for a container whose slot is set later
// with Object or Tagged.
func (w *Writer) Reserve() int { return w.e.reserve() }

// Value writes v (a value of the model, a Go value or a Node) and returns
// its index or negative constant.
func (w *Writer) Value(v any) (int, error) { return w.e.flatten(v, 1) }

// Node writes the value of n, copying it from its Doc.
func (w *Writer) Node(n Node) (int, error) { return w.e.copyNode(n, 1) }

// String writes s, once, and returns its index.
func (w *Writer) String(s string) int {
	e := w.e
	idx, isNew := e.internStr(s)
	if !isNew {
		return idx
	}
	start := len(e.arena)
	e.arena = AppendString(e.arena, s)
	e.spans[idx] = span{start, len(e.arena)}
	return idx
}

// Number writes f, once, and returns its index or negative constant.
func (w *Writer) Number(f float64) int {
	r := w.e.reducers
	w.e.reducers = nil
	i, _ := w.e.number(f, nil, 1)
	w.e.reducers = r
	return i
}

// Object sets the slot at idx (from Reserve) to a plain object whose
// members are keys[j] with the value at index vals[j].
func (w *Writer) Object(idx int, keys []string, vals []int) {
	e := w.e
	b := e.buf(0)
	b = append(b, '{')
	for j, k := range keys {
		if j > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = appendIdx(b, vals[j])
	}
	e.commit(idx, 0, append(b, '}'))
}

// Tagged sets the slot at idx (from Reserve) to the tagged value
// ["tag",vals...]: a Map with its keys and values alternating, for one.
func (w *Writer) Tagged(idx int, tag string, vals []int) {
	e := w.e
	b := e.buf(0)
	b = append(b, '[')
	b = AppendString(b, tag)
	for _, v := range vals {
		b = append(b, ',')
		b = appendIdx(b, v)
	}
	e.commit(idx, 0, append(b, ']'))
}

// Text returns the text written and releases the Writer. It fails when a
// reserved slot was never set.
func (w *Writer) Text() (string, error) {
	e := w.e
	w.e = nil
	defer e.release()
	for i, s := range e.spans {
		if s.end == 0 {
			return "", &Error{Message: "slot " + strconv.Itoa(i) + " was reserved and never set", kind: ErrNotSerializable}
		}
	}
	return e.text(), nil
}

// Release returns the Writer's buffers without making a text.
func (w *Writer) Release() {
	if e := w.e; e != nil {
		w.e = nil
		e.release()
	}
}
