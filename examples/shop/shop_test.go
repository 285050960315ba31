package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/devalue"
	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
)

// driverCase is one storage driver the end-to-end tests run the shop on.
type driverCase struct {
	name   string
	config func(t *testing.T) config
}

// driverCases lists the drivers to test: all of them, or only the one named by
// SESSION_DRIVER. Redis and PostgreSQL are found with internal/testenv (a
// failure in CI, a skip elsewhere when the server is missing).
func driverCases(t *testing.T) []driverCase {
	all := []driverCase{
		{"fs-lite", func(t *testing.T) config { return config{Driver: "fs-lite", Base: t.TempDir()} }},
		{"fs", func(t *testing.T) config { return config{Driver: "fs", Base: t.TempDir()} }},
		{"memory", func(t *testing.T) config { return config{Driver: "memory"} }},
		{"redis", func(t *testing.T) config {
			cfg := config{Driver: "redis", RedisURL: os.Getenv("REDIS_URL"), Base: "shop-e2e-" + randomHex(6)}
			if cfg.RedisURL == "" {
				cfg.RedisURL = "redis://" + testenv.RedisAddr(t) + "/0"
			}
			clearAfter(t, cfg)
			return cfg
		}},
		{"postgres", func(t *testing.T) config {
			if !slices.Contains(storage.Names(), "postgres") {
				t.Skip("the postgres driver is not built into the shop")
			}
			cfg := config{Driver: "postgres", DatabaseURL: testenv.PostgresURL(t),
				extraOptions: map[string]any{"table": "shop_e2e_sessions"}}
			clearAfter(t, cfg)
			return cfg
		}},
		{"netlify-blobs", func(t *testing.T) config {
			// Netlify's local Blobs server, configured as Astro's Netlify adapter
			// configures its store.
			u := testenv.StartNodeServer(t, platformDir, "netlify-blobs-server.mjs", t.TempDir(), "shop-token")
			return config{Driver: "netlify-blobs", Options: map[string]any{
				"siteID": "shop-site", "token": "shop-token", "edgeURL": u, "uncachedEdgeURL": u, "consistency": "strong"}}
		}},
		{"cloudflare-kv", func(t *testing.T) config {
			// workerd's KV through Cloudflare's REST paths (see the fixture script).
			u := testenv.StartNodeServer(t, platformDir, "cloudflare-kv-server.mjs", "acc", "ns", "shop-token", "", "")
			return config{Driver: "cloudflare-kv", Options: map[string]any{
				"accountId": "acc", "namespaceId": "ns", "apiToken": "shop-token", "apiURL": u}}
		}},
	}
	want := os.Getenv("SESSION_DRIVER")
	if want == "" {
		return all
	}
	for _, c := range all {
		if c.name == want {
			return []driverCase{c}
		}
	}
	t.Fatalf("SESSION_DRIVER=%q is not one of the tested drivers", want)
	return nil
}

// platformDir holds the local servers of the platform stores (Netlify Blobs,
// Cloudflare KV) and their npm packages.
const platformDir = "../../storage/testdata/platform"

// clearAfter empties a shared store (under the test's own base or table) when the test ends.
func clearAfter(t *testing.T, cfg config) {
	t.Cleanup(func() {
		opts, err := cfg.driverOptions()
		if err != nil {
			t.Error(err)
			return
		}
		d, err := storage.Open(cfg.Driver, opts)
		if err != nil {
			t.Error(err)
			return
		}
		defer d.Close()
		if err := d.Clear(context.Background()); err != nil {
			t.Errorf("clearing the %s store: %v", cfg.Driver, err)
		}
	})
}

// startShop serves the shop from an httptest.Server with plain-HTTP cookies
// (Go's cookie jar does not send Secure cookies over http://).
func startShop(t *testing.T, cfg config) (*shop, *httptest.Server) {
	t.Helper()
	cfg.Insecure = true
	return serveShop(t, cfg)
}

