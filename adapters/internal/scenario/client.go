package scenario

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session"
)

// AnyBody, as the expected body, accepts whatever body the framework sends.
const anyBody = "\x00any"

// client is a browser with one session cookie, which it sends and updates by
// hand so that the test sees every Set-Cookie line.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	mu   sync.Mutex
	id   string
}

// newClient returns a client of the server at base. Its connections are
// closed when the test ends, before the server shuts down, so that a server
// that waits for its connections to close (Fiber's) stops at once.
func newClient(t *testing.T, base string) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = Concurrent
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, base: base, hc: &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// result is what one response said.
type result struct {
	what      string
	status    int
	body      string
	header    http.Header
	setCookie []string
}

// do sends a request with the client's cookie, checks the status and takes
// the cookie the response sets, if any. It is safe for concurrent use.
func (c *client) do(method, path string, status int) result {
	c.mu.Lock()
	id := c.id
	c.mu.Unlock()
	r := send(c.t, c.hc, method, c.base+path, id)
	if r.status != status {
		c.t.Errorf("%s: status %d, want %d (body %q)", r.what, r.status, status, r.body)
	}
	for _, line := range r.setCookie {
		name, rest, _ := strings.Cut(line, "=")
		if name != session.DefaultCookieName {
			continue
		}
		value, _, _ := strings.Cut(rest, ";")
		if value == "deleted" || strings.Contains(line, "Expires=Thu, 01 Jan 1970") {
			value = ""
		}
		c.mu.Lock()
		c.id = value
		c.mu.Unlock()
	}
	return r
}

// deadID checks that a request carrying id finds no session data.
func (c *client) deadID(id string) {
	c.t.Helper()
	r := send(c.t, c.hc, "GET", c.base+"/value?key=user", id)
	cart := send(c.t, c.hc, "GET", c.base+"/cart", id)
	if r.status != 200 || r.body != "" || cart.status != 200 || cart.body != "" {
		c.t.Errorf("the old session ID still works: user %d %q, cart %d %q", r.status, r.body, cart.status, cart.body)
	}
}

func send(t *testing.T, hc *http.Client, method, url, id string) result {
	what := describe(method, strings.TrimPrefix(url, "http://"))
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return result{what: what}
	}
	if id != "" {
		req.Header.Set("Cookie", session.DefaultCookieName+"="+id)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return result{what: what}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s: reading the body: %v", what, err)
	}
	return result{what: what, status: resp.StatusCode, body: string(b), header: resp.Header,
		setCookie: resp.Header.Values("Set-Cookie")}
}

// expect checks the body (unless body is anyBody), the number of Set-Cookie
// lines, and whether the response varies by Cookie.
func (r result) expect(t *testing.T, body string, cookies int, vary bool) {
	t.Helper()
	if body != anyBody && r.body != body {
		t.Errorf("%s: body %q, want %q", r.what, r.body, body)
	}
	if len(r.setCookie) != cookies {
		t.Errorf("%s: Set-Cookie %q, want %d line(s)", r.what, r.setCookie, cookies)
	}
	varies := slices.ContainsFunc(r.header.Values("Vary"), func(v string) bool {
		return slices.Contains(strings.Split(strings.ReplaceAll(v, " ", ""), ","), "Cookie")
	})
	if varies != vary {
		t.Errorf("%s: Vary %q, want Cookie in it: %v", r.what, r.header.Values("Vary"), vary)
	}
}

// NetHTTP is the reference Server: the routes on an http.ServeMux behind
// Manager.Middleware. Framework tests that route through net/http handlers
// (chi) build their own router and reuse Routes.
func NetHTTP(t *testing.T, m *session.Manager) string {
	mux := http.NewServeMux()
	Routes(mux.HandleFunc)
	srv := httptest.NewServer(m.Middleware(mux))
	t.Cleanup(srv.Close)
	return srv.URL
}

// Routes registers the scenario's routes as net/http handlers through handle
// (http.ServeMux.HandleFunc, or a router's method-and-pattern equivalent).
func Routes(handle func(pattern string, h func(http.ResponseWriter, *http.Request))) {
	text := func(w http.ResponseWriter, status int, s string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, s)
	}
	fail := func(w http.ResponseWriter, err error) { http.Error(w, err.Error(), http.StatusInternalServerError) }
	handle("GET /none", func(w http.ResponseWriter, r *http.Request) { text(w, 200, "none") })
	handle("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		if cart, err := Cart(session.From(r.Context())); err != nil {
			fail(w, err)
		} else {
			text(w, 200, cart)
		}
	})
	handle("POST /cart", func(w http.ResponseWriter, r *http.Request) {
		if err := AddItem(session.From(r.Context()), r.URL.Query().Get("item")); err != nil {
			fail(w, err)
		} else {
			text(w, 200, "added")
		}
	})
	handle("POST /login", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if err := Login(session.From(r.Context()), q.Get("user"), q.Get("remember")); err != nil {
			fail(w, err)
		} else {
			text(w, 200, "welcome")
		}
	})
	handle("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := Logout(session.From(r.Context())); err != nil {
			fail(w, err)
		} else {
			http.Redirect(w, r, "/", http.StatusSeeOther)
		}
	})
	handle("POST /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, Fail(session.From(r.Context())).Error(), FailStatus)
	})
	handle("GET /value", func(w http.ResponseWriter, r *http.Request) {
		if v, err := Value(session.From(r.Context()), r.URL.Query().Get("key")); err != nil {
			fail(w, err)
		} else {
			text(w, 200, v)
		}
	})
	handle("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		if err := StartStream(session.From(r.Context())); err != nil {
			fail(w, err)
			return
		}
		for _, chunk := range Chunks {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
			http.NewResponseController(w).Flush()
		}
	})
}
