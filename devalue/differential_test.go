package devalue

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/goastro/session/internal/testenv"
)

// TestDifferential checks the codec against the npm package itself: a seeded
// Node script generates random JavaScript values and stringifies them with
// devalue 5 and 6 (plain, and as Astro session records with Astro's URL
// reducer); Go must round-trip every text byte for byte, also after a deep
// copy with ValueOf; then devalue parses Go's texts back and checks that it
// gets the original values (same types, structure, sharing and cycles) and
// that they re-stringify to what devalue wrote.
func TestDifferential(t *testing.T) {
	dir := testenv.NPM(t, filepath.Join("testdata", "js"))
	const seed, count = 20261126, 1500
	gen := exec.Command("node", "gen.mjs", strconv.Itoa(seed), strconv.Itoa(count))
	gen.Dir = dir
	gen.Stderr = os.Stderr
	out, err := gen.Output()
	if err != nil {
		t.Fatalf("gen.mjs: %v", err)
	}
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	if len(lines) != 2*count {
		t.Fatalf("gen.mjs wrote %d cases, want %d", len(lines), 2*count)
	}
	astro := Options{Reducers: []Reducer{astroURLReducer}}
	var goTexts bytes.Buffer
	failures, v5cases := 0, 0
	for i, line := range lines {
		var c struct {
			V5    *string `json:"v5"`
			V6    string  `json:"v6"`
			Astro bool    `json:"astro"`
		}
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		opts := Options{}
		if c.Astro {
			opts = astro
		}
		texts := []string{c.V6}
		if c.V5 != nil {
			texts = append(texts, *c.V5)
			v5cases++
		}
		var goText string
		for j, text := range texts {
			got, ok := checkRoundTrip(t, i, opts, text)
			if !ok {
				failures++
			}
			if j == 0 {
				goText = got
			}
			if failures > 20 {
				t.Fatal("too many failures")
			}
		}
		b, _ := json.Marshal(goText)
		goTexts.Write(b)
		goTexts.WriteByte('\n')
	}
	if v5cases < count {
		t.Errorf("only %d cases had a devalue 5 text", v5cases)
	}
	file := filepath.Join(t.TempDir(), "go.jsonl")
	if err := os.WriteFile(file, goTexts.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	check := exec.Command("node", "check.mjs", strconv.Itoa(seed), strconv.Itoa(count), file)
	check.Dir = dir
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("devalue rejects what Go wrote: %v\n%s", err, truncate(out, 4000))
	}
}

// checkRoundTrip checks that text, written by devalue, is written back byte
// for byte after Parse, and after a ValueOf copy; got is what Go wrote.
func checkRoundTrip(t *testing.T, i int, opts Options, text string) (got string, ok bool) {
	t.Helper()
	v, err := opts.Parse(text)
	if err != nil {
		t.Errorf("case %d: Parse(%s): %v", i, text, err)
		return "", false
	}
	got, err = opts.Stringify(v)
	if err != nil || got != text {
		t.Errorf("case %d: round trip\n got %s (%v)\nwant %s", i, got, err, text)
		return got, false
	}
	cp, err := ValueOf(v)
	if err != nil {
		t.Errorf("case %d: ValueOf: %v", i, err)
		return got, false
	}
	if again, err := opts.Stringify(cp); err != nil || again != text {
		t.Errorf("case %d: round trip of a ValueOf copy\n got %s (%v)\nwant %s", i, again, err, text)
		return got, false
	}
	return got, true
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return append(b[:n:n], "..."...)
	}
	return b
}
