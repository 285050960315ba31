package redis_test

import (
	"context"
	"fmt"
	"log"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/goastro/session/storage"
	sessionredis "github.com/goastro/session/storage/redis"
)

// A driver around a client the application already has: the driver never
// closes it.
func ExampleNew() {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()

	d, err := sessionredis.New(client, sessionredis.Config{Base: "example-new", TTL: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	ctx := context.Background()
	id := "6f1c2e9a-8a64-4b1e-9d36-3c1a0f6e2b7d"
	if err := d.Set(ctx, id, `[["Map"]]`, 0); err != nil {
		log.Fatal(err)
	}
	// The record sits under "<base>:<id>", as Astro's redis driver puts it.
	fmt.Println(client.Get(ctx, "example-new:"+id).Val())
	fmt.Println(client.TTL(ctx, "example-new:"+id).Val())
	_ = d.Delete(ctx, id)
	// Output:
	// [["Map"]]
	// 1h0m0s
}

// A driver that builds and owns its client, here for a single server; set
// Cluster, or SentinelAddrs and MasterName, for the other deployments.
func ExampleOpen() {
	d, err := sessionredis.Open(sessionredis.Options{
		URL:    "redis://127.0.0.1:6379/0",
		Config: sessionredis.Config{Base: "example-open"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	ctx := context.Background()
	_ = d.Set(ctx, "sid", "v1", 0)
	// Write v2 only if nobody changed the record since we read v1.
	swapped, err := d.CompareAndSwap(ctx, "sid", "v1", true, "v2", 30*time.Minute)
	fmt.Println(swapped, err)
	swapped, err = d.CompareAndSwap(ctx, "sid", "v1", true, "v3", 30*time.Minute)
	fmt.Println(swapped, err)
	_ = d.Clear(ctx)
	// Output:
	// true <nil>
	// false <nil>
}

// The driver by name, with the options of Astro's redis session driver.
func ExampleOpenOptions() {
	d, err := storage.Open("redis", map[string]any{
		"url":  "redis://127.0.0.1:6379",
		"base": "example-options",
		"ttl":  3600, // seconds
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	fmt.Println(d)
	// Output:
	// redis 127.0.0.1:6379 db 0 prefix "example-options:"
}

func ExampleParseOptions() {
	o, err := sessionredis.ParseOptions(map[string]any{
		"cluster": []any{"10.0.0.1:7000", map[string]any{"host": "10.0.0.2", "port": 7000}},
		"base":    "sessions",
	})
	fmt.Println(o.Cluster, o.Base, err)
	_, err = sessionredis.ParseOptions(map[string]any{"ttl": "soon"})
	fmt.Println(err != nil)
	// Output:
	// [10.0.0.1:7000 10.0.0.2:7000] sessions <nil>
	// true
}
