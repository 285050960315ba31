package interop

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	session "github.com/goastro/session"
)

// put stores a record under a session ID directly in the store.
func (s store) put(t *testing.T, id, rec string) {
	t.Helper()
	if s.driver == "fs" {
		if err := os.WriteFile(filepath.Join(s.dir, id), []byte(rec), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	c := redis.NewClient(&redis.Options{Addr: s.redis})
	defer c.Close()
	if err := c.Set(context.Background(), s.key(id), rec, 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestCorruptRecord: a record that is not devalue text of a Map is removed by
// both sides. Astro answers the request with 500 and deletes the cookie; the
// library treats it like an unknown ID: the request goes on with an empty new
// session, and the cookie is replaced at the next write.
func TestCorruptRecord(t *testing.T) {
	const id = "0f8fad5b-d9cb-469f-a165-70867728950e"
	const deleted = cookieName + "=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax"
	records := map[string]string{
		"truncated":  `[["Map",1,2],"cart",{"data":3,"expir`,
		"not a Map":  `[["Set",1],"x"]`,
		"plain JSON": `{"cart":["sku-1"]}`,
	}
	eachShared(t, func(t *testing.T, sh *shared) {
		for name, rec := range records {
			t.Run(name, func(t *testing.T) {
				for _, s := range append([]server{sh.astro}, sh.gos...) {
					sh.st.put(t, id, rec)
					b := newBrowser(t)
					b.cookies[cookieName] = id
					status, body := b.try("GET", s.url+"/api/session", nil)
					c := b.sessionCookie()
					if s == sh.astro {
						if status != http.StatusInternalServerError || c != deleted {
							t.Errorf("%s: status %d, Set-Cookie %q; want 500 and %q: %s", s.name, status, c, deleted, body)
						}
					} else {
						var v sessionView
						if status != http.StatusOK || json.Unmarshal(body, &v) != nil || len(v.Keys) != 0 || str(v.ID) == id || c != "" {
							t.Errorf("%s: status %d, Set-Cookie %q: %s; want 200, an empty session with a new ID, no cookie", s.name, status, c, body)
						}
						s.set(b, entryIn{Key: "k", Value: `["v"]`})
						if b.session() == id || !uuidV4.MatchString(b.session()) {
							t.Errorf("%s: the first write after a corrupt record kept the cookie %q", s.name, b.session())
						}
					}
					sh.st.waitGone(t, id)
				}
			})
		}
	})
}

// TestCookieValues: what each side does with a session cookie that is not a
// lowercase v4 UUID. Astro 5 adopts any value as the session ID (and storage
// key); Astro 7 and the library replace it with a new ID, so a session that Astro
// 5 keeps under such a value is not shared.
//
// An uppercase UUID cookie whose record exists is read by Astro (its check is
// case-insensitive) but not by the library, which takes lowercase IDs only; both
// sides only ever make lowercase IDs.
func TestCookieValues(t *testing.T) {
	const upper = "0F8FAD5B-D9CB-469F-A165-70867728950E"
	eachShared(t, func(t *testing.T, sh *shared) {
		for _, value := range []string{"not-a-uuid", upper} {
			for _, s := range append([]server{sh.astro}, sh.gos...) {
				sh.st.remove(t, value)
				b := newBrowser(t)
				b.cookies[cookieName] = value
				s.set(b, entryIn{Key: "k", Value: `["v"]`})
				_, stored := sh.st.raw(t, value)
				adopted := b.session() == value
				if s.name == astro5.name {
					if !adopted || !stored {
						t.Errorf("%s: cookie %q: adopted %v, stored under it %v; Astro 5 was known to adopt any value (update README.md)", s.name, value, adopted, stored)
					}
				} else if adopted || stored || !uuidV4.MatchString(b.session()) {
					t.Errorf("%s: cookie %q: new cookie %q, stored under the old value %v; want a new lowercase UUID", s.name, value, b.session(), stored)
				}
			}
		}
		sh.st.put(t, upper, `[["Map",1,2],"k",{"data":3,"expires":-1},"v"]`)
		for _, s := range append([]server{sh.astro}, sh.gos...) {
			b := newBrowser(t)
			b.cookies[cookieName] = upper
			v := s.view(b)
			if read := len(v.Keys) == 1; read != (s == sh.astro) {
				t.Errorf("%s: read the record under an uppercase UUID cookie: %v (keys %q)", s.name, read, v.Keys)
			}
		}
	})
}

// remove deletes the record under a session ID from the store.
func (s store) remove(t *testing.T, id string) {
	t.Helper()
	if s.driver == "fs" {
		if err := os.Remove(filepath.Join(s.dir, id)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	c := redis.NewClient(&redis.Options{Addr: s.redis})
	defer c.Close()
	if err := c.Del(context.Background(), s.key(id)).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestIdleTimeoutShared: with an idle timeout the Go side keeps its bookkeeping in
// the record under session.MetaKey. Astro sees that key, keeps it when it
// rewrites the record, and the Go side goes on reading the session; Astro's own
// requests do not count as activity for the Go side's idle timeout.
func TestIdleTimeoutShared(t *testing.T) {
	eachShared(t, func(t *testing.T, sh *shared) {
		g, _ := startGoWith(t, goDrivers[sh.st.driver][0], sh.st, sh.expected, sh.typeKeys, func(c *session.Config) {
			c.IdleTimeout = time.Hour
		})
		b := newBrowser(t)
		g.shop(b)
		if c := b.sessionCookie(); !strings.Contains(c, "; Max-Age=") {
			t.Errorf("Go with an idle timeout sent %q, want a Max-Age", c)
		}
		rec, _ := sh.st.raw(t, b.session())
		if !strings.Contains(rec, `"`+session.MetaKey+`"`) {
			t.Fatalf("no %s key in the record: %s", session.MetaKey, rec)
		}
		v := sh.astro.view(b)
		if !slices.Contains(v.Keys, session.MetaKey) || len(v.Keys) != len(sh.shopKeys)+1 {
			t.Errorf("Astro sees keys %q", v.Keys)
		}
		sh.astro.set(b, entryIn{Key: "lastPage", Value: `["/cart"]`})
		if c := b.sessionCookie(); strings.Contains(c, "Max-Age") {
			t.Errorf("Astro sent %q", c)
		}
		rec2, _ := sh.st.raw(t, b.session())
		if !strings.Contains(rec2, `"`+session.MetaKey+`"`) {
			t.Errorf("Astro's rewrite dropped %s: %s", session.MetaKey, rec2)
		}
		gv := g.view(b)
		want := append([]string{"lastPage"}, sh.shopKeys...)
		if !slices.Equal(gv.Keys, want) {
			t.Errorf("Go sees keys %q after Astro wrote, want %q", gv.Keys, want)
		}
		reportCheck(t, g, g.check(b, "shop"))
	})
}
