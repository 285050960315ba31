// Package postgres is a session storage driver for PostgreSQL on pgx v5
// (pgxpool). It keeps every record in one table, honours expiry on every read
// and deletes expired rows with a sweep, and offers an atomic conditional write
// ([Driver.CompareAndSwap]) as a single statement.
//
// The driver registers itself with the storage registry under the name
// "postgres"; import it for its side effect, or build one in code with [New] (a
// pool shared with the application) or [Open] (a pool of its own).
//
// # Table
//
// The driver creates its table when it is missing (unless told not to). With the
// default name it is:
//
//	CREATE TABLE IF NOT EXISTS astro_sessions (
//		key        text COLLATE "C" PRIMARY KEY,
//		value      text NOT NULL,
//		expires_at timestamptz NULL,
//		version    bigint NOT NULL DEFAULT 1
//	);
//	CREATE INDEX IF NOT EXISTS astro_sessions_expires_at_idx
//		ON astro_sessions (expires_at) WHERE expires_at IS NOT NULL;
//
// key is the storage key (a session ID), value the session record verbatim,
// expires_at the moment the record expires (NULL: never), computed from the
// server's clock so that every application server agrees on it; version counts
// the writes to the row, for operators and tools. The "C" collation makes keys
// compare byte by byte, so that listing by prefix uses the primary key index.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/goastro/session/storage"
)

// DefaultTable is the table name used when none is configured.
const DefaultTable = "astro_sessions"

// Config tunes a driver.
type Config struct {
	// Table is the table name (default DefaultTable).
	Table string
	// Schema is the schema holding the table; empty uses the connection's
	// search_path (normally "public"). A named schema is created if missing,
	// together with the table.
	Schema string
	// NoCreateTable skips CREATE TABLE IF NOT EXISTS at start-up, for
	// deployments where the application's role may not create tables; the table
	// must then exist with the documented columns.
	NoCreateTable bool
	// SweepInterval, when above zero, runs Sweep in the background at that
	// interval until Close. Expired rows are never returned either way; the
	// sweep only reclaims their space.
	SweepInterval time.Duration
}

// Options describe a pool to build with [Open], plus the driver's [Config].
type Options struct {
	Config
	// URL is a PostgreSQL connection string: a URL
	// (postgres://user:password@host:5432/db?sslmode=disable) or key=value
	// pairs, as pgx takes them.
	URL string
	// MaxConns caps the pool's connections (pgx default when zero).
	MaxConns int32
}

// Driver stores session records in a PostgreSQL table. It is safe for
// concurrent use.
type Driver struct {
	pool    *pgxpool.Pool
	ownPool bool
	table   string // quoted, schema-qualified name
	name    string // readable name for messages
	where   string // host:port/database
	closed  atomic.Bool
	once    sync.Once
	stop    chan struct{}
	done    chan struct{}

	qGet, qHas, qSet, qDel, qKeys, qClear, qSweep string
	qHasMany, qDelMany                            string
	qSwapOld, qSwapDel, qSwapNew, qSwapNewDel     string
}

var (
	_ storage.Driver  = (*Driver)(nil)
	_ storage.Swapper = (*Driver)(nil)
	_ storage.Batcher = (*Driver)(nil)
)

// New returns a driver that keeps its records in pool, a pool shared with the
// rest of the application; Close on the driver does not close the pool. It
// creates the table (and schema) when missing, unless cfg.NoCreateTable.
func New(ctx context.Context, pool *pgxpool.Pool, cfg Config) (*Driver, error) {
	if pool == nil {
		return nil, fmt.Errorf("postgres: New: nil pool: %w", storage.ErrInvalidOption)
	}
	return newDriver(ctx, pool, false, cfg)
}

