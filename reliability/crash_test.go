package reliability

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/devalue"
	"github.com/goastro/session/storage/fs"
)

// childEnv names the folder the crash-safety child writes into; its presence
// makes the test binary run as that child.
const childEnv = "RELIABILITY_FS_WRITER_BASE"

// crashSessions is how many sessions the child keeps rewriting.
const crashSessions = 4

// versionPad is the padding stored with version v: its length varies from
// nothing to 96 KiB so that writes are caught at every stage.
func versionPad(v int) string {
	return strings.Repeat(string(rune('a'+v%26)), (v*7919)%(96<<10))
}

// fsWriterChild is the child process: it serves requests in-process through
// the session middleware on an fs store, and rewrites its sessions in a loop,
// one writer per session all at once (version after version, each with its
// own padding), until it is killed. It prints "ready <id> <id> ..." once
// every session has been stored and "ack <id> <v>" after each acknowledged
// write.
func fsWriterChild() int {
	base := os.Getenv(childEnv)
	ttl, _ := time.ParseDuration(os.Getenv("RELIABILITY_FS_WRITER_TTL"))
	d, err := fs.New(fs.Options{Base: base})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	mgr, err := session.New(session.Config{Storage: d, TTL: ttl, MaxRecordSize: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var version atomic.Int64
	h := mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		v, _ := strconv.Atoi(r.URL.Query().Get("v"))
		if err := s.Set("v", v); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := s.Set("pad", versionPad(v)); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
	}))
	var outMu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	// write stores a new version in session id ("" for a new session) and
	// returns the version and the session's ID.
	write := func(id string) (int, string) {
		v := int(version.Add(1))
		req := httptest.NewRequest("POST", "/?v="+strconv.Itoa(v), nil)
		if id != "" {
			req.Header.Set("Cookie", cookie(id))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			fmt.Fprintf(os.Stderr, "write failed: %d %s\n", w.Code, w.Body)
			os.Exit(3)
		}
		got := id
		for _, c := range w.Result().Cookies() {
			if c.Name == session.DefaultCookieName {
				got = c.Value
			}
		}
		if id != "" && got != id {
			fmt.Fprintf(os.Stderr, "session %s replaced by %s\n", id, got)
			os.Exit(3)
		}
		return v, got
	}
	ack := func(id string, v int) {
		outMu.Lock()
		fmt.Fprintf(out, "ack %s %d\n", id, v)
		out.Flush()
		outMu.Unlock()
	}
	ids := make([]string, crashSessions)
	for i := range ids {
		var v int
		v, ids[i] = write("")
		ack(ids[i], v)
	}
	outMu.Lock()
	fmt.Fprintf(out, "ready %s\n", strings.Join(ids, " "))
	out.Flush()
	outMu.Unlock()
	// One writer per session, all at once, until killed.
	for _, id := range ids[1:] {
		go func() {
			for {
				v, _ := write(id)
				ack(id, v)
			}
		}()
	}
	for {
		v, _ := write(ids[0])
		ack(ids[0], v)
	}
}

// A writer killed with SIGKILL at random points, run after run, never leaves a
// record that fails to parse: every session it stored is still there, holds
// one of the versions written (never older than the last acknowledged one),
// and temporary files never show as sessions. Both layouts: fs-lite (no TTL)
// and fs with a TTL (expiry sidecars).
func TestFSCrashSafety(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	runs := 30
	if testing.Short() {
		runs = 5
	}
	for _, mode := range []struct{ name, ttl string }{{"no-ttl", "0s"}, {"ttl", "1h"}} {
		t.Run(mode.name, func(t *testing.T) {
			base := t.TempDir()
			var totalAcks int
			for run := range runs {
				acks := crashRun(t, exe, base, mode.ttl, run)
				totalAcks += acks
				if t.Failed() {
					return
				}
			}
			t.Logf("%d runs killed, %d acknowledged writes checked", runs, totalAcks)
		})
	}
}

// crashRun starts the child on base, kills it after a random delay, and checks
// the folder. It returns the number of writes the child acknowledged.
func crashRun(t *testing.T, exe, base, ttl string, run int) int {
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+base, "RELIABILITY_FS_WRITER_TTL="+ttl)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	acked := map[string]int{}
	var ids []string
	var maxVersion, acks int
	note := func(line string) {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "ack":
			v, _ := strconv.Atoi(f[2])
			acked[f[1]] = v
			maxVersion = max(maxVersion, v)
			acks++
		case len(f) > 1 && f[0] == "ready":
			ids = f[1:]
		}
	}
	ready := time.After(60 * time.Second)
