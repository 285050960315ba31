// Package sqlite is a session storage driver on SQLite, in pure Go (no cgo:
// modernc.org/sqlite). It is a good single-machine store for many sessions:
// one database file, writes that are atomic and durable, expiry honoured on
// every read and swept in the background, and an atomic conditional write
// ([Driver.CompareAndSwap]) as a single statement. Several processes on one
// machine may share the file.
//
// The driver registers itself with the storage registry under the name
// "sqlite"; import it for its side effect, or build one in code with [Open] (a
// database file of its own) or [New] (a *sql.DB of the application's, opened
// with the "sqlite" database/sql driver of modernc.org/sqlite).
//
// # Table
//
// The driver creates its table when it is missing. With the default name it is:
//
//	CREATE TABLE IF NOT EXISTS "astro_sessions" (
//		key        TEXT NOT NULL PRIMARY KEY,
//		value      TEXT NOT NULL,
//		expires_at INTEGER NULL,
//		version    INTEGER NOT NULL DEFAULT 1
//	);
//	CREATE INDEX IF NOT EXISTS "astro_sessions_expires_at_idx"
//		ON "astro_sessions" (expires_at) WHERE expires_at IS NOT NULL;
//
// key is the storage key (a session ID), compared byte by byte (SQLite's
// BINARY collation); value the session record verbatim; expires_at the moment
// the record expires in milliseconds since the Unix epoch (NULL: never); version
// counts the writes to the row.
//
// # Concurrency
//
// A database opened by [Open] is in WAL mode (readers never wait for the
// writer) with a busy timeout, so that a writer waits for the lock instead of
// failing. SQLite can still answer SQLITE_BUSY where waiting cannot help (a
// statement whose snapshot became stale in WAL mode); the driver then retries the
// statement, which is safe because each operation is a single statement, until
// its context is done or the busy timeout has passed.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/goastro/session/storage"
)

// DefaultTable is the table name used when none is configured.
const DefaultTable = "astro_sessions"

// DefaultBusyTimeout is how long a write waits for another writer's lock when
// no BusyTimeout is configured.
const DefaultBusyTimeout = 5 * time.Second

// Config tunes a driver.
type Config struct {
	// Table is the table name (default DefaultTable).
	Table string
	// NoCreateTable skips CREATE TABLE IF NOT EXISTS at start-up; the table must
	// then exist with the documented columns.
	NoCreateTable bool
	// SweepInterval, when above zero, runs Sweep in the background at that
	// interval until Close. Expired rows are never returned either way.
	SweepInterval time.Duration
	// BusyTimeout bounds how long an operation keeps retrying while the database
	// is locked by another writer (default DefaultBusyTimeout). [Open] also sets
	// it as SQLite's busy_timeout.
	BusyTimeout time.Duration
}

// Options describe the database file to open with [Open], plus the driver's
// [Config].
type Options struct {
	Config
	// Path is the database file; it is created if missing (its folder must
	// exist). ":memory:" keeps a private database in memory, on one connection.
	Path string
	// Synchronous is SQLite's synchronous setting for the connections: "NORMAL"
	// (the default, durable except for the last commits on power loss in WAL
	// mode) or "FULL".
	Synchronous string
}

// Driver stores session records in a SQLite table. It is safe for concurrent
// use.
type Driver struct {
	db     *sql.DB
	ownDB  bool
	table  string // quoted
	name   string // for messages
	where  string // the file
	busy   time.Duration
	closed atomic.Bool
	once   sync.Once
	stop   chan struct{}
	done   chan struct{}
	// writer is held by each write of this driver: SQLite takes one writer at a
	// time, and writers of one process queue here instead of polling the
	// database lock with the busy handler's sleeps, whose delays grow to 100 ms
	// and, with many goroutines writing, starve some of them past the busy
	// timeout.
	writer chan struct{}

	sGet, sHas, sSet, sDel, sKeysAll, sKeysRange, sClear, sSweep *sql.Stmt
	sSwapOld, sSwapDel, sSwapNew, sSwapNewDel, sSwapNewLive      *sql.Stmt
	sHasMany, sDelMany                                           *sql.Stmt
}

var (
	_ storage.Driver  = (*Driver)(nil)
	_ storage.Swapper = (*Driver)(nil)
	_ storage.Batcher = (*Driver)(nil)
)

