package bench

import (
	"context"
	"crypto/rand"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/boj/redistore"
	"github.com/gorilla/sessions"
	goredis "github.com/redis/go-redis/v9"

	"github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/memory"
	sredis "github.com/goastro/session/storage/redis"
)

// CartItem is one line of a shopping cart, as in the example shop.
type CartItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// cartSize is the number of lines in the cart of the cart scenario.
const cartSize = 20

func newCart() []CartItem {
	items := make([]CartItem, cartSize)
	for i := range items {
		items[i] = CartItem{ProductID: fmt.Sprintf("sku-%02d", i), Quantity: 1}
	}
	return items
}

// bump changes one line of the cart, keeping its encoded size steady.
func bump(items []CartItem, n int) {
	it := &items[n%len(items)]
	it.Quantity = 1 + it.Quantity%3
}

func init() {
	// scs and gorilla/sessions store values with encoding/gob, which needs the
	// concrete types held in interface values registered.
	gob.Register([]CartItem(nil))
}

// The values every seeded session holds.
const (
	userID   = "u-123"
	username = "alice"
	role     = "user"
)

var okBody = []byte("ok")

func fail(w http.ResponseWriter, err error) {
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// impl is one session library on one store, with a handler per scenario. Every
// handler answers 200 "ok" when it did its work and saw the values it expects,
// and 500 otherwise, so a benchmark cannot pass while doing nothing.
type impl struct {
	lib, store string
	cookie     string // the session cookie's name

	seed      http.Handler // writes userId, username, role (and the cart with ?cart=1)
	untouched http.Handler // never uses the session
	read      http.Handler // reads userId
	set       http.Handler // sets lastSeen to a new number each time
	rmw       http.Handler // reads the number under visits, writes it back plus one
	cart      http.Handler // reads the 20-line cart, changes a line, writes it back
	login     http.Handler // regenerates the ID and stores who signed in
	lastSeen  func(*http.Request) (int, error)
	visits    func(*http.Request) (int, error)
	// wrapCheck wraps a handler that checks what a scenario stored.
	wrapCheck func(http.Handler) http.Handler
}

// newSession runs the seed handler and returns the new session's cookie.
func (im *impl) newSession(tb testing.TB, cart bool) string {
	tb.Helper()
	target := "/seed"
	if cart {
		target += "?cart=1"
	}
	c := newClient("POST", target, im.cookie, "")
	c.do(im.seed)
	c.check(tb, "seed")
	cookie := c.tmpl.Header["Cookie"][0]
	if cookie == "" {
		tb.Fatalf("%s/%s: seeding set no cookie: %v", im.lib, im.store, c.w.h)
	}
	return cookie
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// ---- github.com/goastro/session ----

var (
	keyUserID   = session.NewKey[string]("userId")
	keyUsername = session.NewKey[string]("username")
	keyRole     = session.NewKey[string]("role")
	keyCart     = session.NewKey[[]CartItem]("cartItems")
	keyLastSeen = session.NewKey[int]("lastSeen")
	keyVisits   = session.NewKey[int]("visits")
)

func goastroImpl(tb testing.TB, store string, drv storage.Driver) *impl {
	m, err := session.New(session.Config{Storage: drv, Cookie: session.CookieConfig{Insecure: true}, Logger: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close(); drv.Close() })
	im := &impl{lib: "goastro", store: store, cookie: session.DefaultCookieName}
	mw := m.Middleware
	im.seed = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		err := keyUserID.Set(s, userID)
		if err == nil {
			err = keyUsername.Set(s, username)
		}
		if err == nil {
			err = keyRole.Set(s, role)
		}
		if err == nil && r.URL.Query().Get("cart") != "" {
			err = keyCart.Set(s, newCart())
		}
		if err != nil {
			fail(w, err)
			return
		}
		w.Write(okBody)
	}))
	im.untouched = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(okBody) }))
	im.read = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := keyUserID.Get(session.From(r.Context()))
		if err != nil || !ok || v != userID {
			fail(w, fmt.Errorf("userId %q %v %v", v, ok, err))
			return
		}
		w.Write(okBody)
	}))
	n := 0
	im.set = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if err := keyLastSeen.Set(session.From(r.Context()), n); err != nil {
			fail(w, err)
			return
		}
		w.Write(okBody)
	}))
	im.lastSeen = func(r *http.Request) (int, error) {
		v, _, err := keyLastSeen.Get(session.From(r.Context()))
		return v, err
	}
	im.rmw = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		v, _, err := keyVisits.Get(s)
		if err == nil {
			err = keyVisits.Set(s, v+1)
		}
		if err != nil {
			fail(w, err)
			return
		}
		w.Write(okBody)
	}))
	im.visits = func(r *http.Request) (int, error) {
		v, _, err := keyVisits.Get(session.From(r.Context()))
		return v, err
	}
	k := 0
	im.cart = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		items, _, err := keyCart.Get(s)
		if err != nil || len(items) != cartSize {
			fail(w, fmt.Errorf("cart of %d lines: %v", len(items), err))
			return
		}
		k++
		bump(items, k)
		if err := keyCart.Set(s, items); err != nil {
			fail(w, err)
			return
		}
		w.Write(okBody)
	}))
	im.login = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		err := s.Regenerate()
		if err == nil {
			err = keyUserID.Set(s, userID)
		}
		if err == nil {
			err = keyUsername.Set(s, username)
		}
		if err == nil {
			err = keyRole.Set(s, role)
		}
		if err != nil {
			fail(w, err)
			return
		}
		w.Write(okBody)
	}))
	im.wrapCheck = mw
	return im
}

