package devalue

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The tokenizer: one pass over the JSON text records every value as a token
// (see tok) and the top-level elements as the slots of the devalue text.

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
	kind  uint8
	esc   bool
	start int32
	end   int32
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
	esc := false
	for i := start; i < len(s); i++ {
		c := s[i]
		if plainByte[c] {
			continue
		}
		switch {
		case c == '"':
			d.toks = append(d.toks, tok{kind: tString, esc: esc, start: int32(start), end: int32(i)})
			return i + 1, nil
		case c == '<' || c >= 0x80:
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
