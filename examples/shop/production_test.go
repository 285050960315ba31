package main

import (
	"context"
	"fmt"
	"github.com/goastro/session/storage"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/goastro/session/internal/testenv"
)

// envOf is a getenv over a map.
func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// configFromEnv is the shop's configuration from the given environment, as
// main reads it.
func configFromEnv(t *testing.T, env map[string]string) config {
	t.Helper()
	cfg, err := loadConfig(nil, envOf(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// redisConfig is the shop on the shared Redis under a base of the test's own,
// removed when the test ends.
func redisConfig(t *testing.T, env map[string]string) config {
	cfg := configFromEnv(t, env)
	cfg.Driver, cfg.Base = "redis", "shop-prod-"+randomHex(6)
	cfg.RedisURL = os.Getenv("REDIS_URL")
	if cfg.RedisURL == "" {
		cfg.RedisURL = "redis://" + testenv.RedisAddr(t) + "/0"
	}
	clearAfter(t, cfg)
	return cfg
}

// postgresConfig is the shop on the shared PostgreSQL in a table of the
// test's own, dropped when the test ends.
func postgresConfig(t *testing.T, env map[string]string) (config, string) {
	cfg := configFromEnv(t, env)
	table := "shop_prod_" + randomHex(6)
	cfg.Driver, cfg.DatabaseURL = "postgres", testenv.PostgresURL(t)
	cfg.extraOptions = map[string]any{"table": table}
	t.Cleanup(func() { pgQuery(t, cfg.DatabaseURL, "DROP TABLE IF EXISTS "+table) })
	return cfg, table
}

// pgQuery runs one SQL statement and scans its single row into dst.
func pgQuery(t *testing.T, url, sql string, dst ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if len(dst) == 0 {
		_, err = c.Exec(ctx, sql)
	} else {
		err = c.QueryRow(ctx, sql).Scan(dst...)
	}
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// anonymousCarts sends n additions to the cart from one client that keeps no
// cookies (a crawler, a script, curl), each of which starts a session.
func anonymousCarts(t *testing.T, url string, n int) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer hc.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				res, err := hc.Post(url+"/_actions/addToCart", "application/json", strings.NewReader(`{"productId":"mug","quantity":1}`))
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Set-Cookie"), "astro-session=") {
					errs <- fmt.Errorf("status %d, Set-Cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

const anonymousRequests = 2000

// 2,000 anonymous cart requests leave 2,000 records in Redis, each with a
// TTL of about a day (the guests' TTL), none without one.
func TestAnonymousCartsExpireRedis(t *testing.T) {
	cfg := redisConfig(t, nil)
	s, srv := startShop(t, cfg)
	anonymousCarts(t, srv.URL, anonymousRequests)

	keys, err := s.mgr.Storage().Keys(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != anonymousRequests {
		t.Fatalf("%d records stored, want %d", len(keys), anonymousRequests)
	}
	opts, err := goredis.ParseURL(cfg.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := goredis.NewClient(opts)
	defer rc.Close()
	ctx := context.Background()
	pipe := rc.Pipeline()
	ttls := make([]*goredis.DurationCmd, len(keys))
	for i, k := range keys {
		ttls[i] = pipe.TTL(ctx, cfg.Base+":"+k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	lo, hi := 24*time.Hour, time.Duration(0)
	for i, c := range ttls {
		d := c.Val()
		if d <= 0 || d > 24*time.Hour+2*time.Second {
			t.Fatalf("record %s has the TTL %v; want about 24h", keys[i], d)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	t.Logf("%d records, Redis TTLs from %v to %v", len(keys), lo, hi)
}

// The same on PostgreSQL: every row has an expires_at, about a day ahead.
func TestAnonymousCartsExpirePostgres(t *testing.T) {
	cfg, table := postgresConfig(t, nil)
	_, srv := startShop(t, cfg)
	anonymousCarts(t, srv.URL, anonymousRequests)

	var rows, expiring int
	var soonest, latest float64
	pgQuery(t, cfg.DatabaseURL, `SELECT count(*), count(expires_at),
		coalesce(extract(epoch FROM min(expires_at) - now()), 0)::float8,
		coalesce(extract(epoch FROM max(expires_at) - now()), 0)::float8 FROM `+table,
		&rows, &expiring, &soonest, &latest)
	t.Logf("%d rows, %d with expires_at, from %.0fs to %.0fs ahead", rows, expiring, soonest, latest)
	if rows != anonymousRequests || expiring != rows {
		t.Fatalf("%d rows, %d with an expires_at; want %d, all expiring", rows, expiring, anonymousRequests)
	}
	if day := (24 * time.Hour).Seconds(); soonest < day-600 || latest > day+60 {
		t.Fatalf("expires_at from %.0fs to %.0fs ahead; want about a day", soonest, latest)
	}
}

// With the fs-lite driver the shop sweeps expired records: a guest's record
// is gone from the folder shortly after its TTL, without any request.
func TestExpiredFilesSwept(t *testing.T) {
	cfg := configFromEnv(t, map[string]string{"SESSION_TTL": "1", "SESSION_SWEEP_INTERVAL": "1s"})
	cfg.Driver, cfg.Base = "fs-lite", t.TempDir()
	_, srv := startShop(t, cfg)
	anonymousCarts(t, srv.URL, 5)
	records := func() int {
		ents, err := os.ReadDir(cfg.Base)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range ents {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
		return n
	}
	if n := records(); n < 5 {
		t.Fatalf("%d files after 5 carts", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for records() > 0 {
		if time.Now().After(deadline) {
			ents, _ := os.ReadDir(cfg.Base)
			t.Fatalf("the expired records are still in %s: %v", filepath.Base(cfg.Base), ents)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// maxAge returns the Max-Age attribute of the session cookie a reply sets, and
// whether it has one.
func maxAge(t *testing.T, r reply) (int, bool) {
	t.Helper()
	for _, line := range r.header.Values("Set-Cookie") {
		if !strings.HasPrefix(line, "astro-session=") {
			continue
		}
		for _, attr := range strings.Split(line, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(attr), "Max-Age="); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatalf("Set-Cookie %q", line)
				}
				return n, true
			}
		}
		return 0, false
	}
	t.Fatalf("no session cookie set: %q", r.header.Values("Set-Cookie"))
	return 0, false
}

// "Keep me signed in" gives a cookie that lasts the idle timeout; without it
// the cookie ends with the browser.
func TestRememberMe(t *testing.T) {
	_, srv := startShop(t, configFromEnv(t, map[string]string{"SESSION_DRIVER": "memory"}))
	week := int((7 * 24 * time.Hour).Seconds())
	for _, c := range []struct {
		name, body string
		want       int // 0: no Max-Age
	}{
		{"API, remembered", `{"email":"bob@example.com","password":"builder","remember":true}`, week},
		{"API, not remembered", `{"email":"bob@example.com","password":"builder"}`, 0},
	} {
		b := newBrowser(t, srv.URL)
		r := b.send(b.raw, "POST", "/api/auth/login", "application/json", c.body)
		if n, ok := maxAge(t, r); n != c.want || ok != (c.want > 0) {
			t.Errorf("%s: Max-Age %d (set: %v), want %d", c.name, n, ok, c.want)
		}
	}
	for _, remember := range []bool{true, false} {
		b := newBrowser(t, srv.URL)
		form := "username=bob&password=builder"
		if remember {
			form += "&remember=on"
		}
		r := b.send(b.raw, "POST", "/login", "application/x-www-form-urlencoded", form)
		if n, ok := maxAge(t, r); ok != remember || (remember && n != week) {
			t.Errorf("login form, remember=%v: Max-Age %d (set: %v)", remember, n, ok)
		}
	}
	if !strings.Contains(newBrowser(t, srv.URL).get("/login").body, `name="remember"`) {
		t.Error("the login form has no remember-me checkbox")
	}
}

// A stolen cookie stops working at the absolute lifetime, however busy the
// thief keeps it, and an unused one at the idle timeout (short durations set
// through the environment, as an operator would).
func TestStolenCookieExpires(t *testing.T) {
	env := map[string]string{"SESSION_IDLE_TIMEOUT": "2s", "SESSION_ABSOLUTE_TIMEOUT": "3s"}
	for _, c := range []struct {
		name string
		cfg  func(t *testing.T) config
	}{
		{"fs-lite", func(t *testing.T) config {
			cfg := configFromEnv(t, env)
			cfg.Driver, cfg.Base = "fs-lite", t.TempDir()
			return cfg
		}},
		{"redis", func(t *testing.T) config { return redisConfig(t, env) }},
		{"postgres", func(t *testing.T) config { cfg, _ := postgresConfig(t, env); return cfg }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, srv := startShop(t, c.cfg(t))
			checkAbsolute(t, srv.URL)
			checkIdle(t, srv.URL)
		})
	}
}

// checkAbsolute logs in and has a thief use the cookie every 200 ms: it works
// until the absolute lifetime (3 s), and never after.
func checkAbsolute(t *testing.T, url string) {
	owner := newBrowser(t, url)
	loginStart := time.Now()
	must(t, owner.postJSON("/api/auth/login", `{"email":"bob@example.com","password":"builder","remember":true}`), 200, "/dashboard")
	loginEnd := time.Now()
	thief := owner.withCookie(owner.cookie())
	for {
		sent := time.Now()
		r := thief.get("/api/user/profile")
		if r.status == http.StatusUnauthorized {
			if age := time.Since(loginStart); age < 3*time.Second {
				t.Fatalf("the session ended after %v, before its absolute lifetime of 3s", age)
			}
			t.Logf("the stolen cookie stopped working %v after the login", time.Since(loginEnd).Round(time.Millisecond))
			break
		}
		if r.status != 200 {
			t.Fatalf("status %d %q", r.status, r.body)
		}
		// The session was created during the login: a request sent more than
		// 3 s after the login answered must find it ended.
		if age := sent.Sub(loginEnd); age > 3*time.Second+100*time.Millisecond {
			t.Fatalf("the stolen cookie still works in a request sent %v after the login (absolute lifetime 3s)", age)
		}
		time.Sleep(200 * time.Millisecond)
	}
	must(t, owner.get("/api/user/profile"), 401, "")
}

// checkIdle logs in and leaves the session alone past the idle timeout (2 s).
func checkIdle(t *testing.T, url string) {
	b := newBrowser(t, url)
	must(t, b.postJSON("/api/auth/login", `{"email":"bob@example.com","password":"builder"}`), 200, "/dashboard")
	must(t, b.get("/api/user/profile"), 200, "")
	time.Sleep(2500 * time.Millisecond)
	must(t, b.get("/api/user/profile"), 401, "")
}

// /healthz answers 200 while the store answers, and 503 within about the
// store timeout (one second) once it is gone; the pages of a visitor with a
// session fail as fast (they took 8.6 s when every read of a page waited for
// the dead store in turn).
func TestHealthz(t *testing.T) {
	_, srv := startShop(t, config{Driver: "memory"})
	b := newBrowser(t, srv.URL)
	r := b.get("/healthz")
	must(t, r, 200, "", `"status":"ok"`)
	if r.header.Get("Set-Cookie") != "" {
		t.Fatal("/healthz set a cookie")
	}

	rs := testenv.StartRedis(t)
	cfg := configFromEnv(t, nil)
	cfg.Driver, cfg.RedisURL = "redis", "redis://"+rs.Addr+"/0"
	_, srv = startShop(t, cfg)
	b = newBrowser(t, srv.URL)
	must(t, b.get("/healthz"), 200, "", `"status":"ok"`)
	jsonEq(t, b.postJSON("/_actions/addToCart", `{"productId":"tee","quantity":1}`), `{"cartSize":1}`)
	rs.Kill()
	for _, path := range []string{"/healthz", "/", "/healthz", "/cart", "/dashboard"} {
		t0 := time.Now()
		r := b.send(b.raw, "GET", path, "", "")
		took := time.Since(t0)
		t.Logf("GET %s after Redis died: %d after %v", path, r.status, took.Round(time.Millisecond))
		if r.status < 500 || took > 2500*time.Millisecond {
			t.Errorf("GET %s after Redis died: %d after %v, want a 5xx within about a second", path, r.status, took)
		}
		if path == "/healthz" && !strings.Contains(r.body, `"status":"unavailable"`) {
			t.Errorf("/healthz: %s", r.body)
		}
	}
}

// 20 concurrent additions that cross the limit of 99 of one product: each is
// answered 200 or 400 (the validation error), never 500, and the cart ends at
// exactly 99, on every driver. (Before a failed Update left nothing pending,
// the middleware re-ran the refused change at the end of the request and a
// quarter of these answers were 500 on fs-lite.)
func TestConcurrentAddsCrossingTheLimit(t *testing.T) {
	for _, dc := range driverCases(t) {
		t.Run(dc.name, func(t *testing.T) {
			s, srv := startShop(t, dc.config(t))
			if _, ok := s.mgr.Storage().(storage.Swapper); !ok {
				t.Skipf("the %s driver has no conditional write: the last writer wins", dc.name)
			}
			b := newBrowser(t, srv.URL)
			jsonEq(t, b.postJSON("/_actions/addToCart", `{"productId":"tee","quantity":90}`), `{"cartSize":90}`)
			const n = 20
			statuses := make([]int, n)
			bodies := make([]string, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					res, err := b.hc.Post(srv.URL+"/_actions/addToCart", "application/json", strings.NewReader(`{"productId":"tee","quantity":1}`))
					if err != nil {
						t.Error(err)
						return
					}
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					statuses[i], bodies[i] = res.StatusCode, string(body)
				}()
			}
			close(start)
			wg.Wait()
			counts := map[int]int{}
			for i, st := range statuses {
				counts[st]++
				switch st {
				case 200:
				case 400:
					if !strings.Contains(bodies[i], "At most 99 of one product fit in the cart") {
						t.Errorf("400 without the validation message: %s", bodies[i])
					}
				default:
					t.Errorf("addition %d: status %d %s", i, st, bodies[i])
				}
			}
			t.Logf("answers: %v", counts)
			if counts[200] != 9 {
				t.Errorf("%d additions succeeded, want 9 (from 90 to 99)", counts[200])
			}
			must(t, b.get("/cart"), 200, "/cart", `data-product="tee"><td>Rocket T-shirt</td><td class="num">99</td>`)
		})
	}
}

// A cart stored in another shape (by an older version of the shop) is dropped
// on the next page or addition, not a 500 on every request of that visitor.
func TestCartOfAnotherType(t *testing.T) {
	s, srv := startShop(t, config{Driver: "memory"})
	for _, first := range []string{"page", "action"} {
		b := newBrowser(t, srv.URL)
		jsonEq(t, b.postJSON("/_actions/addToCart", `{"productId":"tee","quantity":1}`), `{"cartSize":1}`)
		ctx := context.Background()
		sess := s.mgr.Start(ctx, b.cookie())
		if err := sess.Set("cartItems", map[string]any{"tee": "one"}); err != nil {
			t.Fatal(err)
		}
		if _, err := sess.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		if first == "page" {
			must(t, b.get("/cart"), 200, "/cart", "Your cart is empty.")
		}
		jsonEq(t, b.postJSON("/_actions/addToCart", `{"productId":"mug","quantity":2}`), `{"cartSize":2}`)
		must(t, b.get("/dashboard"), 200, "/login")
		must(t, b.get("/cart"), 200, "/cart", `data-product="mug"><td>Launch mug</td><td class="num">2</td>`)
	}
}

func TestLoadLifetimes(t *testing.T) {
	l, err := loadLifetimes(envOf(nil))
	if err != nil || l != defaultLifetimes {
		t.Fatalf("defaults: %+v %v", l, err)
	}
	l, err = loadLifetimes(envOf(map[string]string{"SESSION_TTL": "3600", "SESSION_IDLE_TIMEOUT": "90m",
		"SESSION_ABSOLUTE_TIMEOUT": "0", "SESSION_STORE_TIMEOUT": "2s", "SESSION_SWEEP_INTERVAL": "0"}))
	want := lifetimes{TTL: time.Hour, IdleTimeout: 90 * time.Minute, StoreTimeout: 2 * time.Second}
	if err != nil || l != want {
		t.Fatalf("%+v %v, want %+v", l, err, want)
	}
	for env, msg := range map[string]string{
		"SESSION_TTL=500ms":           "at least one second",
		"SESSION_IDLE_TIMEOUT=-1h":    "at least one second",
		"SESSION_TTL=a day":           "a number of seconds",
		"SESSION_ABSOLUTE_TIMEOUT=1h": "longer than SESSION_ABSOLUTE_TIMEOUT",
	} {
		k, v, _ := strings.Cut(env, "=")
		if _, err := loadConfig(nil, envOf(map[string]string{k: v}), io.Discard); err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), k) {
			t.Errorf("%s: %v, want an error naming %s with %q", env, err, k, msg)
		}
	}
	opts := map[string]any{"base": "x"}
	defaultLifetimes.driverOptions("fs-lite", opts)
	if opts["sweepInterval"] != "10m0s" {
		t.Errorf("fs-lite options %v", opts)
	}
	opts = map[string]any{}
	defaultLifetimes.driverOptions("redis", opts)
	if len(opts) != 0 {
		t.Errorf("redis options %v", opts)
	}
}
