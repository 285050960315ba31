package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/postgres"
	"github.com/goastro/session/storage/redis"
)

// outageServer is a store server a test owns and can crash and bring back on
// the same address with its data.
type outageServer interface {
	crash(t *testing.T)
	restart(t *testing.T)
}

// redisProc is a redis-server of the test's own, on a fixed loopback port,
// with an append-only file synced on every write so that a SIGKILL loses no
// acknowledged write.
type redisProc struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
	exited   chan error
}

func startRedisProc(t *testing.T) *redisProc {
	t.Helper()
	bin := testenv.Command(t, "redis-server", "apt-get install redis-server")
	dir, err := os.MkdirTemp("", "reliability-redis-")
	if err != nil {
		t.Fatal(err)
	}
	r := &redisProc{bin: bin, dir: dir, port: freeLoopbackPort(t)}
	t.Cleanup(func() {
		r.crash(t)
		os.RemoveAll(dir)
	})
	r.restart(t)
	return r
}

func (r *redisProc) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// restart starts redis-server on the port, from the files in the folder.
func (r *redisProc) restart(t *testing.T) {
	t.Helper()
	r.cmd = exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--dir", r.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--logfile", filepath.Join(r.dir, "redis.log"), "--daemonize", "no")
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.exited = make(chan error, 1)
	go func(c *exec.Cmd, ch chan error) { ch <- c.Wait() }(r.cmd, r.exited)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := testenv.RedisCommand(r.addr(), "PING"); err == nil {
			return
		}
		select {
		case err := <-r.exited:
			log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			r.cmd = nil
			t.Fatalf("redis-server on %s exited: %v\n%s", r.addr(), err, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer", r.addr())
		}
	}
}

// crash kills redis-server with SIGKILL.
func (r *redisProc) crash(t *testing.T) {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	<-r.exited
	r.cmd = nil
}

// pgCluster is a throwaway PostgreSQL cluster (initdb in a temporary folder)
// on a free loopback port. crash stops it in immediate mode, PostgreSQL's
// simulation of a crash: no checkpoint, recovery from the WAL at restart.
type pgCluster struct {
	bin      string // folder of initdb and pg_ctl
	dir      string
	port     int
	asUser   []string // runuser prefix when running as root
	running  bool
	database string
}

func findPGBin() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real)
		}
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(m) == 0 {
		return ""
	}
	return filepath.Dir(m[len(m)-1])
}

func startPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	bin := findPGBin()
	if bin == "" {
		testenv.Unavailable(t, "PostgreSQL server binaries (initdb, pg_ctl) are not installed (apt-get install postgresql)")
	}
	c := &pgCluster{bin: bin, port: freeLoopbackPort(t)}
	dir, err := os.MkdirTemp("", "reliability-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() {
		if c.running {
			c.pgctl(t, "stop", "-m", "immediate")
		}
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the cluster as the postgres user.
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			testenv.Unavailable(t, "running as root without runuser to start PostgreSQL as another user")
		}
		out, err := exec.Command("id", "-u", "postgres").Output()
		if err != nil {
			testenv.Unavailable(t, "running as root and there is no postgres user to run a PostgreSQL cluster as")
		}
		uid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		if err := os.Chown(dir, uid, -1); err != nil {
			t.Fatal(err)
		}
		c.asUser = []string{runuser, "-u", "postgres", "--"}
	}
	c.run(t, filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync")
	c.restart(t)
	return c
}

func (c *pgCluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	full := append(append([]string{}, c.asUser...), name)
	full = append(full, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, full[0], full[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(full, " "), err, out)
	}
}

