package reliability

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
)

var (
	shopOnce sync.Once
	shopBin  string
	shopErr  error
)

// buildShop builds the example shop once per test run.
func buildShop(t *testing.T) string {
	t.Helper()
	shopOnce.Do(func() {
		goBin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		if _, err := os.Stat(goBin); err != nil {
			goBin = "go"
		}
		dir, err := os.MkdirTemp("", "reliability-shop-")
		if err != nil {
			shopErr = err
			return
		}
		shopBin = filepath.Join(dir, "shop")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goBin, "build", "-o", shopBin, "./examples/shop")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			shopErr = fmt.Errorf("go build ./examples/shop: %v\n%s", err, out)
		}
	})
	if shopErr != nil {
		t.Fatal(shopErr)
	}
	return shopBin
}

// shopProc is the example shop running as its own process.
type shopProc struct {
	url  string
	logs *logBuffer
}

// startShop runs the shop binary with the given environment on a free port.
func startShop(t *testing.T, env ...string) *shopProc {
	t.Helper()
	bin := buildShop(t)
	addr := fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t))
	p := &shopProc{url: "http://" + addr, logs: &logBuffer{}}
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), "ADDR="+addr, "SESSION_SECURE=false"), env...)
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if strings.Contains(p.logs.String(), "panic") {
			t.Errorf("the shop panicked:\n%s", p.logs.String())
		}
	})
	waitFor(t, "the shop to listen", 30*time.Second, func() bool {
		select {
		case <-exited:
			t.Fatalf("the shop exited:\n%s", p.logs.String())
		default:
		}
		return testenv.Reachable(addr)
	})
	return p
}

func (p *shopProc) do(method, path, body string, cookies ...string) (reply, error) {
	req, err := http.NewRequest(method, p.url+path, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range cookies {
		req.Header.Add("Cookie", c)
	}
	hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	return reply{status: res.StatusCode, header: res.Header, body: readAll(res)}, nil
}

// shopDrivers are the shop's environments for each driver.
func shopDrivers() []struct {
	name string
	env  func(t *testing.T) []string
} {
	return []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"memory", func(t *testing.T) []string { return []string{"SESSION_DRIVER=memory"} }},
		{"fs-lite", func(t *testing.T) []string { return []string{"SESSION_DRIVER=fs-lite", "SESSION_BASE=" + t.TempDir()} }},
		{"redis", func(t *testing.T) []string {
			return []string{"SESSION_DRIVER=redis", "REDIS_URL=redis://" + testenv.RedisAddr(t) + "/0", "SESSION_BASE=reliability-shop-" + randHex(6)}
		}},
		{"postgres", func(t *testing.T) []string {
			// The shop uses the default table; a schema of the test's own keeps
			// it apart from everyone else's astro_sessions.
			url := testenv.PostgresURL(t)
			schema := "reliability_shop_" + randHex(6)
			pgExec(t, url, "CREATE SCHEMA "+schema)
			t.Cleanup(func() { pgExec(t, url, "DROP SCHEMA "+schema+" CASCADE") })
			sep := "?"
			if strings.Contains(url, "?") {
				sep = "&"
			}
			return []string{"SESSION_DRIVER=postgres", "DATABASE_URL=" + url + sep + "search_path=" + schema}
		}},
	}
}

// The example shop itself, run as a program: 50 concurrent requests of one
// session to its /_actions/addToCart (over the three products of its
// catalogue) all count, on every driver.
func TestShopNoLostUpdates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example shop")
	}
	for _, sd := range shopDrivers() {
		t.Run(sd.name, func(t *testing.T) {
			env := sd.env(t)
			p := startShop(t, env...)
			r, err := p.do("POST", "/_actions/addToCart", `{"productId":"tee","quantity":1}`)
			id, ok := r.sessionCookie()
			if err != nil || r.status != 200 || !ok {
				t.Fatalf("first add: %v %d %q", err, r.status, r.body)
			}
			if sd.name == "redis" {
				t.Cleanup(func() { removeShopSession(t, env, id) })
			}
			products := []string{"tee", "mug", "stickers"}
			const n = 50
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := p.do("POST", "/_actions/addToCart", fmt.Sprintf(`{"productId":%q,"quantity":1}`, products[i%3]), cookie(id))
					if err != nil || r.status != 200 {
						t.Errorf("add %d: %v %d %q", i, err, r.status, r.body)
					}
				}()
			}
			close(start)
			wg.Wait()
			r, err = p.do("POST", "/_actions/addToCart", `{"productId":"mug","quantity":1}`, cookie(id))
			if want := `{"cartSize":` + strconv.Itoa(n+2) + `}`; err != nil || r.status != 200 || !jsonEqual(r.body, want) {
				t.Fatalf("after %d concurrent adds: %v %d %q, want %s", n, err, r.status, r.body, want)
			}
		})
	}
}

// The example shop answers a cookie that names a corrupt fs-lite record with
// a fresh session, not a 500.
func TestShopCorruptRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example shop")
	}
	base := t.TempDir()
	p := startShop(t, "SESSION_DRIVER=fs-lite", "SESSION_BASE="+base)
	for name, rec := range map[string]string{"garbage": "garbage", "non-Map root": `[{"a":1},2]`, "truncated": `[["Map",1,2],"cartItems",{"data":3`} {
		id := session.NewID()
		if err := os.WriteFile(filepath.Join(base, id), []byte(rec), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/", "/cart", "/dashboard", "/api/user/profile"} {
			r, err := p.do("GET", path, "", cookie(id))
			if err != nil || r.status >= 500 {
				t.Errorf("%s record, GET %s: %v %d %.200q", name, path, err, r.status, r.body)
			}
			if err := os.WriteFile(filepath.Join(base, id), []byte(rec), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		r, err := p.do("POST", "/_actions/addToCart", `{"productId":"tee","quantity":1}`, cookie(id))
		fresh, _ := r.sessionCookie()
		if err != nil || r.status != 200 || fresh == id || !session.ValidID(fresh) {
			t.Errorf("%s record, addToCart: %v %d %.200q, Set-Cookie %q", name, err, r.status, r.body, r.header.Values("Set-Cookie"))
		}
	}
}

// removeShopSession deletes a session the shop stored in a shared server.
func removeShopSession(t *testing.T, env []string, id string) {
	opts := map[string]any{}
	driver := ""
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "SESSION_DRIVER":
			driver = v
		case "REDIS_URL", "DATABASE_URL":
			opts["url"] = v
		case "SESSION_BASE":
			opts["base"] = v
		}
	}
	d, err := storage.Open(driver, opts)
	if err != nil {
		t.Errorf("cleaning up: %v", err)
		return
	}
	defer d.Close()
	if err := d.Delete(context.Background(), id); err != nil {
		t.Errorf("cleaning up: %v", err)
	}
}
