package netlifyblobs

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/goastro/session/storage"
)

// FuzzParseOptions feeds option values and NETLIFY_BLOBS_CONTEXT values to
// ParseOptions and New: they never panic, every error wraps
// storage.ErrInvalidOption, and every accepted configuration builds URLs that
// stay on the configured origin.
func FuzzParseOptions(f *testing.F) {
	f.Add("astro-sessions", "site", "tok", "http://127.0.0.1:1", "", "strong", "", "")
	f.Add("a/b", "s", "t", "", "https://api.netlify.com/x", "eventual", "us-east-1", base64.StdEncoding.EncodeToString([]byte(`{"siteID":"x","token":"y","edgeURL":"https://e"}`)))
	f.Add("%", "s?x", "t\n", "ftp://x", "http://u@h", "weak", "mars", "!!")
	f.Fuzz(func(t *testing.T, name, site, token, edge, api, consistency, region, ctx string) {
		opts := map[string]any{"name": name, "siteID": site, "token": token, "edgeURL": edge, "uncachedEdgeURL": edge, "apiURL": api, "consistency": consistency, "region": region}
		cfg, err := ParseOptions(opts, ctx)
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
		for _, k := range []string{"k", "6a3e9f1c-0b7d-4c55-9d0e-2f4b8a1c7e31", "a:b c?#%"} {
			u := d.blobURL(k, nil)
			if !strings.HasPrefix(u, d.base+"/") || strings.Count(u[len(d.base):], "?") > 1 {
				t.Fatalf("blob URL %q escapes %q", u, d.base)
			}
		}
	})
}
