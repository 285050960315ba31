package devalue

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// newRegExp returns a RegExp as JavaScript's `new RegExp(source, flags)` sees
// it: the flags are checked and put in canonical order, and the source is
// escaped the way the RegExp source property shows it (an empty source is
// "(?:)", "/" outside a character class becomes "\/", line terminators are
// escaped). The pattern itself is not compiled.
func newRegExp(source, flags string) (*RegExp, error) {
	const order = "dgimsuvy"
	var seen [8]bool
	for i := 0; i < len(flags); i++ {
		j := strings.IndexByte(order, flags[i])
		if j < 0 || seen[j] {
			return nil, invalid("Invalid flags supplied to RegExp constructor '" + flags + "'")
		}
		seen[j] = true
	}
	if seen[5] && seen[6] { // u and v
		return nil, invalid("Invalid flags supplied to RegExp constructor '" + flags + "'")
	}
	var fb []byte
	for j, ok := range seen {
		if ok {
			fb = append(fb, order[j])
		}
	}
	return &RegExp{Source: escapeSource(source), Flags: string(fb)}, nil
}

func escapeSource(s string) string {
	if s == "" {
		return "(?:)"
	}
	if !strings.ContainsAny(s, "/\n\r\u2028\u2029") {
		return s
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			b.WriteByte(c)
			i++
			switch s[i] {
			case '\n':
				b.WriteByte('n')
			case '\r':
				b.WriteByte('r')
			default:
				b.WriteByte(s[i])
			}
			continue
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			b.WriteString(`\/`)
			continue
		case c == '\n':
			b.WriteString(`\n`)
			continue
		case c == '\r':
			b.WriteString(`\r`)
			continue
		case strings.HasPrefix(s[i:], "\u2028"):
			b.WriteString(`\u2028`)
			i += 2
			continue
		case strings.HasPrefix(s[i:], "\u2029"):
			b.WriteString(`\u2029`)
			i += 2
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// parseSearchParams parses a query string the way JavaScript's
// `new URLSearchParams(s)` does (a leading "?" is ignored, "+" is a space,
// percent escapes are decoded as UTF-8).
func parseSearchParams(s string) *URLSearchParams {
	s = strings.TrimPrefix(s, "?")
	p := &URLSearchParams{}
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, "&")
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		p.Params = append(p.Params, QueryParam{formDecode(name), formDecode(value)})
	}
	return p
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func formDecode(s string) string {
	if !strings.ContainsAny(s, "+%") && utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '+' {
			b = append(b, ' ')
			continue
		}
		if c == '%' && i+2 < len(s) {
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, h<<4|l)
				i += 2
				continue
			}
		}
		b = append(b, c)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// searchString returns the params in the form of
// URLSearchParams.prototype.toString.
func (p *URLSearchParams) searchString() string {
	var b []byte
	for i, q := range p.Params {
		if i > 0 {
			b = append(b, '&')
		}
		b = formEncode(b, q.Name)
		b = append(b, '=')
		b = formEncode(b, q.Value)
	}
	return string(b)
}

const upperHex = "0123456789ABCDEF"

