package devalue

import (
	"testing"
)

func addSeeds(f *testing.F) {
	for _, s := range roundTripVectors {
		f.Add(s)
	}
	for _, s := range parseErrorInputs() {
		f.Add(s)
	}
	f.Add(`[["Map",1,2],"u",{"data":3,"expires":-1},["URL",4],"https://example.com/a%20b?x=%3C1%3E"]`)
	f.Add(`[{"a":1,"a":2},"x","y"]`)
	f.Add(`[["Date","2020-01-01T00:00:00+02:00"]]`)
	f.Add(`[["URLSearchParams","?a=b c&&d"]]`)
	f.Add(`[["RegExp","","ig"]]`)
	f.Add(` [ "\ud83d\ude00\ud800" ] `)
}

// FuzzParse checks that Parse never panics and that what it accepts can be
// written again.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		v, err := Options{KeepUnknownTags: true}.Parse(text)
		if err != nil {
			return
		}
		if _, err := Stringify(v); err != nil {
			t.Fatalf("Stringify(Parse(%q)): %v", text, err)
		}
		if _, err := ValueOf(v); err != nil {
			t.Fatalf("ValueOf(Parse(%q)): %v", text, err)
		}
		var out any
		if err := Decode(v, &out); err != nil {
			t.Fatalf("Decode(Parse(%q)): %v", text, err)
		}
	})
}

// FuzzRoundTrip checks that the text Stringify writes for a parsed value is
// canonical: parsing and writing it again gives the same text.
func FuzzRoundTrip(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		v, err := Options{KeepUnknownTags: true}.Parse(text)
		if err != nil {
			return
		}
		s1, err := Stringify(v)
		if err != nil {
			t.Fatalf("Stringify(Parse(%q)): %v", text, err)
		}
		v2, err := Options{KeepUnknownTags: true}.Parse(s1)
		if err != nil {
			t.Fatalf("Parse(%q) (written for %q): %v", s1, text, err)
		}
		s2, err := Stringify(v2)
		if err != nil || s2 != s1 {
			t.Fatalf("not canonical for %q:\n%s\n%s (%v)", text, s1, s2, err)
		}
	})
}
