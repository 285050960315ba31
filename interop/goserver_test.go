package interop

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	session "github.com/goastro/session"
	"github.com/goastro/session/devalue"
	_ "github.com/goastro/session/storage/redis" // registers "redis"
)

// codec writes values as the Astro app returns them: devalue with Astro's URL
// reducer, so a URL is ["URL",<index of its href>].
var codec = devalue.Options{Reducers: []devalue.Reducer{{Tag: "URL", Reduce: func(v any) (any, bool) {
	if u, ok := v.(*devalue.URL); ok && u != nil {
		return u.Href, true
	}
	return nil, false
}}}}

// The shop's keys as a Go program writes them: plain Go values (structs with
// json tags, time.Time), which the library turns into devalue's model.
type cartItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

type preferences struct {
	Theme string `json:"theme"`
	Lang  string `json:"lang"`
}

type shopKey struct {
	key   string
	value any
}

func goShopValues() []shopKey {
	return []shopKey{
		{"userId", "user-42"},
		{"username", "ada"},
		{"role", "admin"},
		{"loginTime", time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)},
		{"cartItems", []cartItem{{"sku-1", 2}, {"sku-2", 1}}},
		{"preferences", preferences{Theme: "dark", Lang: "en"}},
	}
}

type pointed struct {
	ID int `json:"id"`
}

type sharedPointers struct {
	First  *pointed `json:"first"`
	Second *pointed `json:"second"`
}

// goNativeValues are the Go counterparts of nativeValues in
// astro/src/lib/values.js: plain Go values that the library converts.
func goNativeValues() []shopKey {
	big, _ := new(big.Int).SetString("12345678901234567890123", 10)
	u, _ := url.Parse("https://example.com/a/b?q=1#f")
	p := &pointed{ID: 1}
	return []shopKey{
		{"date", time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)},
		{"bigint", big},
		{"bytes", []byte{0, 1, 255}},
		{"url", u},
		{"object", map[string]any{"a": 1, "b": "x", "c": []any{true, nil}}},
		{"struct", cartItem{"sku-1", 2}},
		{"intMap", map[int]string{1: "one", 2: "two"}},
		{"floats", []float64{0.1, math.Copysign(0, -1), 1e21, 5e-324}},
		{"nilPointer", (*cartItem)(nil)},
		{"maxSafe", int64(1<<53 - 1)},
		{"sharedPointer", sharedPointers{p, p}},
	}
}

// goServer is a net/http server built from the library, with the same JSON API
// as the Astro app (astro/src/pages/api/[...op].js).
type goServer struct {
	name   string
	driver string // "fs", "fs-lite", "redis", "netlify-blobs"
	mgr    *session.Manager

	mu sync.Mutex
	// expected holds, per set ("shop", "types"), the devalue text of the values
	// as the Astro app builds them; the Go server writes the "types" set by
	// parsing these texts, and checks reads against them.
	expected map[string]map[string]string
	typeKeys []string // the "types" keys in the Astro app's order
}

// startGo runs a Go server on the store until the test ends. driver is the
// library's driver name: "fs" or "fs-lite" on an fs store, "redis" on Redis.
func startGo(t *testing.T, driver string, st store, expected map[string]map[string]string, typeKeys []string) (server, *goServer) {
	t.Helper()
	return startGoWith(t, driver, st, expected, typeKeys, nil)
}

