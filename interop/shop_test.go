package interop

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
)

var shopBuild struct {
	sync.Mutex
	path string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shopBuild.path != "" {
		os.RemoveAll(filepath.Dir(shopBuild.path))
	}
	os.Exit(code)
}

// buildShop compiles the shop example (examples/shop) once per test binary.
func buildShop(t *testing.T) string {
	t.Helper()
	shopBuild.Lock()
	defer shopBuild.Unlock()
	if shopBuild.path != "" {
		return shopBuild.path
	}
	goTool := testenv.Command(t, "go", "the Go toolchain")
	dir, err := os.MkdirTemp("", "interop-shop-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "shop")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./examples/shop")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/shop: %v\n%s", err, out)
	}
	shopBuild.path = bin
	return bin
}

// startShop runs the shop example on the store until the test ends.
func startShop(t *testing.T, st store) server {
	t.Helper()
	bin := buildShop(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ADDR="+addr)
	if st.driver == "fs" {
		cmd.Env = append(cmd.Env, "SESSION_DRIVER=fs-lite", "SESSION_BASE="+st.dir)
	} else {
		cmd.Env = append(cmd.Env, "SESSION_DRIVER=redis", "REDIS_URL=redis://"+st.redis, "SESSION_BASE="+st.base)
	}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("shop log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for !testenv.Reachable(addr) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the shop exited (%v):\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shop does not answer on %s:\n%s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return server{name: "shop", url: "http://" + addr}
}

// TestShopExample runs the shop example (examples/shop) next to Astro on one
// store: a login on the shop is a session Astro reads, and a session Astro
// writes is a login the shop accepts.
func TestShopExample(t *testing.T) {
	eachShared(t, func(t *testing.T, sh *shared) {
		shop := startShop(t, sh.st)

		t.Run("shop login read by Astro", func(t *testing.T) {
			b := newBrowser(t)
			status, body := b.try("POST", shop.url+"/api/auth/login", map[string]string{"email": "alice@example.com", "password": "wonderland"})
			if status != http.StatusSeeOther {
				t.Fatalf("login: status %d: %s", status, body)
			}
			if !uuidV4.MatchString(b.session()) {
				t.Fatalf("login: session cookie %q", b.session())
			}
			v := sh.astro.view(b)
			want := map[string]string{"userId": `["u1"]`, "username": `["alice"]`, "role": `["admin"]`}
			for k, w := range want {
				if v.Values[k] != w {
					t.Errorf("Astro reads %s = %s, want %s", k, v.Values[k], w)
				}
			}
			if lt := v.Values["loginTime"]; !regexp.MustCompile(`^\[\["Date","\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\]\]$`).MatchString(lt) {
				t.Errorf("Astro reads loginTime = %s, want a Date", lt)
			}
			if p := v.Values["preferences"]; !regexp.MustCompile(`^\[\{"theme":1,"lang":2\},"[a-z]+","[a-z]+"\]$`).MatchString(p) {
				t.Errorf("Astro reads preferences = %s", p)
			}
			// Astro fills the cart; the shop shows it in the profile's session.
			sh.astro.set(b, entryIn{Key: "cartItems", Value: `[[1],{"productId":2,"quantity":3},"sku-1",2]`})
			var prof map[string]any
			b.do("GET", shop.url+"/api/user/profile", nil, &prof)
			if prof["userId"] != "u1" || prof["username"] != "alice" {
				t.Errorf("shop profile after Astro wrote the cart: %v", prof)
			}
			// Logging out on the shop ends the session for Astro too.
			id := b.session()
			if status, body := b.try("POST", shop.url+"/api/auth/logout", nil); status != http.StatusSeeOther {
				t.Fatalf("logout: status %d: %s", status, body)
			}
			sh.st.waitGone(t, id)
			old := newBrowser(t)
			old.cookies[cookieName] = id
			if v := sh.astro.view(old); len(v.Keys) != 0 {
				t.Errorf("Astro still reads the logged-out session: %q", v.Keys)
			}
		})

		t.Run("Astro login accepted by the shop", func(t *testing.T) {
			b := newBrowser(t)
			sh.astro.shop(b) // userId user-42, username ada, role admin, ...
			var prof struct {
				UserID      string            `json:"userId"`
				Username    string            `json:"username"`
				Preferences map[string]string `json:"preferences"`
			}
			b.do("GET", shop.url+"/api/user/profile", nil, &prof)
			if prof.UserID != "user-42" || prof.Username != "ada" || prof.Preferences["theme"] != "dark" || prof.Preferences["lang"] != "en" {
				t.Errorf("shop profile of Astro's session: %+v", prof)
			}
			if status, _ := b.try("GET", shop.url+"/admin", nil); status != http.StatusOK {
				t.Errorf("shop /admin for Astro's admin session: status %d", status)
			}
			// The shop changes the preferences; Astro reads the change.
			status, body := b.try("PUT", shop.url+"/api/user/profile", map[string]any{"preferences": map[string]string{"theme": "light"}})
			if status != http.StatusOK {
				t.Fatalf("PUT profile: status %d: %s", status, body)
			}
			g := sh.astro.get(b, "preferences")
			var flat []json.RawMessage
			if g.Value == nil || json.Unmarshal([]byte(*g.Value), &flat) != nil || str(g.Value) != `[{"theme":1,"lang":2},"light","en"]` {
				t.Errorf("Astro reads preferences = %s after the shop changed them", str(g.Value))
			}
		})
	})
}
