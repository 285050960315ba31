package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/sqlite"
)

// A driver on a database file of its own, in WAL mode, sweeping expired rows
// every ten minutes.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "sessions")
	defer os.RemoveAll(dir)

	ctx := context.Background()
	d, err := sqlite.Open(ctx, sqlite.Options{
		Path:   filepath.Join(dir, "sessions.db"),
		Config: sqlite.Config{SweepInterval: 10 * time.Minute},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	_ = d.Set(ctx, "sid", "v1", time.Hour)
	swapped, err := d.CompareAndSwap(ctx, "sid", "v1", true, "v2", time.Hour)
	fmt.Println(swapped, err)
	swapped, err = d.CompareAndSwap(ctx, "sid", "v1", true, "v3", time.Hour)
	fmt.Println(swapped, err)
	// Output:
	// true <nil>
	// false <nil>
}

// A driver on a database the application already uses, opened with the
// "sqlite" database/sql driver of modernc.org/sqlite.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "app")
	defer os.RemoveAll(dir)

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	ctx := context.Background()
	d, err := sqlite.New(ctx, db, sqlite.Config{Table: "web_sessions"})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	_ = d.Set(ctx, "sid", `[["Map"]]`, 0)
	var n int
	_ = db.QueryRow(`SELECT count(*) FROM web_sessions`).Scan(&n)
	fmt.Println(n)
	// Output:
	// 1
}

// The driver by name, as a configuration file would select it.
func ExampleOpenOptions() {
	dir, _ := os.MkdirTemp("", "sessions")
	defer os.RemoveAll(dir)

	d, err := storage.Open("sqlite", map[string]any{
		"path":          filepath.Join(dir, "sessions.db"),
		"sweepInterval": "10m",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	v, ok, err := d.Get(context.Background(), "missing")
	fmt.Printf("%q %v %v\n", v, ok, err)
	// Output:
	// "" false <nil>
}
