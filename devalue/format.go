package devalue

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendNumber appends f formatted like JavaScript's Number.prototype.toString
// (String(f)): the shortest digits that round-trip, fixed notation for
// 1e-6 <= |f| < 1e21, exponent notation otherwise ("1e+21", "1.5e-7").
func appendNumber(b []byte, f float64) []byte {
	switch {
	case f != f:
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		return append(b, '0')
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	if a := math.Abs(f); a >= 1e-6 && a < 1e21 {
		// fixed notation with the shortest round-trip digits, as JavaScript
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	// exponent notation: Go writes at least two exponent digits ("1e-07"),
	// JavaScript as many as needed ("1e-7")
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	if n := len(b); b[n-2] == '0' && (b[n-3] == '-' || b[n-3] == '+') {
		b = append(b[:n-2], b[n-1])
	}
	return b
}

// formatNumber returns f formatted like JavaScript's String(f).
func formatNumber(f float64) string { return string(appendNumber(nil, f)) }

// escapeTable marks the ASCII bytes appendString must escape.
var escapeTable = func() (t [128]bool) {
	for i := 0; i < 0x20; i++ {
		t[i] = true
	}
	t['"'], t['\\'], t['<'] = true, true, true
	return
}()

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string literal escaped exactly as devalue
// escapes it: `"` and `\`, `<` as \u003C, \b \f \n \r \t, other control
// characters as \u00xx, U+2028 and U+2029 as \u2028 and \u2029; unpaired
// surrogates (held in s in their WTF-8 form, as Parse stores them) as \udxxx.
// Other bytes that are not UTF-8 are written as U+FFFD. Everything else is
// written as is.
func appendString(b []byte, s string) []byte {
	// Most strings need no escaping: find the first byte that may, at one
	// table lookup per byte (plainByte is the ASCII that escapeTable leaves).
	i := 0
	for i < len(s) && plainByte[s[i]] {
		i++
	}
	b = append(b, '"')
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !escapeTable[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			case '<':
				b = append(b, `\u003C`...)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, byte('0'+r-'\u2028'+8))
			i += size
			start = i
			continue
		}
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			if sur, ok := decodeSurrogate(s[i:]); ok {
				b = append(b, '\\', 'u', 'd', hexDigits[(sur>>8)&15], hexDigits[(sur>>4)&15], hexDigits[sur&15])
				i += 3
			} else {
				b = append(b, "\uFFFD"...)
				i++
			}
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeSurrogate decodes the WTF-8 form (ED A0..BF 80..BF) of a surrogate
// code point at the start of s.
func decodeSurrogate(s string) (rune, bool) {
	if len(s) < 3 || s[0] != 0xED || s[1] < 0xA0 || s[1] > 0xBF || s[2] < 0x80 || s[2] > 0xBF {
		return 0, false
	}
	return 0xD000 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), true
}

// appendWTF8 appends the code point r (which may be a surrogate) in UTF-8, or
// in WTF-8 for a surrogate.
func appendWTF8(b []byte, r rune) []byte {
	if r >= 0xD800 && r <= 0xDFFF {
		return append(b, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return utf8.AppendRune(b, r)
}

// pathKey formats an object key as a segment of an error path, like devalue:
// `.name` for identifiers, `["other key"]` otherwise.
func pathKey(key string) string {
	ident := key != ""
	for i := 0; i < len(key) && ident; i++ {
		c := key[i]
		ident = c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')
	}
	if ident {
		return "." + key
	}
	return "[" + jsonQuote(key) + "]"
}

// jsonQuote quotes s like JSON.stringify.
func jsonQuote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&15])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(append(b, '"'))
}

const maxTimeMs = 8.64e15

// appendISO appends the date as Date.prototype.toISOString writes it, or
// nothing for an invalid date.
func appendISO(b []byte, d *Date) []byte {
	ms := d.Time.UnixMilli()
	if d.Invalid || ms > maxTimeMs || ms < -maxTimeMs {
		return b
	}
	t := time.UnixMilli(ms).UTC()
	y := t.Year()
	switch {
	case y < 0:
		b = appendPad(append(b, '-'), -y, 6)
	case y > 9999:
		b = appendPad(append(b, '+'), y, 6)
	default:
		b = appendPad(b, y, 4)
	}
	b = appendPad(append(b, '-'), int(t.Month()), 2)
	b = appendPad(append(b, '-'), t.Day(), 2)
	b = appendPad(append(b, 'T'), t.Hour(), 2)
	b = appendPad(append(b, ':'), t.Minute(), 2)
	b = appendPad(append(b, ':'), t.Second(), 2)
	b = appendPad(append(b, '.'), t.Nanosecond()/1e6, 3)
	return append(b, 'Z')
}

func appendPad(b []byte, v, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// isSafeInteger reports whether f is an integer JavaScript represents exactly.
func isSafeInteger(f float64) bool {
	return f == math.Trunc(f) && math.Abs(f) <= 1<<53-1
}

// safeInt reports whether JavaScript holds i exactly: |i| < 2^53.
func safeInt(i int64) bool { return i > -1<<53 && i < 1<<53 }
