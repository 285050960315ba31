package main

// The storage drivers the shop can use besides the built-in ones (fs-lite, fs,
// memory): each registers its name when imported.
import (
	_ "github.com/goastro/session/storage/cloudflarekv"  // SESSION_DRIVER=cloudflare-kv
	_ "github.com/goastro/session/storage/netlifyblobs"  // SESSION_DRIVER=netlify-blobs
	_ "github.com/goastro/session/storage/postgres"      // SESSION_DRIVER=postgres
	_ "github.com/goastro/session/storage/redis"         // SESSION_DRIVER=redis
	_ "github.com/goastro/session/storage/unstoragehttp" // SESSION_DRIVER=unstorage-http
)
