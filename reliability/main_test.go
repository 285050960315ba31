package reliability

import (
	"context"
	"fmt"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// redisClientLog receives what the Redis client library logs by itself (its
// connection pool's complaints while a server is down), which an
// application's logs would hold too: TestNoSecretsInLogs checks it.
var redisClientLog = &logBuffer{}

type redisClientLogger struct{}

func (redisClientLogger) Printf(_ context.Context, format string, v ...any) {
	fmt.Fprintf(redisClientLog, "redis: "+format+"\n", v...)
}

// TestMain runs the crash-safety writer or a counting instance instead of the
// tests when the test binary is re-executed as one of those child processes.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(fsWriterChild())
	}
	if os.Getenv(counterEnv) != "" {
		os.Exit(fsCounterChild())
	}
	goredis.SetLogger(redisClientLogger{})
	os.Exit(m.Run())
}
