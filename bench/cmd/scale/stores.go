package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	goredis "github.com/redis/go-redis/v9"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/memory"
	"github.com/goastro/session/storage/postgres"
	sredis "github.com/goastro/session/storage/redis"
	"github.com/goastro/session/storage/sqlite"
)

// target is one store under measurement.
type target struct {
	name string
	d    storage.Driver
	// durable writes to the same store with fsync, when d does not (fs).
	durable storage.Driver
	// sweep removes expired records; nil where the server expires keys itself.
	sweep func(ctx context.Context) (int64, error)
	// footprint returns the store's size in bytes and how it was measured.
	footprint func(ctx context.Context) (int64, string, error)
	// stored counts the records physically held, expired ones included; nil
	// when the store cannot tell.
	stored func(ctx context.Context) (int64, error)
	close  func() error
}

func openTarget(ctx context.Context, cfg config, name string) (*target, error) {
	switch name {
	case "memory":
		return openMemory()
	case "fs":
		return openFS(cfg)
	case "redis":
		return openRedis(ctx, cfg)
	case "postgres":
		return openPostgres(ctx, cfg)
	case "sqlite":
		return openSQLite(ctx, cfg)
	}
	return nil, fmt.Errorf("no store %q", name)
}

func openMemory() (*target, error) {
	d := memory.New(memory.Options{MaxBytes: -1})
	base := heapBytes()
	return &target{
		name: "memory", d: d,
		sweep: func(ctx context.Context) (int64, error) { n, err := d.Sweep(ctx); return int64(n), err },
		footprint: func(context.Context) (int64, string, error) {
			return int64(heapBytes() - base), "Go heap in use after a GC, less the heap before the fill", nil
		},
		close: d.Close,
	}, nil
}

func heapBytes() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func openFS(cfg config) (*target, error) {
	dir, err := os.MkdirTemp(cfg.dir, "scale-fs-")
	if err != nil {
		return nil, err
	}
	d, err := fs.New(fs.Options{Base: dir, NoSync: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	durable, err := fs.New(fs.Options{Base: dir})
	if err != nil {
		d.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	return &target{
		name: "fs-lite", d: d, durable: durable,
		sweep: func(ctx context.Context) (int64, error) { n, err := d.Sweep(ctx); return int64(n), err },
		footprint: func(ctx context.Context) (int64, string, error) {
			n, err := diskUsage(ctx, dir)
			return n, "disk blocks of the folder (records, TTL sidecars, folders), as du counts them", err
		},
		stored: func(ctx context.Context) (int64, error) { return countFiles(ctx, dir) },
		close: func() error {
			return errors.Join(d.Close(), durable.Close(), os.RemoveAll(dir))
		},
	}, nil
}

// eachEntry calls fn for every entry under dir (depth first), reading folders
// a batch at a time.
func eachEntry(ctx context.Context, dir string, fn func(p string, e os.DirEntry) error) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	for {
		batch, err := f.ReadDir(1024)
		for _, e := range batch {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p := filepath.Join(dir, e.Name())
			if err := fn(p, e); err != nil {
				return err
			}
			if e.IsDir() {
				if err := eachEntry(ctx, p, fn); err != nil {
					return err
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func diskUsage(ctx context.Context, dir string) (int64, error) {
	var total int64
	err := eachEntry(ctx, dir, func(_ string, e os.DirEntry) error {
		info, err := e.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		}
		return nil
	})
	return total, err
}

// countFiles counts the record files in the top folder (the sessions).
func countFiles(ctx context.Context, dir string) (int64, error) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	for {
		batch, err := f.ReadDir(1024)
		for _, e := range batch {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func openRedis(ctx context.Context, cfg config) (*target, error) {
	srv, err := startRedis(ctx, cfg)
	if err != nil {
		return nil, err
	}
	client := goredis.NewClient(&goredis.Options{Addr: srv.addr, PoolSize: cfg.workers * 2})
	base := fmt.Sprintf("scale%d", rand.Uint32())
	d, err := sredis.New(client, sredis.Config{Base: base})
	if err != nil {
		client.Close()
		srv.stop()
		return nil, err
	}
	before, err := usedMemory(ctx, client)
	if err != nil {
		client.Close()
		srv.stop()
		return nil, err
	}
	return &target{
		name: "redis", d: d,
		footprint: func(ctx context.Context) (int64, string, error) {
			after, err := usedMemory(ctx, client)
			return after - before, "INFO memory used_memory after the fill, less before", err
		},
		close: func() error {
			err := d.Clear(context.Background())
			return errors.Join(err, client.Close(), srv.stop())
		},
	}, nil
}

func usedMemory(ctx context.Context, c *goredis.Client) (int64, error) {
	info, err := c.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, errors.New("redis: no used_memory in INFO memory")
}

func openPostgres(ctx context.Context, cfg config) (*target, error) {
	schema := fmt.Sprintf("scale_%d_%d", os.Getpid(), rand.Uint32())
	d, err := postgres.Open(ctx, postgres.Options{
		URL:      cfg.pgURL,
		MaxConns: int32(cfg.workers + 2),
		Config:   postgres.Config{Schema: schema},
	})
	if err != nil {
		return nil, err
	}
	pool, table := d.Pool(), d.Table()
	return &target{
		name: "postgres", d: d,
		sweep: d.Sweep,
		footprint: func(ctx context.Context) (int64, string, error) {
			var n int64
			err := pool.QueryRow(ctx, `SELECT pg_total_relation_size($1::regclass)`, table).Scan(&n)
			return n, "pg_total_relation_size of the table (heap, TOAST, primary key and expiry index)", err
		},
		stored: func(ctx context.Context) (int64, error) {
			var n int64
			err := pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n)
			return n, err
		},
		close: func() error {
			_, err := pool.Exec(context.Background(), `DROP SCHEMA `+pgIdent(schema)+` CASCADE`)
			return errors.Join(err, d.Close())
		},
	}, nil
}

func pgIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func openSQLite(ctx context.Context, cfg config) (*target, error) {
	dir, err := os.MkdirTemp(cfg.dir, "scale-sqlite-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "sessions.db")
	d, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	db := d.DB()
	return &target{
		name: "sqlite", d: d,
		sweep: d.Sweep,
		footprint: func(ctx context.Context) (int64, string, error) {
			if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				return 0, "", err
			}
			n, err := diskUsage(ctx, dir)
			return n, "disk blocks of the database file after a WAL checkpoint", err
		},
		stored: func(ctx context.Context) (int64, error) {
			var n int64
			err := db.QueryRowContext(ctx, `SELECT count(*) FROM astro_sessions`).Scan(&n)
			return n, err
		},
		close: func() error { return errors.Join(d.Close(), os.RemoveAll(dir)) },
	}, nil
}
