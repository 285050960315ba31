package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	session "github.com/goastro/session"
	"github.com/goastro/session/devalue"
	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
)

// ctl runs sessionctl with args and stdin and returns its exit code and output.
func ctl(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// mustCtl runs sessionctl and fails the test unless it exits 0.
func mustCtl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, errs := ctl(t, stdin, args...)
	if code != 0 {
		t.Fatalf("sessionctl %q: exit %d\nstdout: %s\nstderr: %s", args, code, out, errs)
	}
	return out
}

// store is a store a test works on: its driver name and options, and the
// driver itself opened with them.
type store struct {
	name    string
	options map[string]any
	d       storage.Driver
}

// flags are the global flags that name the store.
func (s store) flags(cmd ...string) []string {
	b, _ := json.Marshal(s.options)
	return append([]string{"-driver", s.name, "-options", string(b)}, cmd...)
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func openTestStore(t testing.TB, name string, options map[string]any) store {
	t.Helper()
	d, err := storage.Open(name, options)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return store{name: name, options: options, d: d}
}

func fsStore(t testing.TB) store {
	return openTestStore(t, "fs-lite", map[string]any{"base": t.TempDir()})
}

// redisStore opens the local Redis under a key prefix of its own, emptied when the test ends.
func redisStore(t testing.TB) store {
	addr := testenv.RedisAddr(t)
	s := openTestStore(t, "redis", map[string]any{"url": "redis://" + addr, "base": "sessionctl-test:" + randHex(6)})
	t.Cleanup(func() { s.d.Clear(context.Background()) }) // runs before the Close above
	return s
}

// postgresStore opens the local PostgreSQL with a table of its own, dropped when the test ends.
func postgresStore(t testing.TB) store {
	url := testenv.PostgresURL(t)
	table := "sessionctl_test_" + randHex(6)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("dropping %s: %v", table, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
			t.Errorf("dropping %s: %v", table, err)
		}
	})
	return openTestStore(t, "postgres", map[string]any{"url": url, "table": table, "sweepInterval": 0})
}

// newSession makes a session the way an application does: a request through a
// Manager's middleware that runs fn. It returns the session's ID.
func newSession(t testing.TB, m *session.Manager, fn func(s *session.Session) error) string {
	t.Helper()
	var id string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if err := fn(s); err != nil {
			t.Errorf("handler: %v", err)
		}
		id = s.ID()
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || id == "" {
		t.Fatalf("request: %d %s", rec.Code, rec.Body)
	}
	return id
}

// serve answers a request carrying the session cookie id with the value of key.
func serve(t testing.TB, m *session.Manager, id, key string) (string, string) {
	t.Helper()
	var got any
	var gotID string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		var err error
		if got, err = s.Get(key); err != nil {
			t.Errorf("Get: %v", err)
		}
		gotID = s.ID()
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "astro-session", Value: id})
	h.ServeHTTP(httptest.NewRecorder(), req)
	return fmt.Sprint(got), gotID
}

func manager(t testing.TB, d storage.Driver) *session.Manager {
	t.Helper()
	m, err := session.New(session.Config{Storage: d, Cookie: session.CookieConfig{Insecure: true}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// record returns the devalue text of a session record with the given entries,
// each a value and an expiry in ms since the epoch (0 for none).
func recordText(t testing.TB, entries ...any) string {
	t.Helper()
	m := new(devalue.Map)
	for i := 0; i+2 < len(entries); i += 3 {
		o := devalue.NewObject()
		o.Set("data", entries[i+1])
		if exp := entries[i+2].(int64); exp != 0 {
			o.Set("expires", float64(exp))
		} else {
			o.Set("expires", devalue.Undefined{})
		}
		m.Set(entries[i].(string), o)
	}
	text, err := devalue.Stringify(m)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

var bigTen = new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil)
