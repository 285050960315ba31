package netlifyblobs

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage/internal/webkv"
)

// TestAstroDriverInterop has unstorage's netlify-blobs driver, configured as
// Astro's Netlify adapter configures it (store "astro-sessions", strong
// consistency), read what the Go driver wrote and write what the Go driver
// reads, on the same BlobsServer: same store, same keys, byte-identical values.
func TestAstroDriverInterop(t *testing.T) {
	srv := startServer(t, "tok")
	ctx := context.Background()
	d, err := New(Config{SiteID: "site-id", Token: "tok", EdgeURL: srv, UncachedEdgeURL: srv, Consistency: "strong"})
	if err != nil {
		t.Fatal(err)
	}
	const goID, jsID = "0b5c6a4e-8f61-4d1b-9a3e-3c2f7d8e9a10", "f47ac10b-58cc-4372-a567-0e02b2c3d479"
	if err := d.Set(ctx, goID, webkv.Record, 0); err != nil {
		t.Fatal(err)
	}
	opts := map[string]any{"name": "astro-sessions", "siteID": "site-id", "token": "tok", "edgeURL": srv, "uncachedEdgeURL": srv, "consistency": "strong"}
	got := unstorage(t, "netlify-blobs", opts, []webkv.Op{
		{Op: "get", Key: goID},
		{Op: "set", Key: jsID, Value: webkv.Record + " "},
		{Op: "keys"},
	})
	var read string
	var keys []string
	if err := json.Unmarshal(got[0], &read); err != nil || read != webkv.Record {
		t.Fatalf("unstorage read %s, want the Go record byte for byte", got[0])
	}
	if err := json.Unmarshal(got[2], &keys); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{goID, jsID}) {
		t.Fatalf("unstorage lists %q", keys)
	}
	v, ok, err := d.Get(ctx, jsID)
	if err != nil || !ok || v != webkv.Record+" " {
		t.Fatalf("Go read %q, %v, %v of the record unstorage wrote", v, ok, err)
	}
	if err := d.Delete(ctx, jsID); err != nil {
		t.Fatal(err)
	}
	got = unstorage(t, "netlify-blobs", opts, []webkv.Op{{Op: "has", Key: jsID}, {Op: "has", Key: goID}})
	if string(got[0]) != "false" || string(got[1]) != "true" {
		t.Fatalf("unstorage hasItem after the Go delete: %s %s", got[0], got[1])
	}
}

func unstorage(t *testing.T, driver string, options map[string]any, ops []webkv.Op) []json.RawMessage {
	t.Helper()
	arg, _ := json.Marshal(map[string]any{"driver": driver, "options": options, "ops": ops})
	var out []json.RawMessage
	if err := json.Unmarshal(testenv.RunNodeScript(t, platformDir, "unstorage-client.mjs", string(arg)), &out); err != nil || len(out) != len(ops) {
		t.Fatalf("unstorage-client.mjs: %v (%d results)", err, len(out))
	}
	return out
}
