// Command loadgen drives the cart flow of the example shop (or of an app that
// serves the same routes) on loopback and reports requests per second and
// latency percentiles.
//
// Each of -c workers opens its own keep-alive connection, signs in once
// (POST /login with a form username, which sets the session cookie), then
// repeats the cart action for -d or until -n requests in all: POST
// /_actions/addToCart with {"productId", "quantity": 1}, cycling through the
// three products, and POST /_actions/clearCart every -clear-every requests so
// that no line reaches the shop's limit of 99. Only the cart requests are
// timed. Every answer must be 200 with the session cookie in place; anything
// else counts as an error, and a run with errors exits with status 1.
//
//	loadgen -url http://127.0.0.1:4321 -c 16 -d 10s -label shop/redis
//
// The result is one line of JSON on standard output (with -json) or a line of
// text.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what one run measured.
type Result struct {
	Label    string  `json:"label"`
	Workers  int     `json:"workers"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	FirstErr string  `json:"first_error,omitempty"`
}

func main() {
	var (
		base       = flag.String("url", "http://127.0.0.1:4321", "base URL of the server (loopback only)")
		workers    = flag.Int("c", 16, "concurrent workers, one connection and one session each")
		dur        = flag.Duration("d", 10*time.Second, "how long to send cart requests")
		maxReq     = flag.Int("n", 1_000_000, "stop after this many cart requests in all")
		warm       = flag.Duration("warmup", 2*time.Second, "cart requests sent before measuring, to warm the server")
		cookieName = flag.String("cookie", "astro-session", "name of the session cookie")
		clearEvery = flag.Int("clear-every", 150, "send clearCart every this many cart requests of a worker")
		label      = flag.String("label", "", "label of the result")
		asJSON     = flag.Bool("json", false, "print the result as JSON")
		wait       = flag.Duration("wait", 60*time.Second, "wait this long for the server to accept connections")
	)
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" {
		fatal(fmt.Errorf("-url %q: want http://host:port", *base))
	}
	if err := loopbackOnly(u.Hostname()); err != nil {
		fatal(err)
	}
	if err := waitFor(u.Host, *wait); err != nil {
		fatal(err)
	}
	g := &gen{base: strings.TrimRight(*base, "/"), cookie: *cookieName, clearEvery: *clearEvery}
	if *warm > 0 {
		if _, err := g.run(*workers, *warm, *maxReq); err != nil {
			fatal(fmt.Errorf("warm-up: %w", err))
		}
	}
	res, err := g.run(*workers, *dur, *maxReq)
	if err != nil {
		fatal(err)
	}
	res.Label = *label
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Printf("%-14s %7d req in %.1fs  %8.0f req/s  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %6.2f ms  errors %d\n",
			res.Label, res.Requests, res.Seconds, res.RPS, res.P50ms, res.P90ms, res.P99ms, res.MaxMs, res.Errors)
	}
	if res.Errors > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: %d errors, the first: %s\n", res.Errors, res.FirstErr)
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(2)
}

// loopbackOnly refuses any host that is not a loopback address.
func loopbackOnly(host string) error {
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to load %q: loopback addresses only", host)
	}
	return nil
}

func waitFor(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing answers on %s after %s: %v", addr, d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type gen struct {
	base       string
	cookie     string
	clearEvery int
}

var products = []string{"tee", "mug", "stickers"}

// run starts the workers, each signing in first, then sends cart requests for
// d (or until max requests in all) and gathers their latencies.
func (g *gen) run(workers int, d time.Duration, max int) (Result, error) {
	var (
		wg       sync.WaitGroup
		ready    sync.WaitGroup
		start    = make(chan struct{})
		sent     atomic.Int64
		errs     atomic.Int64
		firstErr atomic.Value
		lats     = make([][]time.Duration, workers)
	)
	fail := func(err error) {
		errs.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	loginErr := make(chan error, workers)
	ready.Add(workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{
				Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true},
				// The redirect after the login is not followed.
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
				Timeout:       30 * time.Second,
			}
			defer c.CloseIdleConnections()
			cookie, err := g.login(c, i)
			ready.Done()
			if err != nil {
				loginErr <- err
				return
			}
			<-start
			// Start from an empty cart, untimed.
			if err := g.post(c, "/_actions/clearCart", "{}", cookie, -1); err != nil {
				fail(err)
				return
			}
			own := make([]time.Duration, 0, 4096)
			defer func() { lats[i] = own }()
			stop := time.Now().Add(d)
			size := 0
			for k := 0; time.Now().Before(stop); k++ {
				if sent.Add(1) > int64(max) {
					return
				}
				var body string
				path := "/_actions/addToCart"
				want := -1 // the cart size the answer must report
				if g.clearEvery > 0 && k%g.clearEvery == g.clearEvery-1 {
					path, body = "/_actions/clearCart", "{}"
					size = 0
				} else {
					body = `{"productId":"` + products[k%len(products)] + `","quantity":1}`
					size++
					want = size
				}
				t0 := time.Now()
				err := g.post(c, path, body, cookie, want)
				own = append(own, time.Since(t0))
				if err != nil {
					fail(err)
				}
			}
		}()
	}
	ready.Wait()
	select {
	case err := <-loginErr:
		close(start)
		wg.Wait()
		return Result{}, fmt.Errorf("login: %w", err)
	default:
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		i := int(p * float64(len(all)-1))
		return float64(all[i]) / 1e6
	}
	res := Result{
		Workers:  workers,
		Requests: len(all),
		Errors:   int(errs.Load()),
		Seconds:  elapsed.Seconds(),
		RPS:      float64(len(all)) / elapsed.Seconds(),
		P50ms:    pct(0.50),
		P90ms:    pct(0.90),
		P99ms:    pct(0.99),
		MaxMs:    pct(1),
	}
	if v := firstErr.Load(); v != nil {
		res.FirstErr = v.(string)
	}
	return res, nil
}

// login signs in worker i and returns the Cookie header of its session.
func (g *gen) login(c *http.Client, i int) (string, error) {
	form := url.Values{"username": {fmt.Sprintf("loadgen %d", i)}}
	resp, err := c.PostForm(g.base+"/login", form)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("POST /login: status %d, want a redirect", resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == g.cookie && ck.Value != "" {
			return ck.Name + "=" + ck.Value, nil
		}
	}
	return "", errors.New("POST /login set no session cookie")
}

// post sends one action call and checks the answer: status 200, the same
// session, and when want >= 0, a cart of that size (the last number of the
// answer, which is {"cartSize":N} as JSON or [{"cartSize":1},N] as devalue).
func (g *gen) post(c *http.Client, path, body, cookie string, want int) error {
	ctx := context.Background()
	req, err := http.NewRequestWithContext(ctx, "POST", g.base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cookie", cookie)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	_, err = io.Copy(&buf, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: status %d: %.200s", path, resp.StatusCode, buf.String())
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == g.cookie && g.cookie+"="+ck.Value != cookie {
			return fmt.Errorf("POST %s: the session cookie changed", path)
		}
	}
	if want >= 0 {
		if got, ok := lastNumber(buf.Bytes()); !ok || got != want {
			return fmt.Errorf("POST %s: cart size in %q, want %d", path, buf.Bytes(), want)
		}
	}
	return nil
}

// lastNumber returns the last run of digits in b as a number.
func lastNumber(b []byte) (int, bool) {
	end := len(b)
	for end > 0 && (b[end-1] < '0' || b[end-1] > '9') {
		end--
	}
	start := end
	for start > 0 && b[start-1] >= '0' && b[start-1] <= '9' {
		start--
	}
	if start == end || end-start > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b[start:end] {
		n = n*10 + int(c-'0')
	}
	return n, true
}
