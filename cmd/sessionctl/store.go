package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	session "github.com/goastro/session"
	"github.com/goastro/session/storage"
)

// env is what a command runs with: the opened store and the streams.
type env struct {
	g        global
	store    storage.Driver
	stdin    io.Reader
	stdout   io.Writer
	stderr   io.Writer
	progress bool // draw a progress bar on stderr
}

// open opens the store named by the global flags and checks that it answers.
func (e *env) open(ctx context.Context) error {
	d, err := openStore(ctx, e.g.driver, e.g.options, e.g.timeout)
	if err != nil {
		return err
	}
	e.store = d
	return nil
}

func (e *env) close() {
	if e.store != nil {
		e.store.Close()
	}
}

// openStore opens a driver by name and makes one call to it, so that a store
// that cannot be reached is reported as such, before any work.
func openStore(ctx context.Context, name string, options map[string]any, timeout time.Duration) (storage.Driver, error) {
	d, err := storage.Open(name, options)
	switch {
	case errors.Is(err, storage.ErrUnknownDriver):
		return nil, fmt.Errorf("unknown driver %q (sessionctl knows: %s)", name, strings.Join(storage.Names(), ", "))
	case errors.Is(err, storage.ErrInvalidOption):
		return nil, fmt.Errorf("driver %q: bad options: %w", name, err)
	case err != nil:
		return nil, fmt.Errorf("driver %q: cannot open the store: %w", name, err)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := d.Has(cctx, "sessionctl-probe"); err != nil {
		d.Close()
		return nil, fmt.Errorf("driver %q: the store cannot be reached: %w", name, err)
	}
	return d, nil
}

// call bounds one store call by the -timeout flag.
func (e *env) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, e.g.timeout)
}

// manager returns a session Manager over the opened store, for the operations
// the session package owns (the user index). It does not close the store.
func (e *env) manager() (*session.Manager, error) {
	return session.New(session.Config{
		Storage: e.store,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// sessionIDs lists the IDs of the sessions in the store, sorted.
func (e *env) sessionIDs(ctx context.Context) ([]string, error) {
	keys, err := e.keys(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(keys, func(k string) bool { return !session.ValidID(k) }), nil
}

// keys lists every key of the store, sorted.
func (e *env) keys(ctx context.Context) ([]string, error) {
	cctx, cancel := e.call(ctx)
	defer cancel()
	keys, err := e.store.Keys(cctx, "")
	if err != nil {
		return nil, fmt.Errorf("listing the store: %w", err)
	}
	slices.Sort(keys)
	return keys, nil
}

// get reads one record.
func (e *env) get(ctx context.Context, key string) (string, bool, error) {
	cctx, cancel := e.call(ctx)
	defer cancel()
	v, ok, err := e.store.Get(cctx, key)
	if err != nil {
		return "", false, fmt.Errorf("reading %s: %w", key, err)
	}
	return v, ok, nil
}

// each calls fn for every key, from workers goroutines, and draws the progress
// bar. It stops at the first error fn returns, or when ctx is done.
func (e *env) each(ctx context.Context, label string, keys []string, workers int, fn func(ctx context.Context, key string) error) error {
	bar := newBar(e.stderr, e.progress, label, len(keys))
	defer bar.done()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan string)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			for k := range work {
				if err := fn(ctx, k); err != nil {
					cancel(err)
				}
				bar.add(1)
			}
		})
	}
feed:
	for _, k := range keys {
		select {
		case work <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// terminal reports whether w is a terminal, where a progress bar may be drawn.
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
