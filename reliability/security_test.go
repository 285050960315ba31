package reliability

import (
	"context"
	"fmt"
	"math/bits"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/storage"
	fsstore "github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/postgres"
	"github.com/goastro/session/storage/redis"
)

// loginApp is a small site: POST /login regenerates the session and signs the
// user in, GET /me tells who is signed in, POST /logout destroys the session,
// POST /visit sets a key.
func loginApp(t *testing.T, d storage.Driver, cfg session.Config) *app {
	a := newApp(t, d, cfg)
	a.mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if err := s.Regenerate(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		user := r.URL.Query().Get("user")
		if err := s.Set("userId", user); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := s.SetUser(user); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprint(w, "welcome ", user)
	})
	a.mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		u, _, err := session.Get[string](s, "userId")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		bound, err := s.User()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintf(w, "user=%s bound=%s", u, bound)
	})
	a.mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r.Context()).Destroy(); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	a.mux.HandleFunc("POST /visit", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r.Context()).Set("visited", true); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	return a
}

// Session fixation: an ID the client chose is never adopted, and an ID
// planted before login is worthless after it.
func TestSessionFixation(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			d := dc.open(t)
			a := loginApp(t, d, session.Config{})
			ctx := context.Background()

			// 1. A well-formed ID that the server never issued.
			chosen := session.NewID()
			r := a.mustDo("POST", "/visit", "", cookie(chosen))
			got, ok := r.sessionCookie()
			if r.status != 200 || !ok || got == chosen || !session.ValidID(got) {
				t.Errorf("attacker-chosen ID: status %d, Set-Cookie ID %q (chosen %q)", r.status, got, chosen)
			}
			if _, ok, _ := d.Get(ctx, chosen); ok {
				t.Errorf("a record was stored under the attacker-chosen ID")
			}
			r = a.mustDo("POST", "/login?user=victim", "", cookie(chosen))
			if id, _ := r.sessionCookie(); id == chosen {
				t.Errorf("login adopted the attacker-chosen ID")
			}

			// 2. An ID the server did issue (the attacker's own visit), planted
			// in the victim's browser before the victim signs in.
			r = a.mustDo("POST", "/visit", "")
			planted, _ := r.sessionCookie()
			r = a.mustDo("POST", "/login?user=victim", "", cookie(planted))
			victim, ok := r.sessionCookie()
			if r.status != 200 || !ok || victim == planted {
				t.Fatalf("login with a planted ID: status %d, ID %q (planted %q)", r.status, victim, planted)
			}
			if r := a.mustDo("GET", "/me", "", cookie(victim)); r.body != "user=victim bound=victim" {
				t.Errorf("the victim's new session: %q", r.body)
			}
			r = a.mustDo("GET", "/me", "", cookie(planted))
			if r.body != "user= bound=" {
				t.Errorf("the planted ID still reaches the signed-in session: %q", r.body)
			}
			if _, ok, _ := d.Get(ctx, planted); ok {
				t.Errorf("Regenerate left the old record in the store")
			}

			// 3. After logout the ID is dead too.
			a.mustDo("POST", "/logout", "", cookie(victim))
			if r := a.mustDo("GET", "/me", "", cookie(victim)); r.body != "user= bound=" {
				t.Errorf("the ID still works after logout: %q", r.body)
			}
			if _, ok, _ := d.Get(ctx, victim); ok {
				t.Errorf("Destroy left the record in the store")
			}
		})
	}
}

