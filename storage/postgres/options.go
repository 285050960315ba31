package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/goastro/session/storage"
)

// DefaultSweepInterval is how often a driver opened by name ([OpenOptions])
// deletes expired rows, unless its sweepInterval option says otherwise.
const DefaultSweepInterval = 10 * time.Minute

// connectTimeout bounds connecting and creating the table when the driver is
// opened by name, which has no context of its own.
const connectTimeout = 30 * time.Second

func init() {
	storage.Register("postgres", func(options map[string]any) (storage.Driver, error) {
		return OpenOptions(options)
	})
}

// ParseOptions turns the driver options of a session configuration into
// [Options]:
//
//   - url (or connectionString): the PostgreSQL connection string
//   - table: table name (default "astro_sessions")
//   - schema: schema of the table (default: the search_path's)
//   - createTable: create the table when missing (default true)
//   - sweepInterval: how often expired rows are deleted, in seconds or as
//     "10m" (default 10 minutes; 0 turns the sweep off)
//   - maxConns: the pool's maximum number of connections
//
// Unknown names and values of the wrong type are errors wrapping
// storage.ErrInvalidOption; the connection string is never quoted in them.
func ParseOptions(options map[string]any) (Options, error) {
	var o Options
	r := storage.NewOptions("postgres", options)
	o.URL = r.String("url", "")
	if cs := r.String("connectionString", ""); cs != "" {
		if o.URL != "" {
			r.Failf("connectionString", "given together with url")
		}
		o.URL = cs
	}
	o.Table = r.String("table", DefaultTable)
	o.Schema = r.String("schema", "")
	o.NoCreateTable = !r.Bool("createTable", true)
	o.SweepInterval = r.Duration("sweepInterval", DefaultSweepInterval)
	if o.SweepInterval < 0 {
		r.Failf("sweepInterval", "must not be negative, got %v", o.SweepInterval)
	}
	n := r.Int("maxConns", 0)
	if n < 0 || n > 1<<20 {
		r.Failf("maxConns", "out of range: %d", n)
	}
	o.MaxConns = int32(n)
	if err := r.Err(); err != nil {
		return Options{}, err
	}
	if o.URL == "" {
		return Options{}, fmt.Errorf("%w: postgres: option \"url\" (or \"connectionString\") is required", storage.ErrInvalidOption)
	}
	return o, nil
}

// OpenOptions opens a driver from session configuration options (see
// [ParseOptions]), connecting and creating the table within 30 seconds. It is
// the constructor registered as "postgres".
func OpenOptions(options map[string]any) (*Driver, error) {
	o, err := ParseOptions(options)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	return Open(ctx, o)
}
