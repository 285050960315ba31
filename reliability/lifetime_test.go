package reliability

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session"
)

// maxAge returns the Max-Age of the session cookie a reply sets, or -1.
func maxAge(r reply) int {
	for _, line := range r.header.Values("Set-Cookie") {
		if m := regexp.MustCompile(`^astro-session=[^;]*;.*Max-Age=(\d+)`).FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return -1
}

// An idle session ends after Config.IdleTimeout without a request, in the
// application and in the store; activity keeps it alive past that time; the
// cookie's Max-Age follows the timeout even when the configured one is longer.
func TestIdleTimeout(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			d := dc.open(t)
			const idle = 4 * time.Second
			a := loginApp(t, d, session.Config{IdleTimeout: idle, Cookie: session.CookieConfig{MaxAge: 3600}})
			r := a.mustDo("POST", "/login?user=alice", "")
			id, _ := r.sessionCookie()
			if got := maxAge(r); got != 4 {
				t.Errorf("login: Max-Age %d, want 4 (the idle timeout, under the configured 3600)", got)
			}
			// Active for twice the timeout: still signed in.
			start := time.Now()
			for time.Since(start) < 2*idle {
				time.Sleep(300 * time.Millisecond)
				r := a.mustDo("GET", "/me", "", cookie(id))
				if r.body != "user=alice bound=alice" {
					t.Fatalf("after %v of activity: %q", time.Since(start).Round(time.Millisecond), r.body)
				}
				if c, ok := r.sessionCookie(); ok && (c != id || maxAge(r) < 1 || maxAge(r) > 4) {
					t.Errorf("refresh: Set-Cookie %q", r.header.Values("Set-Cookie"))
				}
			}
			// Idle past the timeout: gone from the store, and signed out.
			time.Sleep(idle + time.Second)
			if _, ok, err := d.Get(context.Background(), id); ok || err != nil {
				t.Errorf("the idle session is still in the store (ok %v, err %v)", ok, err)
			}
			if r := a.mustDo("GET", "/me", "", cookie(id)); r.body != "user= bound=" {
				t.Errorf("after the idle timeout: %q", r.body)
			}
		})
	}
}

// A session ends Config.AbsoluteTimeout after login however active it is, and
// the cookie's Max-Age never outlives it. The bounds use the client's clock
// around each request, so a slow machine cannot make the test fail: the
// session was created between loginStart and loginEnd, and each request was
// served between its t0 and its end.
func TestAbsoluteTimeout(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			d := dc.open(t)
			const absolute = 3 * time.Second
			a := loginApp(t, d, session.Config{AbsoluteTimeout: absolute, IdleTimeout: time.Hour})
			loginStart := time.Now()
			r := a.mustDo("POST", "/login?user=alice", "")
			loginEnd := time.Now()
			id, _ := r.sessionCookie()
			if got := maxAge(r); got < 1 || got > 3 {
				t.Errorf("login: Max-Age %d, want 3 (the absolute lifetime, under the idle timeout)", got)
			}
			sawAlive := false
			for {
				time.Sleep(300 * time.Millisecond)
				t0 := time.Now()
				r := a.mustDo("POST", "/visit", "", cookie(id))
				if c, _ := r.sessionCookie(); c == id {
					// Served at or after t0 by a session created by loginEnd.
					if left := loginEnd.Add(absolute).Sub(t0); time.Duration(maxAge(r))*time.Second > left+time.Second {
						t.Errorf("Max-Age %d outlives the at most %v left", maxAge(r), left.Round(time.Millisecond))
					}
				} else if time.Since(loginStart) < absolute {
					t.Fatalf("the session changed to %q before its lifetime was over", c)
				}
				t1 := time.Now()
				me := a.mustDo("GET", "/me", "", cookie(id))
				end := time.Now()
				alive := me.body == "user=alice bound=alice"
				if end.Sub(loginStart) < absolute && !alive {
					t.Fatalf("%v after login, within the lifetime, while active: %q", end.Sub(loginStart).Round(time.Millisecond), me.body)
				}
				sawAlive = sawAlive || (alive && t1.Sub(loginEnd) > absolute/2)
				if t1.Sub(loginEnd) > absolute {
					if alive {
						t.Errorf("%v after login, past the absolute lifetime of %v: %q", t1.Sub(loginEnd).Round(time.Millisecond), absolute, me.body)
					}
					break
				}
			}
			if !sawAlive {
				t.Logf("the machine was too slow to see the session alive in the second half of its life")
			}
		})
	}
}

