package reliability

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/goastro/session"
	"github.com/goastro/session/devalue"
	"github.com/goastro/session/storage/fs"
)

// counterEnv names the fs folder a counting child process works in; its
// presence makes the test binary run as that child.
const counterEnv = "RELIABILITY_FS_COUNTER_BASE"

// fsCounterChild is one instance of an application sharing an fs-lite folder
// with others: it runs RELIABILITY_FS_COUNTER_N requests of the session
// RELIABILITY_FS_COUNTER_ID, each adding one to "n" and one item of its own
// to "items" with session.Update.
func fsCounterChild() int {
	n, _ := strconv.Atoi(os.Getenv("RELIABILITY_FS_COUNTER_N"))
	id := os.Getenv("RELIABILITY_FS_COUNTER_ID")
	d, err := fs.New(fs.Options{Base: os.Getenv(counterEnv)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	mgr, err := session.New(session.Config{Storage: d, Logger: discardLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	h := mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		item := r.URL.Query().Get("item")
		err := session.Update(s, "n", func(old int, _ bool) (int, error) { return old + 1, nil })
		if err == nil {
			err = session.Update(s, "items", func(old []string, _ bool) ([]string, error) { return append(old, item), nil })
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
		}
	}))
	var wg sync.WaitGroup
	failed := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest("POST", fmt.Sprintf("/?item=%d-%d", os.Getpid(), i), nil)
			req.Header.Set("Cookie", cookie(id))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				failed <- fmt.Sprintf("%d %s", w.Code, w.Body)
			}
			if c, ok := setCookieID(w); ok && c != id {
				failed <- "the session changed ID to " + c
			}
		}()
	}
	wg.Wait()
	close(failed)
	code := 0
	for f := range failed {
		fmt.Fprintln(os.Stderr, f)
		code = 3
	}
	return code
}

// Three processes sharing one fs-lite folder (three instances of an
// application on one machine), each running 20 concurrent read-modify-write
// requests of the same session, lose nothing: the count is 60 and every
// item is there.
func TestFSNoLostUpdatesAcrossProcesses(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	d, err := fs.New(fs.Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ip := newInProcess(t, d, session.Config{}, func(w http.ResponseWriter, r *http.Request) {
		session.From(r.Context()).Set("n", 0)
	})
	id, _ := setCookieID(ip.serve("POST", "/"))
	const procs, each = 3, 20
	var wg sync.WaitGroup
	for range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), counterEnv+"="+base, "RELIABILITY_FS_COUNTER_ID="+id, "RELIABILITY_FS_COUNTER_N="+strconv.Itoa(each))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("instance: %v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	text, ok, err := d.Get(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("the session is gone: %v %v", ok, err)
	}
	v, err := devalue.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(*devalue.Map)
	entry := func(k string) any {
		e, _ := m.Get(k)
		o, _ := e.(*devalue.Object)
		if o == nil {
			return nil
		}
		x, _ := o.Get("data")
		return x
	}
	if n := entry("n"); n != float64(procs*each) {
		t.Errorf("n = %v, want %d", n, procs*each)
	}
	var items []string
	if err := devalue.Decode(entry("items"), &items); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, it := range items {
		seen[it] = true
	}
	if len(items) != procs*each || len(seen) != procs*each {
		t.Errorf("%d items (%d distinct), want %d", len(items), len(seen), procs*each)
	}
}
