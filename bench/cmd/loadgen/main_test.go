package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestLastNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{`{"cartSize":12}`, 12, true},
		{"[{\"cartSize\":1},7]\n", 7, true},
		{`{"cartSize":0}`, 0, true},
		{`{"error":"x"}`, 0, false},
		{``, 0, false},
		{`{"n":12345678901}`, 0, false},
	} {
		got, ok := lastNumber([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("lastNumber(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, h := range []string{"127.0.0.1", "::1", "localhost"} {
		if err := loopbackOnly(h); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	for _, h := range []string{"example.com", "10.0.0.1", "0.0.0.0", ""} {
		if loopbackOnly(h) == nil {
			t.Errorf("%s accepted", h)
		}
	}
}

// TestShop runs a short load against the example shop on the memory driver and
// checks that every cart request succeeded with the expected cart size.
func TestShop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the example shop")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "shop")
	build := exec.Command("go", "build", "-o", bin, "./examples/shop")
	build.Dir = filepath.Join("..", "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/shop: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	shop := exec.Command(bin)
	shop.Env = append(os.Environ(), "ADDR="+addr, "SESSION_DRIVER=memory", "SESSION_SECURE=false")
	if err := shop.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		shop.Process.Kill()
		shop.Wait()
	})
	if err := waitFor(addr, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	g := &gen{base: "http://" + addr, cookie: "astro-session", clearEvery: 7}
	res, err := g.run(2, 500*time.Millisecond, 400)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Requests == 0 {
		t.Fatalf("%d requests, %d errors, first: %s", res.Requests, res.Errors, res.FirstErr)
	}
	if res.Requests > 400 {
		t.Errorf("%d requests, more than the limit of 400", res.Requests)
	}
	if res.P99ms <= 0 || res.P99ms < res.P50ms || res.RPS <= 0 {
		t.Errorf("implausible result %+v", res)
	}
}