// Open connects a pool of its own and returns a driver that closes it on Close.
func Open(ctx context.Context, opts Options) (*Driver, error) {
	pc, err := parsePoolConfig(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.MaxConns < 0 {
		return nil, fmt.Errorf("postgres: negative maxConns %d: %w", opts.MaxConns, storage.ErrInvalidOption)
	}
	if opts.MaxConns > 0 {
		pc.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect to %s: %w", describe(pc), err)
	}
	d, err := newDriver(ctx, pool, true, opts.Config)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return d, nil
}

func describe(pc *pgxpool.Config) string {
	c := pc.ConnConfig
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}

var kvPassword = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// parsePoolConfig parses a connection string. Its errors never quote the
// connection string or any part of it, since a malformed one may hold a
// password where the parser does not expect one.
func parsePoolConfig(conn string) (*pgxpool.Config, error) {
	if conn == "" {
		return nil, fmt.Errorf("postgres: no connection string (option url): %w", storage.ErrInvalidOption)
	}
	pc, err := pgxpool.ParseConfig(conn)
	if err == nil {
		return pc, nil
	}
	// pgx says "cannot parse `<connection string, password masked on a
	// best-effort basis>`: <what> (<cause, which may quote the string>)"; keep
	// <what> only, up to anything that may quote the connection string.
	msg := err.Error()
	if strings.HasPrefix(msg, "cannot parse `") {
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			msg = msg[i+3:]
		}
	}
	if i := strings.IndexAny(msg, "(\"`:'"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	for _, s := range passwords(conn) {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return nil, fmt.Errorf("postgres: cannot parse the connection string (%s): %w", msg, storage.ErrInvalidOption)
}

// passwords returns the forms the password of conn may take in a message, an
// empty non-nil slice when it has none, or nil when it cannot tell.
func passwords(conn string) []string {
	out := []string{}
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		rest := conn[strings.Index(conn, "://")+3:]
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			rest = rest[:i]
		}
		at := strings.LastIndex(rest, "@")
		if at < 0 {
			return out
		}
		_, pw, ok := strings.Cut(rest[:at], ":")
		if !ok || pw == "" {
			return out
		}
		out = append(out, pw)
		if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
			out = append(out, dec)
		}
		return out
	}
	if strings.Contains(conn, "://") {
		return nil
	}
	for _, m := range kvPassword.FindAllStringSubmatch(conn, -1) {
		pw := m[1]
		out = append(out, pw)
		if strings.HasPrefix(pw, "'") && len(pw) >= 2 {
			out = append(out, pw[1:len(pw)-1])
		}
	}
	return out
}

var identRE = regexp.MustCompile(`^[^\x00]{1,63}$`)