// DestroyUser ends every session of one user ("log out everywhere") and no
// other; sessions replaced by Regenerate or ended by logout are not counted.
func TestDestroyUser(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			d := dc.open(t)
			a := loginApp(t, d, session.Config{})
			ctx := context.Background()
			login := func(user string, cookies ...string) string {
				r := a.mustDo("POST", "/login?user="+user, "", cookies...)
				id, ok := r.sessionCookie()
				if r.status != 200 || !ok {
					t.Fatalf("login %s: %d %q", user, r.status, r.body)
				}
				return id
			}
			var alice []string
			for range 3 {
				alice = append(alice, login("alice"))
			}
			// A fourth browser logs in twice (the first ID is regenerated away),
			// a fifth logs in and out.
			first := login("alice")
			alice = append(alice, login("alice", cookie(first)))
			gone := login("alice")
			a.mustDo("POST", "/logout", "", cookie(gone))
			bob := login("bob")

			ids, err := a.mgr.UserSessions(ctx, "alice")
			slices.Sort(ids)
			want := slices.Clone(alice)
			slices.Sort(want)
			if err != nil || !slices.Equal(ids, want) {
				t.Errorf("UserSessions(alice) = %v, %v; want %v", ids, err, want)
			}
			n, err := a.mgr.DestroyUser(ctx, "alice")
			if err != nil || n != len(alice) {
				t.Errorf("DestroyUser(alice) = %d, %v; want %d", n, err, len(alice))
			}
			for _, id := range append(alice, first, gone) {
				if r := a.mustDo("GET", "/me", "", cookie(id)); r.body != "user= bound=" {
					t.Errorf("alice's session %s after DestroyUser: %q", id, r.body)
				}
				if _, ok, _ := d.Get(ctx, id); ok {
					t.Errorf("alice's session %s is still stored", id)
				}
			}
			if r := a.mustDo("GET", "/me", "", cookie(bob)); r.body != "user=bob bound=bob" {
				t.Errorf("bob after DestroyUser(alice): %q", r.body)
			}
			if n, err := a.mgr.DestroyUser(ctx, "alice"); n != 0 || err != nil {
				t.Errorf("DestroyUser(alice) again = %d, %v", n, err)
			}
		})
	}
}

// Twenty concurrent logins of one user are all in the index, and all end.
func TestDestroyUserConcurrentLogins(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			d := dc.open(t)
			a := loginApp(t, d, session.Config{})
			const n = 20
			ids := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := a.do("POST", "/login?user=carol", "")
					if err != nil || r.status != 200 {
						t.Errorf("login %d: %v %d", i, err, r.status)
						return
					}
					ids[i], _ = r.sessionCookie()
				}()
			}
			wg.Wait()
			got, err := a.mgr.DestroyUser(context.Background(), "carol")
			if err != nil || got != n {
				t.Errorf("DestroyUser after %d concurrent logins = %d, %v", n, got, err)
			}
			for _, id := range ids {
				if r := a.mustDo("GET", "/me", "", cookie(id)); r.body != "user= bound=" {
					t.Errorf("session %s after DestroyUser: %q", id, r.body)
				}
			}
		})
	}
}

// A request of the user's that is running while DestroyUser ends the user's
// sessions cannot keep the user signed in: whatever session it leaves the
// browser with is not bound to the user and holds no sign-in.
func TestDestroyUserDuringRequest(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
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
			r := a.mustDo("POST", "/login?user=dave", "")
			id, _ := r.sessionCookie()
			done := make(chan reply, 1)
			go func() { done <- a.mustDo("POST", "/slow", "", cookie(id)) }()
			<-loaded
			if n, err := a.mgr.DestroyUser(context.Background(), "dave"); n != 1 || err != nil {
				t.Errorf("DestroyUser = %d, %v", n, err)
			}
			close(release)
			r = <-done
			after := id
			if c, ok := r.sessionCookie(); ok {
				after = c
			}
			if r.status != 200 {
				t.Logf("the running request answered %d %q", r.status, r.body)
			}
			if me := a.mustDo("GET", "/me", "", cookie(after)); me.body != "user= bound=" {
				t.Errorf("after DestroyUser, the session the running request left (%s, old ID %v) says %q", after, after == id, me.body)
			}
			if ids, err := a.mgr.UserSessions(context.Background(), "dave"); len(ids) != 0 || err != nil {
				t.Errorf("UserSessions(dave) after DestroyUser = %v, %v", ids, err)
			}
			if _, ok, _ := d.Get(context.Background(), id); ok {
				t.Errorf("the destroyed session %s came back", id)
			}
		})
	}
}
