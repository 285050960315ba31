package fs_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/storagetest"
)

func newStore(t *testing.T, opts fs.Options) *fs.Store {
	t.Helper()
	if opts.Base == "" {
		opts.Base = t.TempDir()
	}
	s, err := fs.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver { return newStore(t, fs.Options{}) })
}

func TestConformanceNoSync(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		return newStore(t, fs.Options{NoSync: true, SweepInterval: 100 * time.Millisecond})
	})
}

func TestConformanceOpenByName(t *testing.T) {
	for _, name := range []string{"fs", "fs-lite", "fsLite"} {
		t.Run(name, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storage.Driver {
				d, err := storage.Open(name, map[string]any{"base": t.TempDir(), "noSync": true})
				if err != nil {
					t.Fatal(err)
				}
				return d
			})
		})
	}
}

func TestOpenOptions(t *testing.T) {
	for _, bad := range []map[string]any{
		{"base": 1},
		{"base": t.TempDir(), "readOnly": true},
		{"base": t.TempDir(), "sweepInterval": "often"},
		{"base": "a\x00b"},
	} {
		_, err := storage.Open("fs-lite", bad)
		if !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("Open(%v): err = %v, want ErrInvalidOption", bad, err)
		}
	}
	_, err := storage.Open("fs", map[string]any{"bse": "x"})
	if err == nil || !strings.Contains(err.Error(), "accepted: base, noSync, sweepInterval") {
		t.Errorf("error does not list the accepted options: %v", err)
	}
	// Without base, Astro's default relative to the working directory.
	wd := t.TempDir()
	t.Chdir(wd)
	d, err := storage.Open("fs", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got, want := d.(*fs.Store).Base(), filepath.Join(wd, ".astro", "session"); got != want {
		t.Fatalf("default base = %s, want %s", got, want)
	}
	if err := d.Set(context.Background(), "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(wd, ".astro/session/k")); err != nil || string(b) != "v" {
		t.Fatalf("record at the default base: %q, %v", b, err)
	}
}

// TestLayout checks the file layout of unstorage's fs-lite: <base>/<key with
// ':' as '/'>, the text verbatim, no extension; TTLs never in the text.
func TestLayout(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, fs.Options{})
	base := s.Base()
	record := `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`
	if err := s.Set(ctx, "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b", record, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "app/users\\1:profile", "é\n", time.Hour); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b": record,
		"app/users/1/profile":                  "é\n",
	} {
		b, err := os.ReadFile(filepath.Join(base, path))
		if err != nil || string(b) != want {
			t.Errorf("file %s = %q, %v; want %q", path, b, err, want)
		}
	}
	info, err := os.Stat(filepath.Join(base, "app/users/1/profile"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, %v; want 0600", info.Mode(), err)
	}
	// No temporary file is left behind, and only the metadata folder is extra.
	var files []string
	filepath.WalkDir(base, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(base, p)
			files = append(files, rel)
		}
		return nil
	})
	for _, f := range files {
		if strings.Contains(f, ".goastro-tmp-") {
			t.Errorf("temporary file left: %s", f)
		}
		if !strings.HasPrefix(f, ".goastro/") && f != "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b" && f != "app/users/1/profile" {
			t.Errorf("unexpected file %s", f)
		}
	}
}

func TestForeignFiles(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, fs.Options{})
	base := s.Base()
	write := func(rel, text string) {
		p := filepath.Join(base, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("empty", "")
	write("written-by-astro", "[[\"Map\"]]")
	write("dir/child", "c")
	write("odd..", "not a key we accept")
	for k, want := range map[string]string{"empty": "", "written-by-astro": `[["Map"]]`, "dir": "", "dir:child": "c"} {
		v, ok, err := s.Get(ctx, k)
		if err != nil || ok != (want != "") || v != want {
			t.Errorf("Get(%q) = %q, %v, %v; want %q", k, v, ok, err, want)
		}
	}
	keys, err := s.Keys(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sorted(keys), ",") != "dir:child,written-by-astro" {
		t.Errorf("Keys = %q", keys)
	}
	// A key whose path is a folder cannot be written, with a clear error; deleting it is a no-op.
	if err := s.Set(ctx, "dir", "v", 0); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("Set over a folder: %v", err)
	}
	if err := s.Delete(ctx, "dir"); err != nil {
		t.Errorf("Delete of a folder key: %v", err)
	}
	if v, ok, _ := s.Get(ctx, "dir:child"); !ok || v != "c" {
		t.Error("Delete of a folder key removed what is inside")
	}
	if err := s.Set(ctx, "written-by-astro:below", "v", 0); err == nil {
		t.Error("Set below a file succeeded")
	}
}

