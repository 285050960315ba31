package unstoragehttp

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/goastro/session/storage"
)

// FuzzParseOptions feeds option values and keys to ParseOptions, New and the
// key-to-path mapping: no panic, errors wrap storage.ErrInvalidOption or
// storage.ErrInvalidKey, and a key's path stays one path under the base that
// decodes back to the key.
func FuzzParseOptions(f *testing.F) {
	f.Add("http://127.0.0.1:3001", "Authorization", "Bearer x", "a:b")
	f.Add("https://h/sessions/", "X-Api", "v\n", "a b/c?d")
	f.Add("ftp://x", "bad header", "", "é:%41:..")
	f.Fuzz(func(t *testing.T, base, hk, hv, key string) {
		cfg, err := ParseOptions(map[string]any{"base": base, "headers": map[string]any{hk: hv}})
		if err != nil {
			if !errors.Is(err, storage.ErrInvalidOption) {
				t.Fatalf("error %v does not wrap ErrInvalidOption", err)
			}
			return
		}
		d, err := New(cfg)
		if err != nil {
			t.Fatalf("ParseOptions accepted what New refuses: %v", err)
		}
		k, err := d.key("get", key)
		if err != nil {
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("key error %v does not wrap ErrInvalidKey", err)
			}
			return
		}
		p := keyPath(k)
		if strings.ContainsAny(p, "?#%") && !strings.Contains(p, "%") {
			t.Fatalf("path %q of %q", p, k)
		}
		u, err := url.Parse(d.base + "/" + p)
		if err != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("URL of %q: %v %q", k, err, u)
		}
		if got := strings.ReplaceAll(u.Path, "/", ":"); !strings.HasSuffix(got, k) {
			t.Fatalf("path %q decodes to %q, want a suffix %q", p, got, k)
		}
	})
}