// Session IDs are version 4 UUIDs in lowercase, all distinct, with 122 random
// bits that are each set about half the time.
func TestIDFormatAndEntropy(t *testing.T) {
	const n = 20000
	format := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := make(map[string]bool, n)
	prefixes := make(map[string]bool, n)
	var ones [128]int
	for range n {
		id := session.NewID()
		if !format.MatchString(id) || !session.ValidID(id) {
			t.Fatalf("malformed ID %q", id)
		}
		if seen[id] || prefixes[id[:18]] {
			t.Fatalf("ID %q repeats (or shares its first 64 bits with another)", id)
		}
		seen[id], prefixes[id[:18]] = true, true
		hexDigits := strings.ReplaceAll(id, "-", "")
		for i := 0; i < 32; i++ {
			var v uint8
			fmt.Sscanf(hexDigits[i:i+1], "%x", &v)
			for b := 0; b < 4; b++ {
				if v&(8>>b) != 0 {
					ones[i*4+b]++
				}
			}
		}
	}
	// Bits 48-51 hold the version (0100), bits 64-65 the variant (10).
	fixed := map[int]int{48: 0, 49: n, 50: 0, 51: 0, 64: n, 65: 0}
	random := 0
	for bit, c := range ones {
		if want, ok := fixed[bit]; ok {
			if c != want {
				t.Errorf("bit %d is set in %d IDs, want %d", bit, c, want)
			}
			continue
		}
		random++
		// Binomial(n, 1/2): standard deviation sqrt(n)/2 ≈ 71; allow 6.
		if d := c - n/2; d < -425 || d > 425 {
			t.Errorf("bit %d is set in %d of %d IDs: not random", bit, c, n)
		}
	}
	if random != 122 {
		t.Errorf("%d random bits, want 122", random)
	}
	// Consecutive IDs share about half their bits (no counter, no clock).
	prev := session.NewID()
	total := 0
	for range 1000 {
		id := session.NewID()
		total += hammingHex(prev, id)
		prev = id
	}
	if avg := float64(total) / 1000; avg < 55 || avg > 67 {
		t.Errorf("consecutive IDs differ in %.1f bits on average, want about 61", avg)
	}
	// The IDs handed out in cookies are of the same kind.
	a := newApp(t, allDrivers[0].open(t), session.Config{})
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { session.From(r.Context()).Set("k", 1) })
	issued := map[string]bool{}
	for range 200 {
		id, ok := a.mustDo("GET", "/", "").sessionCookie()
		if !ok || !format.MatchString(id) || issued[id] {
			t.Fatalf("issued ID %q (ok %v, repeated %v)", id, ok, issued[id])
		}
		issued[id] = true
	}
}

func hammingHex(a, b string) int {
	n := 0
	for i := 0; i < len(a); i++ {
		n += bits.OnesCount8(hexVal(a[i]) ^ hexVal(b[i]))
	}
	return n
}

func hexVal(c byte) uint8 {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 0
}

