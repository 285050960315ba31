package bench

import (
	"net/http"
	"strings"
	"testing"
)

// writer is a reusable http.ResponseWriter that keeps its header map between
// requests and discards the body, so that the benchmarks measure the session
// libraries, not a recorder.
type writer struct {
	h    http.Header
	code int
	n    int
}

func newWriter() *writer { return &writer{h: http.Header{}} }

func (w *writer) Header() http.Header { return w.h }
func (w *writer) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}
func (w *writer) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *writer) reset() {
	for k := range w.h {
		delete(w.h, k)
	}
	w.code, w.n = 0, 0
}

// cookieFrom returns "name=value" of the last Set-Cookie for name that does
// not delete the cookie, or "" when the response sets none.
func cookieFrom(h http.Header, name string) string {
	lines := h["Set-Cookie"]
	for i := len(lines) - 1; i >= 0; i-- {
		pair, attrs, _ := strings.Cut(lines[i], ";")
		n, v, ok := strings.Cut(pair, "=")
		if !ok || n != name || v == "" {
			continue
		}
		if strings.Contains(attrs, "Max-Age=0") || strings.Contains(attrs, "Max-Age=-") {
			continue
		}
		return pair
	}
	return ""
}

// client sends requests to one handler with a session cookie, the way a
// browser would: every request is a fresh *http.Request (a shallow copy of a
// template, as a server makes a new one per request; gorilla/sessions also
// stores its registry in the request), and a Set-Cookie for the session
// replaces the cookie sent next.
type client struct {
	tmpl   *http.Request
	w      *writer
	cookie string // cookie name
}

func newClient(method, target, cookieName, cookie string) *client {
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		panic(err)
	}
	req.Header["Cookie"] = []string{cookie}
	return &client{tmpl: req, w: newWriter(), cookie: cookieName}
}

// do serves one request and takes the new session cookie, if any.
func (c *client) do(h http.Handler) {
	c.w.reset()
	r := *c.tmpl
	h.ServeHTTP(c.w, &r)
	if _, ok := c.w.h["Set-Cookie"]; ok {
		if v := cookieFrom(c.w.h, c.cookie); v != "" {
			c.tmpl.Header["Cookie"][0] = v
		}
	}
}

func (c *client) check(tb testing.TB, what string) {
	tb.Helper()
	if c.w.code != http.StatusOK {
		tb.Fatalf("%s: status %d", what, c.w.code)
	}
}
