package interop

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	session "github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
	_ "github.com/goastro/session/storage/cloudflarekv" // registers "cloudflare-kv"
)

// astroCloudflare is the app built for Cloudflare Workers (astro/cloudflare): the
// shared sources, the newest Astro and @astrojs/cloudflare, whose default session
// driver is unstorage's cloudflare-kv-binding on the KV binding SESSION. Its
// astro/cloudflare/serve.mjs runs a build in workerd (miniflare, with the options
// wrangler derives from the build) together with a Worker that serves the same
// KV namespace under Cloudflare's KV REST API paths
// (storage/testdata/platform/cloudflare-kv-api.js), on one port: /client/v4/...
// is the REST API, everything else is Astro. The Go side reaches the namespace
// with the cloudflare-kv driver through that API, as a Go service reaches a real
// namespace through api.cloudflare.com.
var astroCloudflare = &astroApp{name: "astro-cloudflare", dir: "astro/cloudflare", node: "./node_modules/node/bin/node"}

const (
	cfAccount   = "0123456789abcdef0123456789abcdef"
	cfNamespace = "5e5510b5e5510b5e5510b5e5510b5e55"
	cfToken     = "interop-kv-token"
)

// kvNamespace is a KV namespace reached through Cloudflare's KV REST API.
type kvNamespace struct {
	api string // the API's origin
}

// options are the Go driver's options for the namespace (no base: the keys are
// the session IDs, as Astro's Cloudflare adapter stores them).
func (n *kvNamespace) options() map[string]any {
	return map[string]any{"accountId": cfAccount, "namespaceId": cfNamespace, "apiToken": cfToken, "apiURL": n.api}
}

// get sends a GET to the namespace's REST path and returns the status and body.
func (n *kvNamespace) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", n.api+"/client/v4/accounts/"+cfAccount+"/storage/kv/namespaces/"+cfNamespace+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+cfToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// raw returns the value stored under a session ID, byte for byte.
func (n *kvNamespace) raw(t *testing.T, id string) (string, bool) {
	t.Helper()
	status, data := n.get(t, "/values/"+url.PathEscape(id))
	switch status {
	case http.StatusOK:
		return string(data), true
	case http.StatusNotFound:
		return "", false
	}
	t.Fatalf("GET values/%s: status %d: %s", id, status, data)
	return "", false
}

// kvKey is one key of a namespace listing: its name and its expiry in epoch
// seconds (0: none).
type kvKey struct {
	Name       string `json:"name"`
	Expiration int64  `json:"expiration"`
}

// keys lists the whole namespace.
func (n *kvNamespace) keys(t *testing.T) []kvKey {
	t.Helper()
	status, data := n.get(t, "/keys")
	var env struct {
		Success bool    `json:"success"`
		Result  []kvKey `json:"result"`
	}
	if err := json.Unmarshal(data, &env); status != http.StatusOK || err != nil || !env.Success {
		t.Fatalf("GET keys: status %d (%v): %s", status, err, data)
	}
	return env.Result
}

// expiration returns the KV expiry of a session's key (0: none) and whether the
// key is listed.
func (n *kvNamespace) expiration(t *testing.T, id string) (int64, bool) {
	t.Helper()
	for _, k := range n.keys(t) {
		if k.Name == id {
			return k.Expiration, true
		}
	}
	return 0, false
}

// startCloudflare runs a build (distDefault, distCustomCookie) of the Cloudflare
// app with a fresh KV namespace, until the test ends.
func startCloudflare(t *testing.T, build string) (server, store) {
	t.Helper()
	dir, _ := astroCloudflare.prepare(t)
	origin := testenv.StartNodeServer(t, dir, "serve.mjs", build, cfAccount, cfNamespace, cfToken)
	return server{name: astroCloudflare.name, url: origin}, store{driver: "cloudflare-kv", kv: &kvNamespace{api: origin}}
}

// startGoKV runs a Go server on the KV namespace through the REST API.
func startGoKV(t *testing.T, st store, expected map[string]map[string]string, typeKeys []string, configure func(*session.Config)) server {
	t.Helper()
	g, _ := startGoWith(t, "cloudflare-kv", st, expected, typeKeys, func(c *session.Config) {
		c.Options = st.kv.options()
		if configure != nil {
			configure(c)
		}
	})
	return g
}

// newCloudflareShared starts the Cloudflare app and a Go server on one KV
// namespace.
func newCloudflareShared(t *testing.T) *shared {
	t.Helper()
	astro, st := startCloudflare(t, distDefault)
	sh := &shared{app: astroCloudflare, st: st, astro: astro, expected: map[string]map[string]string{}}
	b := newBrowser(t)
	for _, set := range []string{"shop", "types", "native"} {
		keys, values := sh.astro.expected(b, set)
		sh.expected[set] = values
		switch set {
		case "shop":
			sh.shopKeys = keys
		case "types":
			sh.typeKeys = keys
		}
	}
	sh.gos = []server{startGoKV(t, st, sh.expected, sh.typeKeys, nil)}
	return sh
}

// TestCloudflareSharedSessions runs the scenarios of TestSharedSessions (same
// cookie, every type, plain Go values, delete, regenerate, destroy, load, both
// writing) between Astro on Cloudflare's runtime, using its KV binding, and the
// Go server on the same namespace through the REST API, in both directions.
func TestCloudflareSharedSessions(t *testing.T) { sharedSessions(t, newCloudflareShared(t)) }