func TestReservedKeys(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, fs.Options{})
	for _, k := range []string{".goastro", ".goastro:ttl:x", "a:.goastro-tmp-1", ".goastrox"} {
		if err := s.Set(ctx, k, "v", 0); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Set(%q): err = %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := s.Get(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Get(%q): err = %v, want ErrInvalidKey", k, err)
		}
	}
	if err := s.Set(ctx, ".hidden:goastro", "v", 0); err != nil {
		t.Errorf("Set of a dot key: %v", err)
	}
}

func TestExpiredRecordRemoved(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, fs.Options{NoSync: true})
	base := s.Base()
	if err := s.Set(ctx, "a", "expiring", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "b", "expiring", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "c:d", "kept", time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, filepath.Join(base, ".goastro/ttl")); n != 3 {
		t.Fatalf("%d sidecars, want 3", n)
	}
	time.Sleep(80 * time.Millisecond)
	// Astro still reads the file until something removes it.
	if _, err := os.Stat(filepath.Join(base, "a")); err != nil {
		t.Fatal(err)
	}
	// Get removes an expired record.
	if _, ok, err := s.Get(ctx, "a"); ok || err != nil {
		t.Fatalf("Get expired = %v, %v", ok, err)
	}
	if _, err := os.Stat(filepath.Join(base, "a")); !os.IsNotExist(err) {
		t.Fatalf("expired file still there: %v", err)
	}
	// Sweep removes the rest.
	n, err := s.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(filepath.Join(base, "b")); !os.IsNotExist(err) {
		t.Fatalf("swept file still there: %v", err)
	}
	if n := countFiles(t, filepath.Join(base, ".goastro/ttl")); n != 1 {
		t.Fatalf("%d sidecars after sweep, want 1", n)
	}
	if v, ok, _ := s.Get(ctx, "c:d"); !ok || v != "kept" {
		t.Fatal("sweep removed a live record")
	}
}