// serveShop serves the shop configured by cfg from an httptest.Server.
func serveShop(t *testing.T, cfg config) (*shop, *httptest.Server) {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := newShop(cfg)
	if err != nil {
		t.Fatalf("starting the shop on %s: %v", cfg.Driver, err)
	}
	srv := httptest.NewServer(s.routes())
	t.Cleanup(func() {
		srv.Close()
		if err := s.mgr.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	return s, srv
}

// browser is an HTTP client with a cookie jar, like a browser tab.
type browser struct {
	t    *testing.T
	base *url.URL
	jar  *cookiejar.Jar
	hc   *http.Client // follows redirects
	raw  *http.Client // does not
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	return &browser{
		t: t, base: u, jar: jar,
		hc: &http.Client{Jar: jar},
		raw: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
}

type reply struct {
	status   int
	body     string
	location string // final URL path (followed) or Location header (raw)
	header   http.Header
}

func (b *browser) send(c *http.Client, method, path, ct, body string) reply {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base.String()+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if method != "GET" && method != "HEAD" {
		// A browser sends the page's origin with every POST, PUT, ...
		req.Header.Set("Origin", b.base.Scheme+"://"+b.base.Host)
	}
	res, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, body: string(data), header: res.Header}
	if c == b.raw {
		r.location = res.Header.Get("Location")
	} else {
		r.location = res.Request.URL.RequestURI()
	}
	return r
}

func (b *browser) get(path string) reply { return b.send(b.hc, "GET", path, "", "") }
func (b *browser) postForm(path string, v url.Values) reply {
	return b.send(b.hc, "POST", path, "application/x-www-form-urlencoded", v.Encode())
}
func (b *browser) postJSON(path, body string) reply {
	return b.send(b.hc, "POST", path, "application/json", body)
}

// cookie returns the session cookie's value in the jar ("" when there is none).
func (b *browser) cookie() string {
	for _, c := range b.jar.Cookies(b.base) {
		if c.Name == "astro-session" {
			return c.Value
		}
	}
	return ""
}

// withCookie returns a fresh browser that presents the given session ID.
func (b *browser) withCookie(id string) *browser {
	nb := newBrowser(b.t, b.base.String())
	nb.jar.SetCookies(b.base, []*http.Cookie{{Name: "astro-session", Value: id, Path: "/"}})
	return nb
}

func must(t *testing.T, r reply, status int, path string, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (at %s)\n%s", r.status, status, r.location, r.body)
	}
	if path != "" && r.location != path {
		t.Fatalf("ended at %q, want %q", r.location, path)
	}
	for _, s := range contains {
		if !strings.Contains(r.body, s) {
			t.Fatalf("response (at %s) does not contain %q:\n%s", r.location, s, r.body)
		}
	}
}

// checkGuestCartExpires checks that a guest's cart expires a day after its last change.
func checkGuestCartExpires(t *testing.T, s *shop, id string) {
	t.Helper()
	rec, ok := storedRecord(t, s, id)
	if !ok {
		t.Fatal("no record stored for the guest's cart")
	}
	e, _ := rec.Get("cartItems")
	if e == nil {
		t.Fatal("no cartItems in the guest's record")
	}
	if exp, _ := e.(*devalue.Object).Get("expires"); !near(exp, time.Now().Add(24*time.Hour)) {
		t.Fatalf("the guest's cart expires at %v; want in 24 hours", exp)
	}
}

// checkNoExpiryOfItsOwn checks that a signed-in customer's data, the cart
// included, lives as long as the session: no entry has an expiry of its own.
func checkNoExpiryOfItsOwn(t *testing.T, rec *devalue.Map) {
	t.Helper()
	for _, e := range rec.Entries() {
		if exp, _ := e.Value.(*devalue.Object).Get("expires"); exp != (devalue.Undefined{}) {
			t.Errorf("after the login, %v expires at %v; want no expiry of its own", e.Key, exp)
		}
	}
}

// near reports whether v, epoch milliseconds, is within a minute of want.
func near(v any, want time.Time) bool {
	ms, ok := v.(float64)
	return ok && math.Abs(ms-float64(want.UnixMilli())) < 60e3
}

func jsonOf(t *testing.T, r reply) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func jsonEq(t *testing.T, r reply, want string) {
	t.Helper()
	var got, w any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Fatalf("body %s, want %s", gb, wb)
	}
}