// Open opens (creating if missing) the database file opts.Path in WAL mode
// with a busy timeout, creates the table when missing, and returns a driver
// that closes the database on Close.
func Open(ctx context.Context, opts Options) (*Driver, error) {
	if opts.Path == "" {
		return nil, fmt.Errorf("sqlite: no database path (option path): %w", storage.ErrInvalidOption)
	}
	if strings.IndexByte(opts.Path, 0) >= 0 {
		return nil, fmt.Errorf("sqlite: database path %q holds a NUL byte: %w", opts.Path, storage.ErrInvalidOption)
	}
	busy := opts.BusyTimeout
	if busy == 0 {
		busy = DefaultBusyTimeout
	}
	if busy < 0 {
		return nil, fmt.Errorf("sqlite: negative busy timeout %v: %w", busy, storage.ErrInvalidOption)
	}
	syncMode := strings.ToUpper(opts.Synchronous)
	switch syncMode {
	case "":
		syncMode = "NORMAL"
	case "NORMAL", "FULL":
	default:
		return nil, fmt.Errorf("sqlite: synchronous %q is not NORMAL or FULL: %w", opts.Synchronous, storage.ErrInvalidOption)
	}
	memory := opts.Path == ":memory:"
	dsn := "file:" + uriEscape(opts.Path) +
		"?_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")" +
		"&_pragma=synchronous(" + syncMode + ")" +
		"&_txlock=immediate"
	if !memory {
		dsn += "&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", opts.Path, err)
	}
	if memory {
		db.SetMaxOpenConns(1) // every connection would be a database of its own
	}
	db.SetConnMaxIdleTime(time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", opts.Path, err)
	}
	cfg := opts.Config
	cfg.BusyTimeout = busy
	d, err := newDriver(ctx, db, true, cfg, opts.Path)
	if err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// uriEscape escapes the characters with a meaning in an SQLite URI filename.
