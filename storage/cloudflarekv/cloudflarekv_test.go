package cloudflarekv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/internal/webkv"
	"github.com/goastro/session/storage/storagetest"
)

const (
	platformDir = "../testdata/platform"
	account     = "0123456789abcdef0123456789abcdef"
	namespace   = "fedcba9876543210fedcba9876543210"
	token       = "kv-api-token"
	email       = "ops@example.com"
	apiKey      = "global-api-key"
)

// startKV starts workerd (through miniflare) with a KV namespace bound to a
// Worker that serves it under Cloudflare's REST API paths, and returns the
// URL to use as apiURL.
func startKV(t *testing.T) string {
	t.Helper()
	return testenv.StartNodeServer(t, platformDir, "cloudflare-kv-server.mjs", account, namespace, token, email, apiKey)
}

var baseSeq atomic.Int64

func TestConformance(t *testing.T) {
	api := startKV(t)
	storagetest.RunWith(t, func(t *testing.T) storage.Driver {
		d, err := storage.Open("cloudflare-kv", map[string]any{
			"accountId":   account,
			"namespaceId": namespace,
			"apiToken":    token,
			"apiURL":      api,
			"base":        fmt.Sprintf("t%03d", baseSeq.Add(1)),
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, storagetest.Options{
		MaxKeyLen: MaxKeyLen - len("t000:"),
		Skip: map[string]string{
			"TTL": "Cloudflare KV expires keys no sooner than 60 s after a write; TestShortTTL checks the rounding",
		},
	})
}

// TestConformanceNoBase runs the suite on the whole namespace, as Astro's
// Cloudflare adapter uses it (session IDs as bare keys), with the e-mail and
// global API key way to authenticate.
func TestConformanceNoBase(t *testing.T) {
	api := startKV(t)
	storagetest.RunWith(t, func(t *testing.T) storage.Driver {
		d, err := New(Config{AccountID: account, NamespaceID: namespace, Email: email, APIKey: apiKey, APIURL: api})
		if err != nil {
			t.Fatal(err)
		}
		// The subtests run one after another: each starts on an emptied namespace.
		if err := d.Clear(context.Background()); err != nil {
			t.Fatal(err)
		}
		return d
	}, storagetest.Options{
		MaxKeyLen: MaxKeyLen,
		Skip: map[string]string{
			"TTL":               "Cloudflare KV expires keys no sooner than 60 s after a write; TestShortTTL checks the rounding",
			"ConcurrentWriters": "run with a base in TestConformance",
			"LargeValue":        "run with a base in TestConformance",
		},
	})
}

func TestShortTTL(t *testing.T) {
	api := startKV(t)
	ctx := context.Background()
	d, err := New(Config{AccountID: account, NamespaceID: namespace, APIToken: token, APIURL: api, Base: "ttl"})
	if err != nil {
		t.Fatal(err)
	}
	// The server refuses expiration_ttl under 60 (error 10014); the driver
	// rounds a shorter TTL up to MinTTL, so the write succeeds and the value
	// outlives the TTL asked for.
	if err := d.Set(ctx, "short", "v", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := d.Set(ctx, "fraction", "v", 90*time.Second+time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	if v, ok, err := d.Get(ctx, "short"); err != nil || !ok || v != "v" {
		t.Fatalf("Get after 1.2 s = %q, %v, %v; want the value (KV keeps it 60 s)", v, ok, err)
	}
	// A TTL the server refuses is an error that quotes Cloudflare's message.
	raw := &Driver{cfg: d.cfg, base: d.base, root: d.root, client: d.client}
	raw.cfg.MinTTL = time.Second
	err = raw.Set(ctx, "refused", "v", time.Second)
	if !errors.Is(err, webkv.ErrStatus) || !strings.Contains(err.Error(), "10014") {
		t.Fatalf("Set with a 1 s expiration_ttl: %v, want Cloudflare's error 10014", err)
	}
}

func TestAuth(t *testing.T) {
	api := startKV(t)
	ctx := context.Background()
	for _, cfg := range []Config{
		{APIToken: "wrong"},
		{Email: email, APIKey: "wrong"},
		{UserServiceKey: "not-accepted-by-the-fixture"},
	} {
		cfg.AccountID, cfg.NamespaceID, cfg.APIURL = account, namespace, api
		d, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = d.Set(ctx, "k", "v", 0)
		if !errors.Is(err, webkv.ErrStatus) || !strings.Contains(err.Error(), "403") {
			t.Errorf("Set with bad credentials: %v, want 403", err)
		}
		if _, _, err := d.Get(ctx, "k"); err == nil {
			t.Error("Get with bad credentials: no error")
		}
	}
	d, err := New(Config{AccountID: "other", NamespaceID: namespace, APIToken: token, APIURL: api})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Set(ctx, "k", "v", 0); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Set in another account: %v, want 404", err)
	}
}

func TestNoCompareAndSwap(t *testing.T) {
	d, err := New(Config{AccountID: "a", NamespaceID: "n", APIToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var sd storage.Driver = d
	if _, ok := sd.(storage.Swapper); ok {
		t.Fatal("the Cloudflare KV driver claims compare-and-swap, which KV does not have")
	}
}

func TestRegistered(t *testing.T) {
	for _, name := range []string{"cloudflare-kv", "cloudflare-kv-http"} {
		_, err := storage.Open(name, map[string]any{"accountId": "a"})
		if !errors.Is(err, storage.ErrInvalidOption) || !strings.Contains(err.Error(), "namespaceId") {
			t.Errorf("Open(%q) without namespaceId: %v", name, err)
		}
	}
}
