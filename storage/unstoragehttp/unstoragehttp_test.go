package unstoragehttp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/internal/webkv"
	"github.com/goastro/session/storage/storagetest"
)

const (
	platformDir = "../testdata/platform"
	token       = "storage-server-token"
)

// startFS starts unstorage's createStorageServer mounting unstorage's fs
// driver on a new folder, and returns its URL.
func startFS(t *testing.T) string {
	t.Helper()
	return testenv.StartNodeServer(t, platformDir, "unstorage-server.mjs", token, "fs", t.TempDir())
}

// startRedis starts the server mounting unstorage's redis driver on the local
// Redis, under a base of the test's own, removed at the end.
func startRedis(t *testing.T) string {
	t.Helper()
	addr := testenv.RedisAddr(t)
	base := fmt.Sprintf("goastro-unstoragehttp-test:%d", time.Now().UnixNano())
	u := testenv.StartNodeServer(t, platformDir, "unstorage-server.mjs", token, "redis", "redis://"+addr+"/0", base)
	t.Cleanup(func() {
		d, err := open(u)
		if err == nil {
			d.Clear(context.Background())
		}
	})
	return u
}

func open(base string) (storage.Driver, error) {
	return storage.Open("unstorage-http", map[string]any{
		"base":    base,
		"headers": map[string]any{"Authorization": "Bearer " + token},
	})
}

// emptied opens a driver on the server at u after clearing what the server
// mounts: the subtests of the suite run one after another on one server.
func emptied(t *testing.T, u string) storage.Driver {
	d, err := open(u)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConformanceFS(t *testing.T) {
	u := startFS(t)
	storagetest.RunWith(t, func(t *testing.T) storage.Driver { return emptied(t, u) }, storagetest.Options{Skip: map[string]string{
		"TTL": "unstorage's fs driver ignores TTLs (TestConformanceRedis covers them)",
		"Has": "unstorage's fs driver answers 500 (ENOTDIR) for a key under another key's file (TestConformanceRedis covers Has)",
	}})
}

func TestConformanceRedis(t *testing.T) {
	u := startRedis(t)
	storagetest.Run(t, func(t *testing.T) storage.Driver { return emptied(t, u) })
}

func TestUnauthorized(t *testing.T) {
	u := startFS(t)
	d, err := New(Config{Base: u})
	if err != nil {
		t.Fatal(err)
	}
	err = d.Set(context.Background(), "k", "v", 0)
	if !errors.Is(err, webkv.ErrStatus) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Set without the token: %v, want 401", err)
	}
}
