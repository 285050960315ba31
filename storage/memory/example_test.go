package memory_test

import (
	"context"
	"fmt"
	"time"

	"github.com/goastro/session/storage/memory"
)

func ExampleNew() {
	s := memory.New(memory.Options{MaxEntries: 2})
	defer s.Close()
	ctx := context.Background()

	s.Set(ctx, "a", "1", 0)
	s.Set(ctx, "b", "2", time.Hour)
	s.Get(ctx, "a")         // a is now the most recently used
	s.Set(ctx, "c", "3", 0) // evicts b, the least recently used

	for _, k := range []string{"a", "b", "c"} {
		v, ok, _ := s.Get(ctx, k)
		fmt.Println(k, v, ok)
	}
	// Output:
	// a 1 true
	// b  false
	// c 3 true
}

func ExampleStore_CompareAndSwap() {
	s := memory.New(memory.Options{})
	defer s.Close()
	ctx := context.Background()

	ok, _ := s.CompareAndSwap(ctx, "k", "", false, "v1", 0) // create if absent
	fmt.Println(ok)
	ok, _ = s.CompareAndSwap(ctx, "k", "stale", true, "v2", 0) // someone else wrote first
	fmt.Println(ok)
	ok, _ = s.CompareAndSwap(ctx, "k", "v1", true, "v2", 0)
	fmt.Println(ok)
	// Output:
	// true
	// false
	// true
}