func newDriver(ctx context.Context, pool *pgxpool.Pool, own bool, cfg Config) (*Driver, error) {
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	if !identRE.MatchString(cfg.Table) {
		return nil, fmt.Errorf("postgres: table name %q is not 1 to 63 bytes without NUL: %w", cfg.Table, storage.ErrInvalidOption)
	}
	if cfg.Schema != "" && !identRE.MatchString(cfg.Schema) {
		return nil, fmt.Errorf("postgres: schema name %q is not 1 to 63 bytes without NUL: %w", cfg.Schema, storage.ErrInvalidOption)
	}
	if cfg.SweepInterval < 0 {
		return nil, fmt.Errorf("postgres: negative sweep interval %v: %w", cfg.SweepInterval, storage.ErrInvalidOption)
	}
	ident := pgx.Identifier{cfg.Table}
	name := cfg.Table
	if cfg.Schema != "" {
		ident = pgx.Identifier{cfg.Schema, cfg.Table}
		name = cfg.Schema + "." + cfg.Table
	}
	t := ident.Sanitize()
	live := "(expires_at IS NULL OR expires_at > now())"
	exp := "CASE WHEN $3::bigint > 0 THEN now() + $3::bigint * interval '1 microsecond' END"
	d := &Driver{
		pool:    pool,
		ownPool: own,
		table:   t,
		name:    name,
		where:   describe(pool.Config()),
		qGet:    `SELECT value FROM ` + t + ` WHERE key = $1 AND ` + live,
		qHas:    `SELECT EXISTS (SELECT 1 FROM ` + t + ` WHERE key = $1 AND value <> '' AND ` + live + `)`,
		qSet: `INSERT INTO ` + t + ` AS s (key, value, expires_at) VALUES ($1, $2, ` + exp + `)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, version = s.version + 1`,
		qDel: `DELETE FROM ` + t + ` WHERE key = $1`,
		// The live keys among $1, with the primary key index.
		qHasMany: `SELECT key FROM ` + t + ` WHERE key = ANY($1::text[]) AND value <> '' AND ` + live,
		qDelMany: `DELETE FROM ` + t + ` WHERE key = ANY($1::text[])`,
		qKeys:    `SELECT key FROM ` + t + ` WHERE key LIKE $1 AND value <> '' AND ` + live,
		qClear:   `DELETE FROM ` + t,
		qSweep:   `DELETE FROM ` + t + ` WHERE expires_at <= now()`,
		// Swap when the live row holds $2.
		qSwapOld: `UPDATE ` + t + ` SET value = $4, expires_at = ` + exp + `, version = version + 1
WHERE key = $1 AND value = $2 AND ` + live,
		// Delete when the live row holds $2.
		qSwapDel: `DELETE FROM ` + t + ` WHERE key = $1 AND value = $2 AND ` + live,
		// Write when there is no row, or an expired or empty one.
		qSwapNew: `INSERT INTO ` + t + ` AS s (key, value, expires_at) VALUES ($1, $2, ` + exp + `)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, version = s.version + 1
WHERE s.value = '' OR (s.expires_at IS NOT NULL AND s.expires_at <= now())`,
		// "Delete" when there is no value: drop a dead row, report whether a live one exists.
		qSwapNewDel: `WITH gone AS (DELETE FROM ` + t + ` WHERE key = $1 AND (value = '' OR expires_at <= now()))
SELECT NOT EXISTS (SELECT 1 FROM ` + t + ` WHERE key = $1 AND value <> '' AND ` + live + `)`,
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	if !cfg.NoCreateTable {
		if err := d.createTable(ctx, cfg.Schema, cfg.Table); err != nil {
			return nil, err
		}
	}
	if cfg.SweepInterval > 0 {
		go d.sweepLoop(cfg.SweepInterval)
	} else {
		close(d.done)
	}
	return d, nil
}

// createTable creates the schema, table and index when missing, under an
// advisory lock so that servers starting together do not trip over each other.
func (d *Driver) createTable(ctx context.Context, schema, table string) error {
	idx := pgx.Identifier{truncate(table+"_expires_at_idx", 63)}.Sanitize()
	stmts := []string{}
	if schema != "" {
		stmts = append(stmts, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize())
	}
	stmts = append(stmts,
		`CREATE TABLE IF NOT EXISTS `+d.table+` (
	key        text COLLATE "C" PRIMARY KEY,
	value      text NOT NULL,
	expires_at timestamptz NULL,
	version    bigint NOT NULL DEFAULT 1
)`,
		`CREATE INDEX IF NOT EXISTS `+idx+` ON `+d.table+` (expires_at) WHERE expires_at IS NOT NULL`,
	)
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "goastro-session:"+d.table); err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: create table %s at %s: %w", d.name, d.where, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (d *Driver) sweepLoop(every time.Duration) {
	defer close(d.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			go func() {
				select {
				case <-d.stop:
					cancel()
				case <-ctx.Done():
				}
			}()
			d.Sweep(ctx) // an error is retried at the next tick
			cancel()
		}
	}
}

// Sweep deletes the expired rows and returns how many it deleted. Reads never
// return expired rows; Sweep reclaims their space. A driver with a
// SweepInterval calls it in the background.
func (d *Driver) Sweep(ctx context.Context) (int64, error) {
	if err := d.check(ctx, "sweep"); err != nil {
		return 0, err
	}
	tag, err := d.pool.Exec(ctx, d.qSweep)
	if err != nil {
		return 0, d.fail("sweep", "", err)
	}
	return tag.RowsAffected(), nil
}

