// Package testenv lets tests find the real servers and tools they need (Redis,
// PostgreSQL, Node.js packages, Chromium) and decide what to do when one is
// missing: fail when CI=true, skip with a message that says what is missing
// otherwise.
package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InCI reports whether the tests run in continuous integration (CI=true), where a
// missing server or tool is a failure rather than a reason to skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable stops the test because something it needs is missing: a failure in
// CI, a skip elsewhere.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("required in CI: %s", msg)
	}
	t.Skipf("skipped: %s", msg)
}

// Reachable reports whether a TCP server answers at addr within a second.
func Reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// RedisAddr returns the address of the local Redis server (REDIS_ADDR, default
// 127.0.0.1:6379), or stops the test when none answers.
func RedisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if !Reachable(addr) {
		Unavailable(t, "no Redis server answers at %s (set REDIS_ADDR)", addr)
	}
	return addr
}

// PostgresURL returns the connection URL of the local PostgreSQL server
// (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), or stops the
// test when none answers.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		u = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	addr := os.Getenv("PGADDR")
	if addr == "" {
		addr = "127.0.0.1:5432"
	}
	if !Reachable(addr) {
		Unavailable(t, "no PostgreSQL server answers at %s (set DATABASE_URL and PGADDR)", addr)
	}
	return u
}

// Command returns the path of an executable, or stops the test when it is not installed.
func Command(t testing.TB, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "%s is not installed (%s)", name, hint)
	}
	return p
}

var npmMu sync.Mutex

// NPM makes sure the Node.js packages of dir (a folder with package.json and
// package-lock.json) are installed, running `npm ci` once when node_modules is
// missing, and returns the absolute path of dir. Concurrent test binaries share
// the install through a lock file. It stops the test when Node.js or npm is
// missing or the install fails.
func NPM(t testing.TB, dir string) string {
	t.Helper()
	Command(t, "node", "Node.js 20 or newer")
	npm := Command(t, "npm", "npm comes with Node.js")
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	npmMu.Lock()
	defer npmMu.Unlock()
	lock, err := os.OpenFile(filepath.Join(abs, ".npm-install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("npm lock: %v", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("npm lock: %v", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(abs, "node_modules", ".package-lock.json")); err == nil {
		return abs
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = abs
	out, err := cmd.CombinedOutput()
	if err != nil {
		Unavailable(t, "npm ci in %s failed: %v\n%s", dir, err, out)
	}
	return abs
}