func TestSweepStaleAndOrphans(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, fs.Options{NoSync: true})
	base := s.Base()
	if err := s.Set(ctx, "k", "with ttl", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Another program removes the record and writes a new one (unstorage's
	// removeItem then setItem): the old expiry must not apply to it. The old
	// file stays open so that its inode number cannot be reused at once.
	held, err := os.Open(filepath.Join(base, "k"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := os.Remove(filepath.Join(base, "k")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "k"), []byte("by astro"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A record rewritten in place by another program (unstorage's setItem on an
	// existing key) loses its expiry: what Astro wrote there is Astro's, and a
	// lifetime given for the previous content must not delete it.
	if err := s.Set(ctx, "inplace", "with ttl", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "inplace"), []byte("rewritten"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	if v, ok, err := s.Get(ctx, "k"); !ok || v != "by astro" || err != nil {
		t.Fatalf("Get of a replaced record = %q, %v, %v", v, ok, err)
	}
	if v, ok, err := s.Get(ctx, "inplace"); !ok || v != "rewritten" || err != nil {
		t.Fatalf("Get of a record rewritten in place after the old expiry = %q, %v, %v", v, ok, err)
	}
	// A crashed writer's temporary file, old enough, goes; a fresh one stays.
	old := filepath.Join(base, ".goastro-tmp-123")
	fresh := filepath.Join(base, ".goastro-tmp-456")
	os.WriteFile(old, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("x"), 0o600)
	past := time.Now().Add(-time.Hour)
	os.Chtimes(old, past, past)
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("old temporary file not swept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("fresh temporary file swept")
	}
	if n := countFiles(t, filepath.Join(base, ".goastro/ttl")); n != 0 {
		t.Errorf("%d stale sidecars left", n)
	}
	keys, _ := s.Keys(ctx, "")
	if strings.Join(sorted(keys), ",") != "inplace,k" { // Keys lists in no particular order
		t.Errorf("Keys = %q", keys)
	}
}

func TestBackgroundSweep(t *testing.T) {
	s := newStore(t, fs.Options{NoSync: true, SweepInterval: 20 * time.Millisecond})
	if err := s.Set(context.Background(), "k", "v", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(s.Base(), "k")); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("background sweep did not remove the expired record")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestNoTornReads reads the record files directly, as Astro's fs-lite does,
// while records of different sizes are written: every read is one whole record.
func TestNoTornReads(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, fs.Options{NoSync: true})
	p := filepath.Join(s.Base(), "sess")
	if err := s.Set(ctx, "sess", strings.Repeat("a", 10), 0); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var torn error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(p)
			if err != nil {
				torn = err
				return
			}
			whole := len(b) > 0 && strings.Count(string(b), string(b[:1])) == len(b) &&
				(string(b) == strings.Repeat("a", 10) || len(b) == (int(b[0]-'a')+1)*1000)
			if !whole {
				torn = errors.New("torn read: " + strconv.Itoa(len(b)) + " bytes of " + string(b[:1]))
				return
			}
		}
	}()
	for i := range 200 {
		n := i%5 + 1
		if err := s.Set(ctx, "sess", strings.Repeat(string(rune('a'+n-1)), n*1000), 0); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if torn != nil {
		t.Fatal(torn)
	}
}

// TestCompareAndSwapAcrossProcesses runs increment loops in several processes
// (this test binary, re-executed) on one folder: flock makes the swaps atomic
// across them, so no increment is lost.
func TestCompareAndSwapAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("FS_CAS_CHILD_DIR"); dir != "" {
		casChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const procs, increments = 3, 25
	var wg sync.WaitGroup
	errs := make([]error, procs)
	outs := make([][]byte, procs)
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^TestCompareAndSwapAcrossProcesses$", "-test.v")
			cmd.Env = append(os.Environ(), "FS_CAS_CHILD_DIR="+dir, "FS_CAS_INCREMENTS="+strconv.Itoa(increments))
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil {
			t.Fatalf("child %d: %v\n%s", i, errs[i], outs[i])
		}
		if !strings.Contains(string(outs[i]), "child done") {
			t.Fatalf("child %d did not run the loop:\n%s", i, outs[i])
		}
	}
	s := newStore(t, fs.Options{Base: dir})
	v, ok, err := s.Get(context.Background(), "counter")
	if err != nil || !ok || v != strconv.Itoa(procs*increments) {
		t.Fatalf("counter = %q, %v, %v; want %d", v, ok, err, procs*increments)
	}
}

func casChild(t *testing.T, dir string) {
	n, _ := strconv.Atoi(os.Getenv("FS_CAS_INCREMENTS"))
	s, err := fs.New(fs.Options{Base: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for range n {
		for {
			cur, ok, err := s.Get(ctx, "counter")
			if err != nil {
				t.Fatal(err)
			}
			c := 0
			if ok {
				c, _ = strconv.Atoi(cur)
			}
			swapped, err := s.CompareAndSwap(ctx, "counter", cur, ok, strconv.Itoa(c+1), 0)
			if err != nil {
				t.Fatal(err)
			}
			if swapped {
				break
			}
		}
	}
	t.Log("child done")
}

// TestLockRecreated: lock files removed by another program are recreated.
func TestLockRecreated(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, fs.Options{NoSync: true})
	if err := s.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	// Another program wipes the whole folder (as unstorage's clear does).
	entries, _ := os.ReadDir(s.Base())
	for _, e := range entries {
		os.RemoveAll(filepath.Join(s.Base(), e.Name()))
	}
	if err := s.Set(ctx, "k", "again", time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Get(ctx, "k"); !ok || v != "again" || err != nil {
		t.Fatalf("Get = %q, %v, %v", v, ok, err)
	}
	if _, err := os.Stat(filepath.Join(s.Base(), ".goastro/lock")); err != nil {
		t.Fatalf("lock folder not recreated: %v", err)
	}
}

// TestLockWaitCancelled: a call waiting for a lock held by another process
// gives up when its context ends.
func TestLockWaitCancelled(t *testing.T) {
	dir := t.TempDir()
	a := newStore(t, fs.Options{Base: dir, NoSync: true})
	b := newStore(t, fs.Options{Base: dir, NoSync: true})
	ctx := context.Background()
	// Take every lock file's flock directly, as another process would.
	if err := a.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	locks, _ := filepath.Glob(filepath.Join(dir, ".goastro/lock/*"))
	if len(locks) == 0 {
		t.Fatal("no lock file")
	}
	var held []*os.File
	for _, l := range locks {
		f, err := os.Open(l)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := flock(f); err != nil {
			t.Fatal(err)
		}
		held = append(held, f)
	}
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := b.Set(cctx, "k", "w", 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Set while another process holds the lock: err = %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("lock wait did not stop at the deadline")
	}
	for _, f := range held {
		unflock(f)
	}
	if err := b.Set(ctx, "k", "w", 0); err != nil {
		t.Fatal(err)
	}
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestFileModes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, fs.Options{NoSync: true, FileMode: 0o640, DirMode: 0o750})
	if err := s.Set(ctx, "d:k", "v", time.Hour); err != nil {
		t.Fatal(err)
	}
	base := s.Base()
	check := func(rel string, want os.FileMode) {
		t.Helper()
		info, err := os.Stat(filepath.Join(base, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got&^0o022 != want&^0o022 { // the umask may remove group write
			t.Errorf("%s has mode %v, want %v", rel, got, want)
		}
	}
	check("d", 0o750)
	check("d/k", 0o640)
	matches, _ := filepath.Glob(filepath.Join(base, ".goastro/ttl/*/*"))
	locks, _ := filepath.Glob(filepath.Join(base, ".goastro/lock/*"))
	if len(matches) != 1 || len(locks) == 0 {
		t.Fatalf("sidecars %v, locks %v", matches, locks)
	}
	rel, _ := filepath.Rel(base, matches[0])
	check(rel, 0o640)
	rel, _ = filepath.Rel(base, locks[0])
	check(rel, 0o640)
}
