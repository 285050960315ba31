package devalue

import (
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
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

// Unmarshal parses the devalue text data and stores the result in the value
// pointed to by out, as [Decode] does.
func Unmarshal(data []byte, out any) error {
	v, err := Parse(string(data))
	if err != nil {
		return err
	}
	return Decode(v, out)
}

const (
	tString uint8 = iota + 1
	tNumber
	tTrue
	tFalse
	tNull
	tArray
	tObject
)

// tok is one JSON value. For strings start/end delimit the content (quotes
// excluded); for arrays and objects start is the number of children (members
// count twice: key and value) and end the index of the token after the
// container's last descendant.
//
// A number token holds its value in start and end: an integer in start when
// esc is set (the common case: indices), else the bits of a float64.
type tok struct {
	kind uint8
	esc  bool
	seen bool // a Doc's check reached this container
	// verbatim: a string whose text is what AppendString writes for it
	// (ASCII, nothing escaped)
	verbatim bool
	start    int32
	end      int32
}

// num returns the value of a number token.
func (t *tok) num() float64 {
	if t.esc {
		return float64(t.start)
	}
	return math.Float64frombits(uint64(uint32(t.start))<<32 | uint64(uint32(t.end)))
}

func numTok(f float64) tok {
	b := math.Float64bits(f)
	return tok{kind: tNumber, start: int32(uint32(b >> 32)), end: int32(uint32(b))}
}

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
	lazy        bool // a Doc's: slots are listed after the scan, nothing is built early
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
	if len(text) > math.MaxInt32-1 {
		return nil, invalid("text too large")
	}
	d := decoderPool.Get().(*decoder)
	defer d.release()
	d.text, d.revivers, d.keepUnknown, d.maxDepth = text, o.Revivers, o.KeepUnknownTags, o.maxDepth()
	if cap(d.toks) < len(text)/6+4 {
		d.toks = make([]tok, 0, len(text)/6+4)
	}
	constant, err := d.scanRoot()
	if err != nil {
		return nil, err
	}
	if constant {
		v, _ := sentinel(d.toks[0].num())
		return v, nil
	}
	d.allocArenas()
	return d.hydrate(0, 0)
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

// allocArenas makes room for the objects of the text and their members: in
// one allocation for a small record, two otherwise.
func (d *decoder) allocArenas() {
	switch {
	case d.nObjects == 0:
	case d.nObjects <= 4 && d.nMembers <= 8:
		p := new(struct {
			o [4]Object
			m [8]member
		})
		d.objArena, d.memArena = p.o[:d.nObjects], p.m[:d.nMembers]
	case d.nObjects <= 8 && d.nMembers <= 16:
		p := new(struct {
			o [8]Object
			m [16]member
		})
		d.objArena, d.memArena = p.o[:d.nObjects], p.m[:d.nMembers]
	default:
		d.memArena = make([]member, d.nMembers)
		d.objArena = make([]Object, d.nObjects)
	}
}

// addSlot records top-level element t. Primitives get their value at once:
// nearly all of them are referenced, and this spares the lookup later.
func (d *decoder) addSlot(t int) {
	if d.lazy {
		return
	}
	d.slots = append(d.slots, int32(t))
	var v any
	st := uint8(stDone)
	switch tk := &d.toks[t]; tk.kind {
	case tString:
		v = d.str(t)
	case tNumber:
		if tk.esc && tk.start >= 0 && int(tk.start) < len(smallNumbers) {
			v = smallNumbers[tk.start]
		} else {
			v = tk.num()
		}
	case tTrue:
		v = true
	case tFalse:
		v = false
	case tNull:
	default:
		st = 0
	}
	d.hydrated = append(d.hydrated, v)
	d.state = append(d.state, st)
}

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// release returns the decoder to the pool, keeping its buffers unless they
// grew large, and dropping every reference into the parsed value.
func (d *decoder) release() {
	clear(d.hydrated)
	clear(d.state)
	*d = decoder{
		chStack:  d.chStack[:0],
		toks:     d.toks[:0],
		slots:    d.slots[:0],
		hydrated: d.hydrated[:0],
		state:    d.state[:0],
	}
	if cap(d.toks) > 1<<20 {
		d.toks = nil
	}
	if cap(d.slots) > 1<<20 {
		d.slots, d.hydrated, d.state = nil, nil, nil
	}
	decoderPool.Put(d)
}

// newObject returns an empty object with room for n members, carved from the
// decoder's arenas.
func (d *decoder) newObject(n int) *Object {
	if len(d.objArena) == 0 || len(d.memArena) < n {
		return newObjectCap(n)
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

func (d *decoder) syntax(p int, msg string) error {
	return &ParseError{Message: msg, Offset: p, kind: ErrSyntax}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (d *decoder) skipSpace(p int) int {
	for p < len(d.text) && isSpace(d.text[p]) {
		p++
	}
	return p
}

// scanTop tokenizes the whole text, recording the top-level elements.
func (d *decoder) scanTop() (int, error) {
	p := d.skipSpace(0)
	if p < len(d.text) && d.text[p] == '[' {
		return d.scanArray(p, 0, true)
	}
	p, err := d.scanValue(p, 0)
	if err != nil {
		return p, err
	}
	return d.skipSpace(p), nil
}

func (d *decoder) scanValue(p, depth int) (int, error) {
	if p >= len(d.text) {
		return p, d.syntax(p, "unexpected end of JSON input")
	}
	switch c := d.text[p]; {
	case c == '"':
		return d.scanString(p)
	case c == '[':
		return d.scanArray(p, depth, false)
	case c == '{':
		return d.scanObject(p, depth)
	case c == '-' || (c >= '0' && c <= '9'):
		return d.scanNumber(p)
	case c == 't':
		return d.scanLiteral(p, "true", tTrue)
	case c == 'f':
		return d.scanLiteral(p, "false", tFalse)
	case c == 'n':
		return d.scanLiteral(p, "null", tNull)
	}
	return p, d.syntax(p, "unexpected character "+strconv.QuoteRune(rune(d.text[p])))
}

func (d *decoder) scanLiteral(p int, lit string, kind uint8) (int, error) {
	if !strings.HasPrefix(d.text[p:], lit) {
		return p, d.syntax(p, "invalid literal")
	}
	d.toks = append(d.toks, tok{kind: kind})
	return p + len(lit), nil
}

func (d *decoder) scanNumber(p int) (int, error) {
	s := d.text
	start := p
	neg := false
	if s[p] == '-' {
		neg = true
		p++
	}
	if p >= len(s) {
		return p, d.syntax(p, "invalid number")
	}
	var mant uint64
	digits := 0
	if s[p] == '0' {
		p++
		digits = 1
	} else if s[p] >= '1' && s[p] <= '9' {
		for p < len(s) && s[p] >= '0' && s[p] <= '9' {
			mant = mant*10 + uint64(s[p]-'0')
			p++
			digits++
		}
	} else {
		return p, d.syntax(p, "invalid number")
	}
	simple := true
	frac := 0
	if p < len(s) && s[p] == '.' {
		p++
		q := p
		for p < len(s) && s[p] >= '0' && s[p] <= '9' {
			if digits < 19 {
				mant = mant*10 + uint64(s[p]-'0')
			}
			digits++
			p++
		}
		frac = p - q
		if p == q {
			return p, d.syntax(p, "invalid number")
		}
	}
	if p < len(s) && (s[p] == 'e' || s[p] == 'E') {
		simple = false
		p++
		if p < len(s) && (s[p] == '+' || s[p] == '-') {
			p++
		}
		q := p
		for p < len(s) && s[p] >= '0' && s[p] <= '9' {
			p++
		}
		if p == q {
			return p, d.syntax(p, "invalid number")
		}
	}
	var f float64
	if simple && digits <= 15 && frac <= 22 {
		// exact: both operands are exact doubles and division rounds once
		f = float64(mant)
		if frac > 0 {
			f /= pow10[frac]
		}
		if neg {
			f = -f
		}
	} else {
		var err error
		f, err = strconv.ParseFloat(s[start:p], 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return p, d.syntax(start, "invalid number")
		}
	}
	d.toks = append(d.toks, numTok(f))
	return p, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

var pow10 = [23]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// smallNumbers holds the numbers 0 to 1023 already boxed, so that Parse does
// not allocate for them.
var smallNumbers = func() (t [1024]any) {
	for i := range t {
		t[i] = float64(i)
	}
	return
}()

// plainByte marks the bytes a JSON string may hold without further checks.
var plainByte = func() (t [256]bool) {
	for i := 0x20; i < 0x80; i++ {
		t[i] = i != '"' && i != '\\' && i != '<'
	}
	return
}()

func (d *decoder) scanString(p int) (int, error) {
	s := d.text
	start := p + 1
	esc, verbatim := false, true
	for i := start; i < len(s); i++ {
		c := s[i]
		if plainByte[c] {
			continue
		}
		switch {
		case c == '"':
			d.toks = append(d.toks, tok{kind: tString, esc: esc, verbatim: verbatim && !esc, start: int32(start), end: int32(i)})
			return i + 1, nil
		case c == '<' || c >= 0x80:
			verbatim = false
		case c == '\\':
			esc = true
			if i+1 >= len(s) {
				return i, d.syntax(i, "unterminated string")
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 >= len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					return i, d.syntax(i, "invalid \\u escape")
				}
				i += 5
			default:
				return i, d.syntax(i, "invalid escape")
			}
		case c < 0x20:
			return i, d.syntax(i, "control character in string")
		}
	}
	return len(s), d.syntax(len(s), "unterminated string")
}

// scanSmallInt is the fast path for what devalue texts are mostly made of:
// a small integer (an index or a negative constant) followed by , ] or }.
func (d *decoder) scanSmallInt(p int) (int, bool) {
	s := d.text
	if p >= len(s) {
		return p, false
	}
	neg := false
	q := p
	if s[q] == '-' {
		neg = true
		q++
		if q >= len(s) {
			return p, false
		}
	}
	c := s[q] - '0'
	if c > 9 {
		return p, false
	}
	v := int(c)
	q++
	if c != 0 {
		for q < len(s) && q-p < 9 {
			c = s[q] - '0'
			if c > 9 {
				break
			}
			v = v*10 + int(c)
			q++
		}
	}
	if q >= len(s) || (s[q] != ',' && s[q] != ']' && s[q] != '}') {
		return p, false
	}
	if neg {
		v = -v
		if v == 0 {
			return p, false // -0 keeps its sign through the slow path
		}
	}
	d.toks = append(d.toks, tok{kind: tNumber, esc: true, start: int32(v)})
	return q, true
}

func (d *decoder) scanArray(p, depth int, top bool) (int, error) {
	if depth >= d.maxDepth {
		return p, &ParseError{Message: "JSON nested deeper than the depth limit", Offset: p, kind: ErrTooDeep}
	}
	ti := len(d.toks)
	d.toks = append(d.toks, tok{kind: tArray})
	p = d.skipSpace(p + 1)
	n := 0
	if p < len(d.text) && d.text[p] == ']' {
		p++
	} else {
		for {
			ts := len(d.toks)
			if q, ok := d.scanSmallInt(p); ok {
				p = q
			} else {
				var err error
				if p, err = d.scanValue(p, depth+1); err != nil {
					return p, err
				}
			}
			if top {
				d.addSlot(ts)
			}
			n++
			if p < len(d.text) && d.text[p] == ',' && p+1 < len(d.text) && !isSpace(d.text[p+1]) {
				p++
				continue
			}
			q, more, err := d.afterElement(p, ']')
			if err != nil {
				return q, err
			}
			p = q
			if !more {
				break
			}
		}
	}
	d.toks[ti].start = int32(n)
	d.toks[ti].end = int32(len(d.toks))
	if top {
		p = d.skipSpace(p)
	}
	return p, nil
}

// afterElement moves past what follows an element of an array or object
// closed by end: a comma (more is true) or end itself.
func (d *decoder) afterElement(p int, end byte) (next int, more bool, err error) {
	p = d.skipSpace(p)
	if p >= len(d.text) {
		return p, false, d.syntax(p, "unexpected end of JSON input")
	}
	switch d.text[p] {
	case ',':
		return d.skipSpace(p + 1), true, nil
	case end:
		return p + 1, false, nil
	}
	return p, false, d.syntax(p, "expected , or "+string(end))
}

func (d *decoder) scanObject(p, depth int) (int, error) {
	if depth >= d.maxDepth {
		return p, &ParseError{Message: "JSON nested deeper than the depth limit", Offset: p, kind: ErrTooDeep}
	}
	ti := len(d.toks)
	d.toks = append(d.toks, tok{kind: tObject})
	p = d.skipSpace(p + 1)
	n := 0
	if p < len(d.text) && d.text[p] == '}' {
		p++
	} else {
		for {
			if p >= len(d.text) || d.text[p] != '"' {
				return p, d.syntax(p, "expected a string key")
			}
			var err error
			if p, err = d.scanString(p); err != nil {
				return p, err
			}
			p = d.skipSpace(p)
			if p >= len(d.text) || d.text[p] != ':' {
				return p, d.syntax(p, "expected :")
			}
			p = d.skipSpace(p + 1)
			if q, ok := d.scanSmallInt(p); ok {
				p = q
			} else if p, err = d.scanValue(p, depth+1); err != nil {
				return p, err
			}
			n += 2
			if p < len(d.text) && d.text[p] == ',' && p+1 < len(d.text) && d.text[p+1] == '"' {
				p++
				continue
			}
			q, more, err := d.afterElement(p, '}')
			if err != nil {
				return q, err
			}
			p = q
			if !more {
				break
			}
		}
	}
	d.toks[ti].start = int32(n)
	d.toks[ti].end = int32(len(d.toks))
	d.nMembers += n / 2
	d.nObjects++
	return p, nil
}

// next returns the token after token t and its descendants.
func (d *decoder) next(t int) int {
	if k := d.toks[t].kind; k == tArray || k == tObject {
		return int(d.toks[t].end)
	}
	return t + 1
}

// str decodes string token t.
func (d *decoder) str(t int) string {
	tk := &d.toks[t]
	raw := d.text[tk.start:tk.end]
	if !tk.esc {
		return raw
	}
	return unescape(raw)
}

func hexVal(s string) rune {
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

// unescape decodes the content of a validated JSON string. Unpaired
// surrogates are kept in their WTF-8 form.
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hexVal(s[i+2:])
			i += 6
			if r >= 0xD800 && r < 0xDC00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2 := hexVal(s[i+2:]); r2 >= 0xDC00 && r2 <= 0xDFFF {
					b = utf8.AppendRune(b, 0x10000+(r-0xD800)<<10+(r2-0xDC00))
					i += 6
					continue
				}
			}
			b = appendWTF8(b, r)
			continue
		default: // " \ /
			b = append(b, s[i+1])
		}
		i += 2
	}
	return string(b)
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
		return nil, &ParseError{Message: "value nested deeper than the depth limit", Offset: -1, kind: ErrTooDeep}
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
		if tk.esc && tk.start >= 0 && int(tk.start) < len(smallNumbers) {
			return smallNumbers[tk.start], nil
		}
		return tk.num(), nil
	case tTrue:
		return true, nil
	case tFalse:
		return false, nil
	case tNull:
		return nil, nil
	case tObject:
		o := d.newObject(int(tk.start) / 2)
		d.publish(slot, o)
		for c := t + 1; c < int(tk.end); {
			key := d.str(c)
			if key == "__proto__" {
				return nil, invalid("Cannot parse an object with a `__proto__` property")
			}
			v, err := d.ref(c+1, depth)
			if err != nil {
				return nil, err
			}
			o.add(key, v)
			c = d.next(c + 1)
		}
		return o, nil
	}
	// array
	n := int(tk.start)
	if n == 0 {
		a := NewArray()
		return a, nil
	}
	first := t + 1
	switch d.toks[first].kind {
	case tString:
		return d.tagged(t, slot, depth)
	case tNumber:
		if d.toks[first].num() == idxSparse {
			return d.sparse(t, slot, depth)
		}
	}
	a := &Array{elems: make([]any, n), length: n}
	d.publish(slot, a)
	c := first
	for j := 0; j < n; j++ {
		if d.toks[c].kind == tNumber && d.toks[c].num() == idxHole {
			a.elems[j] = Hole{}
		} else {
			v, err := d.ref(c, depth)
			if err != nil {
				return nil, err
			}
			a.elems[j] = v
		}
		c = d.next(c)
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

// stringArg returns the string of child token c, if it is a string.
func (d *decoder) stringArg(ch []int, j int) (string, bool) {
	if j >= len(ch) || d.toks[ch[j]].kind != tString {
		return "", false
	}
	return d.str(ch[j]), true
}

func (d *decoder) tagged(t, slot, depth int) (any, error) {
	ch := d.children(t)
	defer d.popChildren(ch)
	tag := d.str(ch[0])
	if rv, ok := d.revivers[tag]; ok && rv != nil {
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
	switch tag {
	case "Date":
		return d.date(ch)
	case "Set":
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
	case "Map":
		m := newMapCap(len(ch) / 2)
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
	case "RegExp":
		src, ok := d.stringArg(ch, 1)
		if !ok {
			if len(ch) > 1 {
				return nil, errInvalidInput
			}
			src = ""
		}
		flags := ""
		if len(ch) > 2 {
			if flags, ok = d.stringArg(ch, 2); !ok {
				return nil, errInvalidInput
			}
		}
		return NewRegExp(src, flags)
	case "Object":
		return d.boxed(ch, depth)
	case "BigInt":
		if s, ok := d.stringArg(ch, 1); ok {
			b, ok := parseBigInt(s)
			if !ok {
				return nil, invalid("Cannot convert " + s + " to a BigInt")
			}
			return b, nil
		}
		if len(ch) > 1 && d.toks[ch[1]].kind == tNumber && isSafeInteger(d.toks[ch[1]].num()) {
			return big.NewInt(int64(d.toks[ch[1]].num())), nil
		}
		return nil, invalid("Cannot convert to a BigInt")
	case "null":
		o := &Object{NullProto: true}
		d.publish(slot, o)
		for j := 1; j < len(ch); j += 2 {
			if d.toks[ch[j]].kind != tString {
				return nil, invalid("Cannot parse an object with a non-string key")
			}
			key := d.str(ch[j])
			if key == "__proto__" {
				return nil, invalid("Cannot parse an object with a `__proto__` property")
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
	case "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Float16Array",
		"Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "DataView":
		return d.view(tag, ch, depth)
	case "ArrayBuffer":
		s, ok := d.stringArg(ch, 1)
		if !ok {
			return nil, invalid("Invalid ArrayBuffer encoding")
		}
		b, ok := decodeBase64(s)
		if !ok {
			return nil, invalid("Invalid ArrayBuffer encoding")
		}
		return &ArrayBuffer{Bytes: b}, nil
	case "URL", "URLSearchParams":
		s, ok := d.stringArg(ch, 1)
		if !ok && len(ch) > 1 && d.toks[ch[1]].kind == tNumber {
			// the form written by a custom "URL" reducer: the index of the href
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
			return ParseURLSearchParams(s), nil
		}
		if !isAbsoluteURL(s) {
			return nil, invalid("Invalid URL")
		}
		return &URL{Href: s}, nil
	}
	if strings.HasPrefix(tag, "Temporal.") {
		switch tag[len("Temporal."):] {
		case "Duration", "Instant", "PlainDate", "PlainTime", "PlainDateTime", "PlainMonthDay", "PlainYearMonth", "ZonedDateTime":
			s, ok := d.stringArg(ch, 1)
			if !ok {
				return nil, invalid("Invalid " + tag)
			}
			return &Temporal{Tag: tag, Value: s}, nil
		}
	}
	if d.keepUnknown {
		c := &Custom{Tag: tag}
		d.publish(slot, c)
		p, err := d.payload(ch, depth)
		if err != nil {
			return nil, err
		}
		c.Value = p
		return c, nil
	}
	return nil, invalid("Unknown type " + tag)
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
	case float64, string, bool, *big.Int:
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

// parseBigInt parses a string as JavaScript's BigInt(string) does.
func parseBigInt(s string) (*big.Int, bool) {
	s = strings.TrimFunc(s, isJSSpace)
	if s == "" {
		return new(big.Int), true
	}
	base := 10
	digits := s
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
	if base == 10 && (digits[0] == '-' || digits[0] == '+') {
		neg = digits[0] == '-'
		digits = digits[1:]
	}
	if digits == "" {
		return nil, false
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		ok := false
		switch base {
		case 10:
			ok = c >= '0' && c <= '9'
		case 16:
			ok = isHex(c)
		case 8:
			ok = c >= '0' && c <= '7'
		case 2:
			ok = c == '0' || c == '1'
		}
		if !ok {
			return nil, false
		}
	}
	b, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return nil, false
	}
	if neg {
		b.Neg(b)
	}
	return b, true
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
