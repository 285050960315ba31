package devalue

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// appendStringSlow is AppendString's definition, one rune at a time, for
// checking the fast path against.
func appendStringSlow(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '<':
			b.WriteString(`\u003C`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		case c < utf8.RuneSelf:
			b.WriteByte(c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == '\u2028':
				b.WriteString(`\u2028`)
			case r == '\u2029':
				b.WriteString(`\u2029`)
			case r == utf8.RuneError && size == 1:
				if sur, ok := decodeSurrogate(s[i:]); ok {
					b.WriteString(`\ud`)
					b.WriteByte(hexDigits[(sur>>8)&15])
					b.WriteByte(hexDigits[(sur>>4)&15])
					b.WriteByte(hexDigits[sur&15])
					size = 3
				} else {
					b.WriteString("\uFFFD")
				}
			default:
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		i++
	}
	b.WriteByte('"')
	return b.String()
}

func TestAppendStringEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		for _, s := range []string{
			string([]byte{byte(c)}),
			"sku-" + string([]byte{byte(c)}),
			string([]byte{byte(c)}) + "-tail",
			"ab" + string([]byte{byte(c)}) + "cd\u2028é\xed\xa0\x80<",
		} {
			if got, want := string(appendString([]byte("x"), s)), "x"+appendStringSlow(s); got != want {
				t.Errorf("appendString(%q) = %s, want %s", s, got, want)
			}
		}
	}
	if got := string(appendString(nil, "")); got != `""` {
		t.Errorf(`appendString("") = %s`, got)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b", "<script>", "\u2028\u2029", "\xed\xa0\x80", "\xff", "é\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendString(nil, s)), appendStringSlow(s); got != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}
