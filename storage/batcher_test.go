package storage_test

import (
	"testing"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/memory"
	"github.com/goastro/session/storage/storagetest"
)

// withBatcher is a driver shown with a Batcher.
type withBatcher struct {
	storage.Driver
	storage.Batcher
}

// TestAsBatcher: the per-key Batcher of a driver without one meets the
// conformance suite, and a driver's own Batcher is returned as it is.
func TestAsBatcher(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		mem := memory.New(memory.Options{})
		b, native := storage.AsBatcher(mem)
		if native {
			t.Fatal("AsBatcher says the memory driver batches")
		}
		return withBatcher{mem, b}
	})
	mem := memory.New(memory.Options{})
	defer mem.Close()
	b, _ := storage.AsBatcher(mem)
	d := withBatcher{mem, b}
	if got, native := storage.AsBatcher(d); !native || got != storage.Batcher(d) {
		t.Fatalf("AsBatcher of a Batcher = %v, %v; want the driver itself", got, native)
	}
}
