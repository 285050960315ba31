// Package scenario is the one story every framework integration must tell the
// same way: a guest cart, a login that regenerates the ID, concurrent cart
// additions, a handler error, a streamed response, remember-me and a logout,
// against real stores (Redis and fs-lite), with Set-Cookie lines identical to
// those of the net/http middleware.
//
// A framework's test builds a server with the routes below, each handler
// calling the matching function of this package on the request's session, and
// hands it to Run:
//
//	GET  /none                      touches no session; 200 "none"
//	GET  /cart                      200 with Cart
//	POST /cart?item=X               AddItem, then 200 "added"
//	POST /login?user=U[&remember=B] Login, then 200 "welcome"
//	POST /logout                    Logout, then the framework's redirect (303) to /
//	POST /fail                      Fail, then the framework's error path with ErrFail's status (418)
//	GET  /value?key=K               200 with Value
//	GET  /stream                    StartStream, then the chunks of Chunks, flushed one by one, through the framework's streaming API
package scenario

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	_ "github.com/goastro/session/storage/redis" // registers "redis"
)

// ErrFail is what the /fail handler returns through its framework's error path.
var ErrFail = errors.New("scenario: the handler failed on purpose")

// FailStatus is the status the /fail route answers with when the session is saved.
const FailStatus = http.StatusTeapot

// Chunks are the pieces of the /stream response, each flushed on its own.
var Chunks = []string{"one\n", "two\n", "three\n"}

// Concurrent is how many cart additions the scenario sends at once on one session.
const Concurrent = 50

// AddItem appends item to the session's cart with session.Update, so that
// concurrent requests of one session keep every item.
func AddItem(s *session.Session, item string) error {
	return session.Update(s, "cart", func(cart []string, _ bool) ([]string, error) {
		return append(cart, item), nil
	})
}

// Cart returns the cart's items, sorted and joined by commas.
func Cart(s *session.Session) (string, error) {
	cart, _, err := session.Get[[]string](s, "cart")
	if err != nil {
		return "", err
	}
	slices.Sort(cart)
	return strings.Join(cart, ","), nil
}

// Login logs user in: a new session ID (the old one dies), the user's name
// stored, and, when remember is "true" or "false", the kind of cookie chosen.
func Login(s *session.Session, user, remember string) error {
	if err := s.Regenerate(); err != nil {
		return err
	}
	if err := s.Set("user", user); err != nil {
		return err
	}
	if remember != "" {
		return s.RememberMe(remember == "true")
	}
	return nil
}

// Logout destroys the session: its record and its cookie.
func Logout(s *session.Session) error { return s.Destroy() }

// Fail stores a draft, then returns ErrFail: what a handler set before its
// error must still be saved.
func Fail(s *session.Session) error {
	if err := s.Set("draft", "kept"); err != nil {
		return err
	}
	return ErrFail
}

// Value returns the string stored under key, or "" when there is none.
func Value(s *session.Session, key string) (string, error) {
	v, _, err := session.Get[string](s, key)
	return v, err
}

// StartStream records that a stream was sent; the handler calls it before it
// starts streaming.
func StartStream(s *session.Session) error { return s.Set("streamed", "yes") }

// Server starts a framework's server with the routes of this package in front
// of m, on a loopback address, for the duration of the test, and returns its
// base URL ("http://127.0.0.1:port").
type Server func(t *testing.T, m *session.Manager) string

// Run tells the whole story with the framework's server, and with the net/http
// middleware as the reference whose Set-Cookie lines the framework must send
// too, against Redis and against fs-lite.
func Run(t *testing.T, framework Server) {
	for _, store := range []string{"redis", "fs-lite"} {
		t.Run(store, func(t *testing.T) {
			ref := story(t, NetHTTP(t, newManager(t, store)))
			got := story(t, framework(t, newManager(t, store)))
			if !slices.Equal(got, ref) {
				t.Errorf("Set-Cookie lines differ from the net/http middleware's:\n got %q\nwant %q", got, ref)
			}
		})
	}
	t.Run("save-fails", func(t *testing.T) { saveFails(t, framework(t, brokenManager(t))) })
}

