package interop

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session/devalue"
)

// Both sides writing one session at once: the shop example's addToCart action
// (Go, which merges concurrent writes with compare-and-swap) and the Astro
// app's addToCart action (astro/src/actions, which reads the cart, changes it
// and sets it back, as Astro code does) add to the same cart on one store. The
// Go side adds "tee", the Astro side "mug", one unit per call, so what survives
// of each side's writes is the quantity of its product.

const (
	goAdds     = 20 // per round, by goWriters concurrent writers
	goWriters  = 4
	astroAdds  = 20 // per round, one after the other (one browser tab)
	mixedRound = 3
)

// addResult counts one side's calls in a round.
type addResult struct {
	ok, failed, newID int // answered 200; answered otherwise; answered with another session ID
	firstErr          string
}

func (r *addResult) add(o addResult) {
	r.ok += o.ok
	r.failed += o.failed
	r.newID += o.newID
	if r.firstErr == "" {
		r.firstErr = o.firstErr
	}
}

// addToCart calls the action at base n times (by writers concurrent callers) with
// the session cookie id.
func addToCart(base, id, product string, n, writers int) addResult {
	var mu sync.Mutex
	var res addResult
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		calls := n / writers
		if w < n%writers {
			calls++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				one := addOnce(base, id, product)
				mu.Lock()
				res.add(one)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return res
}

func addOnce(base, id, product string) addResult {
	req, err := http.NewRequest("POST", base+"/_actions/addToCart", strings.NewReader(fmt.Sprintf(`{"productId":%q,"quantity":1}`, product)))
	if err != nil {
		return addResult{failed: 1, firstErr: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.AddCookie(&http.Cookie{Name: cookieName, Value: id})
	resp, err := noRedirect.Do(req)
	if err != nil {
		return addResult{failed: 1, firstErr: err.Error()}
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var r addResult
	if resp.StatusCode == http.StatusOK {
		r.ok = 1
	} else {
		r.failed = 1
		r.firstErr = fmt.Sprintf("%s: status %d: %.300s", base, resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == cookieName && c.Value != id {
			r.newID = 1
		}
	}
	return r
}

// cartOf reads the cart of session id through the Astro app's API: the quantity
// of each product.
func cartOf(t *testing.T, astro server, id string) map[string]int {
	t.Helper()
	b := newBrowser(t)
	b.cookies[cookieName] = id
	g := astro.get(b, "cartItems")
	cart := map[string]int{}
	if g.Value == nil {
		return cart
	}
	var lines []struct {
		ProductID string `json:"productId"`
		Quantity  int    `json:"quantity"`
	}
	if err := devalue.Unmarshal([]byte(*g.Value), &lines); err != nil {
		t.Fatalf("cartItems %s: %v", *g.Value, err)
	}
	for _, l := range lines {
		cart[l.ProductID] += l.Quantity
	}
	return cart
}

// newCartSession starts a session on the Astro side (a key other than the cart)
// and returns its ID.
func newCartSession(t *testing.T, astro server) string {
	t.Helper()
	b := newBrowser(t)
	astro.set(b, entryIn{Key: "round", Value: `["concurrent"]`})
	if !uuidV4.MatchString(b.session()) {
		t.Fatalf("no session cookie from %s: %q", astro.name, b.session())
	}
	return b.session()
}

// concurrentFigures is what one Astro version and store kind measured.
type concurrentFigures struct {
	goOnlyLost          int // Go writes lost with only Go writers
	goAcked, goKept     int // mixed rounds: Go writes answered 200, and found in the cart
	astroAcked, astroKt int // mixed rounds: Astro writes answered 200, and found in the cart
	goRes, astroRes     addResult
}

func TestConcurrentWriters(t *testing.T) {
	var mu sync.Mutex
	var report []string
	for _, app := range astroApps {
		for _, kind := range storeKinds {
			t.Run(app.name+"/"+kind.name, func(t *testing.T) {
				st := kind.make(t)
				astro := server{name: app.name, url: startAstro(t, app, st)}
				shop := startShop(t, st)
				f := measureConcurrent(t, astro, shop)
				line := fmt.Sprintf("%s/%s: Go alone lost %d of %d; both at once (%d rounds): Go kept %d of %d acknowledged, Astro kept %d of %d acknowledged; failed calls Go %d, Astro %d; new session IDs Go %d, Astro %d",
					app.name, kind.name, f.goOnlyLost, goAdds, mixedRound, f.goKept, f.goAcked, f.astroKt, f.astroAcked,
					f.goRes.failed, f.astroRes.failed, f.goRes.newID, f.astroRes.newID)
				t.Log(line)
				if f.goRes.firstErr != "" || f.astroRes.firstErr != "" {
					t.Logf("first failures: Go %q, Astro %q", f.goRes.firstErr, f.astroRes.firstErr)
				}
				mu.Lock()
				report = append(report, line)
				mu.Unlock()
				// The Go side never loses its own writes to another Go writer.
				if f.goOnlyLost != 0 {
					t.Errorf("Go writers alone lost %d of %d writes", f.goOnlyLost, goAdds)
				}
				// On Redis, where the Go side's compare-and-swap is atomic against
				// any writer, it never overwrites a write Astro made.
				if kind.name == "redis" && f.astroKt != f.astroAcked {
					t.Errorf("Go lost %d of Astro's %d writes on Redis", f.astroAcked-f.astroKt, f.astroAcked)
				}
			})
		}
	}
	t.Cleanup(func() {
		if len(report) > 0 {
			t.Logf("concurrent writers:\n%s", strings.Join(report, "\n"))
		}
	})
}

// measureConcurrent runs the Go-only round and the mixed rounds.
func measureConcurrent(t *testing.T, astro, shop server) concurrentFigures {
	var f concurrentFigures
	id := newCartSession(t, astro)
	res := addToCart(shop.url, id, "tee", goAdds, goWriters)
	if res.failed != 0 || res.newID != 0 {
		t.Fatalf("Go writers alone: %d failed, %d new IDs: %s", res.failed, res.newID, res.firstErr)
	}
	f.goOnlyLost = goAdds - cartOf(t, astro, id)["tee"]

	for round := 0; round < mixedRound; round++ {
		id := newCartSession(t, astro)
		var goRes, astroRes addResult
		var wg sync.WaitGroup
		wg.Add(2)
		start := make(chan struct{})
		go func() { defer wg.Done(); <-start; goRes = addToCart(shop.url, id, "tee", goAdds, goWriters) }()
		go func() { defer wg.Done(); <-start; astroRes = addToCart(astro.url, id, "mug", astroAdds, 1) }()
		close(start)
		wg.Wait()
		// Let a write in flight on the Astro side land before reading.
		time.Sleep(50 * time.Millisecond)
		cart := cartOf(t, astro, id)
		f.goAcked += goRes.ok
		f.goKept += cart["tee"]
		f.astroAcked += astroRes.ok
		f.astroKt += cart["mug"]
		f.goRes.add(goRes)
		f.astroRes.add(astroRes)
	}
	return f
}
