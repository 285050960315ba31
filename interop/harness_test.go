package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
)

// astroApp is one build of the app in astro/ (shared sources, one folder per Astro
// major version with its own package.json, lock file and node_modules).
type astroApp struct {
	name string // "astro5", "astro6", "astro7"
	dir  string // astro/v5, astro/v6, astro/v7
	// node is the Node.js binary that runs the built server, relative to dir when
	// it starts with "./", else looked up in PATH.
	node string
	// extraBuilds are the outputs of npm run build besides builds.
	extraBuilds []string

	mu    sync.Mutex
	ready bool
}

var (
	astro5 = &astroApp{name: "astro5", dir: "astro/v5", node: "node"}
	// Astro 6 and 7 need Node.js 22; their apps depend on the npm package "node",
	// which installs that runtime into node_modules.
	astro6 = &astroApp{name: "astro6", dir: "astro/v6", node: "./node_modules/node/bin/node"}
	astro7 = &astroApp{name: "astro7", dir: "astro/v7", node: "./node_modules/node/bin/node", extraBuilds: []string{distNetlifyBlobs}}

	astroApps = []*astroApp{astro5, astro6, astro7}
)

// nodePath returns the absolute path of the app's Node.js binary.
func (a *astroApp) nodePath(t testing.TB, dir string) string {
	if a.node[0] == '.' {
		p := filepath.Join(dir, a.node)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: the Node.js runtime of the app is missing (%v); run npm ci in %s", a.name, err, a.dir)
		}
		return p
	}
	return testenv.Command(t, a.node, "Node.js 20 or newer")
}

// prepare installs the app's packages (npm ci) and builds it (npm run build) when
// the build is missing or older than its sources; .ci/setup.d/60-interop.sh does
// the same before the tests run in CI.
func (a *astroApp) prepare(t testing.TB) (dir, node string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	// testenv.NPM installs when node_modules is missing; a lock file newer than
	// the install (a dependency changed) calls for a fresh install too.
	installed := filepath.Join(a.dir, "node_modules", ".package-lock.json")
	if lockInfo, err := os.Stat(filepath.Join(a.dir, "package-lock.json")); err == nil {
		if inst, err := os.Stat(installed); err == nil && lockInfo.ModTime().After(inst.ModTime()) {
			os.Remove(installed)
		}
	}
	dir = testenv.NPM(t, a.dir)
	node = a.nodePath(t, dir)
	if a.ready {
		return dir, node
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("%s: build lock: %v", a.name, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("%s: build lock: %v", a.name, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	stale, err := buildIsStale(dir, slices.Concat(builds, a.extraBuilds))
	if err != nil {
		t.Fatalf("%s: %v", a.name, err)
	}
	if stale {
		npm := testenv.Command(t, "npm", "npm comes with Node.js")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "run", "build")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ASTRO_TELEMETRY_DISABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: npm run build: %v\n%s", a.name, err, out)
		}
	}
	a.ready = true
	return dir, node
}

// builds are the output folders of npm run build in every app: the app with
// Astro's default session cookie, and the app with a cookie that sets every
// option. The Astro 7 app has a third, whose session driver is the one Astro's
// Netlify adapter sets (netlify_test.go).
var builds = []string{distDefault, distCustomCookie}

const (
	distDefault      = "dist"
	distCustomCookie = "dist-custom-cookie"
	distNetlifyBlobs = "dist-netlify-blobs"
)

// buildIsStale reports whether the server/entry.mjs of a build in outs is
// missing or older than any source of the build: the shared astro/src folder,
// the config and the package files.
func buildIsStale(dir string, outs []string) (bool, error) {
	var built time.Time
	for i, out := range outs {
		entry, err := os.Stat(filepath.Join(dir, out, "server", "entry.mjs"))
		if errors.Is(err, fs.ErrNotExist) {
			return true, nil
		} else if err != nil {
			return false, err
		}
		if i == 0 || entry.ModTime().Before(built) {
			built = entry.ModTime()
		}
	}
	newer := false
	check := func(p string, info fs.FileInfo) {
		if info.ModTime().After(built) {
			newer = true
		}
	}
	for _, f := range []string{"astro.config.mjs", "package.json", "package-lock.json"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			return false, err
		}
		check(f, info)
	}
	err := filepath.WalkDir(filepath.Join(dir, "..", "src"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		check(p, info)
		return nil
	})
	return newer, err
}

// store is one shared session store: an fs folder, a Redis key base or a
// Netlify Blobs site.
type store struct {
	driver string      // "fs", "redis" or "netlify-blobs"
	dir    string      // fs: the folder
	redis  string      // redis: host:port
	base   string      // redis: key base ("" for none)
	blobs  *blobsStore // netlify-blobs: the site on a local BlobsServer
	// kv: a Cloudflare KV namespace, through Cloudflare's KV REST API
	// (cloudflare_test.go).
	kv *kvNamespace
}

func (s store) String() string { return s.driver }

// astroEnv is the environment that points the app at the store.
func (s store) astroEnv() []string {
	switch s.driver {
	case "fs":
		return []string{"SESSION_DRIVER=fs", "SESSION_BASE=" + s.dir}
	case "netlify-blobs":
		return s.blobs.astroEnv()
	}
	return []string{"SESSION_DRIVER=redis", "REDIS_URL=redis://" + s.redis, "SESSION_KEY_BASE=" + s.base}
}

// startAstro runs the built app on a free loopback port until the test ends and
// returns its base URL. The server's output goes to the test log if the test fails.
func startAstro(t *testing.T, app *astroApp, st store) string {
	t.Helper()
	build := distDefault
	if st.driver == "netlify-blobs" {
		build = distNetlifyBlobs // the session driver is fixed in this build
	}
	return startAstroBuild(t, app, st, build)
}

// startAstroBuild is startAstro for one of the builds (distDefault, distCustomCookie).
func startAstroBuild(t *testing.T, app *astroApp, st store, build string) string {
	t.Helper()
	dir, node := app.prepare(t)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		url, err := tryStartAstro(t, app, dir, node, st, build)
		if err == nil {
			return url
		}
		lastErr = err
	}
	t.Fatalf("%s did not start: %v", app.name, lastErr)
	return ""
}

func tryStartAstro(t *testing.T, app *astroApp, dir, node string, st store, build string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(node, filepath.Join(build, "server", "entry.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", "PORT="+strconv.Itoa(port), "ASTRO_TELEMETRY_DISABLED=1")
	cmd.Env = append(cmd.Env, st.astroEnv()...)
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			return "", fmt.Errorf("exited (%v):\n%s", err, logs.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("no answer on %s after 30s:\n%s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("%s (%s) server log:\n%s", app.name, st, logs.String())
		}
	})
	return "http://" + addr, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
