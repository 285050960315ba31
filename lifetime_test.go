package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goastro/session/devalue"
	"github.com/goastro/session/internal/record"
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

// batchCounter is a memory store with a storage.Batcher (the per-key one of
// storage.AsBatcher) that counts its calls, the keys each took, and the
// single-key calls the Manager makes besides.
type batchCounter struct {
	storage.Driver
	storage.Swapper
	b                          storage.Batcher
	hasMany, delMany, has, del atomic.Int64
	most                       atomic.Int64 // keys of the largest batch
	failDelete                 int64        // DeleteMany call that fails (1 is the first), 0 for none
}

func newBatchCounter() *batchCounter {
	mem := memory.New(memory.Options{})
	b, _ := storage.AsBatcher(mem)
	return &batchCounter{Driver: mem, Swapper: mem, b: b}
}

func (c *batchCounter) took(keys []string) {
	for n := int64(len(keys)); ; {
		if m := c.most.Load(); n <= m || c.most.CompareAndSwap(m, n) {
			return
		}
	}
}

func (c *batchCounter) HasMany(ctx context.Context, keys []string) ([]bool, error) {
	c.hasMany.Add(1)
	c.took(keys)
	return c.b.HasMany(ctx, keys)
}

func (c *batchCounter) DeleteMany(ctx context.Context, keys []string) error {
	c.took(keys)
	if c.delMany.Add(1) == c.failDelete {
		return fmt.Errorf("batch %d refused", c.failDelete)
	}
	return c.b.DeleteMany(ctx, keys)
}

func (c *batchCounter) Has(ctx context.Context, k string) (bool, error) {
	c.has.Add(1)
	return c.Driver.Has(ctx, k)
}

func (c *batchCounter) Delete(ctx context.Context, k string) error {
	c.del.Add(1)
	return c.Driver.Delete(ctx, k)
}

// userWithSessions stores an index of n session IDs for user, of which every
// fifth names a session that no longer exists, and returns the live IDs.
func userWithSessions(t *testing.T, d storage.Driver, user string, n int) []string {
	t.Helper()
	ctx := context.Background()
	var all, live []string
	for i := range n {
		id := NewID()
		all = append(all, id)
		if i%5 != 4 {
			live = append(live, id)
			if err := d.Set(ctx, id, `[["Map"]]`, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	index, err := devalue.Stringify(all) // as record.EditIndex writes it
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Set(ctx, record.IndexKey(user), index, 0); err != nil {
		t.Fatal(err)
	}
	return live
}

// With a driver that batches, a user's sessions are checked and removed a
// thousand keys per call, whatever their number, and the result is the same
// as one call per key.
func TestUserSessionsInBatches(t *testing.T) {
	ctx := context.Background()
	d := newBatchCounter()
	m, err := New(Config{Storage: d, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	live := userWithSessions(t, d, "ada", 2600)
	bob := userWithSessions(t, d, "bob", 3)
	ids, err := m.UserSessions(ctx, "ada")
	if err != nil || !slices.Equal(ids, live) {
		t.Fatalf("UserSessions: %d IDs (%v), want the %d live ones in order", len(ids), err, len(live))
	}
	if d.hasMany.Load() != 3 || d.has.Load() != 0 || d.most.Load() != batchSize {
		t.Fatalf("UserSessions of 2,600 IDs: %d HasMany, %d Has, largest batch %d", d.hasMany.Load(), d.has.Load(), d.most.Load())
	}
	n, err := m.DestroyUser(ctx, "ada")
	if err != nil || n != len(live) {
		t.Fatalf("DestroyUser = %d, %v; want %d", n, err, len(live))
	}
	// 2,080 live sessions: three batches to delete, one Delete for the index.
	if d.delMany.Load() != 3 || d.del.Load() != 1 || d.has.Load() != 0 {
		t.Fatalf("DestroyUser: %d DeleteMany, %d Delete, %d Has", d.delMany.Load(), d.del.Load(), d.has.Load())
	}
	for _, id := range live {
		if ok, _ := d.Driver.Has(ctx, id); ok {
			t.Fatal("a session of ada survived")
		}
	}
	if ok, _ := d.Driver.Has(ctx, record.IndexKey("ada")); ok {
		t.Fatal("ada's index survived")
	}
	if ids, err := m.UserSessions(ctx, "bob"); err != nil || !slices.Equal(ids, bob) {
		t.Fatalf("bob's sessions: %v, %v", ids, err)
	}
	// No index, no sessions: nothing to check.
	if ids, err := m.UserSessions(ctx, "nobody"); err != nil || ids != nil {
		t.Fatalf("UserSessions of an unknown user = %v, %v", ids, err)
	}
}

// A batch that fails stops DestroyUser, which reports the sessions removed
// before it and keeps the index, so that a retry finds the rest.
func TestDestroyUserBatchFails(t *testing.T) {
	ctx := context.Background()
	d := newBatchCounter()
	d.failDelete = 2
	m, err := New(Config{Storage: d, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	live := userWithSessions(t, d, "ada", 1500)
	n, err := m.DestroyUser(ctx, "ada")
	if !errors.Is(err, ErrStorage) || n != batchSize {
		t.Fatalf("DestroyUser = %d, %v; want %d and ErrStorage", n, err, batchSize)
	}
	ids, err := m.UserSessions(ctx, "ada")
	if err != nil || !slices.Equal(ids, live[batchSize:]) {
		t.Fatalf("left after the failure: %d sessions (%v), want %d", len(ids), err, len(live)-batchSize)
	}
	if n, err := m.DestroyUser(ctx, "ada"); err != nil || n != len(live)-batchSize {
		t.Fatalf("DestroyUser again = %d, %v", n, err)
	}
}
