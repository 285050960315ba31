package interop

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/goastro/session/internal/testenv"
)

// uuidV4 is the shape of the session IDs both sides generate.
var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

const cookieName = "astro-session"

// noRedirect is an HTTP client that returns redirects instead of following them,
// so that the cookies they set are seen.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

// browser keeps cookies the way a browser does for one host: both servers listen
// on 127.0.0.1, so (ports not being part of a cookie's scope) they see the same
// cookies. Secure cookies are kept and sent over plain HTTP here, which a browser
// would only do on localhost.
type browser struct {
	t       *testing.T
	cookies map[string]string
	// setCookies holds the Set-Cookie lines of the last response.
	setCookies []string
}

func newBrowser(t *testing.T) *browser { return &browser{t: t, cookies: map[string]string{}} }

// session returns the session cookie's value ("" when there is none).
func (b *browser) session() string { return b.cookies[cookieName] }

// do sends a request with the browser's cookies, stores the cookies of the
// response and decodes its JSON body into out. It fails the test on any status
// other than 200.
func (b *browser) do(method, url string, in, out any) {
	b.t.Helper()
	status, data := b.try(method, url, in)
	if status != http.StatusOK {
		b.t.Fatalf("%s %s: status %d\n%s", method, url, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			b.t.Fatalf("%s %s: %v\n%s", method, url, err, data)
		}
	}
}

// try is do without the status check: it returns the status and the body.
func (b *browser) try(method, url string, in any) (int, []byte) {
	b.t.Helper()
	var body io.Reader
	if in != nil {
		j, err := json.Marshal(in)
		if err != nil {
			b.t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, url, err)
	}
	b.setCookies = resp.Header.Values("Set-Cookie")
	for _, line := range b.setCookies {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			b.t.Fatalf("%s %s: bad Set-Cookie %q: %v", method, url, line, err)
		}
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return resp.StatusCode, data
}

// sessionCookie returns the last response's Set-Cookie line for the session
// cookie ("" when it sent none).
func (b *browser) sessionCookie() string { return b.cookieLine(cookieName) }

// cookieLine returns the last response's Set-Cookie line for the cookie name.
func (b *browser) cookieLine(name string) string {
	for _, line := range b.setCookies {
		if strings.HasPrefix(line, name+"=") {
			return line
		}
	}
	return ""
}

// server is the JSON API that the Astro app (astro/src/pages/api) and the Go test
// server (goserver_test.go) both offer.
type server struct {
	name string
	url  string
}

type entryIn struct {
	Key   string   `json:"key"`
	Value string   `json:"value"`         // devalue text
	TTL   *float64 `json:"ttl,omitempty"` // seconds
}

type written struct {
	ID     *string           `json:"id"`
	Values map[string]string `json:"values"`
}

type sessionView struct {
	ID     *string           `json:"id"`
	Keys   []string          `json:"keys"`
	Values map[string]string `json:"values"`
}

type getResult struct {
	Found bool    `json:"found"`
	Value *string `json:"value"`
}

type checkResult struct {
	ID      *string `json:"id"`
	OK      bool    `json:"ok"`
	Results map[string]struct {
		OK    bool    `json:"ok"`
		Found bool    `json:"found"`
		Got   *string `json:"got"`
		Want  string  `json:"want"`
	} `json:"results"`
}

type regenerated struct {
	Old *string `json:"old"`
	ID  *string `json:"id"`
}

func (s server) shop(b *browser) (w written)  { b.do("POST", s.url+"/api/shop", nil, &w); return }
func (s server) types(b *browser) (w written) { b.do("POST", s.url+"/api/types", nil, &w); return }
func (s server) native(b *browser) (w written) {
	b.do("POST", s.url+"/api/native", nil, &w)
	return
}
func (s server) view(b *browser) (v sessionView) {
	b.do("GET", s.url+"/api/session", nil, &v)
	return
}
func (s server) get(b *browser, key string) (g getResult) {
	b.do("GET", s.url+"/api/get?key="+key, nil, &g)
	return
}
func (s server) set(b *browser, entries ...entryIn) {
	b.do("POST", s.url+"/api/set", map[string]any{"entries": entries}, nil)
}
func (s server) del(b *browser, key string) {
	b.do("POST", s.url+"/api/delete", map[string]any{"key": key}, nil)
}

// readDel reads the session, then deletes key, in one request.
func (s server) readDel(b *browser, key string) {
	b.do("POST", s.url+"/api/delete", map[string]any{"key": key, "read": true}, nil)
}
func (s server) check(b *browser, set string) (c checkResult) {
	b.do("GET", s.url+"/api/check?set="+set, nil, &c)
	return
}
func (s server) regenerate(b *browser) (r regenerated) {
	b.do("POST", s.url+"/api/regenerate", nil, &r)
	return
}
func (s server) destroy(b *browser) { b.do("POST", s.url+"/api/destroy", nil, nil) }
func (s server) load(b *browser, id string) (v sessionView) {
	b.do("POST", s.url+"/api/load", map[string]any{"id": id}, &v)
	return
}

// expected returns the devalue text of the values of a set ("shop" or "types") as
// the Astro app builds them in JavaScript.
func (s server) expected(b *browser, set string) (keys []string, values map[string]string) {
	var w struct {
		Keys   []string          `json:"keys"`
		Values map[string]string `json:"values"`
	}
	b.do("GET", s.url+"/api/expected?set="+set, nil, &w)
	return w.Keys, w.Values
}

// newFSStore returns a fresh session folder.
func newFSStore(t *testing.T) store {
	return store{driver: "fs", dir: t.TempDir()}
}

// newRedisStore returns a key base of its own on the local Redis server, cleared
// when the test ends.
func newRedisStore(t *testing.T) store {
	addr := testenv.RedisAddr(t)
	var r [6]byte
	rand.Read(r[:])
	base := "interop-test:" + hex.EncodeToString(r[:])
	t.Cleanup(func() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		ctx := context.Background()
		keys, err := c.Keys(ctx, base+":*").Result()
		if err == nil && len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return store{driver: "redis", redis: addr, base: base}
}

// raw returns the record stored under a session ID, as the store holds it.
func (s store) raw(t *testing.T, id string) (string, bool) {
	t.Helper()
	if s.driver == "netlify-blobs" {
		return s.blobs.raw(t, id)
	}
	if s.kv != nil {
		return s.kv.raw(t, id)
	}
	if s.driver == "fs" {
		data, err := os.ReadFile(filepath.Join(s.dir, id))
		if os.IsNotExist(err) {
			return "", false
		} else if err != nil {
			t.Fatal(err)
		}
		return string(data), true
	}
	c := redis.NewClient(&redis.Options{Addr: s.redis})
	defer c.Close()
	v, err := c.Get(context.Background(), s.key(id)).Result()
	if err == redis.Nil {
		return "", false
	} else if err != nil {
		t.Fatal(err)
	}
	return v, true
}

// key is the Redis key of a session ID.
func (s store) key(id string) string {
	if s.base == "" {
		return id
	}
	return s.base + ":" + id
}

// redisTTL returns the TTL Redis reports for a session's key (-1: none).
func (s store) redisTTL(t *testing.T, id string) time.Duration {
	c := redis.NewClient(&redis.Options{Addr: s.redis})
	defer c.Close()
	d, err := c.TTL(context.Background(), s.key(id)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// storeKinds are the kinds of store both sides share, each with the function that
// makes a fresh one for a test.
var storeKinds = []struct {
	name string
	make func(*testing.T) store
}{{"fs", newFSStore}, {"redis", newRedisStore}}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