// The session cookie carries HttpOnly, Secure (unless turned off),
// SameSite=Lax and Path=/ by default, no Domain, and the configured
// attributes otherwise; logging out sends Astro's removal cookie. A request
// that does not use its session gets no cookie at all.
func TestCookieAttributes(t *testing.T) {
	serve := func(cfg session.Config, path string, cookies ...string) *http.Response {
		ip := newInProcess(t, allDrivers[0].open(t), cfg, func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r.Context())
			switch r.URL.Path {
			case "/set":
				s.Set("k", "v")
			case "/destroy":
				s.Destroy()
			}
		})
		if len(cookies) == 0 && path == "/destroy" {
			w := ip.serve("POST", "/set")
			id, _ := setCookieID(w)
			cookies = []string{cookie(id)}
		}
		return ip.serve("POST", path, cookies...).Result()
	}
	idPattern := `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`
	cases := []struct {
		name string
		cfg  session.Config
		path string
		want string // regexp of the whole Set-Cookie line; "" for none
	}{
		{"default", session.Config{}, "/set", `^astro-session=` + idPattern + `; Path=/; HttpOnly; Secure; SameSite=Lax$`},
		{"insecure", session.Config{Cookie: session.CookieConfig{Insecure: true}}, "/set", `^astro-session=` + idPattern + `; Path=/; HttpOnly; SameSite=Lax$`},
		{"configured", session.Config{Cookie: session.CookieConfig{Name: "sid", Domain: "example.com", Path: "/app", MaxAge: 3600, SameSite: http.SameSiteStrictMode}}, "/set",
			`^sid=` + idPattern + `; Max-Age=3600; Domain=example.com; Path=/app; HttpOnly; Secure; SameSite=Strict$`},
		{"logout", session.Config{}, "/destroy", `^astro-session=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax$`},
		{"untouched", session.Config{}, "/none", ""},
		{"untouched with a cookie", session.Config{}, "/none", ""},
	}
	for _, c := range cases {
		var res *http.Response
		if c.name == "untouched with a cookie" {
			res = serve(c.cfg, c.path, cookie(session.NewID()))
		} else {
			res = serve(c.cfg, c.path)
		}
		lines := res.Header.Values("Set-Cookie")
		if c.want == "" {
			if len(lines) != 0 {
				t.Errorf("%s: Set-Cookie %q, want none", c.name, lines)
			}
			continue
		}
		if len(lines) != 1 || !regexp.MustCompile(c.want).MatchString(lines[0]) {
			t.Errorf("%s: Set-Cookie %q, want %s", c.name, lines, c.want)
		}
		if !strings.Contains(res.Header.Get("Vary"), "Cookie") {
			t.Errorf("%s: no Vary: Cookie on a response that depends on the session", c.name)
		}
	}
	// SameSite=None without Secure is refused at configuration.
	if _, err := session.New(session.Config{Driver: "memory", Cookie: session.CookieConfig{SameSite: http.SameSiteNoneMode, Insecure: true}}); err == nil {
		t.Errorf("SameSite=None with Insecure was accepted")
	}
}

// No session ID, session value or store password appears in the logs of a
// failing run: a store that goes down (Redis with a password, killed), a
// corrupt record, an oversized record, a PostgreSQL server that cannot be
// reached with a password in its URL.
func TestNoSecretsInLogs(t *testing.T) {
	const password = "pw-9c1e7d3b5a"
	const secretValue = "card-4111-1111-1111-1111"
	srv := startRedisProc(t)
	if _, err := testRedisCommand(srv.addr(), "CONFIG", "SET", "requirepass", password); err != nil {
		t.Fatal(err)
	}
	rd, err := redis.Open(redis.Options{URL: "redis://:" + password + "@" + srv.addr() + "/0", DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rd.Close() })
	a := newApp(t, rd, session.Config{MaxRecordSize: 2048})
	appLog := a.logs.logger()
	// GET / reads and writes, and logs the errors it gets as applications do;
	// GET /w only writes, so a failure is the middleware's to log.
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if _, err := s.Get("card"); err != nil {
			appLog.Error("app: reading the session", "error", err)
			http.Error(w, "failed", http.StatusServiceUnavailable)
			return
		}
		if err := s.Set("card", secretValue+r.URL.Query().Get("pad")); err != nil {
			appLog.Error("app: writing the session", "error", err)
			http.Error(w, "failed", http.StatusServiceUnavailable)
		}
	})
	a.mux.HandleFunc("/w", func(w http.ResponseWriter, r *http.Request) {
		session.From(r.Context()).Set("card", secretValue)
	})
	var ids []string
	for range 5 {
		id, _ := a.mustDo("GET", "/", "").sessionCookie()
		ids = append(ids, id)
	}
	// Oversized: a Set over the limit, and a save over the limit.
	a.mustDo("GET", "/?pad="+strings.Repeat("x", 4000), "", cookie(ids[0]))
	// Corrupt: a record that does not parse, holding the secret.
	if err := rd.Set(context.Background(), ids[1], `[["Map",1,2],"card",{"data":3},"`+secretValue, 0); err != nil {
		t.Fatal(err)
	}
	a.mustDo("GET", "/", "", cookie(ids[1]))
	// The store goes down.
	srv.crash(t)
	for _, id := range ids {
		for _, path := range []string{"/", "/w"} {
			if r := a.mustDo("GET", path, "", cookie(id)); r.status < 500 {
				t.Errorf("%s: status %d while Redis is down", path, r.status)
			}
		}
	}
	// PostgreSQL unreachable: the error names the server, not the password.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, pgErr := postgres.Open(ctx, postgres.Options{URL: fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/test?sslmode=disable&connect_timeout=2", password, freeLoopbackPort(t))})
	if pgErr == nil {
		t.Fatal("postgres.Open succeeded against a closed port")
	}
	a.logs.logger().Error("app: store unavailable", "error", pgErr)

	logs := a.logs.String()
	if !strings.Contains(logs, "level=ERROR") {
		t.Fatalf("the failing run logged no error:\n%s", logs)
	}
	logs += redisClientLog.String()
	for _, id := range ids {
		if strings.Contains(logs, id) {
			t.Errorf("the logs contain the session ID %s:\n%s", id, linesWith(logs, id))
		}
	}
	for _, secret := range []string{secretValue, password} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain the secret %q:\n%s", secret, linesWith(logs, secret))
		}
	}
}