func uriEscape(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// New returns a driver that keeps its records in db, a database of the
// application's opened with the "sqlite" driver of modernc.org/sqlite; Close
// on the driver does not close db. Configure WAL mode and a busy timeout on db
// yourself (see [Open] for the settings it uses).
func New(ctx context.Context, db *sql.DB, cfg Config) (*Driver, error) {
	if db == nil {
		return nil, fmt.Errorf("sqlite: New: nil database: %w", storage.ErrInvalidOption)
	}
	if cfg.BusyTimeout < 0 {
		return nil, fmt.Errorf("sqlite: negative busy timeout %v: %w", cfg.BusyTimeout, storage.ErrInvalidOption)
	}
	if cfg.BusyTimeout == 0 {
		cfg.BusyTimeout = DefaultBusyTimeout
	}
	where := "application database"
	var file string
	if err := db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err == nil && file != "" {
		where = file
	}
	return newDriver(ctx, db, false, cfg, where)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func newDriver(ctx context.Context, db *sql.DB, own bool, cfg Config, where string) (*Driver, error) {
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	if len(cfg.Table) > 128 || strings.IndexByte(cfg.Table, 0) >= 0 || strings.HasPrefix(strings.ToLower(cfg.Table), "sqlite_") {
		return nil, fmt.Errorf("sqlite: table name %q is not allowed (1 to 128 bytes, no NUL, no sqlite_ prefix): %w", cfg.Table, storage.ErrInvalidOption)
	}
	if cfg.SweepInterval < 0 {
		return nil, fmt.Errorf("sqlite: negative sweep interval %v: %w", cfg.SweepInterval, storage.ErrInvalidOption)
	}
	d := &Driver{
		db:     db,
		ownDB:  own,
		table:  quoteIdent(cfg.Table),
		name:   cfg.Table,
		where:  where,
		busy:   cfg.BusyTimeout,
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		writer: make(chan struct{}, 1),
	}
	if !cfg.NoCreateTable {
		err := d.retry(ctx, func() error {
			_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+d.table+` (
	key        TEXT NOT NULL PRIMARY KEY,
	value      TEXT NOT NULL,
	expires_at INTEGER NULL,
	version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS `+quoteIdent(cfg.Table+"_expires_at_idx")+` ON `+d.table+` (expires_at) WHERE expires_at IS NOT NULL`)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("sqlite: create table %q in %s: %w", d.name, d.where, err)
		}
	}
	if err := d.prepare(ctx); err != nil {
		d.closeStmts()
		return nil, err
	}
	if cfg.SweepInterval > 0 {
		go d.sweepLoop(cfg.SweepInterval)
	} else {
		close(d.done)
	}
	return d, nil
}

func (d *Driver) prepare(ctx context.Context) error {
	t := d.table
	live := "(expires_at IS NULL OR expires_at > ?2)"
	// Parameters: ?1 key, ?2 now (ms), ?3 value, ?4 expires_at (ms or NULL), ?5 old value.
	stmts := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&d.sGet, `SELECT value FROM ` + t + ` WHERE key = ?1 AND ` + live},
		{&d.sHas, `SELECT EXISTS (SELECT 1 FROM ` + t + ` WHERE key = ?1 AND value <> '' AND ` + live + `)`},
		{&d.sSet, `INSERT INTO ` + t + ` (key, value, expires_at) VALUES (?1, ?3, ?4)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, version = version + 1`},
		{&d.sDel, `DELETE FROM ` + t + ` WHERE key = ?1`},
		// ?1 is a JSON array of keys: one statement for any number of them,
		// each looked up in the primary key index.
		{&d.sHasMany, `SELECT key FROM ` + t + ` WHERE key IN (SELECT value FROM json_each(?1)) AND value <> '' AND ` + live},
		{&d.sDelMany, `DELETE FROM ` + t + ` WHERE key IN (SELECT value FROM json_each(?1))`},
		{&d.sKeysAll, `SELECT key FROM ` + t + ` WHERE value <> '' AND (expires_at IS NULL OR expires_at > ?1)`},
		{&d.sKeysRange, `SELECT key FROM ` + t + ` WHERE key >= ?2 AND key < ?3 AND value <> '' AND (expires_at IS NULL OR expires_at > ?1)`},
		{&d.sClear, `DELETE FROM ` + t},
		{&d.sSweep, `DELETE FROM ` + t + ` WHERE rowid IN (SELECT rowid FROM ` + t + ` WHERE expires_at <= ?1 LIMIT ` + strconv.Itoa(sweepBatch) + `)`},
		{&d.sSwapOld, `UPDATE ` + t + ` SET value = ?3, expires_at = ?4, version = version + 1
WHERE key = ?1 AND value = ?5 AND ` + live},
		{&d.sSwapDel, `DELETE FROM ` + t + ` WHERE key = ?1 AND value = ?5 AND ` + live},
		{&d.sSwapNew, `INSERT INTO ` + t + ` (key, value, expires_at) VALUES (?1, ?3, ?4)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, version = version + 1
WHERE value = '' OR (expires_at IS NOT NULL AND expires_at <= ?2)`},
		{&d.sSwapNewDel, `DELETE FROM ` + t + ` WHERE key = ?1 AND (value = '' OR expires_at <= ?2)`},
		{&d.sSwapNewLive, `SELECT EXISTS (SELECT 1 FROM ` + t + ` WHERE key = ?1 AND value <> '' AND ` + live + `)`},
	}
	for _, s := range stmts {
		st, err := d.db.PrepareContext(ctx, s.sql)
		if err != nil {
			return fmt.Errorf("sqlite: prepare statements on table %q in %s: %w", d.name, d.where, err)
		}
		*s.dst = st
	}
	return nil
}

