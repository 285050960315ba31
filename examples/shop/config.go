package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// config is what the shop needs to start: where to listen and where sessions live.
type config struct {
	// Addr is the address to listen on (flag -addr, env ADDR).
	Addr string
	// Driver is the session storage driver (env SESSION_DRIVER): fs-lite, fs,
	// memory, redis, postgres, or any other registered driver such as
	// netlify-blobs, cloudflare-kv or unstorage-http.
	Driver string
	// Base is the folder of the fs and fs-lite drivers, or the key prefix of the
	// redis driver (env SESSION_BASE).
	Base string
	// RedisURL is the address of Redis for the redis driver (env REDIS_URL).
	RedisURL string
	// DatabaseURL is the PostgreSQL connection URL for the postgres driver (env DATABASE_URL).
	DatabaseURL string
	// Options are driver options as a JSON object (env SESSION_OPTIONS), with
	// the names of Astro's session driver options, such as
	// {"name":"astro-sessions","siteID":"...","token":"..."} for netlify-blobs.
	// They are merged over the options the other variables give.
	Options map[string]any
	// Insecure drops the Secure flag of the session cookie (env SESSION_SECURE=false),
	// for plain-HTTP local use: browsers do not send Secure cookies to http:// pages
	// other than localhost.
	Insecure bool
	// Lifetimes are the sessions' TTL, timeouts and sweep (env SESSION_TTL and
	// others: see lifetimes.go); nil means defaultLifetimes.
	Lifetimes *lifetimes
	// Logger receives the shop's logs.
	Logger *slog.Logger
	// extraOptions are merged into the driver options (tests use them to keep
	// their data apart).
	extraOptions map[string]any
}

const defaultAddr = "127.0.0.1:4321"

// loadConfig reads the flags in args and the environment through getenv.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{
		Addr:        getenv("ADDR"),
		Driver:      getenv("SESSION_DRIVER"),
		Base:        getenv("SESSION_BASE"),
		RedisURL:    getenv("REDIS_URL"),
		DatabaseURL: getenv("DATABASE_URL"),
	}
	if cfg.Addr == "" {
		cfg.Addr = defaultAddr
	}
	if cfg.Driver == "" {
		cfg.Driver = "fs-lite"
	}
	if v := getenv("SESSION_OPTIONS"); v != "" {
		if err := json.Unmarshal([]byte(v), &cfg.Options); err != nil || cfg.Options == nil {
			return cfg, fmt.Errorf("SESSION_OPTIONS: want a JSON object of driver options (%v)", err)
		}
	}
	l, err := loadLifetimes(getenv)
	if err != nil {
		return cfg, err
	}
	cfg.Lifetimes = &l
	if v := getenv("SESSION_SECURE"); v != "" {
		secure, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("SESSION_SECURE=%q: want true or false", v)
		}
		cfg.Insecure = !secure
	}
	fs := flag.NewFlagSet("shop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on (env ADDR)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: shop [-addr host:port]\n\nEnvironment: ADDR, SESSION_DRIVER (fs-lite, fs, memory, redis, postgres,\nnetlify-blobs, cloudflare-kv, unstorage-http, ...), SESSION_OPTIONS (JSON object),\nSESSION_BASE, SESSION_SECURE=false, REDIS_URL, DATABASE_URL.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nSession lifetimes (see README.md): %s.\n", lifetimeVars)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return cfg, nil
}

// driverOptions returns the storage driver options for cfg.
func (cfg config) driverOptions() (map[string]any, error) {
	opts := map[string]any{}
	switch cfg.Driver {
	case "fs-lite", "fs":
		if cfg.Base != "" {
			opts["base"] = cfg.Base
		}
	case "memory":
	case "redis":
		if cfg.RedisURL == "" {
			return nil, fmt.Errorf("SESSION_DRIVER=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
		}
		opts["url"] = cfg.RedisURL
		if cfg.Base != "" {
			opts["base"] = cfg.Base
		}
	case "postgres":
		if cfg.DatabaseURL == "" {
			return nil, fmt.Errorf("SESSION_DRIVER=postgres needs DATABASE_URL (e.g. postgres://user@127.0.0.1:5432/db)")
		}
		opts["url"] = cfg.DatabaseURL
	default:
		// Any other registered driver, with the options of SESSION_OPTIONS.
	}
	for k, v := range cfg.Options {
		opts[k] = v
	}
	for k, v := range cfg.extraOptions {
		opts[k] = v
	}
	return opts, nil
}
