package main

// The storage drivers sessionctl can open, one blank import each: a driver
// registers its name when its package is linked in. To add a driver, add its
// import here.
import (
	"context"

	goredis "github.com/redis/go-redis/v9"

	_ "github.com/goastro/session/storage/fs"       // "fs", "fs-lite"
	_ "github.com/goastro/session/storage/memory"   // "memory"
	_ "github.com/goastro/session/storage/postgres" // "postgres"
	_ "github.com/goastro/session/storage/redis"    // "redis"
	_ "github.com/goastro/session/storage/sqlite"   // "sqlite"
)

// quiet keeps the Redis client's own log lines off stderr: sessionctl reports
// every failure itself, with its cause.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func init() { goredis.SetLogger(quiet{}) }
