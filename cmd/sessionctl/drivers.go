package main

// The storage drivers sessionctl can open, one blank import each: a driver
// registers its name when its package is linked in. To add a driver, add its
// import here.
import (
	_ "github.com/goastro/session/storage/fs"       // "fs", "fs-lite"
	_ "github.com/goastro/session/storage/memory"   // "memory"
	_ "github.com/goastro/session/storage/postgres" // "postgres"
	_ "github.com/goastro/session/storage/redis"    // "redis"
	_ "github.com/goastro/session/storage/sqlite"   // "sqlite"
)
