package session

import (
	"context"
	"errors"
	"fmt"
	"github.com/goastro/session/internal/record"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goastro/session/devalue"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/memory"
)

// counting wraps a real driver and counts the calls that reach it.
type counting struct {
	storage.Driver
	gets, sets, dels atomic.Int64
}

func (c *counting) Get(ctx context.Context, k string) (string, bool, error) {
	c.gets.Add(1)
	return c.Driver.Get(ctx, k)
}
func (c *counting) Set(ctx context.Context, k, v string, ttl time.Duration) error {
	c.sets.Add(1)
	return c.Driver.Set(ctx, k, v, ttl)
}
func (c *counting) Delete(ctx context.Context, k string) error {
	c.dels.Add(1)
	return c.Driver.Delete(ctx, k)
}

// countingSwapper also forwards the driver's conditional write.
type countingSwapper struct {
	*counting
	sw storage.Swapper
}

func (c *countingSwapper) CompareAndSwap(ctx context.Context, k, old string, exists bool, v string, ttl time.Duration) (bool, error) {
	c.sets.Add(1)
	return c.sw.CompareAndSwap(ctx, k, old, exists, v, ttl)
}

type env struct {
	t     *testing.T
	mgr   *Manager
	store storage.Driver
	count *counting
	srv   *httptest.Server
	mux   *http.ServeMux
}

type driverCase struct {
	name string
	open func(t *testing.T) storage.Driver
}

var drivers = []driverCase{
	{"memory", func(t *testing.T) storage.Driver { return memory.New(memory.Options{}) }},
	{"fs-lite", func(t *testing.T) storage.Driver {
		d, err := fs.New(fs.Options{Base: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}},
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t *testing.T, d storage.Driver, cfg Config) *env {
	t.Helper()
	c := &counting{Driver: d}
	var wrapped storage.Driver = c
	if sw, ok := d.(storage.Swapper); ok {
		wrapped = &countingSwapper{counting: c, sw: sw}
	}
	cfg.Storage = wrapped
	if _, local := d.(storage.InProcess); local && cfg.StoreTimeout == 0 {
		cfg.StoreTimeout = -1 // as New does for the unwrapped driver
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, mgr: m, store: d, count: c, mux: http.NewServeMux()}
	e.srv = httptest.NewServer(m.Middleware(e.mux))
	t.Cleanup(func() { e.srv.Close(); d.Close() })
	return e
}

// do sends a request with the given cookie header value and returns the response and body.
func (e *env) do(method, path, cookie string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

func sessionCookie(t *testing.T, res *http.Response) string {
	t.Helper()
	for _, line := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, "astro-session=") {
			v := strings.TrimPrefix(line, "astro-session=")
			return v[:strings.IndexByte(v+";", ';')]
		}
	}
	return ""
}

func forEachDriver(t *testing.T, f func(t *testing.T, d storage.Driver)) {
	for _, dc := range drivers {
		t.Run(dc.name, func(t *testing.T) { f(t, dc.open(t)) })
	}
}

func TestUntouchedRequestCostsNothing(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
		res, body := e.do("GET", "/", "astro-session="+NewID())
		if body != "hello" || res.Header.Get("Set-Cookie") != "" || res.Header.Get("Vary") != "" {
			t.Fatalf("body %q, Set-Cookie %q, Vary %q", body, res.Header.Get("Set-Cookie"), res.Header.Get("Vary"))
		}
		if n := e.count.gets.Load() + e.count.sets.Load() + e.count.dels.Load(); n != 0 {
			t.Fatalf("untouched request made %d storage calls", n)
		}
	})
}

func TestSetWritesAstroRecordAndCookie(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if err := From(r.Context()).Set("cart", []string{"sku-1", "sku-2"}); err != nil {
				t.Error(err)
			}
		})
		res, _ := e.do("GET", "/", "")
		id := sessionCookie(t, res)
		if !ValidID(id) {
			t.Fatalf("cookie ID %q is not a v4 UUID", id)
		}
		want := "astro-session=" + id + "; Path=/; HttpOnly; Secure; SameSite=Lax"
		if got := res.Header.Get("Set-Cookie"); got != want {
			t.Fatalf("Set-Cookie\n got %s\nwant %s", got, want)
		}
		text, ok, err := d.Get(context.Background(), id)
		if err != nil || !ok {
			t.Fatalf("record not stored: %v %v", ok, err)
		}
		if want := `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`; text != want {
			t.Fatalf("record\n got %s\nwant %s", text, want)
		}
		if g := e.count.gets.Load(); g != 0 {
			t.Fatalf("a new session read the store %d times", g)
		}
	})
}

