package reliability

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/storage"
)

// failFastBound is how soon a request must fail when the store died or hangs,
// with the default Config: the default store timeout is one second, and a
// request makes at most a read and a write before it gives up.
const failFastBound = 2500 * time.Millisecond

// failFastApp serves, with the default Config, a page that reads several keys
// of the session (GET /read, as the example shop's pages do) and one that writes it (POST
// /write), over a driver opened by name with nothing but its address, as a new
// user would. A read error is answered 503; a failed save is the middleware's
// 500.
func failFastApp(t *testing.T, driver string, opts map[string]any) *app {
	t.Helper()
	d, err := storage.Open(driver, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	a := newApp(t, d, session.Config{})
	a.mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		// Several keys, as each page of the example shop reads, stopping at
		// the first error as it does.
		s := session.From(r.Context())
		for _, k := range []string{"userId", "username", "role", "cartItems", "preferences"} {
			if _, err := s.Get(k); err != nil {
				http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
				return
			}
		}
		n, _, err := session.Get[int](s, "n")
		if err != nil {
			http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, n)
	})
	a.mux.HandleFunc("POST /write", func(w http.ResponseWriter, r *http.Request) {
		session.From(r.Context()).Set("n", 1)
	})
	return a
}

// mustFailFast sends the requests of a visitor to a store that is down or
// hung, the first request after the failure first: each must be answered with
// a 5xx within failFastBound.
func mustFailFast(t *testing.T, a *app, what, id string) {
	t.Helper()
	for _, req := range []struct{ method, path, cookie string }{
		{"GET", "/read", cookie(id)},   // the first request after the failure
		{"POST", "/write", cookie(id)}, // a write of the same session
		{"GET", "/read", cookie(id)},
		{"POST", "/write", ""}, // a new visitor
	} {
		var cookies []string
		if req.cookie != "" {
			cookies = append(cookies, req.cookie)
		}
		t0 := time.Now()
		r, err := a.do(req.method, req.path, "", cookies...)
		took := time.Since(t0)
		switch {
		case err != nil:
			t.Errorf("%s: %s %s: %v", what, req.method, req.path, err)
		case r.status < 500 || took > failFastBound:
			t.Errorf("%s: %s %s: status %d after %v; want a 5xx within %v", what, req.method, req.path, r.status, took.Round(time.Millisecond), failFastBound)
		default:
			t.Logf("%s: %s %s: %d after %v", what, req.method, req.path, r.status, took.Round(time.Millisecond))
		}
	}
}

// startSession writes a session and reads it back, so that the driver holds
// open connections to the store, as a running service does.
func startSession(t *testing.T, a *app) string {
	t.Helper()
	id, ok := a.mustDo("POST", "/write", "").sessionCookie()
	if !ok {
		t.Fatal("no session cookie")
	}
	waitUntilServed(t, a, id)
	return id
}

// waitUntilServed waits until the session id can be read.
func waitUntilServed(t *testing.T, a *app, id string) {
	t.Helper()
	waitFor(t, "the session to be served", 30*time.Second, func() bool {
		r, err := a.do("GET", "/read", "", cookie(id))
		return err == nil && r.status == 200 && r.body == "1"
	})
}

// With the default Config, a request to a Redis that was killed, the first
// one included, and one to a Redis that hangs (SIGSTOP), fail with a 5xx
// within about a second or two, not after the client library's own timeouts
// and retries (8.6 s and 5 s before Config.StoreTimeout).
func TestRedisFailsFastByDefault(t *testing.T) {
	srv := startRedisProc(t)
	a := failFastApp(t, "redis", map[string]any{"url": "redis://" + srv.addr() + "/0"})

	id := startSession(t, a)
	srv.crash(t)
	mustFailFast(t, a, "Redis killed", id)

	srv.restart(t)
	waitUntilServed(t, a, id)
	if err := srv.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	proc := srv.cmd.Process
	t.Cleanup(func() { proc.Signal(syscall.SIGCONT) })
	mustFailFast(t, a, "Redis stopped", id)
	proc.Signal(syscall.SIGCONT)
	waitUntilServed(t, a, id)
}

// The same for PostgreSQL: a cluster stopped in immediate mode (a crash), and
// one whose processes are all stopped with SIGSTOP.
func TestPostgresFailsFastByDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	c := startPGCluster(t)
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	a := failFastApp(t, "postgres", map[string]any{"url": url})

	id := startSession(t, a)
	c.crash(t)
	mustFailFast(t, a, "PostgreSQL crashed", id)

	c.restart(t)
	waitUntilServed(t, a, id)
	pids := clusterPIDs(t, c)
	signalAll(t, pids, syscall.SIGSTOP)
	// Registered after the cluster's own cleanup, so it runs before it.
	t.Cleanup(func() { signalAll(t, pids, syscall.SIGCONT) })
	mustFailFast(t, a, "PostgreSQL stopped", id)
	signalAll(t, pids, syscall.SIGCONT)
	waitUntilServed(t, a, id)
}

// clusterPIDs returns the postmaster of the cluster and its child processes
// (the backends serving the connections, the background workers).
func clusterPIDs(t *testing.T, c *pgCluster) []int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0]))
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	pids := []int{postmaster}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after its ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(postmaster) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			pids = append(pids, pid)
		}
	}
	if len(pids) < 2 {
		t.Fatalf("found no backend of the PostgreSQL cluster (postmaster %d)", postmaster)
	}
	return pids
}

func signalAll(t *testing.T, pids []int, sig syscall.Signal) {
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil && sig == syscall.SIGSTOP {
			t.Errorf("%v to %d: %v", sig, pid, err)
		}
	}
}