// Pool returns the pgx pool the driver uses.
func (d *Driver) Pool() *pgxpool.Pool { return d.pool }

// Table returns the quoted, schema-qualified name of the driver's table.
func (d *Driver) Table() string { return d.table }

// String describes where the driver stores its data (never with a password).
func (d *Driver) String() string {
	return fmt.Sprintf("postgres %s table %s", d.where, d.name)
}

func (d *Driver) check(ctx context.Context, op string) error {
	if d.closed.Load() {
		return fmt.Errorf("postgres: %s on table %s at %s: %w", op, d.name, d.where, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: %s on table %s at %s: %w", op, d.name, d.where, err)
	}
	return nil
}

func (d *Driver) key(op, key string) (string, error) {
	k, err := storage.CleanKey(key)
	if err != nil {
		return "", fmt.Errorf("postgres: %s on table %s at %s: %w", op, d.name, d.where, err)
	}
	return k, nil
}

func (d *Driver) fail(op, key string, err error) error {
	if key == "" {
		return fmt.Errorf("postgres: %s on table %s at %s: %w", op, d.name, d.where, err)
	}
	return fmt.Errorf("postgres: %s %q on table %s at %s: %w", op, storage.RedactKey(key), d.name, d.where, err)
}

// micros is the TTL in microseconds, 0 for none.
func micros(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	if ttl < time.Microsecond {
		return 1
	}
	return ttl.Microseconds()
}

// Get returns the value stored under key, unless it has expired: one query.
func (d *Driver) Get(ctx context.Context, key string) (string, bool, error) {
	if err := d.check(ctx, "get"); err != nil {
		return "", false, err
	}
	k, err := d.key("get", key)
	if err != nil {
		return "", false, err
	}
	var v string
	err = d.pool.QueryRow(ctx, d.qGet, k).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, d.fail("get", k, err)
	}
	return v, v != "", nil
}

// Set stores value under key with an upsert; a ttl above zero sets expires_at,
// zero or less clears it. An empty value deletes the row.
func (d *Driver) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := d.check(ctx, "set"); err != nil {
		return err
	}
	k, err := d.key("set", key)
	if err != nil {
		return err
	}
	if value == "" {
		return d.del(ctx, "set", k)
	}
	if _, err := d.pool.Exec(ctx, d.qSet, k, value, micros(ttl)); err != nil {
		return d.fail("set", k, err)
	}
	return nil
}

func (d *Driver) del(ctx context.Context, op, k string) error {
	if _, err := d.pool.Exec(ctx, d.qDel, k); err != nil {
		return d.fail(op, k, err)
	}
	return nil
}

// Delete removes key.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if err := d.check(ctx, "delete"); err != nil {
		return err
	}
	k, err := d.key("delete", key)
	if err != nil {
		return err
	}
	return d.del(ctx, "delete", k)
}

// Has reports whether key holds a value that has not expired.
func (d *Driver) Has(ctx context.Context, key string) (bool, error) {
	if err := d.check(ctx, "has"); err != nil {
		return false, err
	}
	k, err := d.key("has", key)
	if err != nil {
		return false, err
	}
	var ok bool
	if err := d.pool.QueryRow(ctx, d.qHas, k).Scan(&ok); err != nil {
		return false, d.fail("has", k, err)
	}
	return ok, nil
}

// cleanKeys normalizes keys, refusing the call if one is invalid.
func (d *Driver) cleanKeys(op string, keys []string) ([]string, error) {
	ks := make([]string, len(keys))
	for i, key := range keys {
		k, err := d.key(op, key)
		if err != nil {
			return nil, err
		}
		ks[i] = k
	}
	return ks, nil
}

