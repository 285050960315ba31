package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		d, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "sessions.db")})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestConformanceMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		d, err := Open(context.Background(), Options{Path: ":memory:", Config: Config{SweepInterval: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

// The conformance suite on a database of the application's, holding the
// driver's table beside its own data.
func TestConformanceShared(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "app.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE app (x TEXT); INSERT INTO app VALUES ('keep')`); err != nil {
		t.Fatal(err)
	}
	i := 0
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		i++
		d, err := New(context.Background(), db, Config{Table: "s" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
	var x string
	if err := db.QueryRow(`SELECT x FROM app`).Scan(&x); err != nil || x != "keep" {
		t.Fatalf("application data after the suite: %q %v", x, err)
	}
}

func TestTableLayout(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	d, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.DB().Query(`SELECT name, type, "notnull", pk FROM pragma_table_info('astro_sessions') ORDER BY cid`)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var n, ty string
		var nn, pk int
		rows.Scan(&n, &ty, &nn, &pk)
		cols = append(cols, fmt.Sprintf("%s %s %d %d", n, ty, nn, pk))
	}
	want := []string{"key TEXT 1 1", "value TEXT 1 0", "expires_at INTEGER 0 0", "version INTEGER 1 0"}
	if fmt.Sprint(cols) != fmt.Sprint(want) {
		t.Fatalf("columns = %q, want %q", cols, want)
	}
	var idx string
	if err := d.DB().QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'astro_sessions_expires_at_idx'`).Scan(&idx); err != nil {
		t.Fatal(err)
	}
	var mode string
	d.DB().QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode = %s, want wal", mode)
	}
	for _, v := range []string{"a", "b"} {
		if err := d.Set(ctx, "sid", v, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := d.CompareAndSwap(ctx, "sid", "b", true, "c", time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	var version, exp int64
	d.DB().QueryRow(`SELECT version, expires_at FROM astro_sessions WHERE key = 'sid'`).Scan(&version, &exp)
	if left := time.Until(time.UnixMilli(exp)); version != 3 || left < 59*time.Minute || left > time.Hour {
		t.Fatalf("version %d, expires in %v; want 3, an hour", version, left)
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range 5 {
		d.Set(ctx, fmt.Sprintf("short:%d", i), "v", 10*time.Millisecond)
	}
	d.Set(ctx, "long", "v", time.Hour)
	d.Set(ctx, "forever", "v", 0)
	time.Sleep(30 * time.Millisecond)
	if n, err := d.Sweep(ctx); err != nil || n != 5 {
		t.Fatalf("Sweep = %d, %v; want 5", n, err)
	}
	var rows int
	d.DB().QueryRow(`SELECT count(*) FROM astro_sessions`).Scan(&rows)
	if rows != 2 {
		t.Fatalf("%d rows left, want 2", rows)
	}
	// In the background.
	bg, err := New(ctx, d.DB(), Config{SweepInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bg.Set(ctx, "soon", "v", 5*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		d.DB().QueryRow(`SELECT count(*) FROM astro_sessions WHERE key = 'soon'`).Scan(&n)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("background sweep did not delete the expired row")
		}
		time.Sleep(10 * time.Millisecond)
	}
	bg.Close()
	// The shared database is still open.
	if err := d.Set(ctx, "after", "v", 0); err != nil {
		t.Fatal(err)
	}
}

// Many drivers (separate connection pools, as separate processes would have)
// writing one file at once: no SQLITE_BUSY reaches the caller and no
// conditional increment is lost.
func TestConcurrentWritersOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	const drivers, workers, increments = 4, 4, 25
	ds := make([]*Driver, drivers)
	for i := range ds {
		d, err := Open(ctx, Options{Path: path, Config: Config{BusyTimeout: 30 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ds[i] = d
	}
	var wg sync.WaitGroup
	errc := make(chan error, drivers*workers)
	for i := range drivers * workers {
		d := ds[i%drivers]
		wg.Go(func() {
			for j := range increments {
				if err := d.Set(ctx, fmt.Sprintf("w:%d:%d", i, j), strings.Repeat("x", 512), 0); err != nil {
					errc <- err
					return
				}
				for {
					cur, ok, err := d.Get(ctx, "counter")
					if err != nil {
						errc <- err
						return
					}
					n, _ := strconv.Atoi(cur)
					swapped, err := d.CompareAndSwap(ctx, "counter", cur, ok, strconv.Itoa(n+1), 0)
					if err != nil {
						errc <- err
						return
					}
					if swapped {
						break
					}
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	v, _, err := ds[0].Get(ctx, "counter")
	if err != nil || v != strconv.Itoa(drivers*workers*increments) {
		t.Fatalf("counter = %s %v, want %d", v, err, drivers*workers*increments)
	}
	keys, _ := ds[1].Keys(ctx, "w:")
	if len(keys) != drivers*workers*increments {
		t.Fatalf("%d keys, want %d", len(keys), drivers*workers*increments)
	}
}

// Another process holding the write lock: a write waits for it, and gives up
// with an error naming the file and table once its context is done.
func TestLockedByAnotherProcess(t *testing.T) {
	if os.Getenv("SQLITE_LOCK_HELPER") != "" {
		// The helper process: take the write lock and hold it.
		db, err := sql.Open("sqlite", os.Getenv("SQLITE_LOCK_HELPER"))
		if err != nil {
			os.Exit(2)
		}
		tx, err := db.Begin()
		if err != nil {
			os.Exit(3)
		}
		if _, err := tx.Exec(`INSERT OR REPLACE INTO astro_sessions (key, value) VALUES ('held', 'x')`); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		fmt.Println("locked")
		time.Sleep(time.Duration(must(strconv.Atoi(os.Getenv("SQLITE_LOCK_MS")))) * time.Millisecond)
		tx.Commit()
		os.Exit(0)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "locked.db")
	d, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	hold := func(ms int) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLockedByAnotherProcess$")
		cmd.Env = append(os.Environ(), "SQLITE_LOCK_HELPER=file:"+path+"?_txlock=immediate&_pragma=journal_mode(WAL)", "SQLITE_LOCK_MS="+strconv.Itoa(ms))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 6)
		if _, err := out.Read(buf); err != nil || string(buf) != "locked" {
			t.Fatalf("helper did not take the lock: %q %v", buf, err)
		}
		return cmd
	}
	// Held for 300ms: the write waits and succeeds.
	cmd := hold(300)
	start := time.Now()
	if err := d.Set(ctx, "k", "v", 0); err != nil {
		t.Fatalf("Set while another process held the lock for 300ms: %v", err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Fatalf("Set did not wait for the lock (%v)", waited)
	}
	cmd.Wait()
	// Held for 3s, and the caller gives up after 200ms.
	cmd = hold(1500)
	defer cmd.Wait()
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	err = d.Set(cctx, "k", "v2", 0)
	if err == nil {
		t.Fatal("Set succeeded while the lock was held")
	}
	if !strings.Contains(err.Error(), "astro_sessions") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the table and file", err)
	}
	if v, _, _ := d.Get(ctx, "k"); v != "v" {
		t.Fatalf("readers are not blocked by the writer in WAL mode, but Get = %q", v)
	}
}

func must(n int, err error) int {
	if err != nil {
		panic(err)
	}
	return n
}

func TestRegistered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "named.db")
	d, err := storage.Open("sqlite", map[string]any{"path": path, "table": "named", "sweepInterval": 60, "busyTimeout": "2s", "synchronous": "full"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if err := d.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprint(d); !strings.Contains(s, path) || !strings.Contains(s, `"named"`) {
		t.Fatalf("String() = %s", s)
	}
	for _, in := range []map[string]any{
		{},
		{"path": path, "bogus": 1},
		{"path": path, "sweepInterval": -1},
		{"path": path, "busyTimeout": "soon"},
		{"path": 5},
	} {
		if _, err := storage.Open("sqlite", in); !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("Open(%v) = %v, want ErrInvalidOption", in, err)
		}
	}
	for _, o := range []Options{
		{Path: path, Synchronous: "OFF"},
		{Path: path, Config: Config{Table: "sqlite_master"}},
		{Path: "a\x00b"},
	} {
		if _, err := Open(ctx, o); !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("Open(%+v) = %v, want ErrInvalidOption", o, err)
		}
	}
	if _, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")}); err == nil || !strings.Contains(err.Error(), "no/such/dir") {
		t.Errorf("missing folder: %v", err)
	}
}

// Odd file and table names are escaped, not interpreted.
func TestOddNames(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "we?ird#na%me.db")
	d, err := Open(ctx, Options{Path: path, Config: Config{Table: `t "x"; DROP`}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not at %s: %v", path, err)
	}
}

// On databases without a busy timeout SQLite answers SQLITE_BUSY at once when
// another connection writes; the driver retries instead of failing.
func TestBusyRetry(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nowait.db")
	var ds []*Driver
	for range 3 {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		d, err := New(ctx, db, Config{BusyTimeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ds = append(ds, d)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 12)
	for i := range 12 {
		d := ds[i%len(ds)]
		wg.Go(func() {
			for j := range 30 {
				if err := d.Set(ctx, fmt.Sprintf("k:%d:%d", i, j), "v", time.Hour); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if keys, err := ds[0].Keys(ctx, "k:"); err != nil || len(keys) != 360 {
		t.Fatalf("%d keys, %v; want 360", len(keys), err)
	}
}

// An error names the table and file, and shows a session ID (a credential)
// only as a fingerprint; a missing table is reported at Open.
func TestErrorsHideKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	if _, err := Open(ctx, Options{Path: path, Config: Config{Table: "absent", NoCreateTable: true}}); err == nil || !strings.Contains(err.Error(), `"absent"`) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open on a missing table: %v", err)
	}
	d, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.DB().Exec(`DROP TABLE astro_sessions`); err != nil {
		t.Fatal(err)
	}
	const id = "0b5e7c1e-3f6a-4c2e-9d7b-1a2b3c4d5e6f"
	err = d.Set(ctx, id, "v", 0)
	if err == nil {
		t.Fatal("Set on a dropped table succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, id) || !strings.Contains(msg, storage.RedactKey(id)) || !strings.Contains(msg, path) || !strings.Contains(msg, "astro_sessions") {
		t.Fatalf("error %q must name the file, table and key fingerprint %s, without the ID", msg, storage.RedactKey(id))
	}
}