// startGoWith is startGo with changes to the session configuration.
func startGoWith(t *testing.T, driver string, st store, expected map[string]map[string]string, typeKeys []string, configure func(*session.Config)) (server, *goServer) {
	t.Helper()
	var opts map[string]any
	switch st.driver {
	case "fs":
		opts = map[string]any{"base": st.dir}
	case "redis":
		opts = map[string]any{"url": "redis://" + st.redis, "base": st.base}
	case "netlify-blobs":
		opts = st.blobs.edgeOptions()
	}
	logs := &lockedBuffer{}
	cfg := session.Config{
		Driver:  driver,
		Options: opts,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if configure != nil {
		configure(&cfg)
	}
	mgr, err := session.New(cfg)
	if err != nil {
		t.Fatalf("session.New(%s): %v", driver, err)
	}
	g := &goServer{name: "go-" + driver, driver: driver, mgr: mgr, expected: expected, typeKeys: typeKeys}
	srv := httptest.NewServer(mgr.Middleware(http.HandlerFunc(g.serve)))
	t.Cleanup(func() {
		srv.Close()
		mgr.Close()
		if t.Failed() && logs.String() != "" {
			t.Logf("%s log:\n%s", g.name, logs.String())
		}
	})
	return server{name: g.name, url: srv.URL}, g
}

func (g *goServer) serve(w http.ResponseWriter, r *http.Request) {
	s := session.From(r.Context())
	op := strings.TrimPrefix(r.URL.Path, "/api/")
	var in struct {
		Entries []entryIn `json:"entries"`
		Key     string    `json:"key"`
		Read    bool      `json:"read"`
		ID      string    `json:"id"`
	}
	if r.Method == http.MethodPost && r.ContentLength != 0 {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			httpError(w, err)
			return
		}
	}
	if in.Read {
		if _, err := s.Has(in.Key); err != nil {
			httpError(w, err)
			return
		}
	}
	out, err := g.route(r.Method+" "+op, s, r, &in.Entries, in.Key, in.ID)
	if err != nil {
		httpError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func httpError(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func idOrNil(s *session.Session) *string {
	if id := s.ID(); id != "" {
		return &id
	}
	return nil
}

func (g *goServer) route(route string, s *session.Session, r *http.Request, entries *[]entryIn, key, id string) (any, error) {
	switch route {
	case "GET session":
		keys, err := s.Keys()
		if err != nil {
			return nil, err
		}
		values := map[string]string{}
		for _, k := range keys {
			if values[k], err = g.text(s, k); err != nil {
				return nil, err
			}
		}
		return map[string]any{"id": idOrNil(s), "keys": keys, "values": values}, nil
	case "GET get":
		k := r.URL.Query().Get("key")
		found, err := s.Has(k)
		if err != nil {
			return nil, err
		}
		var value *string
		if found {
			text, err := g.text(s, k)
			if err != nil {
				return nil, err
			}
			value = &text
		}
		return map[string]any{"id": idOrNil(s), "found": found, "value": value}, nil
	case "POST set":
		for _, e := range *entries {
			v, err := devalue.Parse(e.Value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.Key, err)
			}
			var opts []session.SetOption
			if e.TTL != nil {
				opts = append(opts, session.WithTTL(time.Duration(*e.TTL*float64(time.Second))))
			}
			if err := s.Set(e.Key, v, opts...); err != nil {
				return nil, err
			}
		}
		return map[string]any{"id": idOrNil(s)}, nil
	case "POST delete":
		s.Delete(key)
		return map[string]any{"id": idOrNil(s)}, nil
	case "POST shop", "POST native":
		list := goShopValues()
		if route == "POST native" {
			list = goNativeValues()
		}
		values := map[string]string{}
		for _, kv := range list {
			if err := s.Set(kv.key, kv.value); err != nil {
				return nil, err
			}
			text, err := g.text(s, kv.key)
			if err != nil {
				return nil, err
			}
			values[kv.key] = text
		}
		return map[string]any{"id": idOrNil(s), "values": values}, nil
	case "POST types":
		for _, k := range g.typeKeys {
			v, err := devalue.Parse(g.expected["types"][k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if err := s.Set(k, v); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
		}
		return map[string]any{"id": idOrNil(s), "values": g.expected["types"]}, nil
	case "GET check":
		set := r.URL.Query().Get("set")
		want := g.expected[set]
		type result struct {
			OK    bool    `json:"ok"`
			Found bool    `json:"found"`
			Got   *string `json:"got"`
			Want  string  `json:"want"`
		}
		results := map[string]result{}
		ok := len(want) > 0
		for k, w := range want {
			found, err := s.Has(k)
			if err != nil {
				return nil, err
			}
			res := result{Found: found, Want: w}
			if found {
				text, err := g.text(s, k)
				if err != nil {
					return nil, err
				}
				res.Got, res.OK = &text, text == w
			}
			ok = ok && res.OK
			results[k] = res
		}
		return map[string]any{"id": idOrNil(s), "ok": ok, "results": results}, nil
	case "POST regenerate":
		if _, err := s.Keys(); err != nil {
			return nil, err
		}
		old := idOrNil(s)
		if err := s.Regenerate(); err != nil {
			return nil, err
		}
		return map[string]any{"old": old, "id": idOrNil(s)}, nil
	case "POST destroy":
		if _, err := s.Keys(); err != nil {
			return nil, err
		}
		old := idOrNil(s)
		return map[string]any{"old": old}, s.Destroy()
	case "POST load":
		if err := s.Load(id); err != nil {
			return nil, err
		}
		keys, err := s.Keys()
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": idOrNil(s), "keys": keys}, nil
	}
	return nil, errors.New("no route " + route)
}

// text returns the devalue text of the value under key.
func (g *goServer) text(s *session.Session, key string) (string, error) {
	v, err := s.Get(key)
	if err != nil {
		return "", err
	}
	return codec.Stringify(v)
}