func TestReadsAstroWrittenRecord(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		id := NewID()
		// Written by Astro (devalue 5.9 with Astro's URL reducer), expiring in 2100.
		rec := `[["Map",1,2,5,6,10,11],"user",{"data":3,"expires":-1},{"id":1,"name":4},"Houston","u",{"data":7,"expires":9},["URL",8],"https://example.com/a%20b",4102444800000,"when",{"data":12,"expires":-1},["Date","2025-01-02T03:04:05.006Z"]]`
		if err := d.Set(context.Background(), id, rec, 0); err != nil {
			t.Fatal(err)
		}
		e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s := From(r.Context())
			keys, err := s.Keys()
			if err != nil {
				t.Error(err)
			}
			user, _ := s.Get("user")
			obj, _ := user.(*devalue.Object)
			if obj == nil {
				t.Errorf("user is %T", user)
				return
			}
			name, _ := obj.Get("name")
			u, _ := s.Get("u")
			href := ""
			if u, ok := u.(*devalue.URL); ok {
				href = u.Href
			}
			when, ok, err := Get[time.Time](s, "when")
			fmt.Fprintf(w, "%v %v %v %v %v %v", keys, name, href, when.UTC().Format(time.RFC3339Nano), ok, err)
		})
		res, body := e.do("GET", "/", "astro-session="+id)
		if want := "[user u when] Houston https://example.com/a%20b 2025-01-02T03:04:05.006Z true <nil>"; body != want {
			t.Fatalf("got %q want %q", body, want)
		}
		if res.Header.Get("Set-Cookie") != "" {
			t.Fatal("a read-only request sent a cookie")
		}
		if e.count.sets.Load() != 0 {
			t.Fatal("a read-only request wrote the store")
		}
	})
}

func TestCookieIDsAreStrict(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s := From(r.Context())
			if err := s.Set("k", "v"); err != nil {
				t.Error(err)
			}
			io.WriteString(w, s.ID())
		})
		chosen := NewID() // well formed, but nothing is stored under it
		for _, c := range []string{
			"astro-session=" + chosen,
			"astro-session=../../etc/passwd",
			"astro-session=" + strings.ToUpper(NewID()),
			"astro-session=" + strings.Repeat("a", 10000),
			"astro-session=not-a-uuid",
		} {
			res, body := e.do("GET", "/", c)
			id := sessionCookie(t, res)
			if !ValidID(id) || strings.Contains(c, id) {
				t.Fatalf("cookie %.60q: new ID %q, body %q", c, id, body)
			}
			if _, ok, _ := d.Get(context.Background(), id); !ok {
				t.Fatalf("no record under the fresh ID")
			}
		}
		if _, ok, _ := d.Get(context.Background(), chosen); ok {
			t.Fatal("a client-chosen ID was adopted")
		}
	})
}

func TestLocalChangesWinAndPartialMerge(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		id := NewID()
		d.Set(context.Background(), id, `[["Map",1,2,4,5,7,8],"a",{"data":3,"expires":-1},"old-a","b",{"data":6,"expires":-1},"old-b","c",{"data":9,"expires":-1},"old-c"]`, 0)
		e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s := From(r.Context())
			s.Delete("c") // a delete as the first change must be saved (Astro issue #16563)
			s.Set("a", "new-a")
			s.Delete("b")
			s.Set("b", "new-b") // a set after a delete in the same request wins
		})
		e.do("POST", "/", "astro-session="+id)
		text, _, _ := d.Get(context.Background(), id)
		want := `[["Map",1,2,4,5],"a",{"data":3,"expires":-1},"new-a","b",{"data":6,"expires":-1},"new-b"]`
		if text != want {
			t.Fatalf("got  %s\nwant %s", text, want)
		}
	})
}