// The same for the fs driver when its folder is gone (replaced by a file):
// the errors name the session by a fingerprint, not by its ID or its path.
func TestNoSecretsInLogsFS(t *testing.T) {
	base := filepath.Join(t.TempDir(), "store")
	d, err := fsstore.New(fsstore.Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	a := newApp(t, d, session.Config{})
	appLog := a.logs.logger()
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if _, err := s.Get("card"); err != nil {
			appLog.Error("app: reading the session", "error", err)
			http.Error(w, "failed", http.StatusServiceUnavailable)
			return
		}
		s.Set("card", "card-4111-1111-1111-1111")
	})
	a.mux.HandleFunc("/w", func(w http.ResponseWriter, r *http.Request) {
		session.From(r.Context()).Set("card", "card-4111-1111-1111-1111")
	})
	var ids []string
	for range 3 {
		id, _ := a.mustDo("GET", "/", "").sessionCookie()
		ids = append(ids, id)
	}
	if err := os.RemoveAll(base); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		for _, path := range []string{"/", "/w"} {
			if r := a.mustDo("GET", path, "", cookie(id)); r.status < 500 {
				t.Errorf("%s: status %d with the store folder gone", path, r.status)
			}
		}
	}
	logs := a.logs.String()
	if !strings.Contains(logs, "level=ERROR") {
		t.Fatalf("the failing run logged no error:\n%s", logs)
	}
	for _, id := range ids {
		if strings.Contains(logs, id) {
			t.Errorf("the logs contain the session ID %s:\n%s", id, linesWith(logs, id))
		}
	}
	if strings.Contains(logs, "4111") {
		t.Errorf("the logs contain session data:\n%s", linesWith(logs, "4111"))
	}
}

