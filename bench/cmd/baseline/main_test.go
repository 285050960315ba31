package main

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goastro/session/internal/testenv"
	goredis "github.com/redis/go-redis/v9"
)

// TestCartFlow runs the flow loadgen drives against each store: sign in, add
// lines, clear the cart, with the answers loadgen checks.
func TestCartFlow(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		cartFlow(t, &memoryCarts{m: map[string]string{}})
	})
	t.Run("redis", func(t *testing.T) {
		addr := testenv.RedisAddr(t)
		c := goredis.NewClient(&goredis.Options{Addr: addr})
		t.Cleanup(func() { c.Close() })
		ctx := context.Background()
		if err := c.Ping(ctx).Err(); err != nil {
			testenv.Unavailable(t, "Redis at %s: %v", addr, err)
		}
		prefix := "goastro-baseline-test-" + rand.Text() + ":"
		t.Cleanup(func() {
			keys, _ := c.Keys(ctx, prefix+"*").Result()
			if len(keys) > 0 {
				c.Del(ctx, keys...)
			}
		})
		cartFlow(t, redisCarts{c: c, prefix: prefix})
		if n, err := c.Keys(ctx, prefix+"*").Result(); err != nil || len(n) != 1 {
			t.Errorf("keys under the prefix: %v, %v; want the one cart", n, err)
		}
	})
}

func cartFlow(t *testing.T, store carts) {
	srv := httptest.NewServer(routes(store))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	post := func(path, body string) (int, string) {
		t.Helper()
		resp, err := c.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}

	if code, body := post("/_actions/addToCart", `{"productId":"a","quantity":1}`); code != http.StatusUnauthorized {
		t.Errorf("without a cookie: %d %q, want 401", code, body)
	}
	if code, _ := post("/login", ""); code != http.StatusSeeOther {
		t.Fatalf("login: %d, want 303", code)
	}
	for i, want := range []string{`{"cartSize":1}`, `{"cartSize":2}`, `{"cartSize":4}`} {
		body := `{"productId":"a","quantity":1}`
		switch i {
		case 1:
			body = `{"productId":"b","quantity":1}`
		case 2:
			body = `{"productId":"a","quantity":2}`
		}
		if code, got := post("/_actions/addToCart", body); code != http.StatusOK || got != want {
			t.Errorf("add %d: %d %q, want 200 %q", i, code, got, want)
		}
	}
	if code, got := post("/_actions/addToCart", `{"productId":"","quantity":1}`); code != http.StatusBadRequest {
		t.Errorf("bad input: %d %q, want 400", code, got)
	}
	if code, got := post("/_actions/clearCart", `{}`); code != http.StatusOK || got != `{"cartSize":0}` {
		t.Errorf("clear: %d %q", code, got)
	}
	if code, got := post("/_actions/addToCart", `{"productId":"c","quantity":3}`); code != http.StatusOK || got != `{"cartSize":3}` {
		t.Errorf("add after clear: %d %q", code, got)
	}
}
