// Command sessionctl operates a session store of github.com/goastro/session (or
// of Astro, which lays its records out the same way): it lists, shows, removes,
// purges and counts sessions, exports and imports them as JSON lines, and
// migrates them from one store to another without logging anyone out.
//
//	sessionctl -driver NAME -options 'JSON' COMMAND [ARGS]
//
// The driver and its options are those of session.Config (Driver, Options), and
// may also come from the SESSION_DRIVER and SESSION_OPTIONS environment
// variables. Run sessionctl -h for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed, or some records failed to copy
	exitUsage = 2 // the command line was wrong
)

// run runs sessionctl with the arguments after the program name and returns
// its exit code. Errors go to stderr, results to stdout.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g, err := parseGlobal(args, os.Getenv)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "sessionctl: %v\n\nRun sessionctl -h for help.\n", err)
		return exitUsage
	}
	cmd, err := parseCommand(g.command, g.args)
	if err != nil {
		fmt.Fprintf(stderr, "sessionctl %s: %v\n", g.command, err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env := &env{g: g, stdin: stdin, stdout: stdout, stderr: stderr, progress: terminal(stderr)}
	if err := env.open(ctx); err != nil {
		fmt.Fprintf(stderr, "sessionctl: %v\n", err)
		return exitError
	}
	defer env.close()
	if err := cmd.run(ctx, env); err != nil {
		fmt.Fprintf(stderr, "sessionctl %s: %v\n", g.command, err)
		return exitError
	}
	return exitOK
}

const usage = `sessionctl operates a session store.

Usage:
  sessionctl -driver NAME -options 'JSON' COMMAND [ARGS]

Global flags (before the command):
  -driver NAME      storage driver: fs-lite, fs, memory, redis, postgres, sqlite, ...
                    (default $SESSION_DRIVER)
  -options JSON     driver options as a JSON object, as in session.Config.Options,
                    e.g. '{"base":".sessions"}' or '{"url":"redis://127.0.0.1:6379"}'
                    (default $SESSION_OPTIONS)
  -timeout D        bound on each call to the store (default 10s)

Commands:
  list [-user ID] [-limit N] [-json]   session IDs with size and expiry
  show ID                              a session's keys and values as JSON
  rm ID...                             remove sessions
  destroy-user USERID                  remove every session of a user
  purge [-idle D] [-absolute D]        remove expired sessions and expired keys
  stats                                count, sizes, size histogram, expiries
  export                               every record as JSON lines on stdout
  import [-overwrite]                  records from export's JSON lines on stdin
  migrate -to-driver NAME -to-options JSON [-overwrite] [-idle D] [-absolute D]
                                       copy every session to another store

-idle and -absolute are the IdleTimeout and AbsoluteTimeout of the application's
session.Config, which the records do not hold: with them, purge also removes the
sessions they have ended, and import and migrate give each record the expiry
they imply. A progress bar is drawn on stderr when it is a terminal.
`
