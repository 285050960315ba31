package fs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/fs"
)

func ExampleNew() {
	base, _ := os.MkdirTemp("", "sessions")
	defer os.RemoveAll(base)

	s, err := fs.New(fs.Options{Base: base, SweepInterval: 10 * time.Minute})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()

	// Where Astro's fs-lite driver looks for session 3f1c...: <base>/3f1c...
	record := `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`
	if err := s.Set(ctx, "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b", record, 24*time.Hour); err != nil {
		panic(err)
	}
	text, _ := os.ReadFile(filepath.Join(base, "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"))
	fmt.Println(string(text))

	// ':' in a key is a folder.
	s.Set(ctx, "app:users:42", "x", 0)
	_, err = os.Stat(filepath.Join(base, "app", "users", "42"))
	fmt.Println(err)
	// Output:
	// [["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]
	// <nil>
}

func Example_open() {
	base, _ := os.MkdirTemp("", "sessions")
	defer os.RemoveAll(base)

	// "fs", "fs-lite" and "fsLite" are the same driver, as in Astro.
	d, err := storage.Open("fs-lite", map[string]any{"base": base, "sweepInterval": "1h"})
	if err != nil {
		panic(err)
	}
	defer d.Close()
	sw := d.(storage.Swapper)
	ok, err := sw.CompareAndSwap(context.Background(), "counter", "", false, "1", 0)
	fmt.Println(ok, err)
	// Output:
	// true <nil>
}
