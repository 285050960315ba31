package session

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session/devalue"
	"github.com/goastro/session/storage/memory"
)

type cacheItem struct {
	ID  string `json:"id"`
	Qty int    `json:"qty"`
}

var cacheCart = NewKey[[]cacheItem]("cart")

// cacheEnv serves /add (Update of the cart), /cart (the cart as text), /raw
// (an untyped Get whose value the handler changes without a Set) and /touch
// (a typed Get whose value the handler changes without a Set).
func cacheEnv(t *testing.T, cfg Config) *env {
	e := newEnv(t, memory.New(memory.Options{}), cfg)
	e.mux.HandleFunc("/add", func(w http.ResponseWriter, r *http.Request) {
		err := cacheCart.Update(From(r.Context()), func(old []cacheItem, _ bool) ([]cacheItem, error) {
			return append(old, cacheItem{ID: r.URL.Query().Get("id"), Qty: 1}), nil
		})
		if err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	e.mux.HandleFunc("/cart", func(w http.ResponseWriter, r *http.Request) {
		items, _, err := cacheCart.Get(From(r.Context()))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprint(w, items)
	})
	e.mux.HandleFunc("/raw", func(w http.ResponseWriter, r *http.Request) {
		v, err := From(r.Context()).Get("cart")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		v.(*devalue.Array).At(0).(*devalue.Object).Set("id", "changed in place")
		io.WriteString(w, "ok")
	})
	e.mux.HandleFunc("/touch", func(w http.ResponseWriter, r *http.Request) {
		items, _, _ := cacheCart.Get(From(r.Context()))
		items[0].ID = "changed in place"
		io.WriteString(w, "ok")
	})
	return e
}

func (e *env) cached(id string) (cachedRecord, bool) {
	e.mgr.cache.mu.Lock()
	defer e.mgr.cache.mu.Unlock()
	cr, ok := e.mgr.cache.m[id]
	return cr, ok
}

// TestRecordCacheKeepsWhatWasStored checks that the cache holds the text that
// is stored, that reads through it see what was stored, and that values
// handed to a handler and changed in place reach neither the store nor the
// cache.
func TestRecordCacheKeepsWhatWasStored(t *testing.T) {
	e := cacheEnv(t, Config{})
	res, _ := e.do("POST", "/add?id=a", "")
	id := sessionCookie(t, res)
	cookie := "astro-session=" + id
	e.do("POST", "/add?id=b", cookie)
	stored, _, _ := e.store.Get(context.Background(), id)
	cr, ok := e.cached(id)
	if !ok || cr.text != stored {
		t.Fatalf("cache holds %q (%v), the store %q", cr.text, ok, stored)
	}
	for _, path := range []string{"/touch", "/raw", "/touch"} {
		e.do("GET", path, cookie)
		if _, body := e.do("GET", "/cart", cookie); body != "[{a 1} {b 1}]" {
			t.Fatalf("after %s the cart is %s", path, body)
		}
	}
	// another writer changes the record: the next read sees it
	other := `[["Map",1,2],"cart",{"data":3,"expires":-1},[4],{"id":5,"qty":6},"z",7]`
	e.store.Set(context.Background(), id, other, 0)
	if _, body := e.do("GET", "/cart", cookie); body != "[{z 7}]" {
		t.Fatalf("after another writer the cart is %s", body)
	}
	if cr, _ := e.cached(id); cr.text != other {
		t.Fatalf("the cache did not take the new text: %q", cr.text)
	}
}

// TestRecordCacheConcurrent runs concurrent writers and readers of one
// session through the cache (under the race detector in CI): nothing is lost.
func TestRecordCacheConcurrent(t *testing.T) {
	e := cacheEnv(t, Config{})
	res, _ := e.do("POST", "/add?id=first", "")
	cookie := "astro-session=" + sessionCookie(t, res)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(2)
		go func() { defer wg.Done(); e.do("POST", fmt.Sprintf("/add?id=i%d", i), cookie) }()
		go func() { defer wg.Done(); e.do("GET", "/cart", cookie) }()
	}
	wg.Wait()
	_, body := e.do("GET", "/cart", cookie)
	if n := strings.Count(body, "{"); n != 41 {
		t.Fatalf("cart has %d items, want 41: %s", n, body)
	}
}

// TestRecordCacheExpiry checks that an entry that expires while its record
// is cached is not seen.
func TestRecordCacheExpiry(t *testing.T) {
	e := cacheEnv(t, Config{})
	clock := newFakeClock(e.mgr)
	e.mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		From(r.Context()).Set("note", "soon gone", WithTTL(time.Second))
	})
	e.mux.HandleFunc("/note", func(w http.ResponseWriter, r *http.Request) {
		v, _, _ := Get[string](From(r.Context()), "note")
		io.WriteString(w, v)
	})
	res, _ := e.do("POST", "/add?id=a", "")
	cookie := "astro-session=" + sessionCookie(t, res)
	e.do("POST", "/short", cookie)
	if _, body := e.do("GET", "/note", cookie); body != "soon gone" {
		t.Fatalf("note %q", body)
	}
	clock.advance(2 * time.Second)
	if _, body := e.do("GET", "/note", cookie); body != "" {
		t.Fatalf("expired note still read: %q", body)
	}
}

func TestRecordCacheLimitAndOff(t *testing.T) {
	e := cacheEnv(t, Config{RecordCache: 3})
	var ids []string
	for i := range 10 {
		res, _ := e.do("POST", fmt.Sprintf("/add?id=%d", i), "")
		ids = append(ids, sessionCookie(t, res))
	}
	if n := len(e.mgr.cache.m); n > 3 {
		t.Fatalf("%d records cached, limit 3", n)
	}
	for _, id := range ids { // evicted or not, every session reads right
		if _, body := e.do("GET", "/cart", "astro-session="+id); !strings.HasPrefix(body, "[{") {
			t.Fatalf("cart %q", body)
		}
	}
	off := cacheEnv(t, Config{RecordCache: -1})
	if off.mgr.cache != nil {
		t.Fatal("RecordCache -1 did not turn the cache off")
	}
	res, _ := off.do("POST", "/add?id=a", "")
	if _, body := off.do("GET", "/cart", "astro-session="+sessionCookie(t, res)); body != "[{a 1}]" {
		t.Fatalf("cart %q without the cache", body)
	}
}

// TestRecordCacheDropsDestroyed checks that a destroyed or regenerated
// session's old record leaves the cache.
func TestRecordCacheDropsDestroyed(t *testing.T) {
	e := cacheEnv(t, Config{})
	e.mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) { From(r.Context()).Destroy() })
	e.mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { From(r.Context()).Regenerate() })
	res, _ := e.do("POST", "/add?id=a", "")
	id := sessionCookie(t, res)
	res, _ = e.do("POST", "/login", "astro-session="+id)
	newID := sessionCookie(t, res)
	if _, ok := e.cached(id); ok {
		t.Fatal("the regenerated session's old record is still cached")
	}
	if _, ok := e.cached(newID); !ok {
		t.Fatal("the new record is not cached")
	}
	e.do("POST", "/logout", "astro-session="+newID)
	if _, ok := e.cached(newID); ok {
		t.Fatal("the destroyed session is still cached")
	}
}
