package cloudflarekv_test

import (
	"log"

	"github.com/goastro/session/storage/cloudflarekv"
)

// Open the KV namespace that an Astro site on Cloudflare binds as SESSION.
func ExampleNew() {
	d, err := cloudflarekv.New(cloudflarekv.Config{
		AccountID:   "your-account-id",
		NamespaceID: "the-SESSION-namespace-id",
		APIToken:    "a-token-with-workers-kv-edit-rights",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
}
