// Command shop is the example shop of github.com/goastro/session: the
// scenario of Astro's session guide (login, dashboard, cart, settings, admin
// pages, a JSON API and typed actions) served by net/http.
//
//	SESSION_SECURE=false go run ./examples/shop
//
// serves it on http://127.0.0.1:4321 with sessions in the .sessions folder.
// See README.md in this folder for the options.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "shop:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := loadConfig(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	handler, cleanup, err := newServer(cfg)
	if err != nil {
		return err
	}
	defer cleanup()

	srv := &http.Server{Addr: cfg.Addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	cfg.Logger.Info("shop: listening", "url", "http://"+cfg.Addr, "driver", cfg.Driver, "secureCookie", !cfg.Insecure)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
