package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/goastro/session"
	"github.com/goastro/session/actions"
)

// cartItem is a line of the cart, as the shop stores it under "cartItems".
type cartItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

var keyCart = session.NewKey[[]cartItem]("cartItems")

type addToCartInput struct {
	ProductID string `json:"productId" validate:"required,max=64"`
	Quantity  int    `json:"quantity" validate:"required,min=1,max=99"`
}

type addToCartOutput struct {
	CartSize int `json:"cartSize"`
}

// addToCart is the shop's addToCart action (a read-modify-write of the cart
// with session.Update), open to any product ID so that every request of a
// load test can add a product of its own.
func addToCart(ctx context.Context, in addToCartInput) (addToCartOutput, error) {
	sess := session.From(ctx)
	err := keyCart.Update(sess, func(old []cartItem, _ bool) ([]cartItem, error) {
		items := make([]cartItem, 0, len(old)+1)
		merged := false
		for _, it := range old {
			if it.ProductID == in.ProductID {
				it.Quantity += in.Quantity
				merged = true
			}
			items = append(items, it)
		}
		if !merged {
			items = append(items, cartItem{ProductID: in.ProductID, Quantity: in.Quantity})
		}
		return items, nil
	})
	if err != nil {
		return addToCartOutput{}, err
	}
	if err := sess.Save(); err != nil {
		return addToCartOutput{}, err
	}
	items, _, err := keyCart.Get(sess)
	if err != nil {
		return addToCartOutput{}, err
	}
	n := 0
	for _, it := range items {
		n += it.Quantity
	}
	return addToCartOutput{CartSize: n}, nil
}

// cartApp serves POST /_actions/addToCart, GET /cart (the cart as JSON),
// POST /set?k=&v= (sets one key) and GET /get?k= (reads one key).
func cartApp(t *testing.T, dc driverCase) *app {
	a := newApp(t, dc.open(t), session.Config{})
	a.mux.Handle("/_actions/", actions.NewHandler(actions.Define("addToCart", addToCart)))
	a.mux.HandleFunc("GET /cart", func(w http.ResponseWriter, r *http.Request) {
		items, _, err := keyCart.Get(session.From(r.Context()))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(items)
	})
	a.mux.HandleFunc("POST /set", func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r.Context()).Set(r.FormValue("k"), r.FormValue("v")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	})
	a.mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		v, ok, err := session.Get[string](session.From(r.Context()), r.FormValue("k"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if !ok {
			http.Error(w, "missing", http.StatusNotFound)
			return
		}
		w.Write([]byte(v))
	})
	return a
}

// Fifty concurrent requests of one session, each adding a different product
// through the addToCart action, leave all fifty products in the cart, on every
// driver.
func TestNoLostUpdatesAddToCart(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			a := cartApp(t, dc)
			first := a.mustDo("POST", "/_actions/addToCart", `{"productId":"p00","quantity":1}`)
			id, ok := first.sessionCookie()
			if first.status != 200 || !ok {
				t.Fatalf("first add: %d %q, cookie %v", first.status, first.body, ok)
			}
			const n = 50
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, n)
			for i := 1; i <= n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := a.do("POST", "/_actions/addToCart", fmt.Sprintf(`{"productId":"p%02d","quantity":1}`, i), cookie(id))
					if err != nil {
						errs <- err
						return
					}
					if r.status != 200 {
						errs <- fmt.Errorf("product %d: status %d: %s", i, r.status, r.body)
					}
					if c, ok := r.sessionCookie(); ok && c != id {
						errs <- fmt.Errorf("product %d: the session changed ID to %s", i, c)
					}
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			var items []cartItem
			r := a.mustDo("GET", "/cart", "", cookie(id))
			if err := json.Unmarshal([]byte(r.body), &items); err != nil {
				t.Fatalf("cart %d %q: %v", r.status, r.body, err)
			}
			var got []string
			for _, it := range items {
				if it.Quantity != 1 {
					t.Errorf("%s: quantity %d, want 1", it.ProductID, it.Quantity)
				}
				got = append(got, it.ProductID)
			}
			slices.Sort(got)
			var want []string
			for i := 0; i <= n; i++ {
				want = append(want, fmt.Sprintf("p%02d", i))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("the cart holds %d products, want %d:\n got %v", len(got), len(want), got)
			}
		})
	}
}

// Fifty concurrent adds of the same product to one cart all count.
func TestNoLostUpdatesSameProduct(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			a := cartApp(t, dc)
			first := a.mustDo("POST", "/_actions/addToCart", `{"productId":"tee","quantity":1}`)
			id, _ := first.sessionCookie()
			const n = 50
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := a.do("POST", "/_actions/addToCart", `{"productId":"tee","quantity":2}`, cookie(id))
					if err != nil || r.status != 200 {
						t.Errorf("add: %v %d %s", err, r.status, r.body)
					}
				}()
			}
			wg.Wait()
			r := a.mustDo("POST", "/_actions/addToCart", `{"productId":"tee","quantity":1}`, cookie(id))
			if want := fmt.Sprintf(`{"cartSize":%d}`, 1+2*n+1); r.status != 200 || !jsonEqual(r.body, want) {
				t.Fatalf("last add: %d %s, want %s", r.status, r.body, want)
			}
		})
	}
}

// Two concurrent requests of one session that set different keys keep both,
// pair after pair.
func TestConcurrentDifferentKeysKeepBoth(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			a := cartApp(t, dc)
			const pairs = 20
			var wg sync.WaitGroup
			for p := range pairs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := a.do("POST", "/set?k=init&v=1", "")
					id, ok := r.sessionCookie()
					if err != nil || r.status != 200 || !ok {
						t.Errorf("pair %d: starting the session: %v %d", p, err, r.status)
						return
					}
					var inner sync.WaitGroup
					start := make(chan struct{})
					for _, k := range []string{"a", "b"} {
						inner.Add(1)
						go func() {
							defer inner.Done()
							<-start
							r, err := a.do("POST", fmt.Sprintf("/set?k=%s&v=%s-%d", k, k, p), "", cookie(id))
							if err != nil || r.status != 200 {
								t.Errorf("pair %d: set %s: %v %d %s", p, k, err, r.status, r.body)
							}
						}()
					}
					close(start)
					inner.Wait()
					for _, k := range []string{"init", "a", "b"} {
						r, err := a.do("GET", "/get?k="+k, "", cookie(id))
						want := map[string]string{"init": "1", "a": fmt.Sprintf("a-%d", p), "b": fmt.Sprintf("b-%d", p)}[k]
						if err != nil || r.status != 200 || r.body != want {
							t.Errorf("pair %d: key %s: %v %d %q, want %q", p, k, err, r.status, r.body, want)
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
