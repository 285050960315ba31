package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/goastro/session/storage"
)

// DefaultSweepInterval is how often a driver opened by name ([OpenOptions])
// deletes expired rows, unless its sweepInterval option says otherwise.
const DefaultSweepInterval = 10 * time.Minute

func init() {
	storage.Register("sqlite", func(options map[string]any) (storage.Driver, error) {
		return OpenOptions(options)
	})
}

// ParseOptions turns the driver options of a session configuration into
// [Options]:
//
//   - path: the database file (required; ":memory:" for a private in-memory one)
//   - table: table name (default "astro_sessions")
//   - createTable: create the table when missing (default true)
//   - sweepInterval: how often expired rows are deleted, in seconds or as
//     "10m" (default 10 minutes; 0 turns the sweep off)
//   - busyTimeout: how long a write waits for another writer, in seconds or as
//     "5s" (default 5 seconds)
//   - synchronous: "NORMAL" (default) or "FULL"
//
// Unknown names and values of the wrong type are errors wrapping
// storage.ErrInvalidOption.
func ParseOptions(options map[string]any) (Options, error) {
	var o Options
	r := storage.NewOptions("sqlite", options)
	o.Path = r.String("path", "")
	o.Table = r.String("table", DefaultTable)
	o.NoCreateTable = !r.Bool("createTable", true)
	o.SweepInterval = r.Duration("sweepInterval", DefaultSweepInterval)
	if o.SweepInterval < 0 {
		r.Failf("sweepInterval", "must not be negative, got %v", o.SweepInterval)
	}
	o.BusyTimeout = r.Duration("busyTimeout", DefaultBusyTimeout)
	if o.BusyTimeout < 0 {
		r.Failf("busyTimeout", "must not be negative, got %v", o.BusyTimeout)
	}
	o.Synchronous = r.String("synchronous", "")
	if err := r.Err(); err != nil {
		return Options{}, err
	}
	if o.Path == "" {
		return Options{}, fmt.Errorf("%w: sqlite: option \"path\" is required", storage.ErrInvalidOption)
	}
	return o, nil
}

// OpenOptions opens a driver from session configuration options (see
// [ParseOptions]). It is the constructor registered as "sqlite".
func OpenOptions(options map[string]any) (*Driver, error) {
	o, err := ParseOptions(options)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Open(ctx, o)
}
