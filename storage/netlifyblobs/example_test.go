package netlifyblobs_test

import (
	"log"

	"github.com/goastro/session/storage"
	_ "github.com/goastro/session/storage/netlifyblobs"
)

// Open the store Astro's Netlify adapter keeps sessions in, from a Go service
// outside Netlify (API mode, a personal access token).
func Example() {
	d, err := storage.Open("netlify-blobs", map[string]any{
		"siteID": "your-site-id",
		"token":  "your-personal-access-token",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
}
