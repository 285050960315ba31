package unstoragehttp

import (
	"testing"

	"github.com/goastro/session/storage/internal/webkvtest"
)

// TestAstroDriverInterop has unstorage's http driver (the protocol's own
// client) read what the Go driver wrote and write what the Go driver reads,
// through the same storage server mounting unstorage's redis driver: same
// keys, byte-identical values.
func TestAstroDriverInterop(t *testing.T) {
	srv := startRedis(t)
	d, err := New(Config{Base: srv, Headers: map[string]string{"Authorization": "Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	opts := map[string]any{"base": srv, "headers": map[string]string{"Authorization": "Bearer " + token}}
	webkvtest.CheckInterop(t, d, platformDir, "http", opts)
}