func TestExpiredEntriesAndTTL(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{TTL: time.Hour})
		clock := newFakeClock(e.mgr)
		id := NewID()
		d.Set(context.Background(), id, `[["Map",1,2,5,6],"gone",{"data":3,"expires":4},"x",1000,"kept",{"data":3,"expires":-1}]`, 0)
		e.mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
			keys, err := From(r.Context()).Keys()
			fmt.Fprint(w, keys, err)
		})
		e.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
			s := From(r.Context())
			s.Set("default", 1)
			s.Set("short", 2, WithTTL(30*time.Millisecond))
			s.Set("forever", 3, WithoutTTL())
		})
		if _, body := e.do("GET", "/read", "astro-session="+id); body != "[kept] <nil>" {
			t.Fatalf("got %q", body)
		}
		before := float64(e.mgr.clock().UnixMilli())
		e.do("GET", "/set", "astro-session="+id)
		text, _, _ := d.Get(context.Background(), id)
		rec, err := record.Decode(text, math.Inf(-1))
		if err != nil {
			t.Fatal(err)
		}
		def, _ := rec.Get("default")
		forever, _ := rec.Get("forever")
		if exp := def.Expires; exp < before+3600e3-1000 || exp > before+3600e3+1000 {
			t.Fatalf("default TTL: expires %v, now %v", exp, before)
		}
		if forever.HasExp {
			t.Fatal("WithoutTTL stored an expiry")
		}
		clock.advance(60 * time.Millisecond)
		if _, body := e.do("GET", "/read", "astro-session="+id); body != "[default forever kept] <nil>" {
			t.Fatalf("got %q", body)
		}
	})
}

func TestRegenerate(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		e.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { From(r.Context()).Set("cart", 3) })
		e.mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
			s := From(r.Context())
			if err := s.Regenerate(); err != nil {
				t.Error(err)
			}
			s.Set("userId", "u1")
			http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		})
		res, _ := e.do("GET", "/set", "")
		oldID := sessionCookie(t, res)
		req, _ := http.NewRequest("POST", e.srv.URL+"/login", nil)
		req.Header.Set("Cookie", "astro-session="+oldID)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		newID := sessionCookie(t, res)
		if res.StatusCode != http.StatusSeeOther || !ValidID(newID) || newID == oldID {
			t.Fatalf("status %d, old %s new %s", res.StatusCode, oldID, newID)
		}
		if _, ok, _ := d.Get(context.Background(), oldID); ok {
			t.Fatal("the old record survived Regenerate")
		}
		text, _, _ := d.Get(context.Background(), newID)
		if want := `[["Map",1,2,4,5],"cart",{"data":3,"expires":-1},3,"userId",{"data":6,"expires":-1},"u1"]`; text != want {
			t.Fatalf("got  %s\nwant %s", text, want)
		}
	})
}

func TestDestroy(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		e.mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { From(r.Context()).Set("k", 1) })
		e.mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) { From(r.Context()).Destroy() })
		res, _ := e.do("GET", "/set", "")
		id := sessionCookie(t, res)
		res, _ = e.do("POST", "/logout", "astro-session="+id)
		want := "astro-session=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax"
		if got := res.Header.Get("Set-Cookie"); got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
		if _, ok, _ := d.Get(context.Background(), id); ok {
			t.Fatal("record survived Destroy")
		}
	})
}

func TestLoadAndFlash(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		id := NewID()
		d.Set(context.Background(), id, `[["Map",1,2],"notice",{"data":3,"expires":-1},"saved"]`, 0)
		e.mux.HandleFunc("/load", func(w http.ResponseWriter, r *http.Request) {
			s := From(r.Context())
			fmt.Fprint(w, s.Load("bad"), " ", errors.Is(s.Load(NewID()), ErrNotFound), " ", s.Load(id), " ")
			v, err := s.Flash("notice")
			v2, _ := s.Flash("notice")
			fmt.Fprint(w, v, " ", err, " ", v2)
		})
		res, body := e.do("GET", "/load", "")
		if want := ErrInvalidID.Error() + " true <nil> saved <nil> <nil>"; body != want {
			t.Fatalf("got %q want %q", body, want)
		}
		if sessionCookie(t, res) != id {
			t.Fatal("Load did not send the loaded ID's cookie")
		}
		if text, _, _ := d.Get(context.Background(), id); text != `[["Map"]]` {
			t.Fatalf("flash not consumed: %s", text)
		}
	})
}

