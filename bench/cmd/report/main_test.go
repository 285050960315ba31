package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkBare-2        	 1398342	       326.8 ns/op	     320 B/op	       1 allocs/op
BenchmarkReadKey/memory/goastro-2                  	   70257	      4395 ns/op	    1824 B/op	      18 allocs/op
BenchmarkReadKey/memory/scs-2                      	   18158	     21337 ns/op	    9568 B/op	     208 allocs/op
BenchmarkReadKey/memory/scs-2                      	   18158	     91337 ns/op	    9568 B/op	     208 allocs/op
BenchmarkReadKey/memory/scs-2                      	   18158	     11337 ns/op	    9568 B/op	     207 allocs/op
BenchmarkUntouched/memory/gorilla-cookie-2         	 2139694	       255.7 ns/op	     320 B/op	       1 allocs/op
PASS
`

func TestParseBench(t *testing.T) {
	res, err := parseBench(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := map[key]benchResult{
		{"Bare", "", ""}:                          {326.8, 320, 1},
		{"ReadKey", "memory", "goastro"}:          {4395, 1824, 18},
		{"ReadKey", "memory", "scs"}:              {21337, 9568, 208},
		{"Untouched", "memory", "gorilla-cookie"}: {255.7, 320, 1},
	}
	if len(res) != len(want) {
		t.Fatalf("got %d results: %v", len(res), res)
	}
	for k, w := range want {
		if res[k] != w {
			t.Errorf("%v = %+v, want %+v", k, res[k], w)
		}
	}
}

func TestGoals(t *testing.T) {
	res, _ := parseBench(strings.NewReader(sample))
	var b strings.Builder
	misses := benchTables(&b, res)
	// 4395 ns is more than 1/5 of 21337 ns (×4.9): a miss.
	if len(misses) != 1 || !strings.Contains(misses[0], "read one key, memory") {
		t.Errorf("misses = %q", misses)
	}
	if !strings.Contains(b.String(), "21.3 µs (×4.9)") {
		t.Errorf("table lacks the ratio:\n%s", b.String())
	}

	var l strings.Builder
	misses = loadTable(&l, []loadResult{
		{Label: "shop/redis", RPS: 9000, P99ms: 3},
		{Label: "astro7/redis", RPS: 1000, P99ms: 50},
	})
	if len(misses) != 1 || !strings.Contains(misses[0], "under 10×") {
		t.Errorf("misses = %q", misses)
	}

	// With the baseline server in the run, the miss and the table say what it reached.
	l.Reset()
	misses = loadTable(&l, []loadResult{
		{Label: "shop/redis", RPS: 9000, P99ms: 3},
		{Label: "baseline/redis", RPS: 12000, P99ms: 2},
		{Label: "astro7/redis", RPS: 2000, P99ms: 50},
	})
	if len(misses) != 1 || !strings.Contains(misses[0], "baseline/redis, with no session library, reached 12000 req/s (×6.0)") {
		t.Errorf("misses = %q", misses)
	}
	if !strings.Contains(l.String(), "shop/redis served 75% of the requests per second of baseline/redis") {
		t.Errorf("table lacks the share of the baseline:\n%s", l.String())
	}
}

func TestParseLoadMedians(t *testing.T) {
	in := `{"label":"a","workers":2,"requests":10,"errors":0,"rps":100,"p99_ms":5,"max_ms":9}
{"label":"b","workers":2,"requests":1,"errors":1,"rps":1,"p99_ms":50,"max_ms":90}
{"label":"a","workers":2,"requests":30,"errors":2,"rps":300,"p99_ms":1,"max_ms":3}
{"label":"a","workers":2,"requests":20,"errors":0,"rps":200,"p99_ms":2,"max_ms":4}
`
	res, err := parseLoad(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Label != "a" || res[1].Label != "b" {
		t.Fatalf("%+v", res)
	}
	a := res[0]
	if a.Rounds != 3 || a.Requests != 60 || a.Errors != 2 || a.RPS != 200 || a.P99ms != 2 || a.MaxMs != 9 {
		t.Errorf("%+v", a)
	}
}