waitReady:
	for ids == nil {
		select {
		case line, ok := <-lines:
			if !ok {
				break waitReady
			}
			note(line)
		case <-ready:
			break waitReady
		}
	}
	if ids == nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("run %d: the writer did not start: %s", run, stderr.String())
	}
	// Kill it somewhere in the middle of its writes.
	time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	for line := range lines {
		note(line)
	}
	<-readDone
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("run %d: the writer ended by itself (%v): %s", run, err, stderr.String())
	}
	// A stale "ready" of an earlier run is not possible: each run has its own IDs.
	// Every session of every run so far must be readable.
	checkCrashFolder(t, base, ttl, run, acked, maxVersion)
	return acks
}

// crashState remembers, across runs, the sessions written to one folder and
// the last version acknowledged for each.
var crashState = map[string]map[string]int{}

func checkCrashFolder(t *testing.T, base, ttl string, run int, acked map[string]int, maxVersion int) {
	t.Helper()
	known := crashState[base]
	if known == nil {
		known = map[string]int{}
		crashState[base] = known
	}
	for id, v := range acked {
		known[id] = v
	}
	d, err := fs.New(fs.Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	keys, err := d.Keys(ctx, "")
	if err != nil {
		t.Fatalf("run %d: Keys: %v", run, err)
	}
	for _, k := range keys {
		if _, ok := known[k]; !ok {
			t.Errorf("run %d: the folder lists %q, which no writer acknowledged as a session", run, k)
		}
	}
	for id, last := range known {
		text, ok, err := d.Get(ctx, id)
		if err != nil || !ok {
			t.Errorf("run %d: session %s (last acknowledged version %d) is gone: ok=%v err=%v", run, id, last, ok, err)
			continue
		}
		v, err := devalue.Parse(text)
		if err != nil {
			t.Errorf("run %d: session %s: the record does not parse: %v\n%.200q", run, id, err, text)
			continue
		}
		version, perr := recordVersion(v)
		if perr != nil {
			t.Errorf("run %d: session %s: %v\n%.200q", run, id, perr, text)
			continue
		}
		// A session of this run holds its last acknowledged version, or the
		// write after it that was stored but not acknowledged when the writer
		// died (each of the concurrent writers may have one in flight); a
		// session of an earlier run holds what it held.
		_, thisRun := acked[id]
		if version < last || (thisRun && version > maxVersion+crashSessions) || (!thisRun && version != last) {
			t.Errorf("run %d: session %s holds version %d; last acknowledged %d (this run: %v, newest version written %d)", run, id, version, last, thisRun, maxVersion)
		}
		known[id] = version
		if !slices.Contains(keys, id) {
			t.Errorf("run %d: session %s is readable but not listed by Keys", run, id)
		}
	}
	// The session layer reads every record without an error.
	mgr, err := session.New(session.Config{Storage: d, MaxRecordSize: -1, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h := mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, ok, err := session.Get[int](session.From(r.Context()), "v")
		if err != nil || !ok {
			http.Error(w, fmt.Sprint(ok, err), 500)
			return
		}
		fmt.Fprint(w, n)
	}))
	for id := range known {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", cookie(id))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || w.Header().Get("Set-Cookie") != "" {
			t.Errorf("run %d: reading session %s through the middleware: %d %q, Set-Cookie %q", run, id, w.Code, w.Body, w.Header().Get("Set-Cookie"))
		}
	}
	if ttl == "0s" {
		// fs-lite layout: no file in the folder other than records, the driver's
		// metadata folder and temporary files it ignores.
		entries, _ := os.ReadDir(base)
		for _, e := range entries {
			if _, ok := known[e.Name()]; !ok && !strings.HasPrefix(e.Name(), ".goastro") {
				t.Errorf("run %d: unexpected file %s in the store", run, filepath.Join(base, e.Name()))
			}
		}
	}
}

// recordVersion checks that a stored record is a session Map whose "v" and
// "pad" entries belong to the same version, and returns that version.
func recordVersion(v any) (int, error) {
	m, ok := v.(*devalue.Map)
	if !ok {
		return 0, fmt.Errorf("the record is a %T, not a Map", v)
	}
	get := func(k string) (any, error) {
		e, ok := m.Get(k)
		if !ok {
			return nil, fmt.Errorf("no %q entry", k)
		}
		obj, ok := e.(*devalue.Object)
		if !ok {
			return nil, fmt.Errorf("entry %q is a %T", k, e)
		}
		data, _ := obj.Get("data")
		return data, nil
	}
	vv, err := get("v")
	if err != nil {
		return 0, err
	}
	f, ok := vv.(float64)
	if !ok {
		return 0, fmt.Errorf("v is a %T", vv)
	}
	pad, err := get("pad")
	if err != nil {
		return 0, err
	}
	if pad != versionPad(int(f)) {
		return 0, fmt.Errorf("the padding does not belong to version %d (torn record)", int(f))
	}
	return int(f), nil
}
