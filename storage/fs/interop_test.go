package fs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage/fs"
)

type jsResult struct {
	Raw    map[string]*string         `json:"raw"`
	Parsed map[string]json.RawMessage `json:"parsed"`
	Has    map[string]bool            `json:"has"`
	Keys   []string                   `json:"keys"`
}

type jsRequest struct {
	Set    map[string]string `json:"set,omitempty"`
	Remove []string          `json:"remove,omitempty"`
	Get    []string          `json:"get,omitempty"`
}

// unstorage runs testdata fs.mjs: the real unstorage driver (fs-lite or fs) on base.
func unstorage(t *testing.T, driver, base string, req jsRequest) jsResult {
	t.Helper()
	dir := testenv.NPM(t, "../testdata/unstorage")
	node := testenv.Command(t, "node", "Node.js 20 or newer")
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "fs.mjs", driver, base)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node fs.mjs %s: %v\n%s", driver, err, stderr.String())
	}
	var res jsResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return res
}

// Records as Astro writes them (devalue text of a Map), and keys with ':'.
var interopRecords = map[string]string{
	"3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b": `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`,
	"6c9e1f0a-2b3c-4d5e-8f70-112233445566": `[["Map",1,2],"user",{"data":3,"expires":7},{"id":1,"name":4,"roles":5},"Houston",["Set",6],"admin",1767225600000]`,
	"app:sessions:42":                      `[["Map",1,2,5,6],"u",{"data":3,"expires":-1},["URL",4],"https://example.com/a%20b?x=%3C1%3E","same",{"data":4,"expires":-1}]`,
	"unicode":                              `[["Map",1,2],"name",{"data":3,"expires":-1},"é ß 中文 😀 \u2028"]`,
	"plain":                                "not json at all",
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestInteropGoWritesUnstorageReads writes through this driver and reads
// through the real unstorage fs-lite and fs drivers.
func TestInteropGoWritesUnstorageReads(t *testing.T) {
	for _, driver := range []string{"fs-lite", "fs"} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t, fs.Options{})
			for k, v := range interopRecords {
				ttl := time.Duration(0)
				if k == "app:sessions:42" {
					ttl = time.Hour // a sidecar, invisible to the reader
				}
				if err := s.Set(ctx, k, v, ttl); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Set(ctx, "deleted", "x", 0); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, "deleted"); err != nil {
				t.Fatal(err)
			}
			get := append(sortedKeys(interopRecords), "deleted", "app/sessions/42")
			res := unstorage(t, driver, s.Base(), jsRequest{Get: get})
			for k, want := range interopRecords {
				if got := res.Raw[k]; got == nil || *got != want {
					t.Errorf("%s read %q as %v, want %q", driver, k, deref(got), want)
				}
				if !res.Has[k] {
					t.Errorf("%s hasItem(%q) = false", driver, k)
				}
				// What Astro gets: destr parses JSON text, leaves other text alone.
				var parsed any
				if err := json.Unmarshal(res.Parsed[k], &parsed); err != nil {
					t.Fatal(err)
				}
				var want2 any = want
				if json.Valid([]byte(want)) {
					json.Unmarshal([]byte(want), &want2)
				}
				if a, b := mustJSON(parsed), mustJSON(want2); a != b {
					t.Errorf("%s getItem(%q) = %s, want %s", driver, k, a, b)
				}
			}
			if res.Raw["deleted"] != nil || res.Has["deleted"] {
				t.Errorf("%s still sees a deleted key", driver)
			}
			if got := res.Raw["app/sessions/42"]; got == nil || *got != interopRecords["app:sessions:42"] {
				t.Errorf("%s did not find app/sessions/42 at the same place", driver)
			}
			// unstorage lists every file, our metadata folder included; without it
			// the keys are ours.
			var jsKeys []string
			for _, k := range res.Keys {
				if !strings.HasPrefix(k, ".goastro") {
					jsKeys = append(jsKeys, k)
				}
			}
			goKeys, err := s.Keys(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(jsKeys)
			sort.Strings(goKeys)
			if !slices.Equal(jsKeys, goKeys) || !slices.Equal(goKeys, sortedKeys(interopRecords)) {
				t.Errorf("keys: unstorage %q, ours %q", jsKeys, goKeys)
			}
		})
	}
}

// TestInteropUnstorageWritesGoReads writes through the real unstorage drivers
// (as Astro does) and reads through this driver.
func TestInteropUnstorageWritesGoReads(t *testing.T) {
	for _, driver := range []string{"fs-lite", "fs"} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			base := filepath.Join(t.TempDir(), "sessions") // unstorage creates it
			set := map[string]string{"empty": "", "removed": "soon gone", "slash/key": "s"}
			for k, v := range interopRecords {
				set[k] = v
			}
			unstorage(t, driver, base, jsRequest{Set: set, Remove: []string{"removed"}})
			s := newStore(t, fs.Options{Base: base})
			for k, want := range interopRecords {
				got, ok, err := s.Get(ctx, k)
				if err != nil || !ok || got != want {
					t.Errorf("Get(%q) = %q, %v, %v; want %q", k, got, ok, err, want)
				}
			}
			for _, k := range []string{"empty", "removed"} {
				if v, ok, err := s.Get(ctx, k); ok || err != nil {
					t.Errorf("Get(%q) = %q, %v, %v; want no value", k, v, ok, err)
				}
			}
			if v, ok, _ := s.Get(ctx, "slash:key"); !ok || v != "s" {
				t.Errorf("Get(slash:key) = %q, %v", v, ok)
			}
			keys, err := s.Keys(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(keys)
			want := append(sortedKeys(interopRecords), "slash:key")
			sort.Strings(want)
			if !slices.Equal(keys, want) {
				t.Errorf("Keys = %q, want %q", keys, want)
			}
			// A record we rewrite is read back by unstorage, and a TTL we set
			// expires it for both.
			if err := s.Set(ctx, "app:sessions:42", `[["Map"]]`, 0); err != nil {
				t.Fatal(err)
			}
			if err := s.Set(ctx, "plain", "short-lived", 30*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
			if _, err := s.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			res := unstorage(t, driver, base, jsRequest{Get: []string{"app:sessions:42", "plain"}})
			if got := res.Raw["app:sessions:42"]; got == nil || *got != `[["Map"]]` {
				t.Errorf("%s read back %v", driver, deref(got))
			}
			if res.Raw["plain"] != nil || res.Has["plain"] {
				t.Errorf("%s still reads a swept record: %v", driver, deref(res.Raw["plain"]))
			}
		})
	}
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