// ---- github.com/alexedwards/scs/v2 ----

func scsImpl(tb testing.TB, store string, st scs.Store) *impl {
	sm := scs.New()
	sm.Store = st
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { fail(w, err) }
	im := &impl{lib: "scs", store: store, cookie: sm.Cookie.Name}
	mw := sm.LoadAndSave
	im.seed = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		sm.Put(ctx, "userId", userID)
		sm.Put(ctx, "username", username)
		sm.Put(ctx, "role", role)
		if r.URL.Query().Get("cart") != "" {
			sm.Put(ctx, "cartItems", newCart())
		}
		w.Write(okBody)
	}))
	im.untouched = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(okBody) }))
	im.read = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := sm.GetString(r.Context(), "userId"); v != userID {
			fail(w, fmt.Errorf("userId %q", v))
			return
		}
		w.Write(okBody)
	}))
	n := 0
	im.set = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		sm.Put(r.Context(), "lastSeen", n)
		w.Write(okBody)
	}))
	im.lastSeen = func(r *http.Request) (int, error) { return sm.GetInt(r.Context(), "lastSeen"), nil }
	im.rmw = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		sm.Put(ctx, "visits", sm.GetInt(ctx, "visits")+1)
		w.Write(okBody)
	}))
	im.visits = func(r *http.Request) (int, error) { return sm.GetInt(r.Context(), "visits"), nil }
	k := 0
	im.cart = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		items, _ := sm.Get(ctx, "cartItems").([]CartItem)
		if len(items) != cartSize {
			fail(w, fmt.Errorf("cart of %d lines", len(items)))
			return
		}
		k++
		bump(items, k)
		sm.Put(ctx, "cartItems", items)
		w.Write(okBody)
	}))
	im.login = mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := sm.RenewToken(ctx); err != nil {
			fail(w, err)
			return
		}
		sm.Put(ctx, "userId", userID)
		sm.Put(ctx, "username", username)
		sm.Put(ctx, "role", role)
		w.Write(okBody)
	}))
	im.wrapCheck = mw
	return im
}

// ---- github.com/gorilla/sessions ----

// gorillaImpl uses a gorilla/sessions store the way its documentation does:
// there is no middleware; a handler that uses the session calls store.Get and
// then Save before writing the response. regenerate says whether the store has
// session IDs to regenerate (CookieStore keeps the data in the cookie).
func gorillaImpl(tb testing.TB, store, lib string, st sessions.Store, regenerate bool) *impl {
	const name = "session"
	im := &impl{lib: lib, store: store, cookie: name}
	get := func(w http.ResponseWriter, r *http.Request) *sessions.Session {
		s, err := st.Get(r, name)
		if err != nil {
			fail(w, err)
			return nil
		}
		return s
	}
	save := func(w http.ResponseWriter, r *http.Request, s *sessions.Session) bool {
		if err := s.Save(r, w); err != nil {
			fail(w, err)
			return false
		}
		return true
	}
	im.seed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(w, r)
		if s == nil {
			return
		}
		s.Values["userId"] = userID
		s.Values["username"] = username
		s.Values["role"] = role
		if r.URL.Query().Get("cart") != "" {
			s.Values["cartItems"] = newCart()
		}
		if save(w, r, s) {
			w.Write(okBody)
		}
	})
	im.untouched = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(okBody) })
	im.read = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(w, r)
		if s == nil {
			return
		}
		if v, _ := s.Values["userId"].(string); v != userID {
			fail(w, fmt.Errorf("userId %q", v))
			return
		}
		w.Write(okBody)
	})
	n := 0
	im.set = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(w, r)
		if s == nil {
			return
		}
		n++
		s.Values["lastSeen"] = n
		if save(w, r, s) {
			w.Write(okBody)
		}
	})
	im.lastSeen = func(r *http.Request) (int, error) {
		s, err := st.Get(r, name)
		if err != nil {
			return 0, err
		}
		v, _ := s.Values["lastSeen"].(int)
		return v, nil
	}
	im.rmw = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(w, r)
		if s == nil {
			return
		}
		v, _ := s.Values["visits"].(int)
		s.Values["visits"] = v + 1
		if save(w, r, s) {
			w.Write(okBody)
		}
	})
	im.visits = func(r *http.Request) (int, error) {
		s, err := st.Get(r, name)
		if err != nil {
			return 0, err
		}
		v, _ := s.Values["visits"].(int)
		return v, nil
	}
	k := 0
	im.cart = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(w, r)
		if s == nil {
			return
		}
		items, _ := s.Values["cartItems"].([]CartItem)
		if len(items) != cartSize {
			fail(w, fmt.Errorf("cart of %d lines", len(items)))
			return
		}
		k++
		bump(items, k)
		s.Values["cartItems"] = items
		if save(w, r, s) {
			w.Write(okBody)
		}
	})
	im.login = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := get(w, r)
		if s == nil {
			return
		}
		if regenerate {
			// gorilla/sessions has no regenerate: delete the old session
			// (MaxAge -1 and Save remove the stored record and expire the
			// cookie), then save its values under a new ID.
			values := s.Values
			opts := *s.Options
			s.Options.MaxAge = -1
			if !save(w, r, s) {
				return
			}
			s = sessions.NewSession(st, name)
			s.Options, s.Values, s.IsNew = &opts, values, true
		}
		s.Values["userId"] = userID
		s.Values["username"] = username
		s.Values["role"] = role
		if save(w, r, s) {
			w.Write(okBody)
		}
	})
	im.wrapCheck = func(h http.Handler) http.Handler { return h }
	return im
}

