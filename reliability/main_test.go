package reliability

import (
	"os"
	"testing"
)

// TestMain runs the crash-safety writer instead of the tests when the test
// binary is re-executed as that child process.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(fsWriterChild())
	}
	os.Exit(m.Run())
}
