package devalue

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The benchmark inputs are Astro session records written by the npm package
// (testdata/session-*.devalue, made by testdata/js/gen-bench.mjs) and the same
// data as JSON (testdata/session-*.json) for encoding/json.

type benchItem struct {
	SKU      string  `json:"sku"`
	Quantity int     `json:"quantity"`
	Price    float64 `json:"price"`
	Note     string  `json:"note,omitempty"`
}

type benchUser struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"createdAt"`
	Verified  bool      `json:"verified"`
	Avatar    string    `json:"avatar"`
}

type benchPrefs struct {
	Theme         string          `json:"theme"`
	Language      string          `json:"language"`
	Currency      string          `json:"currency"`
	Notifications map[string]bool `json:"notifications"`
	Recent        []string        `json:"recentlyViewed"`
}

type benchSession struct {
	User struct {
		Data    benchUser `json:"data"`
		Expires float64   `json:"expires"`
	} `json:"user"`
	Preferences struct {
		Data    benchPrefs `json:"data"`
		Expires *float64   `json:"expires"`
	} `json:"preferences"`
	LastVisit struct {
		Data    time.Time `json:"data"`
		Expires *float64  `json:"expires"`
	} `json:"lastVisit"`
	Cart struct {
		Data    []benchItem `json:"data"`
		Expires float64     `json:"expires"`
	} `json:"cart"`
	CSRF struct {
		Data    string   `json:"data"`
		Expires *float64 `json:"expires"`
	} `json:"csrf"`
}

func benchInput(b *testing.B, size string) (devalueText string, jsonText []byte) {
	b.Helper()
	d, err := os.ReadFile(filepath.Join("testdata", "session-"+size+".devalue"))
	if err != nil {
		b.Fatal(err)
	}
	j, err := os.ReadFile(filepath.Join("testdata", "session-"+size+".json"))
	if err != nil {
		b.Fatal(err)
	}
	return string(d), j
}

var benchSizes = []string{"2k", "200k"}

func BenchmarkParse(b *testing.B) {
	for _, size := range benchSizes {
		text, _ := benchInput(b, size)
		b.Run(size, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkJSONUnmarshalAny(b *testing.B) {
	for _, size := range benchSizes {
		_, j := benchInput(b, size)
		b.Run(size, func(b *testing.B) {
			b.SetBytes(int64(len(j)))
			b.ReportAllocs()
			for b.Loop() {
				var v any
				if err := json.Unmarshal(j, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkStringify(b *testing.B) {
	opts := Options{Reducers: []Reducer{astroURLReducer}}
	for _, size := range benchSizes {
		text, _ := benchInput(b, size)
		v, err := Parse(text)
		if err != nil {
			b.Fatal(err)
		}
		if s, err := opts.Stringify(v); err != nil || s != text {
			b.Fatalf("round trip differs: %v", err)
		}
		b.Run(size, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := opts.Stringify(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkJSONMarshalAny(b *testing.B) {
	for _, size := range benchSizes {
		_, j := benchInput(b, size)
		var v any
		if err := json.Unmarshal(j, &v); err != nil {
			b.Fatal(err)
		}
		b.Run(size, func(b *testing.B) {
			b.SetBytes(int64(len(j)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshalTyped(b *testing.B) {
	for _, size := range benchSizes {
		text, _ := benchInput(b, size)
		b.Run(size, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				var s benchSession
				if err := Unmarshal([]byte(text), &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkJSONUnmarshalTyped(b *testing.B) {
	for _, size := range benchSizes {
		_, j := benchInput(b, size)
		b.Run(size, func(b *testing.B) {
			b.SetBytes(int64(len(j)))
			b.ReportAllocs()
			for b.Loop() {
				var s benchSession
				if err := json.Unmarshal(j, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMarshalTyped(b *testing.B) {
	for _, size := range benchSizes {
		_, j := benchInput(b, size)
		var s benchSession
		if err := json.Unmarshal(j, &s); err != nil {
			b.Fatal(err)
		}
		b.Run(size, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Marshal(&s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkJSONMarshalTyped(b *testing.B) {
	for _, size := range benchSizes {
		_, j := benchInput(b, size)
		var s benchSession
		if err := json.Unmarshal(j, &s); err != nil {
			b.Fatal(err)
		}
		b.Run(size, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(&s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
