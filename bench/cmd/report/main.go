// Command report turns the output of the benchmarks (go test -bench
// -benchmem) and of loadgen -json into the tables of README.md, with every
// figure set against the alternative measured in the same run, and checks the
// goals.
//
//	report -bench bench.txt -load load.jsonl
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

type benchResult struct {
	ns, bytes, allocs float64
}

// key is scenario/tier/lib.
type key struct{ scenario, tier, lib string }

var (
	benchLine = regexp.MustCompile(`^Benchmark(\S+)\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op\s+([\d.]+) allocs/op)?`)
	procs     = regexp.MustCompile(`-\d+$`)
)

// parseBench reads benchmark results; a benchmark that ran several times (the
// script runs the suite in rounds) is represented by its median time, with
// the memory figures of that same sample.
func parseBench(r io.Reader) (map[key]benchResult, error) {
	samples := map[key][]benchResult{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var res benchResult
		res.ns, _ = strconv.ParseFloat(m[2], 64)
		res.bytes, _ = strconv.ParseFloat(m[3], 64)
		res.allocs, _ = strconv.ParseFloat(m[4], 64)
		parts := strings.Split(procs.ReplaceAllString(m[1], ""), "/")
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		k := key{parts[0], parts[1], parts[2]}
		samples[k] = append(samples[k], res)
	}
	out := map[key]benchResult{}
	for k, s := range samples {
		slices.SortFunc(s, func(a, b benchResult) int { return cmp.Compare(a.ns, b.ns) })
		out[k] = s[(len(s)-1)/2]
	}
	return out, sc.Err()
}

