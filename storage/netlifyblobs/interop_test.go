package netlifyblobs

import (
	"testing"

	"github.com/goastro/session/storage/internal/webkvtest"
)

// TestAstroDriverInterop has unstorage's netlify-blobs driver, configured as
// Astro's Netlify adapter configures it (store "astro-sessions", strong
// consistency), read what the Go driver wrote and write what the Go driver
// reads, on the same BlobsServer: same store, same keys, byte-identical values.
func TestAstroDriverInterop(t *testing.T) {
	srv := startServer(t, "tok")
	d, err := New(Config{SiteID: "site-id", Token: "tok", EdgeURL: srv, UncachedEdgeURL: srv, Consistency: "strong"})
	if err != nil {
		t.Fatal(err)
	}
	opts := map[string]any{"name": "astro-sessions", "siteID": "site-id", "token": "tok", "edgeURL": srv, "uncachedEdgeURL": srv, "consistency": "strong"}
	webkvtest.CheckInterop(t, d, platformDir, "netlify-blobs", opts)
}
