// Package webkvtest is the interop check the drivers over HTTP key-value
// services share in their tests: unstorage's own client drivers, as Astro
// uses them, against the Go driver on the same store.
package webkvtest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
)

// Op is one operation of unstorage-client.mjs, the Node.js script of the
// interop tests that runs unstorage's own client drivers (Astro's session
// drivers) on the storage layer Astro uses: "get" (the stored text, nil when
// missing), "set", "has", "remove" or "keys" (of the base in Key).
type Op struct {
	Op    string `json:"op"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}

// Record is a session record as Astro writes it (devalue text of a Map of
// {data, expires}), with characters that an encoding slip would change:
// non-ASCII text, an escaped '<', U+2028, a quote and a backslash.
const Record = `[["Map",1,2,3,4],"user",{"data":5},"cart",{"data":8,"expires":1893456000000},{"id":6,"name":7},42,"Zoë \u003C Ω \u2028 \"q\" \\",["Set",9],"sku-1"]`

// CheckInterop has unstorage's own client driver (driver, with options, run by
// unstorage-client.mjs in dir) read what d wrote and write what d reads, on the
// same store: same keys, byte-identical values, and each side's deletes seen
// by the other.
func CheckInterop(t *testing.T, d storage.Driver, dir, driver string, options map[string]any) {
	t.Helper()
	ctx := context.Background()
	const goID, jsID = "0b5c6a4e-8f61-4d1b-9a3e-3c2f7d8e9a10", "f47ac10b-58cc-4372-a567-0e02b2c3d479"
	if err := d.Set(ctx, goID, Record, 0); err != nil {
		t.Fatal(err)
	}
	got := runUnstorage(t, dir, driver, options, []Op{
		{Op: "get", Key: goID},
		{Op: "set", Key: jsID, Value: Record + " "},
		{Op: "keys"},
	})
	var read string
	var keys []string
	if err := json.Unmarshal(got[0], &read); err != nil || read != Record {
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
	if err != nil || !ok || v != Record+" " {
		t.Fatalf("Go read %q, %v, %v of the record unstorage wrote", v, ok, err)
	}
	if err := d.Delete(ctx, jsID); err != nil {
		t.Fatal(err)
	}
	got = runUnstorage(t, dir, driver, options, []Op{{Op: "has", Key: jsID}, {Op: "has", Key: goID}})
	if string(got[0]) != "false" || string(got[1]) != "true" {
		t.Fatalf("unstorage hasItem after the Go delete: %s %s", got[0], got[1])
	}
}

func runUnstorage(t *testing.T, dir, driver string, options map[string]any, ops []Op) []json.RawMessage {
	t.Helper()
	arg, _ := json.Marshal(map[string]any{"driver": driver, "options": options, "ops": ops})
	var out []json.RawMessage
	if err := json.Unmarshal(testenv.RunNodeScript(t, dir, "unstorage-client.mjs", string(arg)), &out); err != nil || len(out) != len(ops) {
		t.Fatalf("unstorage-client.mjs: %v (%d results)", err, len(out))
	}
	return out
}