// An unknown ID, an ID whose record expired in the store, an ID whose entries
// have all expired, an ID past its idle timeout and a destroyed ID all get
// the same answer: the response does not tell an attacker which IDs once
// existed.
func TestUnknownAndExpiredIDsLookAlike(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			d := dc.open(t)
			ctx := context.Background()
			a := loginApp(t, d, session.Config{IdleTimeout: 3 * time.Second})
			a.mux.HandleFunc("GET /peek", func(w http.ResponseWriter, r *http.Request) {
				v, err := session.From(r.Context()).Get("userId")
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				fmt.Fprint(w, "user=", v)
			})
			login := func() string {
				id, ok := a.mustDo("POST", "/login?user=alice", "").sessionCookie()
				if !ok {
					t.Fatal("no session")
				}
				return id
			}
			ids := map[string]string{"unknown": session.NewID()}
			// The record expires in the store.
			storeExpired := session.NewID()
			if err := d.Set(ctx, storeExpired, `[["Map",1,2],"userId",{"data":3},"alice"]`, time.Second); err != nil {
				t.Fatal(err)
			}
			ids["expired in the store"] = storeExpired
			// Every entry expired (the record is still stored).
			entriesExpired := session.NewID()
			if err := d.Set(ctx, entriesExpired, `[["Map",1,2],"userId",{"data":3,"expires":4},"alice",1000]`, 0); err != nil {
				t.Fatal(err)
			}
			ids["entries expired"] = entriesExpired
			ids["idle"] = login()
			destroyed := login()
			a.mustDo("POST", "/logout", "", cookie(destroyed))
			ids["destroyed"] = destroyed
			time.Sleep(3500 * time.Millisecond)

			shape := func(r reply, id string) string {
				var names []string
				for k := range r.header {
					if k != "Date" && k != "Content-Length" {
						names = append(names, k)
					}
				}
				sortStrings(names)
				setCookie := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`).
					ReplaceAllString(strings.Join(r.header.Values("Set-Cookie"), "\n"), "<id>")
				if got, _ := r.sessionCookie(); got == id {
					setCookie += " (same ID)"
				}
				return fmt.Sprintf("%d %v %q %q", r.status, names, setCookie, r.body)
			}
			for _, path := range []string{"GET /peek", "GET /me", "POST /visit"} {
				method, p, _ := strings.Cut(path, " ")
				want := ""
				for _, name := range []string{"unknown", "expired in the store", "entries expired", "idle", "destroyed"} {
					r := a.mustDo(method, p, "", cookie(ids[name]))
					got := shape(r, ids[name])
					if name == "unknown" {
						want = got
						continue
					}
					if got != want {
						t.Errorf("%s with an ID that is %s:\n got %s\nwant %s (as for an unknown ID)", path, name, got, want)
					}
				}
			}
		})
	}
}

// A logout, or a Regenerate, in one request while another request of the
// same session is running: the old ID never comes back, and the running
// request cannot leave the browser signed in.
func TestEndSessionDuringRequest(t *testing.T) {
	for _, end := range []string{"/logout", "/login?user=erin"} {
		for _, dc := range allDrivers {
			t.Run(strings.TrimPrefix(end, "/")+"/"+dc.name, func(t *testing.T) {
				d := dc.open(t)
				a := loginApp(t, d, session.Config{})
				loaded, release := make(chan struct{}), make(chan struct{})
				a.mux.HandleFunc("POST /slow", func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r.Context())
					if _, err := s.Get("userId"); err != nil {
						http.Error(w, err.Error(), 500)
						return
					}
					close(loaded)
					<-release
					if err := s.Set("cart", []string{"tee"}); err != nil {
						http.Error(w, err.Error(), 500)
					}
				})
				id, _ := a.mustDo("POST", "/login?user=erin", "").sessionCookie()
				done := make(chan reply, 1)
				go func() { done <- a.mustDo("POST", "/slow", "", cookie(id)) }()
				<-loaded
				ended := a.mustDo("POST", end, "", cookie(id))
				close(release)
				r := <-done
				if _, ok, _ := d.Get(context.Background(), id); ok {
					t.Errorf("the old ID %s came back after %s", id, end)
				}
				after, ok := r.sessionCookie()
				if !ok {
					after = id
				}
				if after == id {
					t.Errorf("the running request kept the old ID")
				}
				want := "user= bound="
				if end != "/logout" {
					// After a Regenerate the new ID holds the login; the running
					// request's session must not (it is not the new ID).
					if nid, _ := ended.sessionCookie(); nid == after {
						t.Fatalf("the running request landed on the regenerated ID")
					}
				}
				if me := a.mustDo("GET", "/me", "", cookie(after)); me.body != want {
					t.Errorf("after %s, the session the running request left says %q, want %q", end, me.body, want)
				}
			})
		}
	}
}