func formEncode(b []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b = append(b, '+')
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' || c == '_':
			b = append(b, c)
		default:
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// dateFromMs returns the Date for a time value in milliseconds, as
// `new Date(ms)` does.
func dateFromMs(f float64) *Date {
	f = math.Trunc(f)
	if f != f || math.Abs(f) > maxTimeMs {
		return &Date{Invalid: true}
	}
	return &Date{Time: time.UnixMilli(int64(f)).UTC()}
}

// parseDate parses a date the way JavaScript's `new Date(s)` parses the
// ISO 8601 format of the ECMAScript specification (YYYY, YYYY-MM,
// YYYY-MM-DD, optionally followed by THH:mm, THH:mm:ss or THH:mm:ss.sss and
// Z or ±HH:mm; ±YYYYYY years). A date-time without an offset is taken as
// UTC. Anything else gives an invalid Date, as JavaScript gives for strings
// it does not recognise.
func parseDate(s string) *Date {
	ms, ok := parseISO(s)
	if !ok {
		return &Date{Invalid: true}
	}
	return dateFromMs(ms)
}

// isoReader reads the fields of an ISO 8601 date.
type isoReader struct {
	s string
	p int
}

// num reads n digits.
func (r *isoReader) num(n int) (int, bool) {
	if r.p+n > len(r.s) {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := r.s[r.p+i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	r.p += n
	return v, true
}

// is reports whether the next byte is one of set, and moves past it if so.
func (r *isoReader) is(set string) bool {
	if r.p < len(r.s) && strings.IndexByte(set, r.s[r.p]) >= 0 {
		r.p++
		return true
	}
	return false
}

// date reads YYYY, ±YYYYYY, then optionally -MM and -DD.
func (r *isoReader) date() (year, month, day int, ok bool) {
	month, day = 1, 1
	if r.p < len(r.s) && (r.s[r.p] == '+' || r.s[r.p] == '-') {
		neg := r.s[r.p] == '-'
		r.p++
		if year, ok = r.num(6); !ok || (neg && year == 0) {
			return 0, 0, 0, false
		}
		if neg {
			year = -year
		}
	} else if year, ok = r.num(4); !ok {
		return 0, 0, 0, false
	}
	if r.is("-") {
		if month, ok = r.num(2); !ok || month < 1 || month > 12 {
			return 0, 0, 0, false
		}
		if r.is("-") {
			if day, ok = r.num(2); !ok || day < 1 || day > daysIn(year, month) {
				return 0, 0, 0, false
			}
		}
	}
	return year, month, day, true
}

// clock reads HH:mm, then optionally :ss and .sss, in milliseconds.
func (r *isoReader) clock() (int, bool) {
	hour, ok1 := r.num(2)
	if !ok1 || !r.is(":") {
		return 0, false
	}
	minute, ok := r.num(2)
	if !ok || minute > 59 {
		return 0, false
	}
	sec, milli := 0, 0
	if r.is(":") {
		if sec, ok = r.num(2); !ok || sec > 59 {
			return 0, false
		}
		if r.is(".") {
			start := r.p
			for r.p < len(r.s) && r.s[r.p] >= '0' && r.s[r.p] <= '9' {
				if r.p-start < 3 {
					milli = milli*10 + int(r.s[r.p]-'0')
				}
				r.p++
			}
			if r.p == start {
				return 0, false
			}
			for n := r.p - start; n < 3; n++ {
				milli *= 10
			}
		}
	}
	if hour > 24 || (hour == 24 && (minute != 0 || sec != 0 || milli != 0)) {
		return 0, false
	}
	return ((hour*60+minute)*60+sec)*1000 + milli, true
}

// offset reads Z or ±HH:mm, in minutes; nothing is UTC.
func (r *isoReader) offset() (int, bool) {
	if r.is("Zz") || r.p == len(r.s) {
		return 0, true
	}
	sign := 1
	if r.s[r.p] == '-' {
		sign = -1
	}
	if !r.is("+-") {
		return 0, false
	}
	oh, ok1 := r.num(2)
	if !ok1 || !r.is(":") {
		return 0, false
	}
	om, ok2 := r.num(2)
	if !ok2 || oh > 23 || om > 59 {
		return 0, false
	}
	return sign * (oh*60 + om), true
}

// parseISO returns the time value in milliseconds of an ISO 8601 date.
func parseISO(s string) (float64, bool) {
	r := &isoReader{s: s}
	year, month, day, ok := r.date()
	if !ok {
		return 0, false
	}
	ms, offset := 0, 0
	if r.is("Tt") {
		if ms, ok = r.clock(); !ok {
			return 0, false
		}
		if offset, ok = r.offset(); !ok {
			return 0, false
		}
	}
	if r.p != len(s) {
		return 0, false
	}
	return float64(daysFromCivil(year, month, day))*86400000 + float64(ms) - float64(offset)*60000, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days since 1970-01-01 of a proleptic
// Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
