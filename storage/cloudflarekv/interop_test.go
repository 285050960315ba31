package cloudflarekv

import (
	"testing"

	"github.com/goastro/session/storage/internal/webkvtest"
)

// TestAstroDriverInterop has unstorage's cloudflare-kv-http driver read what
// the Go driver wrote and write what the Go driver reads, in the same KV
// namespace (the one bound to the Worker as SESSION, as Astro's Cloudflare
// adapter binds it): same keys, byte-identical values.
func TestAstroDriverInterop(t *testing.T) {
	srv := startKV(t)
	d, err := New(Config{AccountID: account, NamespaceID: namespace, APIToken: token, APIURL: srv})
	if err != nil {
		t.Fatal(err)
	}
	opts := map[string]any{"accountId": account, "namespaceId": namespace, "apiToken": token, "apiURL": srv}
	webkvtest.CheckInterop(t, d, platformDir, "cloudflare-kv-http", opts)
}