var hashKey = []byte("0123456789abcdef0123456789abcdef")

// ---- stores ----

// redisAddr returns the Redis server's address and a key prefix no other run
// uses, and removes every key under the prefix when the benchmark ends.
func redisPrefix(tb testing.TB) (addr, prefix string) {
	tb.Helper()
	addr = testenv.RedisAddr(tb)
	b := make([]byte, 6)
	rand.Read(b)
	prefix = "goastro-bench-" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		c := goredis.NewClient(&goredis.Options{Addr: addr})
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return addr, prefix
}

func redisClient(tb testing.TB, addr string) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	if err := c.Ping(context.Background()).Err(); err != nil {
		testenv.Unavailable(tb, "Redis at %s: %v", addr, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// tiers are the kinds of store the libraries are compared on.
var tiers = []string{"memory", "fs", "redis"}

// implsFor returns every library on one kind of store.
func implsFor(tb testing.TB, tier string) []*impl {
	tb.Helper()
	switch tier {
	case "memory":
		// Our memory driver and scs's memstore; gorilla/sessions has no
		// in-memory store, and its nearest is the CookieStore, which keeps the
		// data in the cookie itself.
		// No cleanup goroutine: nothing expires during a benchmark, and
		// StopCleanup races with the goroutine's start in scs v2.9.0 (scs
		// issue #231), which go test -race reports.
		ms := memstore.NewWithCleanupInterval(0)
		return []*impl{
			goastroImpl(tb, "memory", memory.New(memory.Options{})),
			scsImpl(tb, "memstore", ms),
			gorillaImpl(tb, "cookie", "gorilla-cookie", sessions.NewCookieStore(hashKey), false),
		}
	case "fs":
		// Our fs-lite driver (without fsync, as gorilla's FilesystemStore
		// writes) and gorilla's FilesystemStore. scs has no file store.
		dir := tb.TempDir()
		fsd, err := fs.New(fs.Options{Base: dir + "/goastro", NoSync: true})
		if err != nil {
			tb.Fatal(err)
		}
		// The driver's default, which fsyncs each record and its folder, is
		// measured too, as goastro-fsync.
		fsync, err := fs.New(fs.Options{Base: dir + "/goastro-fsync"})
		if err != nil {
			tb.Fatal(err)
		}
		synced := goastroImpl(tb, "fs-lite", fsync)
		synced.lib = "goastro-fsync"
		return []*impl{
			goastroImpl(tb, "fs-lite", fsd),
			gorillaImpl(tb, "filesystem", "gorilla", sessions.NewFilesystemStore(dir, hashKey), true),
			synced,
		}
	case "redis":
		// Our driver on go-redis, scs's goredisstore on go-redis, and
		// boj/redistore (on redigo) for gorilla/sessions.
		addr, prefix := redisPrefix(tb)
		rd, err := sredis.New(redisClient(tb, addr), sredis.Config{Base: prefix + ":goastro"})
		if err != nil {
			tb.Fatal(err)
		}
		rs, err := redistore.NewRediStore(10, "tcp", addr, "", "", hashKey)
		if err != nil {
			tb.Fatal(err)
		}
		rs.SetKeyPrefix(prefix + ":gorilla:")
		tb.Cleanup(func() { rs.Close() })
		return []*impl{
			goastroImpl(tb, "redis", rd),
			scsImpl(tb, "goredisstore", goredisstore.NewWithPrefix(redisClient(tb, addr), prefix+":scs:")),
			gorillaImpl(tb, "redistore", "gorilla", rs, true),
		}
	}
	tb.Fatalf("no tier %q", tier)
	return nil
}
