package storage_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
)

// TestKeysAgainstUnstorage compares the key rules with the real unstorage
// package (pinned in testdata/unstorage) over many generated keys:
// NormalizeKey must equal unstorage's normalizeKey, JoinKeys its driver helper
// joinKeys, and CleanKey must refuse every key that unstorage (storage layer or
// fs-lite driver) refuses, and accept every other key unless one of our
// documented extra rules applies.
func TestKeysAgainstUnstorage(t *testing.T) {
	dir := testenv.NPM(t, "testdata/unstorage")
	node := testenv.Command(t, "node", "Node.js 20 or newer")

	type pair [2]string
	var input []pair
	// Every string of up to 3 symbols from an alphabet of the characters that
	// matter, then random longer ones.
	alphabet := []string{"a", ":", "/", "\\", "?", ".", "é", " "}
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		input = append(input, pair{prefix, ""})
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(prefix+c, n-1)
		}
	}
	gen("", 3)
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "b", "ab", ":", "::", "/", "//", "\\", "?", "?x", ".", "..", "...", "é", "😀", "\x00", "-", "sess", "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"}
	bases := []string{"", "base", "base:", ":base:", "a/b", "\\x", "?", "b?c"}
	for range 4000 {
		var b strings.Builder
		for range r.IntN(9) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		input = append(input, pair{b.String(), bases[r.IntN(len(bases))]})
	}

	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "keys.mjs")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node keys.mjs: %v\n%s", err, stderr.String())
	}
	var got []struct {
		N    string `json:"n"`
		J    string `json:"j"`
		OK   bool   `json:"ok"`
		FSOK bool   `json:"fsok"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(input) {
		t.Fatalf("%d answers for %d keys", len(got), len(input))
	}
	mismatches := 0
	extra := 0
	for i, p := range input {
		key, base := p[0], p[1]
		js := got[i]
		if n := storage.NormalizeKey(key); n != js.N {
			t.Errorf("NormalizeKey(%q) = %q, unstorage says %q", key, n, js.N)
			mismatches++
		}
		if j := storage.JoinKeys(base, key); j != js.J {
			t.Errorf("JoinKeys(%q, %q) = %q, unstorage says %q", base, key, j, js.J)
			mismatches++
		}
		_, err := storage.CleanKey(key)
		switch {
		case err != nil && !errors.Is(err, storage.ErrInvalidKey):
			t.Errorf("CleanKey(%q): %v", key, err)
		case err == nil && !(js.OK && js.FSOK):
			t.Errorf("CleanKey(%q) accepts a key unstorage refuses (storage %v, fs-lite %v)", key, js.OK, js.FSOK)
			mismatches++
		case err != nil && js.OK && js.FSOK:
			// Stricter than unstorage: only for our documented extra rules.
			if !strings.Contains(key, "\x00") {
				t.Errorf("CleanKey(%q) refuses a key unstorage accepts: %v", key, err)
				mismatches++
			}
			extra++
		}
		if mismatches > 20 {
			t.Fatal("too many mismatches")
		}
	}
	t.Logf("%d keys compared; %d refused by our extra rules only", len(input), extra)
}