func TestCorruptRecordDestroysSession(t *testing.T) {
	for _, rec := range []string{"garbage", `[["Map",1,2],"k",{"data":3`, `[{"a":1},2]`, `[["Set",1],"x"]`, `[["Map",1,2],"k","not an entry"]`} {
		for _, strict := range []bool{false, true} {
			d := memory.New(memory.Options{})
			e := newEnv(t, d, Config{StrictRecords: strict})
			id := NewID()
			d.Set(context.Background(), id, rec, 0)
			e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				s := From(r.Context())
				v, err := s.Get("k")
				if strict != errors.Is(err, ErrCorruptRecord) || v != nil {
					t.Errorf("%q strict=%v: value %v error %v", rec, strict, v, err)
				}
				if !strict {
					s.Set("fresh", 1) // the request goes on with a new session
				}
				w.WriteHeader(http.StatusTeapot)
			})
			res, _ := e.do("GET", "/", "astro-session="+id)
			cookie := res.Header.Get("Set-Cookie")
			if strict && !strings.HasPrefix(cookie, "astro-session=deleted;") {
				t.Fatalf("%q strict: cookie %q", rec, cookie)
			}
			if newID := sessionCookie(t, res); !strict && (!ValidID(newID) || newID == id) {
				t.Fatalf("%q: cookie %q", rec, cookie)
			}
			if res.StatusCode != http.StatusTeapot {
				t.Fatalf("%q: status %d", rec, res.StatusCode)
			}
			if _, ok, _ := d.Get(context.Background(), id); ok {
				t.Fatalf("%q: corrupt record kept", rec)
			}
		}
	}
}

func TestStorageFailureIs500(t *testing.T) {
	d := memory.New(memory.Options{})
	e := newEnv(t, d, Config{})
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		From(r.Context()).Set("k", "v")
		io.WriteString(w, "saved!")
	})
	d.Close() // every later call fails
	res, body := e.do("GET", "/", "")
	if res.StatusCode != 500 || strings.Contains(body, "saved!") || res.Header.Get("Set-Cookie") != "" {
		t.Fatalf("status %d body %q cookie %q", res.StatusCode, body, res.Header.Get("Set-Cookie"))
	}
}

func TestSetRejectsUnserializable(t *testing.T) {
	d := memory.New(memory.Options{})
	e := newEnv(t, d, Config{})
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		err := From(r.Context()).Set("user", map[string]any{"handler": func() {}})
		if !errors.Is(err, ErrNotSerializable) || !strings.Contains(err.Error(), "handler") {
			t.Errorf("error %v", err)
		}
		if err := From(r.Context()).Set("", 1); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("empty key: %v", err)
		}
	})
	if res, _ := e.do("GET", "/", ""); res.Header.Get("Set-Cookie") != "" {
		t.Fatal("a rejected Set sent a cookie")
	}
}

func TestSetAfterHeadersNeedsKnownID(t *testing.T) {
	d := memory.New(memory.Options{})
	e := newEnv(t, d, Config{})
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "body first")
		if err := From(r.Context()).Set("k", 1); !errors.Is(err, ErrHeadersWritten) {
			t.Errorf("error %v", err)
		}
	})
	e.do("GET", "/", "")
}

func TestSaveBeforeStreaming(t *testing.T) {
	d := memory.New(memory.Options{})
	e := newEnv(t, d, Config{})
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := From(r.Context())
		s.Set("a", 1)
		if err := s.Save(); err != nil {
			t.Error(err)
		}
		w.(http.Flusher).Flush()
		io.WriteString(w, "streamed")
		s.Set("b", 2) // saved when the handler returns
	})
	res, _ := e.do("GET", "/", "")
	text, _, _ := d.Get(context.Background(), sessionCookie(t, res))
	if want := `[["Map",1,2,4,5],"a",{"data":3,"expires":-1},1,"b",{"data":6,"expires":-1},2]`; text != want {
		t.Fatalf("got %s", text)
	}
}

type item struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

func TestTypedAccess(t *testing.T) {
	d := memory.New(memory.Options{})
	e := newEnv(t, d, Config{})
	cart := NewKey[[]item]("cartItems")
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := From(r.Context())
		if err := cart.Set(s, []item{{"p1", 2}}); err != nil {
			t.Error(err)
		}
		items, ok, err := cart.Get(s)
		n, _, nerr := Get[int](s, "missing")
		_, _, terr := Get[string](s, "cartItems")
		fmt.Fprintln(w, items, ok, err, n, nerr, terr != nil)
	})
	_, body := e.do("GET", "/", "")
	if body != "[{p1 2}] true <nil> 0 <nil> true\n" {
		t.Fatalf("got %q", body)
	}
}