// storedRecord reads the record of a session ID straight from the store.
func storedRecord(t *testing.T, s *shop, id string) (*devalue.Map, bool) {
	t.Helper()
	text, ok, err := s.mgr.Storage().Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil, false
	}
	v, err := devalue.Parse(text)
	if err != nil {
		t.Fatalf("stored record %q: %v", text, err)
	}
	m, ok := v.(*devalue.Map)
	if !ok {
		t.Fatalf("stored record is %T, want a Map: %s", v, text)
	}
	return m, true
}

func TestShopFlow(t *testing.T) {
	for _, dc := range driverCases(t) {
		t.Run(dc.name, func(t *testing.T) {
			s, srv := startShop(t, dc.config(t))
			walkShop(t, s, srv.URL)
		})
	}
}

func walkShop(t *testing.T, s *shop, base string) {
	b := newBrowser(t, base)

	// A guest reading pages creates no session.
	must(t, b.get("/"), 200, "/", "Rocket Shop", "log in")
	if b.cookie() != "" {
		t.Fatal("the home page set a session cookie for a guest who stored nothing")
	}

	must(t, b.get("/nowhere"), 404, "/nowhere", "Page not found")

	// The guard.
	for _, p := range []string{"/dashboard", "/settings", "/admin"} {
		r := b.send(b.raw, "GET", p, "", "")
		if r.status != http.StatusFound || r.location != "/login" {
			t.Fatalf("GET %s as a guest: %d to %q, want 302 to /login", p, r.status, r.location)
		}
	}
	r := b.get("/api/user/profile")
	must(t, r, 401, "")
	jsonEq(t, r, `{"error":"Not authenticated"}`)
	must(t, b.send(b.hc, "PUT", "/api/user/profile", "application/json", `{"preferences":{"theme":"dark"}}`), 401, "", "Not authenticated")

	// A guest fills the cart through the actions, as JSON and as form data.
	jsonEq(t, b.postJSON("/_actions/addToCart", `{"productId":"tee","quantity":2}`), `{"cartSize":2}`)
	guestID := b.cookie()
	if guestID == "" {
		t.Fatal("adding to the cart set no session cookie")
	}
	checkGuestCartExpires(t, s, guestID)
	jsonEq(t, b.postForm("/_actions/addToCart", url.Values{"productId": {"mug"}, "quantity": {"1"}}), `{"cartSize":3}`)
	jsonEq(t, b.postJSON("/_actions/addToCart", `{"productId":"tee","quantity":1}`), `{"cartSize":4}`)
	r = b.postJSON("/_actions/addToCart", `{"productId":"tee","quantity":0}`)
	must(t, r, 400, "", `"type":"AstroActionInputError"`, `"quantity":["Must be at least 1"]`)
	r = b.postJSON("/_actions/addToCart", `{"productId":"nope","quantity":1}`)
	must(t, r, 400, "", `"productId":["No such product"]`)
	r = b.postJSON("/_actions/addToCart", `{"productId":"tee","quantity":97}`)
	must(t, r, 400, "", `"quantity":["At most 99 of one product fit in the cart"]`)
	must(t, b.get("/_actions/addToCart"), 405, "", `"code":"METHOD_NOT_ALLOWED"`)
	must(t, b.postJSON("/_actions/checkout", `{}`), 404, "", `"code":"NOT_FOUND"`)
	must(t, b.get("/cart"), 200, "/cart", "Cart for Guest", `data-product="tee"><td>Rocket T-shirt</td><td class="num">3</td>`,
		`data-product="mug"><td>Launch mug</td><td class="num">1</td>`, "4 items in your cart")
	if b.cookie() != guestID {
		t.Fatal("the session ID changed without a login")
	}

	// Wrong credentials.
	r = b.postJSON("/api/auth/login", `{"email":"bob@example.com","password":"nope"}`)
	must(t, r, 401, "")
	jsonEq(t, r, `{"error":"Invalid credentials"}`)
	jsonEq(t, b.postJSON("/api/auth/login", `{"email":"carol@example.com","password":"builder"}`), `{"error":"Invalid credentials"}`)
	must(t, b.postJSON("/api/auth/login", `{"email":`), 400, "")

	// The API login regenerates the ID, keeps the cart, redirects to the dashboard.
	r = b.postJSON("/api/auth/login", `{"email":"bob@example.com","password":"builder"}`)
	must(t, r, 200, "/dashboard", "Welcome back, bob. You have 4 items in your cart.")
	bobID := b.cookie()
	if bobID == "" || bobID == guestID {
		t.Fatalf("the session ID was not regenerated at login: %q", bobID)
	}

	// Session fixation: the ID from before the login is dead.
	if _, ok := storedRecord(t, s, guestID); ok {
		t.Fatal("the pre-login session record is still stored")
	}
	old := b.withCookie(guestID)
	must(t, old.get("/api/user/profile"), 401, "")
	must(t, old.get("/cart"), 200, "/cart", "Cart for Guest", "Your cart is empty.")
	if r := old.send(old.raw, "GET", "/dashboard", "", ""); r.status != 302 || r.location != "/login" {
		t.Fatalf("the pre-login ID still opens the dashboard: %d %q", r.status, r.location)
	}

	// What the store holds: exactly the keys of the seed, loginTime as a Date.
	rec, ok := storedRecord(t, s, bobID)
	if !ok {
		t.Fatal("no record stored for the logged-in session")
	}
	var keys []string
	for _, e := range rec.Entries() {
		keys = append(keys, fmt.Sprint(e.Key))
	}
	slices.Sort(keys)
	if want := []string{session.MetaKey, "cartItems", "loginTime", "preferences", "role", "userId", "username"}; !slices.Equal(keys, want) {
		t.Fatalf("stored keys %v, want %v", keys, want)
	}
	checkNoExpiryOfItsOwn(t, rec)
	lt, _ := rec.Get("loginTime")
	if d, _ := lt.(*devalue.Object).Get("data"); fmt.Sprintf("%T", d) != "*devalue.Date" {
		t.Fatalf("loginTime is stored as %T, want a Date", d)
	}

	// Profile API.
	jsonEq(t, b.get("/api/user/profile"), `{"userId":"u2","username":"bob","preferences":{"theme":"light","lang":"en"}}`)
	r = b.send(b.hc, "PUT", "/api/user/profile", "application/json", `{"preferences":{"theme":"dark"}}`)
	jsonEq(t, r, `{"success":true,"preferences":{"theme":"dark","lang":"en"}}`)
	must(t, b.send(b.hc, "PUT", "/api/user/profile", "application/json", `{"preferences":{"theme":"pink"}}`), 400, "", "light or the dark theme")
	must(t, b.send(b.hc, "PUT", "/api/user/profile", "application/json", `{}`), 400, "", "Missing preferences")
	jsonEq(t, b.get("/api/user/profile"), `{"userId":"u2","username":"bob","preferences":{"theme":"dark","lang":"en"}}`)
	must(t, b.get("/dashboard"), 200, "/dashboard", `class="theme-dark"`, "Dark")

	// Settings form.
	must(t, b.postForm("/settings", url.Values{"theme": {"light"}, "lang": {"fr"}}), 200, "/settings?notice=saved",
		"Settings saved.", `<option value="fr" selected>Français</option>`, `<html lang="fr">`)
	must(t, b.postForm("/settings", url.Values{"theme": {"light"}, "lang": {"xx"}}), 400, "/settings", "Choose one of the languages")
	jsonEq(t, b.get("/api/user/profile"), `{"userId":"u2","username":"bob","preferences":{"theme":"light","lang":"fr"}}`)

	// Bob is no admin.
	if r := b.send(b.raw, "GET", "/admin", "", ""); r.status != 302 || r.location != "/dashboard" {
		t.Fatalf("GET /admin as a user: %d to %q, want 302 to /dashboard", r.status, r.location)
	}
	if strings.Contains(b.get("/dashboard").body, `href="/admin"`) {
		t.Fatal("the admin link is shown to a user")
	}

	// The cart page's forms run the actions without JavaScript.
	jsonEq(t, b.postJSON("/_actions/clearCart", ``), `{"success":true}`)
	must(t, b.get("/dashboard"), 200, "/dashboard", "Welcome back, bob. You have 0 items in your cart.")
	must(t, b.postForm("/cart?_action=addToCart", url.Values{"productId": {"stickers"}, "quantity": {"5"}}), 200,
		"/cart?notice=added", "Added to your cart.", "Cart for bob", `data-product="stickers"><td>Sticker pack</td><td class="num">5</td>`)
	// A customer's new cart, made after the old one was cleared, lives as long
	// as the session too.
	if rec, ok := storedRecord(t, s, b.cookie()); !ok {
		t.Fatal("no record stored for the customer")
	} else {
		checkNoExpiryOfItsOwn(t, rec)
	}
	must(t, b.postForm("/cart?_action=addToCart", url.Values{"productId": {"stickers"}, "quantity": {"x"}}), 400,
		"/cart?_action=addToCart", "Quantity: Expected an integer")
	must(t, b.get("/dashboard"), 200, "/dashboard", "You have 5 items in your cart.")
	must(t, b.postForm("/cart?_action=clearCart", nil), 200, "/cart?notice=cleared", "Your cart is empty.")

	// Logout destroys the session and its cookie.
	must(t, b.postForm("/api/auth/logout", nil), 200, "/?notice=loggedout", "You are logged out.")
	if c := b.cookie(); c != "" {
		t.Fatalf("the session cookie %q survived the logout", c)
	}
	if _, ok := storedRecord(t, s, bobID); ok {
		t.Fatal("the session record survived the logout")
	}
	must(t, b.get("/dashboard"), 200, "/login", "Log in")
	must(t, b.withCookie(bobID).get("/api/user/profile"), 401, "")

	// The login form: the admin needs her password and reaches /admin.
	must(t, b.postForm("/login", url.Values{"username": {"alice"}, "password": {"wrong"}}), 401, "/login", "Invalid username or password.")
	must(t, b.postForm("/login", url.Values{"username": {"alice"}, "password": {"wonderland"}}), 200, "/dashboard",
		"Welcome back, alice. You have 0 items in your cart.", `href="/admin"`)
	must(t, b.get("/admin"), 200, "/admin", "Admin", "in the store.", "alice@example.com")
	must(t, b.postForm("/api/auth/logout", nil), 200, "/?notice=loggedout")

	// Any other name signs in a shopper with the role user.
	must(t, b.postForm("/login", url.Values{"username": {"Zoë"}}), 200, "/dashboard", "Welcome back, Zoë.")
	if p := jsonOf(t, b.get("/api/user/profile")); p["username"] != "Zoë" || !strings.HasPrefix(fmt.Sprint(p["userId"]), "guest-") {
		t.Fatalf("shopper profile %v", p)
	}
	if r := b.send(b.raw, "GET", "/admin", "", ""); r.status != 302 || r.location != "/dashboard" {
		t.Fatalf("GET /admin as a shopper: %d to %q", r.status, r.location)
	}
	must(t, b.postForm("/login", url.Values{"username": {"<script>"}}), 400, "/login", "letters, digits")
}