func (c *pgCluster) pgctl(t *testing.T, args ...string) {
	t.Helper()
	c.run(t, filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", filepath.Join(c.dir, "data"), "-w"}, args...)...)
}

func (c *pgCluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", c.port)
}

func (c *pgCluster) restart(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=on -c synchronous_commit=on", c.port, c.dir)
	c.pgctl(t, "-l", filepath.Join(c.dir, "server.log"), "-o", opts, "start")
	c.running = true
}

func (c *pgCluster) crash(t *testing.T) {
	c.pgctl(t, "stop", "-m", "immediate")
	c.running = false
}

// outageApp counts, per session, with session.Update: POST /inc answers the
// new count, GET /n the stored one. A session error is logged by the app and
// answered with a 503; a failed save is answered by the session middleware.
func outageApp(t *testing.T, d storage.Driver) *app {
	a := newApp(t, d, session.Config{StoreTimeout: 5 * time.Second})
	appLog := a.logs.logger()
	fail := func(w http.ResponseWriter, r *http.Request, err error) {
		appLog.Error("app: session unavailable", "path", r.URL.Path, "error", err)
		status := http.StatusInternalServerError
		if errors.Is(err, session.ErrStorage) {
			status = http.StatusServiceUnavailable
		}
		http.Error(w, "session store unavailable", status)
	}
	a.mux.HandleFunc("POST /inc", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		var now int
		err := session.Update(s, "n", func(old int, _ bool) (int, error) {
			now = old + 1
			return now, nil
		})
		if err == nil {
			err = s.Set("secret", "s3cr3t-"+r.URL.Query().Get("who"))
		}
		if err != nil {
			fail(w, r, err)
			return
		}
		fmt.Fprint(w, now) // the middleware saves before this is written, or answers 500
	})
	// POST /touch only writes: a failure there is the middleware's to answer and log.
	a.mux.HandleFunc("POST /touch", func(w http.ResponseWriter, r *http.Request) {
		session.From(r.Context()).Set("touched", time.Now().UnixMilli())
	})
	a.mux.HandleFunc("GET /n", func(w http.ResponseWriter, r *http.Request) {
		n, ok, err := session.Get[int](session.From(r.Context()), "n")
		if err != nil {
			fail(w, r, err)
			return
		}
		if !ok {
			http.Error(w, "no count", http.StatusNotFound)
			return
		}
		fmt.Fprint(w, n)
	})
	return a
}