// newManager returns a Manager over a store of its own, emptied when the test ends.
func newManager(t *testing.T, store string) *session.Manager {
	t.Helper()
	var d storage.Driver
	var err error
	switch store {
	case "redis":
		addr := testenv.RedisAddr(t)
		b := make([]byte, 6)
		rand.Read(b)
		d, err = storage.Open("redis", map[string]any{
			"url": "redis://" + addr, "base": "goastro-adapters:" + hex.EncodeToString(b),
		})
	default:
		d, err = storage.Open(store, map[string]any{"base": t.TempDir(), "noSync": true})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Clear(context.Background()); err != nil {
			t.Errorf("clearing the %s store: %v", store, err)
		}
		d.Close()
	})
	m, err := session.New(session.Config{Storage: d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// brokenManager returns a Manager whose fs-lite folder has been replaced by a
// plain file, so that every save fails as a full or broken disk would.
func brokenManager(t *testing.T) *session.Manager {
	t.Helper()
	base := filepath.Join(t.TempDir(), "sessions")
	m, err := session.New(session.Config{Driver: "fs-lite", Options: map[string]any{"base": base}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := os.RemoveAll(base); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	return m
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// story runs the scenario against base and returns every Set-Cookie line it
// received, in order, with the session IDs replaced by "<id>".
func story(t *testing.T, base string) []string {
	t.Helper()
	c := newClient(t, base)
	var lines []string
	keep := func(r result) result {
		for _, l := range r.setCookie {
			lines = append(lines, uuidRE.ReplaceAllString(l, "<id>"))
		}
		return r
	}

	r := keep(c.do("GET", "/none", 200))
	r.expect(t, "none", 0, false)

	keep(c.do("POST", "/cart?item=apple", 200)).expect(t, "added", 1, true)
	guestID := c.id
	keep(c.do("GET", "/cart", 200)).expect(t, "apple", 0, true)

	keep(c.do("POST", "/login?user=ada&remember=false", 200)).expect(t, "welcome", 1, true)
	loginID := c.id
	if loginID == guestID {
		t.Fatal("login kept the guest's session ID")
	}
	if strings.Contains(lines[len(lines)-1], "Max-Age") {
		t.Errorf("remember=false sent a persistent cookie: %s", lines[len(lines)-1])
	}
	c.deadID(guestID)
	keep(c.do("GET", "/cart", 200)).expect(t, "apple", 0, true)

	want := concurrentAdds(t, c)
	keep(c.do("GET", "/cart", 200)).expect(t, want, 0, true)

	keep(c.do("POST", "/fail", FailStatus)).expect(t, anyBody, 1, true)
	keep(c.do("GET", "/value?key=draft", 200)).expect(t, "kept", 0, true)

	streamed(t, newClient(t, base), keep)

	keep(c.do("POST", "/login?user=ada&remember=true", 200)).expect(t, "welcome", 1, true)
	if !strings.Contains(lines[len(lines)-1], "; Max-Age=") {
		t.Errorf("remember=true sent no persistent cookie: %s", lines[len(lines)-1])
	}
	rememberedID := c.id
	keep(c.do("POST", "/login?user=ada", 200)).expect(t, "welcome", 1, true)
	if !strings.Contains(lines[len(lines)-1], "; Max-Age=") {
		t.Errorf("remember-me did not survive Regenerate: %s", lines[len(lines)-1])
	}
	c.deadID(rememberedID)
	keep(c.do("GET", "/value?key=user", 200)).expect(t, "ada", 0, true)

	lastID := c.id
	r = keep(c.do("POST", "/logout", http.StatusSeeOther))
	r.expect(t, anyBody, 1, true)
	if loc := r.header.Get("Location"); loc != "/" {
		t.Errorf("logout redirected to %q, want /", loc)
	}
	if c.id != "" {
		t.Errorf("logout left the cookie %q", c.id)
	}
	c.deadID(lastID)
	return lines
}

// concurrentAdds sends Concurrent cart additions at once on c's session and
// returns the cart expected afterwards.
func concurrentAdds(t *testing.T, c *client) string {
	t.Helper()
	var wg sync.WaitGroup
	items := []string{"apple"}
	for i := range Concurrent {
		item := "item" + strconv.Itoa(100+i)
		items = append(items, item)
		wg.Go(func() {
			r := c.do("POST", "/cart?item="+item, 200)
			if r.body != "added" || len(r.setCookie) != 1 {
				t.Errorf("concurrent addition %s: body %q, Set-Cookie %q", item, r.body, r.setCookie)
			}
		})
	}
	wg.Wait()
	slices.Sort(items)
	return strings.Join(items, ",")
}

// streamed checks a streamed response that starts a new session.
func streamed(t *testing.T, c *client, keep func(result) result) {
	t.Helper()
	keep(c.do("GET", "/stream", 200)).expect(t, strings.Join(Chunks, ""), 1, true)
	if c.id == "" {
		t.Fatal("the streamed response set no session cookie")
	}
	keep(c.do("GET", "/value?key=streamed", 200)).expect(t, "yes", 0, true)
}

// saveFails checks that a session that cannot be saved never lets the
// handler's success response through.
func saveFails(t *testing.T, base string) {
	c := newClient(t, base)
	c.do("GET", "/none", 200).expect(t, "none", 0, false)
	for _, path := range []string{"/cart?item=apple", "/fail", "/login?user=ada"} {
		r := c.do("POST", path, http.StatusInternalServerError)
		if strings.Contains(r.body, "added") || strings.Contains(r.body, "welcome") {
			t.Errorf("POST %s with a failing store: body %q", path, r.body)
		}
	}
	r := c.do("GET", "/stream", http.StatusInternalServerError)
	if strings.Contains(r.body, Chunks[0]) || len(r.setCookie) != 0 {
		t.Errorf("GET /stream with a failing store: body %q, Set-Cookie %q", r.body, r.setCookie)
	}
}

// describe names a request in failure messages.
func describe(method, path string) string { return fmt.Sprintf("%s %s", method, path) }
