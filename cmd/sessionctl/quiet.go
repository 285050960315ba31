package main

import (
	"context"

	goredis "github.com/redis/go-redis/v9"
)

// quiet keeps the Redis client's own log lines off stderr: sessionctl reports
// every failure itself, with its cause.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func init() { goredis.SetLogger(quiet{}) }