// runOutage drives the outage scenario against d, backed by srv:
//
//  1. sessions are written while the store is up;
//  2. a load of concurrent clients runs while the server is crashed: every
//     answer is a 200 or a 5xx (a transport error would mean a crash or a
//     dropped connection), failures come fast, and the cause is logged;
//  3. the server comes back on the same address: without restarting the app,
//     every session still holds at least the count it last acknowledged, and
//     counting resumes;
//  4. after closing everything, no goroutine is left behind.
func runOutage(t *testing.T, open func() storage.Driver, srv outageServer, maxFail time.Duration) {
	before := runtime.NumGoroutine()
	d := open()
	a := outageApp(t, d)

	const clients = 16
	ids := make([]string, clients)
	acked := make([]int, clients)
	for i := range ids {
		r := a.mustDo("POST", fmt.Sprintf("/inc?who=%d", i), "")
		id, ok := r.sessionCookie()
		if r.status != 200 || !ok || r.body != "1" {
			t.Fatalf("client %d: %d %q", i, r.status, r.body)
		}
		ids[i], acked[i] = id, 1
	}

	// The load: each client counts in a loop until stopped.
	type result struct {
		status  int
		body    string
		err     error
		elapsed time.Duration
		down    bool // sent while the server was known to be down
	}
	var (
		mu      sync.Mutex
		down    bool
		results [clients][]result
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				wasDown := down
				mu.Unlock()
				t0 := time.Now()
				path := fmt.Sprintf("/inc?who=%d", i)
				if rand.IntN(3) == 0 {
					path = "/touch"
				}
				r, err := a.do("POST", path, "", cookie(ids[i]))
				res := result{status: r.status, body: r.body, err: err, elapsed: time.Since(t0), down: wasDown}
				mu.Lock()
				results[i] = append(results[i], res)
				if err == nil && r.status == 200 && path != "/touch" {
					if n, err := strconv.Atoi(r.body); err == nil && n > acked[i] {
						acked[i] = n
					}
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	srv.crash(t)
	mu.Lock()
	down = true
	mu.Unlock()
	// Let every client see the outage at least twice.
	waitFor(t, "every client to be answered twice while the store is down", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range clients {
			n := 0
			for _, r := range results[i] {
				if r.down {
					n++
				}
			}
			if n < 2 {
				return false
			}
		}
		return true
	})
	close(stop)
	wg.Wait()

	var ok, failed, downFailed int
	var slowest time.Duration
	for i := range clients {
		for _, r := range results[i] {
			switch {
			case r.err != nil:
				t.Errorf("client %d: transport error (a crash or a dropped connection?): %v", i, r.err)
			case r.status == 200:
				ok++
				if r.down {
					t.Errorf("client %d: 200 %q while the store was down", i, r.body)
				}
			case r.status >= 500 && r.status <= 599:
				failed++
				if r.down {
					downFailed++
					slowest = max(slowest, r.elapsed)
				}
			default:
				t.Errorf("client %d: status %d %q", i, r.status, r.body)
			}
		}
	}
	t.Logf("load: %d answered 200, %d answered 5xx (%d while down, slowest %v)", ok, failed, downFailed, slowest)
	if ok == 0 || downFailed < 2*clients {
		t.Fatalf("the load did not cover the outage: %d ok, %d failed while down", ok, downFailed)
	}
	if slowest > maxFail {
		t.Errorf("a request took %v to fail while the store was down; want under %v", slowest, maxFail)
	}
	logs := a.logs.String()
	if !regexp.MustCompile(`level=ERROR msg="session: could not save the session[^"]*" method=POST path=/touch driver=\S+ error="session: storage failed`).MatchString(logs) {
		t.Errorf("the session middleware logged no error with the cause of the failures:\n%.3000s", logs)
	}
	for _, id := range ids {
		if strings.Contains(logs, id) {
			t.Errorf("the logs contain the session ID %s:\n%s", id, linesWith(logs, id))
		}
	}
	if strings.Contains(logs, "s3cr3t") {
		t.Errorf("the logs contain session data:\n%s", linesWith(logs, "s3cr3t"))
	}
	if strings.Contains(a.httpLog.String(), "panic") {
		t.Errorf("a handler panicked:\n%s", a.httpLog.String())
	}

	// The store comes back; the app is not restarted.
	srv.restart(t)
	for i, id := range ids {
		var r reply
		waitFor(t, fmt.Sprintf("client %d's session to be readable again", i), 15*time.Second, func() bool {
			var err error
			r, err = a.do("GET", "/n", "", cookie(id))
			return err == nil && r.status < 500
		})
		n, err := strconv.Atoi(r.body)
		if r.status != 200 || err != nil || n < acked[i] {
			t.Errorf("client %d: after the restart: %d %q, want a count of at least %d (lost a session written before the failure)", i, r.status, r.body, acked[i])
		}
		if c, ok := r.sessionCookie(); ok && c != id {
			t.Errorf("client %d: the session was replaced by %s after the restart", i, c)
		}
		r = a.mustDo("POST", fmt.Sprintf("/inc?who=%d", i), "", cookie(id))
		if r.status != 200 || r.body != strconv.Itoa(n+1) {
			t.Errorf("client %d: counting did not resume: %d %q, want %d", i, r.status, r.body, n+1)
		}
	}

	a.close()
	d.Close()
	if n, stacks, ok := goroutinesSettle(before, 10*time.Second); !ok {
		t.Errorf("goroutine leak: %d goroutines after closing, %d before\n%s", n, before, stacks)
	}
}

// Redis is killed (SIGKILL) in the middle of a load test and restarted on the
// same port: requests fail fast with a 5xx and a logged cause while it is
// down, no panic, no goroutine leak, and service resumes with every session
// written before the crash.
func TestRedisOutage(t *testing.T) {
	srv := startRedisProc(t)
	runOutage(t, func() storage.Driver {
		d, err := redis.Open(redis.Options{Addr: srv.addr(), DialTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, srv, 5*time.Second)
}

// The same for PostgreSQL: a throwaway cluster is stopped in immediate mode
// (a crash) during the load and started again.
func TestPostgresOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	srv := startPGCluster(t)
	runOutage(t, func() storage.Driver {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		d, err := postgres.Open(ctx, postgres.Options{URL: srv.url()})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, srv, 5*time.Second)
}

// A Redis that stops answering (SIGSTOP: connections stay open, nothing comes
// back, as in a network partition) does not hang requests: each store call
// fails after Config.StoreTimeout, and the request with a 5xx;
// when it answers again (SIGCONT) service resumes with the same data.
func TestRedisHangs(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for timeouts")
	}
	srv := startRedisProc(t)
	d, err := redis.Open(redis.Options{Addr: srv.addr(), DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	a := outageApp(t, d) // StoreTimeout 5s
	r := a.mustDo("POST", "/inc", "")
	id, _ := r.sessionCookie()
	if err := srv.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			srv.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	const limit = 15 * time.Second
	var wg sync.WaitGroup
	for _, path := range []string{"/inc", "/touch", "/inc", "/touch"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			r, err := a.do("POST", path, "", cookie(id))
			took := time.Since(t0)
			if err != nil || r.status < 500 || took > limit {
				t.Errorf("%s while Redis hangs: %v, status %d after %v (want a 5xx within %v)", path, err, r.status, took.Round(time.Millisecond), limit)
			} else {
				t.Logf("%s while Redis hangs: %d after %v", path, r.status, took.Round(time.Millisecond))
			}
		}()
	}
	wg.Wait()
	srv.cmd.Process.Signal(syscall.SIGCONT)
	resumed = true
	var n reply
	waitFor(t, "the session to be readable again", 15*time.Second, func() bool {
		n, err = a.do("GET", "/n", "", cookie(id))
		return err == nil && n.status == 200
	})
	// An /inc is the request's first store call, so its compare-and-swap is
	// sent at once (against the record this process wrote) and may sit in
	// Redis's socket when it stops: Redis runs it when it resumes, after the
	// client gave up, as with any write whose answer is lost. At most one of
	// the two lands: the other's compare-and-swap no longer matches.
	if n.body != "1" && n.body != "2" {
		t.Errorf("after Redis answers again: count %q, want 1 (or 2: one /inc applied after its timeout)", n.body)
	}
}

// A logout, a "log out everywhere" or a login that cannot reach the store
// fails visibly: never a success page over a session that lives on. When the
// store is back, logging out works and the ID is dead.
func TestSignOutDuringOutage(t *testing.T) {
	srv := startRedisProc(t)
	d, err := redis.Open(redis.Options{Addr: srv.addr(), DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	a := loginApp(t, d, session.Config{})
	id, _ := a.mustDo("POST", "/login?user=frank", "").sessionCookie()
	srv.crash(t)
	for _, path := range []string{"/logout", "/login?user=frank"} {
		r := a.mustDo("POST", path, "", cookie(id))
		if r.status < 500 {
			t.Errorf("%s while Redis is down: status %d, Set-Cookie %q; want a 5xx", path, r.status, r.header.Values("Set-Cookie"))
		}
		if c := r.header.Values("Set-Cookie"); len(c) != 0 {
			t.Errorf("%s while Redis is down sent Set-Cookie %q", path, c)
		}
	}
	if n, err := a.mgr.DestroyUser(context.Background(), "frank"); err == nil {
		t.Errorf("DestroyUser while Redis is down = %d, nil; want an error", n)
	}
	srv.restart(t)
	var r reply
	waitFor(t, "Redis to serve the session again", 15*time.Second, func() bool {
		r, err = a.do("GET", "/me", "", cookie(id))
		return err == nil && r.status == 200
	})
	if r.body != "user=frank bound=frank" {
		t.Errorf("after the outage the session says %q", r.body)
	}
	if r := a.mustDo("POST", "/logout", "", cookie(id)); r.status != 200 {
		t.Errorf("logout after the outage: %d %q", r.status, r.body)
	}
	if r := a.mustDo("GET", "/me", "", cookie(id)); r.body != "user= bound=" {
		t.Errorf("after logout: %q", r.body)
	}
}
