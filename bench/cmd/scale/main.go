// Command scale fills session stores with many sessions and measures what
// changes with their number: read and write latency at a small and at the full
// size, the store's footprint per session, the expiry sweep over a store of
// which half has expired (its time, the process's peak memory, and that no live
// session was removed), Manager.UserSessions and Manager.DestroyUser, and the
// cart flow on a three-master Redis Cluster against a single Redis.
//
//	scale -n 1000000 -stores memory,fs,redis,postgres,sqlite,cluster
//
// Every session holds the record of a signed-in visitor of the example shop
// with a five-line cart, made by the library itself (so it is laid out as Astro
// lays it out) and written with each store's driver. Redis runs on private
// redis-server processes started and stopped here; PostgreSQL on a schema of
// its own in -pg, dropped at the end; SQLite and the files in a temporary
// folder. The whole run stops after -timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"
)

// config is what the flags set.
type config struct {
	n            int           // sessions at the full size
	small        int           // sessions at the small size
	samples      int           // timed reads and writes at each size
	workers      int           // goroutines filling a store, and cart flow workers
	userSessions int           // sessions of the user DestroyUser removes
	stores       []string      // which stores to measure
	dir          string        // parent of the temporary folders
	pgURL        string        // PostgreSQL connection URL
	redisServer  string        // the redis-server program
	cartTime     time.Duration // length of each cart flow run
	timeout      time.Duration // bound on the whole run
}

var allStores = []string{"memory", "fs", "redis", "postgres", "sqlite", "cluster"}

func parseFlags(args []string) (config, error) {
	var c config
	var stores string
	fl := flag.NewFlagSet("scale", flag.ContinueOnError)
	fl.IntVar(&c.n, "n", 1_000_000, "sessions in each store at the full size")
	fl.IntVar(&c.small, "small", 1000, "sessions at the small size")
	fl.IntVar(&c.samples, "samples", 3000, "timed reads and timed writes at each size")
	fl.IntVar(&c.workers, "workers", 16, "goroutines that fill a store; workers of the cart flow")
	fl.IntVar(&c.userSessions, "user-sessions", 10000, "sessions of the user that DestroyUser removes")
	fl.StringVar(&stores, "stores", strings.Join(allStores, ","), "stores to measure: "+strings.Join(allStores, ","))
	fl.StringVar(&c.dir, "dir", os.TempDir(), "folder for the files, the SQLite database and the Redis servers")
	fl.StringVar(&c.pgURL, "pg", envOr("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL URL (a schema of its own is created and dropped)")
	fl.StringVar(&c.redisServer, "redis-server", "redis-server", "the redis-server program (private servers are started)")
	fl.DurationVar(&c.cartTime, "cart-time", 10*time.Second, "length of each cart flow run (single Redis, then Cluster)")
	fl.DurationVar(&c.timeout, "timeout", time.Hour, "stop the whole run after this long")
	if err := fl.Parse(args); err != nil {
		return c, err
	}
	for _, s := range strings.Split(stores, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !contains(allStores, s) {
			return c, fmt.Errorf("unknown store %q (want some of %s)", s, strings.Join(allStores, ","))
		}
		c.stores = append(c.stores, s)
	}
	if c.small < 2 || c.n < c.small || c.samples < 1 || c.workers < 1 || c.userSessions < 1 {
		return c, fmt.Errorf("need -n >= -small >= 2, -samples, -workers and -user-sessions >= 1")
	}
	return c, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	err = run(ctx, cfg, os.Stdout)
	stop()
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// run measures every store of cfg in turn and writes the report to w.
func run(ctx context.Context, cfg config, w io.Writer) error {
	rec, err := makeRecord()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "go: %s %s/%s, %d CPUs; load average: %s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadAvg())
	fmt.Fprintf(w, "sessions: %d (small size %d); record: %d bytes; %d timed reads and writes per size\n\n", cfg.n, cfg.small, len(rec), cfg.samples)
	var failed []string
	for _, name := range cfg.stores {
		start := time.Now()
		var err error
		if name == "cluster" {
			err = runCluster(ctx, cfg, w)
		} else {
			err = runStore(ctx, cfg, name, rec, w)
		}
		fmt.Fprintf(w, "(%s: %s)\n\n", name, time.Since(start).Round(time.Second))
		if err != nil {
			fmt.Fprintf(w, "%s FAILED: %v\n\n", name, err)
			failed = append(failed, name)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
	}
	return ctx.Err()
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
