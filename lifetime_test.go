package session

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/memory"
)

// fakeClock is a clock the tests move by hand.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(m *Manager) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Now().UnixNano())
	m.clock = func() time.Time { return time.Unix(0, c.ns.Load()) }
	return c
}

func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestIdleTimeout(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{IdleTimeout: 2 * time.Second})
		clock := newFakeClock(e.mgr)
		e.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { From(r.Context()).Set("k", "v") })
		e.mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
			s := From(r.Context())
			v, err := s.Get("k")
			keys, _ := s.Keys()
			fmt.Fprint(w, v, " ", err, " ", keys)
		})
		res, _ := e.do("GET", "/set", "")
		id := sessionCookie(t, res)
		if c := res.Header.Get("Set-Cookie"); !strings.Contains(c, "; Max-Age=2;") {
			t.Fatalf("cookie Max-Age not in step with the idle timeout: %s", c)
		}
		text, _, _ := d.Get(context.Background(), id)
		if !strings.Contains(text, `"$session"`) {
			t.Fatalf("no meta entry: %s", text)
		}
		// Seen within the refresh interval: no write for a read.
		sets := e.count.sets.Load()
		if _, body := e.do("GET", "/get", "astro-session="+id); body != "v <nil> [k]" {
			t.Fatalf("got %q", body)
		}
		if e.count.sets.Load() != sets {
			t.Fatal("a read within the refresh interval wrote the session")
		}
		// Past a tenth of the timeout, a read slides it.
		clock.advance(300 * time.Millisecond)
		res, _ = e.do("GET", "/get", "astro-session="+id)
		if e.count.sets.Load() != sets+1 || sessionCookie(t, res) != id {
			t.Fatalf("a read after the refresh interval did not slide the session (cookie %q)", res.Header.Get("Set-Cookie"))
		}
		clock.advance(2100 * time.Millisecond)
		if _, body := e.do("GET", "/get", "astro-session="+id); body != "<nil> <nil> []" {
			t.Fatalf("idle session still alive: %q", body)
		}
		if _, ok, _ := d.Get(context.Background(), id); ok {
			t.Fatal("idle session's record not removed")
		}
	})
}

func TestAbsoluteTimeout(t *testing.T) {
	d := drivers[0].open(t)
	e := newEnv(t, d, Config{AbsoluteTimeout: 1500 * time.Millisecond})
	clock := newFakeClock(e.mgr)
	e.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { From(r.Context()).Set("k", "v") })
	e.mux.HandleFunc("/has", func(w http.ResponseWriter, r *http.Request) {
		ok, err := From(r.Context()).Has("k")
		From(r.Context()).Set("touch", 1) // activity does not extend an absolute lifetime
		fmt.Fprintf(w, "%v %v", ok, err)
	})
	res, _ := e.do("GET", "/set", "")
	id := sessionCookie(t, res)
	if _, body := e.do("GET", "/has", "astro-session="+id); body != "true <nil>" {
		t.Fatalf("got %q", body)
	}
	clock.advance(1600 * time.Millisecond)
	res, body := e.do("GET", "/has", "astro-session="+id)
	if body != "false <nil>" || sessionCookie(t, res) == id {
		t.Fatalf("session outlived its absolute lifetime: %q", body)
	}
}

func TestDestroyUser(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		e.mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
			s := From(r.Context())
			if err := s.Regenerate(); err != nil {
				t.Error(err)
			}
			s.Set("userId", r.URL.Query().Get("u"))
			if err := s.SetUser(r.URL.Query().Get("u")); err != nil {
				t.Error(err)
			}
		})
		e.mux.HandleFunc("/again", func(w http.ResponseWriter, r *http.Request) {
			if err := From(r.Context()).Regenerate(); err != nil {
				t.Error(err)
			}
		})
		e.mux.HandleFunc("/who", func(w http.ResponseWriter, r *http.Request) {
			u, err := From(r.Context()).User()
			keys, _ := From(r.Context()).Keys()
			fmt.Fprintf(w, "%s %v %v", u, err, keys)
		})
		var alice []string
		for range 3 {
			res, _ := e.do("POST", "/login?u=alice", "")
			alice = append(alice, sessionCookie(t, res))
		}
		res, _ := e.do("POST", "/login?u=bob", "")
		bob := sessionCookie(t, res)
		// Regenerate moves the session in the index.
		res, _ = e.do("POST", "/again", "astro-session="+alice[2])
		alice[2] = sessionCookie(t, res)
		if _, body := e.do("GET", "/who", "astro-session="+alice[2]); body != "alice <nil> [userId]" {
			t.Fatalf("got %q", body)
		}
		ids, err := e.mgr.UserSessions(context.Background(), "alice")
		if err != nil || len(ids) != 3 {
			t.Fatalf("alice's sessions %v %v", ids, err)
		}
		n, err := e.mgr.DestroyUser(context.Background(), "alice")
		if err != nil || n != 3 {
			t.Fatalf("DestroyUser: %d %v", n, err)
		}
		for _, id := range alice {
			if _, ok, _ := d.Get(context.Background(), id); ok {
				t.Fatal("a session of alice survived")
			}
		}
		if _, body := e.do("GET", "/who", "astro-session="+bob); body != "bob <nil> [userId]" {
			t.Fatalf("bob lost his session: %q", body)
		}
	})
}

func TestMetaKeyIsReserved(t *testing.T) {
	d := drivers[0].open(t)
	e := newEnv(t, d, Config{})
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		err := From(r.Context()).Set(MetaKey, 1)
		io.WriteString(w, fmt.Sprint(err))
	})
	if _, body := e.do("GET", "/", ""); !strings.Contains(body, "reserved") {
		t.Fatalf("got %q", body)
	}
}

// hasCounter counts the existence checks a driver is asked for.
type hasCounter struct {
	storage.Driver
	storage.Swapper
	n atomic.Int64
}

func (h *hasCounter) Has(ctx context.Context, k string) (bool, error) {
	h.n.Add(1)
	return h.Driver.Has(ctx, k)
}

// A user's logins do not each check every session already in the user's
// index: 200 logins make a few hundred existence checks, not 20,000.
func TestLoginsCheckTheIndexSparingly(t *testing.T) {
	mem := memory.New(memory.Options{})
	d := &hasCounter{Driver: mem, Swapper: mem}
	m, err := New(Config{Storage: d, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 200 {
		s := m.Start(ctx, "")
		if err := s.SetUser("ada"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Finish(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := d.n.Load(); n > 1000 {
		t.Fatalf("200 logins made %d existence checks", n)
	}
	ids, err := m.UserSessions(ctx, "ada")
	if err != nil || len(ids) != 200 {
		t.Fatalf("%d sessions listed (%v), want 200", len(ids), err)
	}
	if n, err := m.DestroyUser(ctx, "ada"); n != 200 || err != nil {
		t.Fatalf("DestroyUser: %d, %v", n, err)
	}
}