// HasMany reports which keys hold a value that has not expired, in one query
// (key = ANY($1)).
func (d *Driver) HasMany(ctx context.Context, keys []string) ([]bool, error) {
	if err := d.check(ctx, "has-many"); err != nil {
		return nil, err
	}
	ks, err := d.cleanKeys("has-many", keys)
	if err != nil {
		return nil, err
	}
	found := make([]bool, len(ks))
	if len(ks) == 0 {
		return found, nil
	}
	rows, err := d.pool.Query(ctx, d.qHasMany, ks)
	if err != nil {
		return nil, d.fail("has-many", "", err)
	}
	live, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, d.fail("has-many", "", err)
	}
	set := make(map[string]bool, len(live))
	for _, k := range live {
		set[k] = true
	}
	for i, k := range ks {
		found[i] = set[k]
	}
	return found, nil
}

// DeleteMany removes keys in one statement (key = ANY($1)).
func (d *Driver) DeleteMany(ctx context.Context, keys []string) error {
	if err := d.check(ctx, "delete-many"); err != nil {
		return err
	}
	ks, err := d.cleanKeys("delete-many", keys)
	if err != nil || len(ks) == 0 {
		return err
	}
	if _, err := d.pool.Exec(ctx, d.qDelMany, ks); err != nil {
		return d.fail("delete-many", "", err)
	}
	return nil
}

// likeEscape escapes LIKE's wildcards ('\' is the default escape character).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Keys lists the live keys that start with prefix.
func (d *Driver) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := d.check(ctx, "keys"); err != nil {
		return nil, err
	}
	rows, err := d.pool.Query(ctx, d.qKeys, likeEscape(prefix)+"%")
	if err != nil {
		return nil, d.fail("keys", prefix, err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, d.fail("keys", prefix, err)
	}
	if keys == nil {
		keys = []string{}
	}
	return keys, nil
}

// Clear deletes every row of the driver's table.
func (d *Driver) Clear(ctx context.Context) error {
	if err := d.check(ctx, "clear"); err != nil {
		return err
	}
	if _, err := d.pool.Exec(ctx, d.qClear); err != nil {
		return d.fail("clear", "", err)
	}
	return nil
}

// CompareAndSwap stores value under key only if the key holds old (exists true)
// or holds no value (exists false: no row, an expired row or an empty value),
// atomically, in one statement: a conditional UPDATE, or an INSERT ... ON
// CONFLICT DO UPDATE ... WHERE. An empty value makes it a conditional delete.
func (d *Driver) CompareAndSwap(ctx context.Context, key, old string, exists bool, value string, ttl time.Duration) (bool, error) {
	if err := d.check(ctx, "compare-and-swap"); err != nil {
		return false, err
	}
	k, err := d.key("compare-and-swap", key)
	if err != nil {
		return false, err
	}
	if exists {
		var sql string
		var args []any
		if value == "" {
			sql, args = d.qSwapDel, []any{k, old}
		} else {
			sql, args = d.qSwapOld, []any{k, old, micros(ttl), value}
		}
		tag, err := d.pool.Exec(ctx, sql, args...)
		if err != nil {
			return false, d.fail("compare-and-swap", k, err)
		}
		return tag.RowsAffected() == 1, nil
	}
	if value == "" {
		var none bool
		if err := d.pool.QueryRow(ctx, d.qSwapNewDel, k).Scan(&none); err != nil {
			return false, d.fail("compare-and-swap", k, err)
		}
		return none, nil
	}
	tag, err := d.pool.Exec(ctx, d.qSwapNew, k, value, micros(ttl))
	if err != nil {
		return false, d.fail("compare-and-swap", k, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Close stops the sweep and, when the driver was built by [Open], closes its
// pool. Closing twice is not an error.
func (d *Driver) Close() error {
	d.once.Do(func() {
		d.closed.Store(true)
		close(d.stop)
		<-d.done
		if d.ownPool {
			d.pool.Close()
		}
	})
	return nil
}
