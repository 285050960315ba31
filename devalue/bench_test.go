package devalue

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
)

// The benchmark inputs are Astro session records written by the npm package
// (testdata/session-*.devalue, made once by testdata/js/gen-bench.mjs) and
// the same data as JSON (testdata/session-*.json) for encoding/json. Each
// benchmark runs this package, encoding/json on the equivalent data, and the
// npm package itself (in a Node.js process driven by testdata/js/bench.mjs)
// side by side, so that their figures come from the same run.

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

// reportCPU reports the CPU time per operation since start (from cpuNS), the
// figure to compare on a machine shared with other work; ns/op is wall time.
func reportCPU(b *testing.B, start int64) {
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64(cpuNS()-start)/float64(b.N), "cpu-ns/op")
	}
}

// npmBench is a Node.js process running testdata/js/bench.mjs --serve.
var npmBench struct {
	once sync.Once
	err  error
	in   io.Writer
	out  *bufio.Reader
}

// benchNPM runs `op` (parse or stringify) of the npm package version lib on
// the input of the given size b.N times and reports its time per operation.
func benchNPM(b *testing.B, lib, op, size string) {
	dir := testenv.NPM(b, filepath.Join("testdata", "js"))
	npmBench.once.Do(func() {
		cmd := exec.Command("node", "bench.mjs", "--serve")
		cmd.Dir = dir
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			npmBench.err = err
			return
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			npmBench.err = err
			return
		}
		npmBench.err = cmd.Start()
		npmBench.in, npmBench.out = in, bufio.NewReader(out)
	})
	if npmBench.err != nil {
		b.Fatalf("node bench.mjs: %v", npmBench.err)
	}
	b.ResetTimer()
	if _, err := fmt.Fprintf(npmBench.in, "%s %s %s %d\n", lib, op, size, b.N); err != nil {
		b.Fatal(err)
	}
	line, err := npmBench.out.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	var ns, cpu float64
	if _, err := fmt.Sscan(line, &ns, &cpu); err != nil {
		b.Fatalf("bench.mjs answered %q: %v", line, err)
	}
	b.ReportMetric(ns/float64(b.N), "ns/op")
	b.ReportMetric(cpu/float64(b.N), "cpu-ns/op")
}

func BenchmarkParse(b *testing.B) {
	for _, size := range benchSizes {
		text, j := benchInput(b, size)
		b.Run(size+"/devalue", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			defer reportCPU(b, cpuNS())
			for b.Loop() {
				if _, err := Parse(text); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size+"/encoding-json-any", func(b *testing.B) {
			b.SetBytes(int64(len(j)))
			b.ReportAllocs()
			defer reportCPU(b, cpuNS())
			for b.Loop() {
				var v any
				if err := json.Unmarshal(j, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size+"/npm-devalue-v6", func(b *testing.B) { benchNPM(b, "v6", "parse", size) })
		b.Run(size+"/npm-devalue-v5", func(b *testing.B) { benchNPM(b, "v5", "parse", size) })
	}
}

func BenchmarkStringify(b *testing.B) {
	opts := Options{Reducers: []Reducer{astroURLReducer}}
	for _, size := range benchSizes {
		text, j := benchInput(b, size)
		v, err := Parse(text)
		if err != nil {
			b.Fatal(err)
		}
		if s, err := opts.Stringify(v); err != nil || s != text {
			b.Fatalf("round trip differs: %v", err)
		}
		var jv any
		if err := json.Unmarshal(j, &jv); err != nil {
			b.Fatal(err)
		}
		b.Run(size+"/devalue", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			defer reportCPU(b, cpuNS())
			for b.Loop() {
				if _, err := opts.Stringify(v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size+"/encoding-json-any", func(b *testing.B) {
			b.SetBytes(int64(len(j)))
			b.ReportAllocs()
			defer reportCPU(b, cpuNS())
			for b.Loop() {
				if _, err := json.Marshal(jv); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size+"/npm-devalue-v6", func(b *testing.B) { benchNPM(b, "v6", "stringify", size) })
		b.Run(size+"/npm-devalue-v5", func(b *testing.B) { benchNPM(b, "v5", "stringify", size) })
	}
}

func BenchmarkUnmarshalTyped(b *testing.B) {
	for _, size := range benchSizes {
		text, j := benchInput(b, size)
		data := []byte(text)
		b.Run(size+"/devalue", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			defer reportCPU(b, cpuNS())
			for b.Loop() {
				var s benchSession
				if err := Unmarshal(data, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(j)))
			b.ReportAllocs()
			defer reportCPU(b, cpuNS())
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
		b.Run(size+"/devalue", func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b, cpuNS())
			for b.Loop() {
				if _, err := Marshal(&s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(size+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b, cpuNS())
			for b.Loop() {
				if _, err := json.Marshal(&s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type benchLine struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// benchRecord returns a small session record as a Map of {data, expires}
// entries: three short strings and a 20-line cart.
func benchRecord() *Map {
	cart := make([]benchLine, 20)
	for i := range cart {
		cart[i] = benchLine{ProductID: fmt.Sprintf("sku-%02d", i), Quantity: 1 + i%3}
	}
	cv, err := ValueOf(cart)
	if err != nil {
		panic(err)
	}
	m := NewMap()
	for _, kv := range []struct {
		k string
		v any
	}{{"userId", "u-12345"}, {"username", "ada"}, {"role", "admin"}, {"visits", 42.0}, {"cartItems", cv}} {
		o := NewObject()
		o.Set("data", kv.v)
		o.Set("expires", Undefined{})
		m.Set(kv.k, o)
	}
	return m
}

var benchURLReducer = []Reducer{{Tag: "URL", Reduce: func(v any) (any, bool) {
	if u, ok := v.(*URL); ok && u != nil {
		return u.Href, true
	}
	return nil, false
}}}

// BenchmarkSessionRecord measures the work a session library does per request
// on a small record: parse it, stringify it back (with a reducer, as Astro
// does), convert a 20-line cart to the model and decode it into Go values.
func BenchmarkSessionRecord(b *testing.B) {
	o := Options{Reducers: benchURLReducer}
	rec := benchRecord()
	text, err := o.Stringify(rec)
	if err != nil {
		b.Fatal(err)
	}
	cartVal, _ := rec.Get("cartItems")
	cart, _ := cartVal.(*Object).Get("data")
	var lines []benchLine
	if err := Decode(cart, &lines); err != nil {
		b.Fatal(err)
	}
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := o.Parse(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stringify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := o.Stringify(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	small := benchRecord()
	small.Delete("cartItems")
	b.Run("stringify-small", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := o.Stringify(small); err != nil {
				b.Fatal(err)
			}
		}
	})
	smallText, err := o.Stringify(small)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("parse-small", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := o.Parse(smallText); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("valueof", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ValueOf(lines); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stringify-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := o.Stringify(lines); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out []benchLine
			if err := Decode(cart, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