// Concurrent adds to one cart all count, on the drivers with conditional writes.
// Concurrent adds to one cart all count, sent to one server or, on a shared
// store, alternately to two servers of the shop (two processes, each sending its
// writes against the record it saw last).
func TestConcurrentAddToCart(t *testing.T) {
	for _, dc := range driverCases(t) {
		t.Run(dc.name, func(t *testing.T) {
			cfg := dc.config(t)
			s, srv := startShop(t, cfg)
			if _, ok := s.mgr.Storage().(storage.Swapper); !ok {
				t.Skipf("the %s driver has no conditional write: the last writer wins", dc.name)
			}
			urls := []string{srv.URL}
			if dc.name != "memory" {
				_, srv2 := startShop(t, cfg)
				urls = append(urls, srv2.URL)
			}
			b := newBrowser(t, srv.URL)
			jsonEq(t, b.postJSON("/_actions/addToCart", `{"productId":"mug","quantity":1}`), `{"cartSize":1}`)
			const n = 24
			var wg sync.WaitGroup
			errs := make(chan string, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := b.hc.Post(urls[i%len(urls)]+"/_actions/addToCart", "application/json", strings.NewReader(`{"productId":"tee","quantity":1}`))
					if err != nil {
						errs <- err.Error()
						return
					}
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						errs <- fmt.Sprintf("status %d: %s", res.StatusCode, body)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			must(t, b.get("/cart"), 200, "/cart", fmt.Sprintf(`data-product="tee"><td>Rocket T-shirt</td><td class="num">%d</td>`, n),
				`data-product="mug"><td>Launch mug</td><td class="num">1</td>`)
		})
	}
}

// Without SESSION_SECURE=false the cookie is Secure, HttpOnly and SameSite=Lax.
func TestCookieFlags(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		h, cleanup, err := newServer(config{Driver: "memory", Insecure: insecure, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("POST", "/_actions/addToCart", strings.NewReader(`{"productId":"tee","quantity":1}`))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		cleanup()
		c := w.Header().Get("Set-Cookie")
		if !strings.HasPrefix(c, "astro-session=") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") || !strings.Contains(c, "Path=/") {
			t.Fatalf("Set-Cookie %q", c)
		}
		if strings.Contains(c, "Secure") == insecure {
			t.Fatalf("insecure=%v: Set-Cookie %q", insecure, c)
		}
	}
}

// A cross-site form post is refused before it reaches the session.
func TestCrossSitePostRefused(t *testing.T) {
	_, srv := startShop(t, config{Driver: "memory"})
	req, _ := http.NewRequest("POST", srv.URL+"/_actions/clearCart", strings.NewReader(""))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || res.Header.Get("Set-Cookie") != "" {
		t.Fatalf("status %d, Set-Cookie %q", res.StatusCode, res.Header.Get("Set-Cookie"))
	}
}

// A form posted to an action without an Origin header (not from a browser, or
// from a page that hides its origin) is refused, as by Astro's checkOrigin.
// JSON needs no Origin: a cross-site page cannot send it without a preflight.
func TestActionsCheckOrigin(t *testing.T) {
	_, srv := startShop(t, config{Driver: "memory"})
	for _, c := range []struct {
		ct, body, origin string
		status           int
	}{
		{"application/x-www-form-urlencoded", "productId=tee&quantity=1", "", 403},
		{"application/x-www-form-urlencoded", "productId=tee&quantity=1", "null", 403},
		{"text/plain", `{"productId":"tee","quantity":1}`, "", 403},
		{"application/x-www-form-urlencoded", "productId=tee&quantity=1", srv.URL, 200},
		{"application/json", `{"productId":"tee","quantity":1}`, "", 200},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/_actions/addToCart", strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ct)
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Fatalf("%s with Origin %q: status %d, want %d: %s", c.ct, c.origin, res.StatusCode, c.status, body)
		}
	}
}

