package cloudflarekv

import (
	"errors"
	"strings"
	"testing"

	"github.com/goastro/session/storage"
)

// FuzzParseOptions feeds option values to ParseOptions and New: they never
// panic, every error wraps storage.ErrInvalidOption, and an accepted
// configuration keeps every request under its namespace's URL.
func FuzzParseOptions(f *testing.F) {
	f.Add("acc", "ns", "tok", "", "", "http://127.0.0.1:1", "sessions", "90s", "k")
	f.Add("a/b", "n?s", "", "e@x", "key", "https://api.cloudflare.com/", ":b:", "-1", "a:b")
	f.Add("..", "%2F", "t\r\n", "", "", "javascript:x", "a/../b", "x", "")
	f.Fuzz(func(t *testing.T, account, ns, token, email, apiKey, api, base, minTTL, key string) {
		opts := map[string]any{"accountId": account, "namespaceId": ns, "apiToken": token, "email": email, "apiKey": apiKey, "apiURL": api, "base": base, "minTTL": minTTL}
		cfg, err := ParseOptions(opts)
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
		if !strings.HasSuffix(d.root, "/client/v4/accounts/"+account+"/storage/kv/namespaces/"+ns) {
			t.Fatalf("namespace URL %q", d.root)
		}
		full, err := d.key("get", key)
		if err != nil {
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Fatalf("key error %v does not wrap ErrInvalidKey", err)
			}
			return
		}
		if len(full) > MaxKeyLen || (d.base != "" && !strings.HasPrefix(full, d.base+":")) {
			t.Fatalf("key %q for base %q", full, d.base)
		}
	})
}