// TestCloudflareRecordFormat pins what Astro stores through the binding, read
// back through the REST API: the bare session ID as the key, the devalue text
// as the value, no KV expiry; and that the Go side stores the same.
func TestCloudflareRecordFormat(t *testing.T) {
	sh := newCloudflareShared(t)
	kv := sh.st.kv
	const want = `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`
	var ids []string
	for _, s := range []server{sh.astro, sh.gos[0]} {
		b := newBrowser(t)
		s.set(b, entryIn{Key: "cart", Value: `[[1,2],"sku-1","sku-2"]`})
		id := b.session()
		if got, want := b.sessionCookie(), cookieName+"="+id+"; Path=/; HttpOnly; Secure; SameSite=Lax"; got != want {
			t.Errorf("%s: Set-Cookie\n got %s\nwant %s", s.name, got, want)
		}
		if rec, ok := kv.raw(t, id); !ok || rec != want {
			t.Errorf("%s: record under the key %s (found %v)\n got %s\nwant %s", s.name, id, ok, rec, want)
		}
		if exp, ok := kv.expiration(t, id); !ok || exp != 0 {
			t.Errorf("%s: key %s listed %v with expiration %d, want listed without one", s.name, id, ok, exp)
		}
		ids = append(ids, id)
	}
	var names []string
	for _, k := range kv.keys(t) {
		names = append(names, k.Name)
	}
	slices.Sort(names)
	slices.Sort(ids)
	if !slices.Equal(names, ids) {
		t.Errorf("namespace keys %q, want the two session IDs %q and nothing else", names, ids)
	}
}

// TestCloudflareSameRecord runs the same requests against Astro and the Go
// server, each on a fresh session, and compares the values they leave in KV
// byte for byte.
func TestCloudflareSameRecord(t *testing.T) { sameRecord(t, newCloudflareShared(t)) }

// TestCloudflareSharedTTL runs the TTL checks of TestSharedTTL between Astro on
// Cloudflare's runtime and the Go server on the same namespace.
func TestCloudflareSharedTTL(t *testing.T) { sharedTTL(t, newCloudflareShared(t)) }

// TestCloudflareKVExpiry: KV expires a key 60 s after a write at the soonest.
// The Go side gives a record whose entries all expire a KV expiry of 60 s, and
// none to a record with a key without TTL; Astro gives none; and a write of a
// key without TTL on either side (for Astro, a put without expirationTtl)
// clears it, so the record stays.
func TestCloudflareKVExpiry(t *testing.T) {
	ttl := 1.0
	sh := newCloudflareShared(t)
	g := sh.gos[0]
	kv := sh.st.kv
	for _, dir := range [][2]server{{sh.astro, g}, {g, sh.astro}} {
		w, r := dir[0], dir[1]
		name := w.name + "→" + r.name
		b := newBrowser(t)
		w.set(b, entryIn{Key: "keep", Value: `["kept"]`}, entryIn{Key: "flash", Value: `["gone soon"]`, TTL: &ttl})
		if exp, _ := kv.expiration(t, b.session()); exp != 0 {
			t.Errorf("%s: a record with a key without TTL has the KV expiration %d", name, exp)
		}

		b = newBrowser(t)
		before := time.Now().Unix()
		w.set(b, entryIn{Key: "flash", Value: `["gone soon"]`, TTL: &ttl})
		exp, _ := kv.expiration(t, b.session())
		if w == g {
			if exp < before+60 || exp > time.Now().Unix()+61 {
				t.Errorf("%s: KV expiration %d of a record whose entries all expire in 1 s, want 60 s from the write (%d)", name, exp, before+60)
			}
		} else if exp != 0 {
			t.Errorf("%s: Astro gave its record the KV expiration %d", name, exp)
		}
		r.set(b, entryIn{Key: "keep", Value: `["kept"]`})
		if exp, _ := kv.expiration(t, b.session()); exp != 0 {
			t.Errorf("%s, then %s set keep (no TTL): KV expiration %d remains", name, r.name, exp)
		}
	}
}

// TestCloudflareSetCookie compares the Set-Cookie lines of Astro on Cloudflare
// and of the Go server when a session starts, is regenerated, is loaded and is
// destroyed: with the default cookie, and with one that sets every option that
// Astro's configuration has.
func TestCloudflareSetCookie(t *testing.T) {
	for _, build := range builds {
		t.Run(build, func(t *testing.T) {
			name := cookieName
			var configure func(*session.Config)
			if build == distCustomCookie {
				name = "shop_sid"
				configure = func(c *session.Config) {
					c.Cookie = session.CookieConfig{Name: name, Domain: "example.test", Path: "/", MaxAge: 3600, SameSite: http.SameSiteStrictMode}
				}
			}
			astro, st := startCloudflare(t, build)
			g := startGoKV(t, st, nil, nil, configure)
			capture := func(s server) map[string]string {
				got := map[string]string{}
				b := newBrowser(t)
				b.do("POST", s.url+"/api/set", map[string]any{"entries": []entryIn{{Key: "k", Value: `["v"]`}}}, nil)
				got["start"] = b.cookieLine(name)
				if id := b.cookies[name]; !uuidV4.MatchString(id) {
					t.Fatalf("%s: cookie %s = %q", s.name, name, id)
				}
				b.do("POST", s.url+"/api/regenerate", nil, nil)
				got["regenerate"] = b.cookieLine(name)
				other := newBrowser(t)
				other.do("POST", s.url+"/api/load", map[string]any{"id": b.cookies[name]}, nil)
				got["load"] = other.cookieLine(name)
				b.do("POST", s.url+"/api/destroy", nil, nil)
				got["destroy"] = b.cookieLine(name)
				return got
			}
			want, got := capture(astro), capture(g)
			for _, step := range []string{"start", "regenerate", "load", "destroy"} {
				compareSetCookie(t, step, want[step], got[step], g.name)
			}
		})
	}
}