// The JSON endpoints read JSON only when it is sent as application/json, and
// match its keys exactly.
func TestAPIContentType(t *testing.T) {
	_, srv := startShop(t, config{Driver: "memory"})
	b := newBrowser(t, srv.URL)
	login := `{"email":"bob@example.com","password":"builder"}`
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "", "application/jsonx"} {
		must(t, b.send(b.hc, "POST", "/api/auth/login", ct, login), 415, "", `"error":"Send JSON with Content-Type: application/json"`)
	}
	if b.cookie() != "" {
		t.Fatal("a refused login set a session cookie")
	}
	must(t, b.send(b.hc, "POST", "/api/auth/login", "application/json", `{"EMAIL":"bob@example.com","password":"builder"}`), 401, "", "Invalid credentials")
	must(t, b.send(b.hc, "POST", "/api/auth/login", "Application/JSON; charset=utf-8", login), 200, "/dashboard")
	for _, ct := range []string{"text/plain", ""} {
		must(t, b.send(b.hc, "PUT", "/api/user/profile", ct, `{"preferences":{"theme":"dark"}}`), 415, "")
	}
	must(t, b.send(b.hc, "PUT", "/api/user/profile", "application/json", `{"preferences":{"theme":"dark","THEME":"pink"}}`), 200, "")
	must(t, b.send(b.hc, "PUT", "/api/user/profile", "application/json", `{"Preferences":{"theme":"light"}}`), 400, "", "Missing preferences")
	jsonEq(t, b.get("/api/user/profile"), `{"userId":"u2","username":"bob","preferences":{"theme":"dark","lang":"en"}}`)
}

func TestLoadConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := loadConfig(nil, env(nil), io.Discard)
	if err != nil || cfg.Addr != "127.0.0.1:4321" || cfg.Driver != "fs-lite" || cfg.Insecure {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = loadConfig([]string{"-addr", ":9000"}, env(map[string]string{"ADDR": ":8000", "SESSION_DRIVER": "memory", "SESSION_SECURE": "false"}), io.Discard)
	if err != nil || cfg.Addr != ":9000" || cfg.Driver != "memory" || !cfg.Insecure {
		t.Fatalf("flags over env: %+v %v", cfg, err)
	}
	if _, err := loadConfig(nil, env(map[string]string{"SESSION_SECURE": "maybe"}), io.Discard); err == nil {
		t.Fatal("SESSION_SECURE=maybe accepted")
	}
	if _, err := loadConfig([]string{"extra"}, env(nil), io.Discard); err == nil {
		t.Fatal("extra argument accepted")
	}
	for _, c := range []config{{Driver: "redis"}, {Driver: "postgres"}} {
		if _, _, err := newServer(c); err == nil || !strings.Contains(err.Error(), "_URL") {
			t.Fatalf("%s without URL: %v", c.Driver, err)
		}
	}
	if _, _, err := newServer(config{Driver: "nosuch"}); err == nil {
		t.Fatal("unknown driver accepted")
	}
	opts, _ := config{Driver: "fs-lite", Base: "/x"}.driverOptions()
	if opts["base"] != "/x" {
		t.Fatalf("%v", opts)
	}
	cfg, err = loadConfig(nil, env(map[string]string{"SESSION_DRIVER": "netlify-blobs", "SESSION_OPTIONS": `{"siteID":"s","token":"t","consistency":"strong"}`}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if opts, _ := cfg.driverOptions(); opts["siteID"] != "s" || opts["consistency"] != "strong" || len(opts) != 3 {
		t.Fatalf("SESSION_OPTIONS: %v", opts)
	}
	for _, bad := range []string{"[]", "null", "{", `"x"`} {
		if _, err := loadConfig(nil, env(map[string]string{"SESSION_OPTIONS": bad}), io.Discard); err == nil {
			t.Fatalf("SESSION_OPTIONS=%s accepted", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	if _, ok := authenticate("ALICE@example.com ", "wonderland"); !ok {
		t.Fatal("alice's password rejected")
	}
	for _, bad := range []string{"", "wonderlan", "Wonderland", "builder"} {
		if _, ok := authenticate("alice@example.com", bad); ok {
			t.Fatalf("password %q accepted", bad)
		}
	}
	for _, enc := range []string{"", "x", "pbkdf2-sha256$0$AA$AA", "pbkdf2-sha256$1$!!$AA", "md5$1$AA$AA", "pbkdf2-sha256$99999999999$AA$AA"} {
		if checkPassword(enc, "") {
			t.Fatalf("%q accepted", enc)
		}
	}
}