func (d *Driver) closeStmts() {
	for _, st := range []*sql.Stmt{d.sGet, d.sHas, d.sSet, d.sDel, d.sKeysAll, d.sKeysRange, d.sClear, d.sSweep,
		d.sSwapOld, d.sSwapDel, d.sSwapNew, d.sSwapNewDel, d.sSwapNewLive, d.sHasMany, d.sDelMany} {
		if st != nil {
			st.Close()
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (any extended code).
func isBusy(err error) bool {
	var se *msqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == 5 || c == 6
	}
	return false
}

// retry runs op again while SQLite reports the database busy, until ctx is done
// or the busy timeout has passed.
func (d *Driver) retry(ctx context.Context, op func() error) error {
	deadline := time.Now().Add(d.busy)
	wait := time.Millisecond
	for {
		err := op()
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (while the database was busy: %v)", ctx.Err(), err)
		case <-t.C:
		}
		if wait < 50*time.Millisecond {
			wait *= 2
		}
	}
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
			ctx, cancel := context.WithCancel(context.Background())
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

// sweepBatch is how many expired rows one statement of Sweep deletes.
const sweepBatch = 1000

// Sweep deletes the expired rows and returns how many it deleted. Reads never
// return expired rows; Sweep reclaims their space. A driver with a
// SweepInterval calls it in the background. It deletes sweepBatch rows per
// statement, each its own transaction, so that writers (of this process and of
// others) wait for one batch at most, never for the whole sweep.
func (d *Driver) Sweep(ctx context.Context) (int64, error) {
	if err := d.check(ctx, "sweep"); err != nil {
		return 0, err
	}
	var total int64
	now := nowMS()
	for {
		n, err := d.exec(ctx, "sweep", "", d.sSweep, now)
		total += n
		if err != nil || n < sweepBatch {
			return total, err
		}
	}
}

// DB returns the database the driver uses.
func (d *Driver) DB() *sql.DB { return d.db }

// String describes where the driver stores its data.
func (d *Driver) String() string {
	return fmt.Sprintf("sqlite %s table %s", d.where, d.table)
}

func (d *Driver) check(ctx context.Context, op string) error {
	if d.closed.Load() {
		return fmt.Errorf("sqlite: %s on table %q in %s: %w", op, d.name, d.where, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %s on table %q in %s: %w", op, d.name, d.where, err)
	}
	return nil
}

func (d *Driver) key(op, key string) (string, error) {
	k, err := storage.CleanKey(key)
	if err != nil {
		return "", fmt.Errorf("sqlite: %s on table %q in %s: %w", op, d.name, d.where, err)
	}
	return k, nil
}

func (d *Driver) fail(op, key string, err error) error {
	if errors.Is(err, sql.ErrConnDone) && d.closed.Load() {
		err = storage.ErrClosed
	}
	if key == "" {
		return fmt.Errorf("sqlite: %s on table %q in %s: %w", op, d.name, d.where, err)
	}
	return fmt.Errorf("sqlite: %s %q on table %q in %s: %w", op, storage.RedactKey(key), d.name, d.where, err)
}

func nowMS() int64 { return time.Now().UnixMilli() }

// expiresAt is the expires_at of a write with ttl: NULL for none.
func expiresAt(ttl time.Duration) any {
	if ttl <= 0 {
		return nil
	}
	ms := ttl.Milliseconds()
	if ms == 0 {
		ms = 1
	}
	return nowMS() + ms
}

// Get returns the value stored under key, unless it has expired.
func (d *Driver) Get(ctx context.Context, key string) (string, bool, error) {
	if err := d.check(ctx, "get"); err != nil {
		return "", false, err
	}
	k, err := d.key("get", key)
	if err != nil {
		return "", false, err
	}
	var v string
	err = d.retry(ctx, func() error {
		return d.sGet.QueryRowContext(ctx, k, nowMS()).Scan(&v)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, d.fail("get", k, err)
	}
	return v, v != "", nil
}

// write runs op holding the driver's writer lock, retrying while the database
// is busy (held by another process).
func (d *Driver) write(ctx context.Context, op func() error) error {
	select {
	case d.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-d.writer }()
	return d.retry(ctx, op)
}

func (d *Driver) exec(ctx context.Context, op, k string, st *sql.Stmt, args ...any) (int64, error) {
	var n int64
	err := d.write(ctx, func() error {
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, d.fail(op, k, err)
	}
	return n, nil
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
		_, err := d.exec(ctx, "set", k, d.sDel, k)
		return err
	}
	_, err = d.exec(ctx, "set", k, d.sSet, k, nil, value, expiresAt(ttl))
	return err
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
	_, err = d.exec(ctx, "delete", k, d.sDel, k)
	return err
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
	err = d.retry(ctx, func() error { return d.sHas.QueryRowContext(ctx, k, nowMS()).Scan(&ok) })
	if err != nil {
		return false, d.fail("has", k, err)
	}
	return ok, nil
}

// keyList normalizes keys into the JSON array the batched statements take,
// refusing the call if one is invalid.
func (d *Driver) keyList(op string, keys []string) ([]string, string, error) {
	ks := make([]string, len(keys))
	for i, key := range keys {
		k, err := d.key(op, key)
		if err != nil {
			return nil, "", err
		}
		ks[i] = k
	}
	list, err := json.Marshal(ks) // valid UTF-8 (CleanKey), so it round-trips
	return ks, string(list), err
}

// HasMany reports which keys hold a value that has not expired, in one query.
func (d *Driver) HasMany(ctx context.Context, keys []string) ([]bool, error) {
	if err := d.check(ctx, "has-many"); err != nil {
		return nil, err
	}
	ks, list, err := d.keyList("has-many", keys)
	if err != nil {
		return nil, err
	}
	found := make([]bool, len(ks))
	if len(ks) == 0 {
		return found, nil
	}
	set := map[string]bool{}
	err = d.retry(ctx, func() error {
		clear(set)
		rows, err := d.sHasMany.QueryContext(ctx, list, nowMS())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			set[k] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, d.fail("has-many", "", err)
	}
	for i, k := range ks {
		found[i] = set[k]
	}
	return found, nil
}

// DeleteMany removes keys in one statement.
func (d *Driver) DeleteMany(ctx context.Context, keys []string) error {
	if err := d.check(ctx, "delete-many"); err != nil {
		return err
	}
	ks, list, err := d.keyList("delete-many", keys)
	if err != nil || len(ks) == 0 {
		return err
	}
	_, err = d.exec(ctx, "delete-many", "", d.sDelMany, list)
	return err
}

// Keys lists the live keys that start with prefix. A prefix is a range of the
// primary key index: every key starting with p sorts at or after p and before
// p+"\xff" (valid UTF-8 never holds the byte 0xff).
func (d *Driver) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := d.check(ctx, "keys"); err != nil {
		return nil, err
	}
	var keys []string
	err := d.retry(ctx, func() error {
		keys = keys[:0]
		var rows *sql.Rows
		var err error
		if prefix == "" {
			rows, err = d.sKeysAll.QueryContext(ctx, nowMS())
		} else {
			rows, err = d.sKeysRange.QueryContext(ctx, nowMS(), prefix, prefix+"\xff")
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return rows.Err()
	})
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
	_, err := d.exec(ctx, "clear", "", d.sClear)
	return err
}

// CompareAndSwap stores value under key only if the key holds old (exists true)
// or holds no value (exists false: no row, an expired row or an empty value),
// atomically, in one statement. An empty value makes it a conditional delete.
func (d *Driver) CompareAndSwap(ctx context.Context, key, old string, exists bool, value string, ttl time.Duration) (bool, error) {
	if err := d.check(ctx, "compare-and-swap"); err != nil {
		return false, err
	}
	k, err := d.key("compare-and-swap", key)
	if err != nil {
		return false, err
	}
	now := nowMS()
	switch {
	case exists && value != "":
		n, err := d.exec(ctx, "compare-and-swap", k, d.sSwapOld, k, now, value, expiresAt(ttl), old)
		return n == 1, err
	case exists:
		n, err := d.exec(ctx, "compare-and-swap", k, d.sSwapDel, k, now, nil, nil, old)
		return n == 1, err
	case value != "":
		n, err := d.exec(ctx, "compare-and-swap", k, d.sSwapNew, k, now, value, expiresAt(ttl))
		return n == 1, err
	}
	// A conditional delete of "no value": drop a dead row, and succeed when no
	// live row remains. Both in one immediate transaction.
	var none bool
	err = d.write(ctx, func() error {
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.StmtContext(ctx, d.sSwapNewDel).ExecContext(ctx, k, now); err != nil {
			return err
		}
		var live bool
		if err := tx.StmtContext(ctx, d.sSwapNewLive).QueryRowContext(ctx, k, now).Scan(&live); err != nil {
			return err
		}
		none = !live
		return tx.Commit()
	})
	if err != nil {
		return false, d.fail("compare-and-swap", k, err)
	}
	return none, nil
}

// Close stops the sweep, releases the prepared statements and, when the driver
// was built by [Open], closes the database. Closing twice is not an error.
func (d *Driver) Close() error {
	var err error
	d.once.Do(func() {
		d.closed.Store(true)
		close(d.stop)
		<-d.done
		d.closeStmts()
		if d.ownDB {
			if cerr := d.db.Close(); cerr != nil {
				err = fmt.Errorf("sqlite: close %s: %w", d.where, cerr)
			}
		}
	})
	return err
}
