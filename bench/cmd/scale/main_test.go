package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSmall runs the whole measurement with small numbers on the stores this
// machine has (memory, fs and SQLite always; Redis when redis-server is
// installed; PostgreSQL when it answers), as a smoke test: every step checks
// what it stored, read and removed.
func TestSmall(t *testing.T) {
	stores := []string{"memory", "fs", "sqlite"}
	if _, err := exec.LookPath("redis-server"); err == nil {
		stores = append(stores, "redis", "cluster")
	} else if os.Getenv("CI") == "true" {
		t.Fatal("redis-server is not installed")
	}
	if c, err := net.DialTimeout("tcp", envOr("PGADDR", "127.0.0.1:5432"), time.Second); err == nil {
		c.Close()
		stores = append(stores, "postgres")
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("no PostgreSQL: %v", err)
	}
	cfg, err := parseFlags([]string{"-n", "400", "-small", "100", "-samples", "20", "-workers", "4",
		"-user-sessions", "30", "-cart-time", "300ms", "-dir", t.TempDir(), "-stores", strings.Join(stores, ",")})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), cfg, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"### memory", "### fs-lite", "### sqlite", "bytes per session", "removed 200 (want 200)", "DestroyUser"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSessionID(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []uint64{0, 1, 2, 999_999, smallUserBase + 3, heavyUserBase + 9999} {
		id := sessionID(42, i)
		if seen[id] {
			t.Fatalf("duplicate ID %s", id)
		}
		seen[id] = true
		got, ok := idIndex(id)
		if !ok || got != i {
			t.Errorf("idIndex(sessionID(%d)) = %d, %v", i, got, ok)
		}
	}
	if _, ok := idIndex("not-an-id"); ok {
		t.Error("idIndex accepted a malformed ID")
	}
}

func TestParseFlags(t *testing.T) {
	for _, bad := range [][]string{{"-stores", "mongo"}, {"-n", "10", "-small", "100"}, {"-samples", "0"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}
