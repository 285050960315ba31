package bench

import (
	"net/http"
	"testing"
)

// run benchmarks one scenario for every library on every kind of store. Each
// iteration is one request through the library's http.Handler with a cookie
// of a stored session (seeded by the library itself, with the cart when cart
// is set). The stores are warm: the session exists and a few requests ran
// before the clock starts. check, if not nil, runs after the loop.
func run(b *testing.B, method string, cart bool, pick func(*impl) http.Handler, check func(b *testing.B, im *impl, c *client, n int)) {
	for _, tier := range tiers {
		b.Run(tier, func(b *testing.B) {
			for _, im := range implsFor(b, tier) {
				b.Run(im.lib, func(b *testing.B) {
					c := newClient(method, "/", im.cookie, im.newSession(b, cart))
					h := pick(im)
					const warm = 10
					for range warm {
						c.do(h)
						c.check(b, "warm-up")
					}
					n := warm
					b.ReportAllocs()
					for b.Loop() {
						c.do(h)
						if c.w.code != http.StatusOK {
							b.Fatalf("status %d", c.w.code)
						}
						n++
					}
					b.StopTimer()
					if check != nil {
						check(b, im, c, n)
					}
				})
			}
		})
	}
}

// readsBack checks that the session of c still reads as a signed-in user.
func readsBack(b *testing.B, im *impl, c *client, _ int) {
	b.Helper()
	c.do(im.read)
	c.check(b, "read after the benchmark")
}

// BenchmarkBare is the baseline: the same request and writer with no session
// library at all.
func BenchmarkBare(b *testing.B) {
	c := newClient("GET", "/", "session", "session=x")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(okBody) })
	b.ReportAllocs()
	for b.Loop() {
		c.do(h)
	}
}

// BenchmarkUntouched is a request with a session cookie whose handler never
// uses the session.
func BenchmarkUntouched(b *testing.B) {
	run(b, "GET", false, func(im *impl) http.Handler { return im.untouched },
		func(b *testing.B, im *impl, c *client, _ int) {
			if v := c.w.h["Set-Cookie"]; len(v) > 0 {
				b.Errorf("an untouched request set a cookie: %q", v)
			}
		})
}

// BenchmarkReadKey reads one key (userId) of the session.
func BenchmarkReadKey(b *testing.B) {
	run(b, "GET", false, func(im *impl) http.Handler { return im.read }, nil)
}

// BenchmarkSetKey sets one key (lastSeen) to a new number, without reading
// the session first.
func BenchmarkSetKey(b *testing.B) {
	run(b, "POST", false, func(im *impl) http.Handler { return im.set },
		func(b *testing.B, im *impl, c *client, n int) {
			// The handler's counter lives as long as the library's set-up, which
			// -count reuses: the last write holds at least this run's count.
			got, err := readInt(c, im, im.lastSeen)
			if err != nil || got < n {
				b.Errorf("lastSeen = %d, %v after %d writes", got, err, n)
			}
			readsBack(b, im, c, n)
		})
}

// BenchmarkReadWrite reads a number (visits) and writes it back plus one.
func BenchmarkReadWrite(b *testing.B) {
	run(b, "POST", false, func(im *impl) http.Handler { return im.rmw },
		func(b *testing.B, im *impl, c *client, n int) {
			got, err := readInt(c, im, im.visits)
			if err != nil || got != n {
				b.Errorf("visits = %d, %v after %d increments", got, err, n)
			}
		})
}

// readInt runs get in a request of c's session.
func readInt(c *client, im *impl, get func(*http.Request) (int, error)) (got int, err error) {
	c.do(im.wrapCheck(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err = get(r)
		w.Write(okBody)
	})))
	return got, err
}

// BenchmarkCart reads a 20-line cart, changes one line and writes it back.
func BenchmarkCart(b *testing.B) {
	run(b, "POST", true, func(im *impl) http.Handler { return im.cart },
		func(b *testing.B, im *impl, c *client, n int) {
			c.do(im.cart)
			c.check(b, "cart after the benchmark")
		})
}

// BenchmarkLogin signs in on an existing session: a new session ID (the old
// record deleted) and three keys set. The next request carries the new cookie.
func BenchmarkLogin(b *testing.B) {
	run(b, "POST", false, func(im *impl) http.Handler { return im.login }, readsBack)
}
