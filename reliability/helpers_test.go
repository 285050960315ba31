package reliability

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/memory"
	"github.com/goastro/session/storage/postgres"
	"github.com/goastro/session/storage/redis"
)

// driverCase is one storage back end the tests run on.
type driverCase struct {
	name string
	open func(t *testing.T) storage.Driver
}

// allDrivers are the back ends every load test runs on: the in-process memory
// store, files (fs-lite), and the shared Redis and PostgreSQL servers (each
// test under its own key prefix or table, removed when it ends).
var allDrivers = []driverCase{
	{"memory", func(t *testing.T) storage.Driver { return memory.New(memory.Options{}) }},
	{"fs-lite", func(t *testing.T) storage.Driver {
		d, err := fs.New(fs.Options{Base: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}},
	{"redis", func(t *testing.T) storage.Driver {
		addr := testenv.RedisAddr(t)
		d, err := redis.Open(redis.Options{Addr: addr, Config: redis.Config{Base: "reliability-" + randHex(6)}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := d.Clear(context.Background()); err != nil {
				t.Errorf("clearing redis: %v", err)
			}
			d.Close()
		})
		return d
	}},
	{"postgres", func(t *testing.T) storage.Driver {
		url := testenv.PostgresURL(t)
		table := "reliability_" + randHex(6)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		d, err := postgres.Open(ctx, postgres.Options{URL: url, Config: postgres.Config{Table: table}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			d.Close()
			dropTable(t, url, table)
		})
		return d
	}},
}

// dropTable removes a table a test created in the shared database.
func dropTable(t *testing.T, url, table string) {
	pgExec(t, url, "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize())
}

// pgExec runs one SQL statement on the database at url.
func pgExec(t *testing.T, url, sql string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Errorf("%s: %v", sql, err)
		return
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Errorf("%s: %v", sql, err)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// logBuffer is a slog destination that tests can read while the server writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// logger returns a debug-level text logger writing to l.
func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// app is a session Manager behind an httptest server, with the logs captured.
type app struct {
	t    *testing.T
	mgr  *session.Manager
	srv  *httptest.Server
	mux  *http.ServeMux
	logs *logBuffer
	// httpLog receives the HTTP server's own log: recovered handler panics.
	httpLog *logBuffer
	hc      *http.Client
	closed  sync.Once
}

// newApp serves mux behind the session middleware on d. cfg.Storage and
// cfg.Logger are filled in; the cookie is sent without Secure so a plain-HTTP
// client keeps it.
func newApp(t *testing.T, d storage.Driver, cfg session.Config) *app {
	t.Helper()
	a := &app{t: t, mux: http.NewServeMux(), logs: &logBuffer{}, httpLog: &logBuffer{}}
	cfg.Storage = d
	cfg.Logger = a.logs.logger()
	cfg.Cookie.Insecure = true
	mgr, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.mgr = mgr
	a.srv = httptest.NewUnstartedServer(mgr.Middleware(a.mux))
	a.srv.Config.ErrorLog = log.New(a.httpLog, "", 0)
	a.srv.Start()
	a.hc = &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(a.close)
	return a
}

// close stops the server and the Manager; it may be called more than once.
func (a *app) close() {
	a.closed.Do(func() {
		a.srv.Close()
		a.hc.CloseIdleConnections()
		a.mgr.Close()
		if strings.Contains(a.httpLog.String(), "panic") {
			a.t.Errorf("a handler panicked:\n%s", a.httpLog.String())
		}
	})
}

// reply is a finished response.
type reply struct {
	status int
	header http.Header
	body   string
}

// do sends a request with the given Cookie header lines (none when empty).
func (a *app) do(method, path, body string, cookies ...string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	if err != nil {
		return reply{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range cookies {
		req.Header.Add("Cookie", c)
	}
	res, err := a.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return reply{status: res.StatusCode, header: res.Header, body: string(b)}, err
}

// mustDo is do that fails the test on a transport error.
func (a *app) mustDo(method, path, body string, cookies ...string) reply {
	a.t.Helper()
	r, err := a.do(method, path, body, cookies...)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// sessionCookie returns the value of the astro-session cookie the reply sets,
// and whether it sets one.
func (r reply) sessionCookie() (string, bool) {
	for _, line := range r.header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(line, session.DefaultCookieName+"="); ok {
			if i := strings.IndexByte(v, ';'); i >= 0 {
				v = v[:i]
			}
			return v, true
		}
	}
	return "", false
}

func cookie(id string) string { return session.DefaultCookieName + "=" + id }

// goroutinesSettle waits until the number of goroutines is at most want, and
// reports the last count and whether it got there, with the stacks when not.
func goroutinesSettle(want int, within time.Duration) (int, string, bool) {
	deadline := time.Now().Add(within)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return n, "", true
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			return n, string(buf), false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeLoopbackPort returns a TCP port on 127.0.0.1 that nothing listens on.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var _ = fmt.Sprintf

// linesWith returns the lines of text that contain s (at most three).
func linesWith(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
			if len(out) == 3 {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func sortStrings(s []string) { slices.Sort(s) }

func testRedisCommand(addr string, args ...string) (string, error) {
	return testenv.RedisCommand(addr, args...)
}

func readAll(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
