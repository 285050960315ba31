package unstoragehttp_test

import (
	"log"

	"github.com/goastro/session/storage"
	_ "github.com/goastro/session/storage/unstoragehttp"
)

// Reach a store that a Node.js process mounts with unstorage's
// createStorageServer.
func Example() {
	d, err := storage.Open("unstorage-http", map[string]any{
		"base":    "http://127.0.0.1:3001",
		"headers": map[string]any{"Authorization": "Bearer a-shared-secret"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
}
