package devalue

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// NewRegExp returns a RegExp as JavaScript's `new RegExp(source, flags)` sees
// it: the flags are checked and put in canonical order, and the source is
// escaped the way the RegExp source property shows it (an empty source is
// "(?:)", "/" outside a character class becomes "\/", line terminators are
// escaped). The pattern itself is not compiled.
func NewRegExp(source, flags string) (*RegExp, error) {
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

// ParseURLSearchParams parses a query string the way JavaScript's
// `new URLSearchParams(s)` does (a leading "?" is ignored, "+" is a space,
// percent escapes are decoded as UTF-8).
func ParseURLSearchParams(s string) *URLSearchParams {
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

// String returns the params in the form of URLSearchParams.prototype.toString.
func (p *URLSearchParams) String() string {
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

// Get returns the first value of name.
func (p *URLSearchParams) Get(name string) (string, bool) {
	for _, q := range p.Params {
		if q.Name == name {
			return q.Value, true
		}
	}
	return "", false
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

// ParseDate parses a date the way JavaScript's `new Date(s)` parses the
// ISO 8601 format of the ECMAScript specification (YYYY, YYYY-MM,
// YYYY-MM-DD, optionally followed by THH:mm, THH:mm:ss or THH:mm:ss.sss and
// Z or ±HH:mm; ±YYYYYY years). A date-time without an offset is taken as
// UTC. Anything else gives an invalid Date, as JavaScript gives for strings
// it does not recognise.
func ParseDate(s string) *Date {
	ms, ok := parseISO(s)
	if !ok {
		return &Date{Invalid: true}
	}
	return dateFromMs(ms)
}

func parseISO(s string) (float64, bool) {
	p := 0
	num := func(n int) (int, bool) {
		if p+n > len(s) {
			return 0, false
		}
		v := 0
		for i := 0; i < n; i++ {
			c := s[p+i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		p += n
		return v, true
	}
	var year int
	var ok bool
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg := s[p] == '-'
		p++
		if year, ok = num(6); !ok {
			return 0, false
		}
		if neg {
			if year == 0 {
				return 0, false
			}
			year = -year
		}
	} else if year, ok = num(4); !ok {
		return 0, false
	}
	month, day := 1, 1
	if p < len(s) && s[p] == '-' {
		p++
		if month, ok = num(2); !ok || month < 1 || month > 12 {
			return 0, false
		}
		if p < len(s) && s[p] == '-' {
			p++
			if day, ok = num(2); !ok || day < 1 || day > daysIn(year, month) {
				return 0, false
			}
		}
	}
	var hour, minute, sec, milli int
	offset := 0
	if p < len(s) && (s[p] == 'T' || s[p] == 't') {
		p++
		if hour, ok = num(2); !ok {
			return 0, false
		}
		if p >= len(s) || s[p] != ':' {
			return 0, false
		}
		p++
		if minute, ok = num(2); !ok || minute > 59 {
			return 0, false
		}
		if p < len(s) && s[p] == ':' {
			p++
			if sec, ok = num(2); !ok || sec > 59 {
				return 0, false
			}
			if p < len(s) && s[p] == '.' {
				p++
				start := p
				frac := 0
				for p < len(s) && s[p] >= '0' && s[p] <= '9' {
					if p-start < 3 {
						frac = frac*10 + int(s[p]-'0')
					}
					p++
				}
				if p == start {
					return 0, false
				}
				for n := p - start; n < 3; n++ {
					frac *= 10
				}
				milli = frac
			}
		}
		if hour > 24 || (hour == 24 && (minute != 0 || sec != 0 || milli != 0)) {
			return 0, false
		}
		if p < len(s) && (s[p] == 'Z' || s[p] == 'z') {
			p++
		} else if p < len(s) && (s[p] == '+' || s[p] == '-') {
			sign := 1
			if s[p] == '-' {
				sign = -1
			}
			p++
			oh, ok1 := num(2)
			if !ok1 || p >= len(s) || s[p] != ':' {
				return 0, false
			}
			p++
			om, ok2 := num(2)
			if !ok2 || oh > 23 || om > 59 {
				return 0, false
			}
			offset = sign * (oh*60 + om)
		}
	}
	if p != len(s) {
		return 0, false
	}
	days := daysFromCivil(year, month, day)
	ms := float64(days)*86400000 + float64(hour)*3600000 + float64(minute-offset)*60000 + float64(sec)*1000 + float64(milli)
	return ms, true
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

// date hydrates ["Date", x].
func (d *decoder) date(ch []int) (any, error) {
	if len(ch) < 2 {
		return &Date{Invalid: true}, nil
	}
	tk := &d.toks[ch[1]]
	switch tk.kind {
	case tString:
		return ParseDate(d.str(ch[1])), nil
	case tNumber:
		return dateFromMs(tk.num()), nil
	case tNull, tFalse:
		return dateFromMs(0), nil
	case tTrue:
		return dateFromMs(1), nil
	}
	return &Date{Invalid: true}, nil
}
