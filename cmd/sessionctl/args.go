package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	session "github.com/goastro/session"
)

var errHelp = errors.New("help requested")

// global holds what comes before the command.
type global struct {
	driver  string
	options map[string]any
	timeout time.Duration
	command string
	args    []string
}

// parseGlobal reads the global flags, with the environment (getenv) as
// fallback for the driver and its options.
func parseGlobal(args []string, getenv func(string) string) (global, error) {
	g := global{timeout: 10 * time.Second}
	fs := flag.NewFlagSet("sessionctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.driver, "driver", getenv("SESSION_DRIVER"), "")
	optText := fs.String("options", getenv("SESSION_OPTIONS"), "")
	fs.DurationVar(&g.timeout, "timeout", g.timeout, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return g, errHelp
		}
		return g, err
	}
	if g.timeout <= 0 {
		return g, fmt.Errorf("-timeout must be positive, got %v", g.timeout)
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] == "" {
		return g, errors.New("no command given")
	}
	g.command, g.args = rest[0], rest[1:]
	if g.command == "help" {
		return g, errHelp
	}
	if g.driver == "" {
		return g, errors.New("no driver: give -driver NAME or set SESSION_DRIVER")
	}
	var err error
	if g.options, err = parseOptions(*optText, "-options"); err != nil {
		return g, err
	}
	return g, nil
}

// parseOptions reads driver options: a JSON object, or nothing.
func parseOptions(text, flagName string) (map[string]any, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", flagName, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s holds more than one JSON value", flagName)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf(`%s must be a JSON object such as {"base":".sessions"}, got %s`, flagName, jsonKind(v))
	}
	return m, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an object"
}

// command is one parsed command, ready to run.
type command interface {
	run(ctx context.Context, e *env) error
}

// parseCommand parses a command's own flags and arguments.
func parseCommand(name string, args []string) (command, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	parse := func(min, max int) ([]string, error) {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		n := fs.NArg()
		if n < min || (max >= 0 && n > max) {
			return nil, fmt.Errorf("wrong number of arguments: %q", fs.Args())
		}
		return fs.Args(), nil
	}
	var lt lifetime
	lifetimeFlags := func() {
		fs.DurationVar(&lt.idle, "idle", 0, "the application's IdleTimeout")
		fs.DurationVar(&lt.absolute, "absolute", 0, "the application's AbsoluteTimeout")
	}
	switch name {
	case "list":
		c := &listCmd{}
		fs.StringVar(&c.user, "user", "", "only the sessions of this user")
		fs.IntVar(&c.limit, "limit", 0, "at most this many sessions (0: all)")
		fs.BoolVar(&c.json, "json", false, "JSON lines")
		if _, err := parse(0, 0); err != nil {
			return nil, err
		}
		if c.limit < 0 {
			return nil, fmt.Errorf("-limit must not be negative, got %d", c.limit)
		}
		return c, nil
	case "show":
		a, err := parse(1, 1)
		if err != nil {
			return nil, errors.New("usage: show ID")
		}
		return &showCmd{id: a[0]}, checkIDs(a)
	case "rm":
		a, err := parse(1, -1)
		if err != nil {
			return nil, errors.New("usage: rm ID...")
		}
		return &rmCmd{ids: a}, checkIDs(a)
	case "destroy-user":
		a, err := parse(1, 1)
		if err != nil || a[0] == "" {
			return nil, errors.New("usage: destroy-user USERID")
		}
		return &destroyUserCmd{user: a[0]}, nil
	case "purge":
		lifetimeFlags()
		_, err := parse(0, 0)
		return &purgeCmd{lt: lt}, errors.Join(err, lt.check())
	case "stats":
		_, err := parse(0, 0)
		return &statsCmd{}, err
	case "export":
		_, err := parse(0, 0)
		return &exportCmd{}, err
	case "import":
		c := &importCmd{}
		fs.BoolVar(&c.overwrite, "overwrite", false, "replace records that differ on the store")
		lifetimeFlags()
		_, err := parse(0, 0)
		c.lt = lt
		return c, errors.Join(err, lt.check())
	case "migrate":
		return parseMigrate(fs, args)
	}
	return nil, fmt.Errorf("unknown command %q (commands: list, show, rm, destroy-user, purge, stats, export, import, migrate)", name)
}

func parseMigrate(fs *flag.FlagSet, args []string) (command, error) {
	c := &migrateCmd{}
	var optText string
	fs.StringVar(&c.driver, "to-driver", "", "driver of the target store")
	fs.StringVar(&optText, "to-options", "", "options of the target store, as JSON")
	fs.BoolVar(&c.overwrite, "overwrite", false, "replace records that differ on the target")
	fs.DurationVar(&c.lt.idle, "idle", 0, "the application's IdleTimeout")
	fs.DurationVar(&c.lt.absolute, "absolute", 0, "the application's AbsoluteTimeout")
	fs.IntVar(&c.workers, "workers", 8, "records copied at once")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.driver == "" {
		return nil, errors.New("-to-driver NAME is required")
	}
	if c.workers < 1 || c.workers > 256 {
		return nil, fmt.Errorf("-workers must be between 1 and 256, got %d", c.workers)
	}
	var err error
	if c.options, err = parseOptions(optText, "-to-options"); err != nil {
		return nil, err
	}
	return c, c.lt.check()
}

func (lt lifetime) check() error {
	if lt.idle < 0 || lt.absolute < 0 {
		return errors.New("-idle and -absolute must not be negative")
	}
	return nil
}

// checkIDs refuses what cannot be a session ID, before the store is opened.
func checkIDs(ids []string) error {
	for _, id := range ids {
		if !session.ValidID(id) {
			return fmt.Errorf("malformed session ID %q: a session ID is a lowercase version 4 UUID such as 0b5e7c1e-3f6a-4c2e-9d7b-1a2b3c4d5e6f", clip(id))
		}
	}
	return nil
}

// clip shortens what a user typed for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
