package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
)

// unstorage runs ops through unstorage's redis driver (the one behind Astro's
// "redis" session driver) with the given driver options and returns the
// results, one JSON value per op.
func unstorage(t *testing.T, options map[string]any, ops ...[]any) []json.RawMessage {
	t.Helper()
	dir := testenv.NPM(t, "testdata/unstorage")
	in, err := json.Marshal(map[string]any{"options": options, "ops": ops})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "interop.mjs"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("unstorage: %v\n%s", err, stderr.Bytes())
	}
	var res []json.RawMessage
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("unstorage output %q: %v", out, err)
	}
	return res
}

func jsonString(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s is not a string or null: %v", raw, err)
	}
	if s == nil {
		return "<null>"
	}
	return *s
}

const (
	interopID  = "3f0e9c8a-1b2d-4e5f-8a9b-0c1d2e3f4a5b"
	interopID2 = "7c6b5a49-3827-4165-9e8d-7c6b5a493827"
	record     = `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`
	record2    = `[["Map",1,2],"user",{"data":3,"expires":7},{"id":1,"name":4,"roles":5},"Houston",["Set",6],"admin",1767225600000]`
)

// interop checks, against the real unstorage redis driver with the same
// options, that each side reads what the other writes, lists its keys and sees
// its deletes, and that ttl is applied the same way.
func interop(t *testing.T, d *Driver, options map[string]any) {
	ctx := context.Background()
	// Go writes, unstorage reads.
	if err := d.Set(ctx, interopID, record, 0); err != nil {
		t.Fatal(err)
	}
	res := unstorage(t, options, []any{"get", interopID}, []any{"astroGet", interopID}, []any{"has", interopID}, []any{"keys"},
		[]any{"set", interopID2, record2}, []any{"set", "nested:key", "v"})
	if got := jsonString(t, res[0]); got != record {
		t.Fatalf("unstorage read %q, want %q", got, record)
	}
	var parsed []any
	if err := json.Unmarshal(res[1], &parsed); err != nil || len(parsed) == 0 {
		t.Fatalf("Astro's read (destr-parsed) = %s, want the devalue array", res[1])
	}
	if string(res[2]) != "true" {
		t.Fatalf("unstorage hasItem = %s", res[2])
	}
	var keys []string
	json.Unmarshal(res[3], &keys)
	if !slices.Equal(keys, []string{interopID}) {
		t.Fatalf("unstorage getKeys = %q, want [%s]", keys, interopID)
	}
	// unstorage writes, Go reads.
	if v, ok, err := d.Get(ctx, interopID2); err != nil || !ok || v != record2 {
		t.Fatalf("Go read %q %v %v, want %q", v, ok, err, record2)
	}
	if v, _, _ := d.Get(ctx, "nested:key"); v != "v" {
		t.Fatalf("Go read of nested:key = %q", v)
	}
	got, err := d.Keys(ctx, "")
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []string{interopID, interopID2, "nested:key"}) {
		t.Fatalf("Go Keys = %q, %v", got, err)
	}
	// Deletes, both ways.
	if err := d.Delete(ctx, interopID2); err != nil {
		t.Fatal(err)
	}
	res = unstorage(t, options, []any{"get", interopID2}, []any{"remove", interopID}, []any{"remove", "nested:key"})
	if got := jsonString(t, res[0]); got != "<null>" {
		t.Fatalf("unstorage read a key Go deleted: %q", got)
	}
	if has, err := d.Has(ctx, interopID); err != nil || has {
		t.Fatalf("Go still sees a key unstorage removed: %v %v", has, err)
	}
}

func TestInteropUnstorage(t *testing.T) {
	addr := testenv.RedisAddr(t)
	base := testBase(t)
	t.Cleanup(func() { cleanup(t, Options{Addr: addr, Config: Config{Base: base}}) })
	options := map[string]any{"url": "redis://" + addr, "base": base + ":"}
	d, err := OpenOptions(options)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	interop(t, d, options)

	// Without a base: the key is the bare session ID, as Astro writes it by
	// default. Only our own keys are touched.
	bare, err := OpenOptions(map[string]any{"url": "redis://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	ctx := context.Background()
	id := "interop-" + base[len("goastro-test:"):]
	unstorage(t, map[string]any{"url": "redis://" + addr}, []any{"set", id, record})
	if v, _, err := bare.Get(ctx, id); err != nil || v != record {
		t.Fatalf("bare key: Go read %q %v", v, err)
	}
	if err := bare.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}

	// The ttl option (seconds) gives the same expiry on both sides.
	withTTL := map[string]any{"url": "redis://" + addr, "base": base, "ttl": 120}
	dt, err := OpenOptions(withTTL)
	if err != nil {
		t.Fatal(err)
	}
	defer dt.Close()
	if err := dt.Set(ctx, "go", "v", 0); err != nil {
		t.Fatal(err)
	}
	unstorage(t, withTTL, []any{"set", "js", "v"})
	for _, k := range []string{"go", "js"} {
		// Node.js may take a few seconds to start on a busy machine.
		ttl, err := testenv.RedisCommand(addr, "TTL", base+":"+k)
		if n, _ := strconv.Atoi(ttl); err != nil || n < 100 || n > 120 {
			t.Fatalf("TTL of %s = %s %v, want 120 (less the time since)", k, ttl, err)
		}
	}
}

// On a Redis Cluster, both read each other's keys. (unstorage lists keys with a
// SCAN of one node only, so listing is checked from the Go side, which scans
// every master.)
func TestInteropUnstorageCluster(t *testing.T) {
	addrs := testenv.StartRedisCluster(t, 3)
	base := testBase(t)
	nodes := make([]any, len(addrs))
	for i, a := range addrs {
		nodes[i] = a
	}
	d, err := Open(Options{Cluster: addrs, Config: Config{Base: base}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	ids := []string{interopID, interopID2, "a", "b", "c", "d", "e", "f"}
	var ops [][]any
	for _, id := range ids {
		ops = append(ops, []any{"set", id, "js-" + id})
	}
	unstorage(t, map[string]any{"cluster": nodes, "base": base}, ops...)
	for _, id := range ids {
		if v, _, err := d.Get(ctx, id); err != nil || v != "js-"+id {
			t.Fatalf("Go read of %s = %q %v", id, v, err)
		}
		if err := d.Set(ctx, id, "go-"+id, 0); err != nil {
			t.Fatal(err)
		}
	}
	ops = nil
	for _, id := range ids {
		ops = append(ops, []any{"get", id})
	}
	res := unstorage(t, map[string]any{"cluster": nodes, "base": base}, ops...)
	for i, id := range ids {
		if got := jsonString(t, res[i]); got != "go-"+id {
			t.Fatalf("unstorage read of %s = %q", id, got)
		}
	}
	keys, err := d.Keys(ctx, "")
	if err != nil || len(keys) != len(ids) {
		t.Fatalf("Go Keys over the cluster = %q %v", keys, err)
	}
}
