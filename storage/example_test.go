package storage_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/goastro/session/storage"
	_ "github.com/goastro/session/storage/memory" // registers "memory"
)

func ExampleOpen() {
	// The name and options usually come from a configuration file.
	d, err := storage.Open("memory", map[string]any{"maxEntries": 10000})
	if err != nil {
		panic(err)
	}
	defer d.Close()

	ctx := context.Background()
	if err := d.Set(ctx, "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b", `[["Map"]]`, 0); err != nil {
		panic(err)
	}
	v, ok, err := d.Get(ctx, "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b")
	fmt.Println(v, ok, err)

	_, err = storage.Open("memory", map[string]any{"maxentries": 10000})
	fmt.Println(errors.Is(err, storage.ErrInvalidOption), err)

	_, err = storage.Open("memcached", nil)
	fmt.Println(errors.Is(err, storage.ErrUnknownDriver))
	// Output:
	// [["Map"]] true <nil>
	// true storage: invalid driver option: memory: unknown option "maxentries" (accepted: maxBytes, maxEntries, sweepInterval)
	// true
}

func ExampleNormalizeKey() {
	fmt.Println(storage.NormalizeKey("/users//42\\profile?v=2"))
	fmt.Println(storage.NormalizeKey("3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"))
	// Output:
	// users:42:profile
	// 3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b
}

func ExampleJoinKeys() {
	// How the redis driver puts its base in front of a session ID.
	fmt.Println(storage.JoinKeys("sessions:", "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"))
	fmt.Println(storage.JoinKeys("", "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"))
	// Output:
	// sessions:3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b
	// 3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b
}

func ExampleCleanKey() {
	k, err := storage.CleanKey("a/b")
	fmt.Println(k, err)
	_, err = storage.CleanKey("a/../etc/passwd")
	fmt.Println(errors.Is(err, storage.ErrInvalidKey), err)
	// Output:
	// a:b <nil>
	// true storage: invalid key "a/../etc/passwd": contains a "." or ".." segment
}

func ExampleOptions() {
	open := func(options map[string]any) error {
		o := storage.NewOptions("mydriver", options)
		addr := o.String("addr", "127.0.0.1:6379")
		ttl := o.Duration("ttl", 0)
		if err := o.Err(); err != nil {
			return err
		}
		fmt.Println(addr, ttl)
		return nil
	}
	fmt.Println(open(map[string]any{"ttl": float64(3600)})) // a JSON number: seconds
	fmt.Println(open(map[string]any{"ttl": "90m"}))
	fmt.Println(open(map[string]any{"ttl": true}))
	// Output:
	// 127.0.0.1:6379 1h0m0s
	// <nil>
	// 127.0.0.1:6379 1h30m0s
	// <nil>
	// storage: invalid driver option: mydriver: option "ttl" must be a duration ("90s", "1h") or a number of seconds, got a boolean
}
