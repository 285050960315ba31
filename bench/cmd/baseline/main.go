// Command baseline serves the cart flow of the load test with no session
// library at all: the least work any Go server can do for it. It answers the
// routes loadgen calls (POST /login, /_actions/addToCart, /_actions/clearCart)
// with net/http alone, keeps each visitor's cart as JSON under the ID of its
// cookie, and on Redis makes the same two round trips per cart request as the
// shop (GET, then a plain SET: no merge of concurrent writers, no record
// format, no security headers, no cross-origin check).
//
// Its requests per second are the ceiling of a Go server on the machine and
// the store the load test runs on, so the shop's figure can be read against
// it, and against the Astro app's.
//
//	ADDR=127.0.0.1:4322 STORE=redis REDIS_URL=redis://127.0.0.1:6379 KEY_PREFIX=bench: baseline
//
// STORE is "redis" (the default) or "memory" (a map in the process: no store
// round trip at all).
package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

const cookieName = "astro-session"

// line is one line of a cart.
type line struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// carts keeps each visitor's cart as JSON text under its ID.
type carts interface {
	get(r *http.Request, id string) (string, error)
	set(r *http.Request, id, text string) error
}

type redisCarts struct {
	c      *goredis.Client
	prefix string
}

func (s redisCarts) get(r *http.Request, id string) (string, error) {
	v, err := s.c.Get(r.Context(), s.prefix+id).Result()
	if errors.Is(err, goredis.Nil) {
		return "", nil
	}
	return v, err
}

func (s redisCarts) set(r *http.Request, id, text string) error {
	return s.c.Set(r.Context(), s.prefix+id, text, 0).Err()
}

type memoryCarts struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memoryCarts) get(_ *http.Request, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id], nil
}

func (s *memoryCarts) set(_ *http.Request, id, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = text
	return nil
}

func main() {
	addr := envOr("ADDR", "127.0.0.1:4322")
	var store carts
	kind := envOr("STORE", "redis")
	switch kind {
	case "redis":
		opts, err := goredis.ParseURL(envOr("REDIS_URL", "redis://127.0.0.1:6379"))
		if err != nil {
			log.Fatalf("baseline: REDIS_URL: %v", err)
		}
		store = redisCarts{c: goredis.NewClient(opts), prefix: envOr("KEY_PREFIX", "baseline:")}
	case "memory":
		store = &memoryCarts{m: map[string]string{}}
	default:
		log.Fatalf("baseline: STORE %q: want redis or memory", kind)
	}
	log.Printf("baseline: serving the cart flow on http://%s (store: %s)", addr, kind)
	log.Fatal(http.ListenAndServe(addr, routes(store)))
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func routes(store carts) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		id := rand.Text()
		if err := store.set(r, id, "[]"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /_actions/addToCart", func(w http.ResponseWriter, r *http.Request) {
		var in line
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.ProductID == "" || in.Quantity < 1 {
			http.Error(w, "want {productId, quantity}", http.StatusBadRequest)
			return
		}
		changeCart(w, r, store, func(items []line) []line {
			for i := range items {
				if items[i].ProductID == in.ProductID {
					items[i].Quantity += in.Quantity
					return items
				}
			}
			return append(items, in)
		})
	})
	mux.HandleFunc("POST /_actions/clearCart", func(w http.ResponseWriter, r *http.Request) {
		changeCart(w, r, store, func([]line) []line { return []line{} })
	})
	return mux
}

// changeCart reads the visitor's cart, applies change, writes it back and
// answers {"cartSize": N}, the number of items in it.
func changeCart(w http.ResponseWriter, r *http.Request, store carts, change func([]line) []line) {
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		http.Error(w, "no session cookie", http.StatusUnauthorized)
		return
	}
	text, err := store.get(r, ck.Value)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var items []line
	if text != "" {
		if err := json.Unmarshal([]byte(text), &items); err != nil {
			http.Error(w, fmt.Sprintf("stored cart: %v", err), http.StatusInternalServerError)
			return
		}
	}
	items = change(items)
	out, err := json.Marshal(items)
	if err == nil {
		err = store.set(r, ck.Value, string(out))
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	size := 0
	for _, it := range items {
		size += it.Quantity
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"cartSize":%d}`, size)
}
