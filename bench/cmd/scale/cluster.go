package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/goastro/session"
	sredis "github.com/goastro/session/storage/redis"
)

// runCluster runs the cart flow on a private single Redis and then on a private
// three-master Redis Cluster, and reports the ratio of their rates.
func runCluster(ctx context.Context, cfg config, w io.Writer) error {
	fmt.Fprintf(w, "### Redis Cluster (3 masters) against a single Redis: the cart flow\n\n")
	single, err := startRedis(ctx, cfg)
	if err != nil {
		return err
	}
	sc := goredis.NewClient(&goredis.Options{Addr: single.addr, PoolSize: cfg.workers * 2})
	one, err := cartFlow(ctx, sc, cfg)
	sc.Close()
	single.stop()
	if err != nil {
		return fmt.Errorf("single Redis: %w", err)
	}
	nodes, err := startCluster(ctx, cfg, 3)
	if err != nil {
		return err
	}
	defer func() {
		for _, n := range nodes {
			n.stop()
		}
	}()
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.addr
	}
	cc := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs, PoolSize: cfg.workers * 2})
	three, err := cartFlow(ctx, cc, cfg)
	cc.Close()
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	fmt.Fprintf(w, "| store | cart requests | req/s | p50 | p99 |\n|---|---:|---:|---:|---:|\n")
	for _, r := range []struct {
		name string
		res  cartResult
	}{{"single Redis", one}, {"Redis Cluster, 3 masters", three}} {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.name, thousands(r.res.requests), thousands(int64(r.res.rate)), fmtDur(r.res.lat.p50), fmtDur(r.res.lat.p99))
	}
	fmt.Fprintf(w, "\nCluster ÷ single: requests per second ×%.2f, p99 ×%.2f (%d workers in this process, %s each).\n\n",
		three.rate/one.rate, float64(three.lat.p99)/float64(one.lat.p99), cfg.workers, cfg.cartTime)
	return nil
}

type cartResult struct {
	requests int64
	rate     float64
	lat      latency
}

// cartFlow runs cfg.workers visitors for cfg.cartTime through the Manager's
// middleware on a Redis driver over client: each signs in once, then adds a
// product to its cart (session.Update, then Save) again and again. Every
// answer is checked.
func cartFlow(ctx context.Context, client goredis.UniversalClient, cfg config) (cartResult, error) {
	d, err := sredis.New(client, sredis.Config{Base: fmt.Sprintf("scale-cart%d", rand.Uint32())})
	if err != nil {
		return cartResult{}, err
	}
	defer d.Clear(context.Background())
	m, err := session.New(session.Config{Storage: d})
	if err != nil {
		return cartResult{}, err
	}
	defer m.Close()
	h := m.Middleware(http.HandlerFunc(cartHandler))
	runCtx, cancel := context.WithTimeout(ctx, cfg.cartTime)
	defer cancel()
	var (
		mu    sync.Mutex
		lats  []time.Duration
		total atomic.Int64
		errs  = make(chan error, cfg.workers)
		wg    sync.WaitGroup
	)
	start := time.Now()
	for range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine, err := visitor(runCtx, h, &total)
			if err != nil {
				errs <- err
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return cartResult{}, err
	}
	if len(lats) == 0 {
		return cartResult{}, errors.New("no cart request completed")
	}
	return cartResult{requests: total.Load(), rate: float64(total.Load()) / took.Seconds(), lat: percentiles(lats)}, nil
}

// cartHandler adds one of five products to the cart and answers the number of
// lines, or signs the visitor in on /login.
func cartHandler(w http.ResponseWriter, r *http.Request) {
	s := session.From(r.Context())
	if r.URL.Path == "/login" {
		if err := signIn(s, "u-"+r.URL.Query().Get("u")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		return
	}
	product := r.URL.Query().Get("p")
	var lines int
	err := keyCart.Update(s, func(cart []cartItem, _ bool) ([]cartItem, error) {
		for i := range cart {
			if cart[i].ProductID == product {
				cart[i].Quantity = cart[i].Quantity%98 + 1
				lines = len(cart)
				return cart, nil
			}
		}
		cart = append(cart, cartItem{ProductID: product, Quantity: 1})
		lines = len(cart)
		return cart, nil
	})
	if err == nil {
		err = s.Save()
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, lines)
}

// visitor signs in and sends cart requests until ctx is done, checking each
// answer: status 200, the same session cookie if one is sent, and five
// cart lines.
func visitor(ctx context.Context, h http.Handler, total *atomic.Int64) ([]time.Duration, error) {
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, httptest.NewRequest(http.MethodPost, fmt.Sprintf("/login?u=%d", rand.Uint32()), nil))
	cookie, _, _ := strings.Cut(rw.Header().Get("Set-Cookie"), ";")
	if rw.Code != http.StatusOK || cookie == "" {
		return nil, fmt.Errorf("login: status %d, cookie %q", rw.Code, cookie)
	}
	products := []string{"tee", "mug", "stickers", "hoodie", "cap"}
	var lats []time.Duration
	for i := 0; ctx.Err() == nil; i++ {
		req := httptest.NewRequest(http.MethodPost, "/_actions/addToCart?p="+products[i%len(products)], nil)
		req.Header.Set("Cookie", cookie)
		rw := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rw, req)
		took := time.Since(start)
		if ctx.Err() != nil && rw.Code != http.StatusOK {
			break // cut short by the end of the run
		}
		again, _, _ := strings.Cut(rw.Header().Get("Set-Cookie"), ";")
		if rw.Code != http.StatusOK || rw.Body.String() != "5" || (again != "" && again != cookie) {
			return lats, fmt.Errorf("cart request: status %d, body %q, Set-Cookie %q", rw.Code, rw.Body, rw.Header().Get("Set-Cookie"))
		}
		lats = append(lats, took)
		total.Add(1)
	}
	return lats, nil
}