type loadResult struct {
	Label    string  `json:"label"`
	Workers  int     `json:"workers"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	Rounds   int     `json:"-"`
}

// parseLoad reads loadgen results. Runs with the same label (the script runs
// the load test in rounds) are merged: requests and errors add up, and rates
// and latencies are the medians of the rounds.
func parseLoad(r io.Reader) ([]loadResult, error) {
	var order []string
	runs := map[string][]loadResult{}
	dec := json.NewDecoder(r)
	for {
		var l loadResult
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if _, ok := runs[l.Label]; !ok {
			order = append(order, l.Label)
		}
		runs[l.Label] = append(runs[l.Label], l)
	}
	var out []loadResult
	for _, label := range order {
		rs := runs[label]
		m := loadResult{Label: label, Workers: rs[0].Workers, Rounds: len(rs)}
		med := func(f func(loadResult) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = f(r)
			}
			slices.Sort(v)
			if len(v)%2 == 1 {
				return v[len(v)/2]
			}
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		for _, r := range rs {
			m.Requests += r.Requests
			m.Errors += r.Errors
			m.Seconds += r.Seconds
			m.MaxMs = max(m.MaxMs, r.MaxMs)
		}
		m.RPS = med(func(r loadResult) float64 { return r.RPS })
		m.P50ms = med(func(r loadResult) float64 { return r.P50ms })
		m.P90ms = med(func(r loadResult) float64 { return r.P90ms })
		m.P99ms = med(func(r loadResult) float64 { return r.P99ms })
		out = append(out, m)
	}
	return out, nil
}

func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

var (
	scenarios = []struct{ name, what string }{
		{"Untouched", "untouched request (cookie sent, session never used)"},
		{"ReadKey", "read one key"},
		{"SetKey", "set one key"},
		{"ReadWrite", "read a number and write it back + 1"},
		{"Cart", "read + write a 20-line cart"},
		{"Login", "login: regenerate the ID, set 3 keys"},
	}
	tiers = []struct{ name, stores string }{
		{"memory", "goastro memory · scs memstore · gorilla CookieStore"},
		{"fs", "goastro fs-lite without fsync · gorilla FilesystemStore (no fsync either) · goastro fs-lite with its default fsync"},
		{"redis", "goastro redis · scs goredisstore · gorilla boj/redistore"},
	}
	others = []string{"scs", "gorilla", "gorilla-cookie", "goastro-fsync"}
)

func main() {
	benchFile := flag.String("bench", "", "output of go test -bench -benchmem")
	loadFile := flag.String("load", "", "output of loadgen -json, one result a line")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	var misses []string
	if *benchFile != "" {
		f, err := os.Open(*benchFile)
		if err != nil {
			fatal(err)
		}
		res, err := parseBench(f)
		f.Close()
		if err != nil {
			fatal(err)
		}
		misses = append(misses, benchTables(w, res)...)
	}
	if *loadFile != "" {
		f, err := os.Open(*loadFile)
		if err != nil {
			fatal(err)
		}
		res, err := parseLoad(f)
		f.Close()
		if err != nil {
			fatal(err)
		}
		misses = append(misses, loadTable(w, res)...)
	}
	fmt.Fprintln(w)
	if len(misses) == 0 {
		fmt.Fprintln(w, "All goals met in this run.")
	} else {
		fmt.Fprintln(w, "Goals missed in this run:")
		for _, m := range misses {
			fmt.Fprintln(w, "- "+m)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "report:", err)
	os.Exit(2)
}

// benchTables prints one table per kind of store and returns the goals missed.
// A ratio "×N" after a competitor's time is its time divided by ours: how many
// times longer it took for the same request.
func benchTables(w io.Writer, res map[key]benchResult) (misses []string) {
	if bare, ok := res[key{"Bare", "", ""}]; ok {
		fmt.Fprintf(w, "Baseline, the same request with no session library: %s, %.0f B, %.0f allocs.\n\n", dur(bare.ns), bare.bytes, bare.allocs)
	}
	for _, t := range tiers {
		libs := []string{}
		for _, l := range others {
			for _, s := range scenarios {
				if _, ok := res[key{s.name, t.name, l}]; ok {
					libs = append(libs, l)
					break
				}
			}
		}
		if _, ok := res[key{"ReadKey", t.name, "goastro"}]; !ok {
			continue
		}
		fmt.Fprintf(w, "### %s: %s\n\n", t.name, t.stores)
		fmt.Fprint(w, "| scenario | goastro time | allocs | B |")
		sep := "|---|---:|---:|---:|"
		for _, l := range libs {
			fmt.Fprintf(w, " %s time (× ours) | allocs | B |", l)
			sep += "---:|---:|---:|"
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, sep)
		for _, s := range scenarios {
			ours, ok := res[key{s.name, t.name, "goastro"}]
			if !ok {
				continue
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.0f |", s.what, dur(ours.ns), ours.allocs, ours.bytes)
			for _, l := range libs {
				o, ok := res[key{s.name, t.name, l}]
				if !ok {
					fmt.Fprint(w, " — | — | — |")
					continue
				}
				fmt.Fprintf(w, " %s (×%s) | %.0f | %.0f |", dur(o.ns), ratio(o.ns/ours.ns), o.allocs, o.bytes)
			}
			fmt.Fprintln(w)
			// Goals against scs, in the same run: the untouched request on
			// every store; read and read+write on the in-memory stores, where
			// the libraries' own work shows (on Redis both wait for a network
			// round trip, which no library can make cheaper).
			scs, ok := res[key{s.name, t.name, "scs"}]
			if !ok {
				continue
			}
			switch {
			case s.name == "Untouched":
				if ours.ns*20 > scs.ns {
					misses = append(misses, fmt.Sprintf("%s, %s: ours %s is more than 1/20 of scs's %s (×%s)", s.what, t.name, dur(ours.ns), dur(scs.ns), ratio(scs.ns/ours.ns)))
				}
			case t.name == "memory" && (s.name == "ReadKey" || s.name == "ReadWrite" || s.name == "Cart"):
				if ours.ns*5 > scs.ns {
					misses = append(misses, fmt.Sprintf("%s, %s: ours %s is more than 1/5 of scs's %s (×%s)", s.what, t.name, dur(ours.ns), dur(scs.ns), ratio(scs.ns/ours.ns)))
				}
				if ours.allocs >= 20 {
					misses = append(misses, fmt.Sprintf("%s, %s: %.0f allocations, not under 20", s.what, t.name, ours.allocs))
				}
			}
		}
		fmt.Fprintln(w)
	}
	return misses
}

func ratio(r float64) string {
	if r >= 10 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// loadTable prints the load test results, each against the Astro app on
// Redis run the same way (rows whose label has "-1cpu" ran pinned to one core
// and are set against "astro7-1cpu/redis"), and returns the goals missed.
func loadTable(w io.Writer, res []loadResult) (misses []string) {
	byLabel := map[string]*loadResult{}
	for i := range res {
		byLabel[res[i].Label] = &res[i]
	}
	ref := func(label string) *loadResult {
		if strings.Contains(label, "-1cpu/") {
			return byLabel["astro7-1cpu/redis"]
		}
		return byLabel["astro7/redis"]
	}
	fmt.Fprintln(w, "### Load test: the cart flow on loopback")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Medians of the rounds for req/s and the percentiles; requests and errors summed; max over all rounds.")
	fmt.Fprintln(w, "The last two columns set each row against the Astro app on Redis run the same way (`-1cpu`: pinned to one core).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| server / store | workers | rounds | requests | req/s | p50 | p90 | p99 | max | errors | req/s ÷ Astro's | p99 ÷ Astro's |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, l := range res {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.0f | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %d |", l.Label, l.Workers, l.Rounds, l.Requests, l.RPS, l.P50ms, l.P90ms, l.P99ms, l.MaxMs, l.Errors)
		if a := ref(l.Label); a != nil {
			fmt.Fprintf(w, " ×%s | ×%.2f |", ratio(l.RPS/a.RPS), l.P99ms/a.P99ms)
		} else {
			fmt.Fprint(w, " — | — |")
		}
		fmt.Fprintln(w)
		if l.Errors > 0 {
			misses = append(misses, fmt.Sprintf("load %s: %d errors", l.Label, l.Errors))
		}
	}
	fmt.Fprintln(w)
	// The baseline server does the cart flow with no session library: the
	// shop's share of it is what the library and the shop's own checks cost.
	for _, l := range res {
		if !strings.HasPrefix(l.Label, "shop") {
			continue
		}
		if b := byLabel[strings.Replace(l.Label, "shop", "baseline", 1)]; b != nil && b.RPS > 0 {
			fmt.Fprintf(w, "- %s served %.0f%% of the requests per second of %s (no session library, same store).\n", l.Label, 100*l.RPS/b.RPS, b.Label)
		}
	}
	fmt.Fprintln(w)
	compared := false
	for _, shop := range []string{"shop/redis", "shop-1cpu/redis"} {
		l, a := byLabel[shop], ref(shop)
		if l == nil || a == nil {
			continue
		}
		compared = true
		if l.RPS < 10*a.RPS {
			miss := fmt.Sprintf("load: %s %.0f req/s is under 10× %s's %.0f (×%s)", l.Label, l.RPS, a.Label, a.RPS, ratio(l.RPS/a.RPS))
			if b := byLabel[strings.Replace(shop, "shop", "baseline", 1)]; b != nil {
				miss += fmt.Sprintf("; %s, with no session library, reached %.0f req/s (×%s)", b.Label, b.RPS, ratio(b.RPS/a.RPS))
			}
			misses = append(misses, miss)
		}
		if l.P99ms >= a.P99ms {
			misses = append(misses, fmt.Sprintf("load: %s p99 %.2f ms is not below %s's %.2f ms", l.Label, l.P99ms, a.Label, a.P99ms))
		}
	}
	if !compared {
		misses = append(misses, "load: no shop/redis run with an astro7/redis run to compare with")
	}
	return misses
}