// Concurrent read-modify-write requests of one session lose nothing.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d storage.Driver) {
		e := newEnv(t, d, Config{})
		cart := NewKey[[]item]("cartItems")
		e.mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) { From(r.Context()).Set("userId", "u") })
		e.mux.HandleFunc("/add", func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Query().Get("p")
			err := cart.Update(From(r.Context()), func(old []item, _ bool) ([]item, error) {
				return append(old, item{p, 1}), nil
			})
			if err != nil {
				t.Error(err)
			}
		})
		e.mux.HandleFunc("/key", func(w http.ResponseWriter, r *http.Request) {
			From(r.Context()).Set(r.URL.Query().Get("k"), true)
		})
		res, _ := e.do("GET", "/start", "")
		id := sessionCookie(t, res)
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(2)
			go func() { defer wg.Done(); e.do("POST", fmt.Sprintf("/add?p=p%d", i), "astro-session="+id) }()
			go func() { defer wg.Done(); e.do("POST", fmt.Sprintf("/key?k=k%d", i), "astro-session="+id) }()
		}
		wg.Wait()
		text, _, _ := d.Get(context.Background(), id)
		rec, err := record.Decode(text, math.Inf(-1))
		if err != nil {
			t.Fatal(err)
		}
		var items []item
		cartEntry, ok := rec.Get("cartItems")
		if !ok {
			t.Fatal("cart lost")
		}
		if err := devalue.Decode(cartEntry.Data, &items); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, it := range items {
			seen[it.ProductID] = true
		}
		if len(items) != 50 || len(seen) != 50 {
			t.Fatalf("cart has %d items (%d distinct), want 50", len(items), len(seen))
		}
		for i := range 50 {
			if _, ok := rec.Get(fmt.Sprintf("k%d", i)); !ok {
				t.Fatalf("key k%d lost", i)
			}
		}
		if _, ok := rec.Get("userId"); !ok {
			t.Fatal("userId lost")
		}
	})
}

func TestConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Driver: "nope"},
		{Cookie: CookieConfig{Name: "bad name"}},
		{Cookie: CookieConfig{SameSite: http.SameSiteNoneMode, Insecure: true}},
		{TTL: -time.Second},
	} {
		cfg.Logger = quietLogger()
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: error %v", cfg, err)
		}
	}
	m, err := New(Config{Options: map[string]any{"base": t.TempDir()}, Logger: quietLogger(),
		Cookie: CookieConfig{Name: "sid", Domain: "example.com", MaxAge: 3600, SameSite: http.SameSiteStrictMode, Insecure: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got, want := m.cookie.line("x", 3600), "sid=x; Max-Age=3600; Domain=example.com; Path=/; HttpOnly; SameSite=Strict"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !ValidID(id) || seen[id] {
			t.Fatalf("bad or repeated ID %q", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "c2a5b7f0-7c1e-4b6a-c1d2-3e4f5a6b7c8d", "C2A5B7F0-7C1E-4B6A-91D2-3E4F5A6B7C8D", "c2a5b7f0-7c1e-4b6a-91d2-3e4f5a6b7c8"} {
		if ValidID(bad) {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzCookieValue(f *testing.F) {
	f.Add("astro-session=" + NewID())
	f.Add(`a=1; astro-session="x"; astro-session=y`)
	f.Add("astro-session")
	f.Fuzz(func(t *testing.T, line string) {
		v, ok := cookieValue(http.Header{"Cookie": {line}}, "astro-session")
		if ok && strings.Contains(v, ";") {
			t.Fatalf("value %q contains a separator", v)
		}
		if ValidID(v) && !strings.Contains(line, v) {
			t.Fatalf("invented ID %q", v)
		}
	})
}

func TestStorageErrorsHideIDs(t *testing.T) {
	id := NewID()
	m := &Manager{driverName: "fs"}
	cause := &os.PathError{Op: "open", Path: "/srv/sessions/" + id, Err: os.ErrPermission}
	err := m.storageError("reading the session", cause)
	if strings.Contains(err.Error(), id) || !strings.Contains(err.Error(), "session#"+record.LogID(id)) {
		t.Fatalf("message %q", err)
	}
	if !errors.Is(err, os.ErrPermission) || !errors.Is(err, ErrStorage) {
		t.Fatal("the cause is lost")
	}
}

// A Set whose size check cannot read the store is not lost silently: the save
// fails with the storage error and the response is a 500.
func TestSetWithStoreDownIs500(t *testing.T) {
	d := memory.New(memory.Options{})
	e := newEnv(t, d, Config{})
	id := NewID()
	d.Set(context.Background(), id, `[["Map",1,2],"a",{"data":3,"expires":-1},1]`, 0)
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		From(r.Context()).Set("k", "v") // the error is ignored, as handlers often do
		io.WriteString(w, "saved!")
	})
	d.Close()
	res, body := e.do("GET", "/", "astro-session="+id)
	if res.StatusCode != 500 || strings.Contains(body, "saved!") {
		t.Fatalf("status %d body %q", res.StatusCode, body)
	}
}
