package postgres_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/postgres"
)

// A driver on the pool the application already has; the driver never closes it.
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	d, err := postgres.New(ctx, pool, postgres.Config{Table: "example_sessions"})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Exec(ctx, "DROP TABLE example_sessions")
	defer d.Close()

	_ = d.Set(ctx, "sid", `[["Map"]]`, 30*time.Minute)
	v, ok, err := d.Get(ctx, "sid")
	fmt.Println(v, ok, err)
	// Output:
	// [["Map"]] true <nil>
}

// A driver with a pool of its own, sweeping expired rows every five minutes.
func ExampleOpen() {
	ctx := context.Background()
	d, err := postgres.Open(ctx, postgres.Options{
		URL:    "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		Config: postgres.Config{Table: "example_open", SweepInterval: 5 * time.Minute},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	defer d.Pool().Exec(ctx, "DROP TABLE example_open")

	_ = d.Set(ctx, "sid", "v1", 0)
	swapped, err := d.CompareAndSwap(ctx, "sid", "v1", true, "v2", 0)
	fmt.Println(swapped, err)
	swapped, err = d.CompareAndSwap(ctx, "sid", "v1", true, "v3", 0)
	fmt.Println(swapped, err)
	// Output:
	// true <nil>
	// false <nil>
}

// The driver by name, as a configuration file would select it.
func ExampleOpenOptions() {
	d, err := storage.Open("postgres", map[string]any{
		"url":           "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"table":         "example_options",
		"sweepInterval": "10m",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	defer d.(*postgres.Driver).Pool().Exec(context.Background(), "DROP TABLE example_options")
	fmt.Println(d)
	// Output:
	// postgres 127.0.0.1:5432/test table example_options
}
