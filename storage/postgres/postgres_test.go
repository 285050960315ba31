package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/storagetest"
)

func randName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// testSchema returns a pool on the local server and a schema of the test's own,
// dropped with everything in it when the test ends.
func testSchema(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	schema := randName("goastro_test_")
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		pool.Close()
		testenv.Unavailable(t, "PostgreSQL at %s: %v", url, err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		pool.Close()
	})
	return pool, schema
}

func TestConformance(t *testing.T) {
	pool, schema := testSchema(t)
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		d, err := New(context.Background(), pool, Config{Schema: schema, Table: randName("s_")})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

// The conformance suite on a driver that owns its pool, with the default table
// name inside a schema of the test's own.
func TestConformanceOwnPool(t *testing.T) {
	_, schema := testSchema(t)
	url := testenv.PostgresURL(t)
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		d, err := Open(context.Background(), Options{URL: url, Config: Config{Schema: schema, Table: randName("own_"), SweepInterval: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestTableLayout(t *testing.T) {
	pool, schema := testSchema(t)
	ctx := context.Background()
	d, err := New(ctx, pool, Config{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if want := (pgx.Identifier{schema, DefaultTable}).Sanitize(); d.Table() != want {
		t.Fatalf("Table() = %s, want %s", d.Table(), want)
	}
	rows, err := pool.Query(ctx, `SELECT column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, schema, DefaultTable)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var n, ty, null string
		if err := rows.Scan(&n, &ty, &null); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, n+" "+ty+" "+null)
	}
	want := []string{"key text NO", "value text NO", "expires_at timestamp with time zone YES", "version bigint NO"}
	if fmt.Sprint(cols) != fmt.Sprint(want) {
		t.Fatalf("columns = %q, want %q", cols, want)
	}
	var idx string
	if err := pool.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2`,
		schema, DefaultTable+"_expires_at_idx").Scan(&idx); err != nil || !strings.Contains(idx, "(expires_at)") {
		t.Fatalf("expires_at index: %q %v", idx, err)
	}
	// A second driver on the existing table works, and version counts writes.
	d2, err := New(ctx, pool, Config{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	for _, v := range []string{"a", "b", "c"} {
		if err := d2.Set(ctx, "sid", v, 0); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := d2.CompareAndSwap(ctx, "sid", "c", true, "d", time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	var version int64
	var expires *time.Time
	var value string
	if err := pool.QueryRow(ctx, `SELECT value, version, expires_at FROM `+d.Table()+` WHERE key = 'sid'`).Scan(&value, &version, &expires); err != nil {
		t.Fatal(err)
	}
	if value != "d" || version != 4 || expires == nil || time.Until(*expires) < 59*time.Minute {
		t.Fatalf("row = %q version %d expires %v; want d, 4, in an hour", value, version, expires)
	}
}

func TestSweep(t *testing.T) {
	pool, schema := testSchema(t)
	ctx := context.Background()
	d, err := New(ctx, pool, Config{Schema: schema, Table: "sweep"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range 5 {
		if err := d.Set(ctx, fmt.Sprintf("short:%d", i), "v", 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Set(ctx, "long", "v", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := d.Set(ctx, "forever", "v", 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	n, err := d.Sweep(ctx)
	if err != nil || n != 5 {
		t.Fatalf("Sweep = %d, %v; want 5", n, err)
	}
	var rows int
	pool.QueryRow(ctx, `SELECT count(*) FROM `+d.Table()).Scan(&rows)
	if rows != 2 {
		t.Fatalf("%d rows left, want 2", rows)
	}

	// The background sweep removes rows without any read touching them, and
	// stops with Close.
	bg, err := New(ctx, pool, Config{Schema: schema, Table: "sweep", SweepInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := bg.Set(ctx, "soon", "v", 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var left int
		pool.QueryRow(ctx, `SELECT count(*) FROM `+d.Table()+` WHERE key = 'soon'`).Scan(&left)
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("background sweep did not delete the expired row")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := bg.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := bg.Sweep(ctx); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("Sweep after Close = %v", err)
	}
	// The shared pool still works.
	if err := d.Set(ctx, "after", "v", 0); err != nil {
		t.Fatal(err)
	}
}

// Servers starting together all create the table without tripping over each
// other.
func TestConcurrentCreate(t *testing.T) {
	pool, schema := testSchema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			d, err := New(context.Background(), pool, Config{Schema: schema + "_new", Table: "together"})
			if err != nil {
				errs <- err
				return
			}
			d.Close()
		})
	}
	wg.Wait()
	close(errs)
	t.Cleanup(func() {
		pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema + "_new"}.Sanitize()+" CASCADE")
	})
	for err := range errs {
		t.Error(err)
	}
}

func TestNoCreateTable(t *testing.T) {
	pool, schema := testSchema(t)
	ctx := context.Background()
	d, err := New(ctx, pool, Config{Schema: schema, Table: "absent", NoCreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const id = "0b5e7c1e-3f6a-4c2e-9d7b-1a2b3c4d5e6f"
	err = d.Set(ctx, id, "v", 0)
	if err == nil {
		t.Fatal("Set on a missing table succeeded")
	}
	// The session ID, a credential, appears as a fingerprint only.
	msg := err.Error()
	if !strings.Contains(msg, schema+".absent") || !strings.Contains(msg, "127.0.0.1:5432/") || !strings.Contains(msg, storage.RedactKey(id)) || strings.Contains(msg, id) {
		t.Fatalf("error %q does not say which table, server and key (%s), or shows the ID", msg, storage.RedactKey(id))
	}
}

func TestErrorsHidePassword(t *testing.T) {
	const secret = "s3cr3t-pa55"
	ctx := context.Background()
	bad := []string{
		"postgres://alice:" + secret + "@127.0.0.1:notaport/test",
		"postgres://alice:" + secret + "@127.0.0.1:5432/test?sslmode=bogus",
		"postgres://alice:" + secret + "@[::1/test",
		"host=127.0.0.1 password=" + secret + " sslmode=bogus",
		"host=127.0.0.1 password='" + secret + " x' sslmode=bogus",
		"postgresql://alice:" + secret + "%zz@127.0.0.1/test",
		"mysql://alice:" + secret + "@127.0.0.1/test",
	}
	for _, u := range bad {
		_, err := Open(ctx, Options{URL: u})
		if err == nil {
			t.Errorf("%q accepted", u)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks the password: %v", err)
		}
		if !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("error %v is not ErrInvalidOption", err)
		}
	}
	// A server that is not there: the error names it, without the password.
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := Open(cctx, Options{URL: "postgres://alice:" + secret + "@127.0.0.1:1/test?sslmode=disable&connect_timeout=2"})
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "127.0.0.1:1/test") {
		t.Fatalf("connect error = %v", err)
	}
	// A wrong-typed url option is reported without its value.
	if _, err := OpenOptions(map[string]any{"url": []byte("postgres://a:" + secret + "@h/db")}); err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("bad url option error = %v", err)
	}
}

func TestRegistered(t *testing.T) {
	_, schema := testSchema(t)
	url := testenv.PostgresURL(t)
	d, err := storage.Open("postgres", map[string]any{"connectionString": url, "schema": schema, "table": "named", "sweepInterval": "1m"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if err := d.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := d.Get(ctx, "k"); err != nil || !ok || v != "v" {
		t.Fatal(v, ok, err)
	}
	if s := fmt.Sprint(d); !strings.Contains(s, schema+".named") {
		t.Fatalf("String() = %s", s)
	}
}

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions(map[string]any{"url": "postgres://h/db"})
	if err != nil || o.Table != DefaultTable || o.SweepInterval != DefaultSweepInterval || o.NoCreateTable {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	o, err = ParseOptions(map[string]any{"url": "postgres://h/db", "table": "t", "schema": "s", "createTable": false, "sweepInterval": 0, "maxConns": 4})
	if err != nil || o.Table != "t" || o.Schema != "s" || !o.NoCreateTable || o.SweepInterval != 0 || o.MaxConns != 4 {
		t.Fatalf("%+v %v", o, err)
	}
	for _, in := range []map[string]any{
		{},
		{"url": "postgres://h/db", "bogus": 1},
		{"url": "postgres://h/db", "connectionString": "postgres://h/db"},
		{"url": "postgres://h/db", "sweepInterval": -5},
		{"url": "postgres://h/db", "maxConns": -1},
		{"url": "postgres://h/db", "table": 5},
		{"url": 5},
	} {
		if _, err := ParseOptions(in); !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("ParseOptions(%v) = %v, want ErrInvalidOption", in, err)
		}
	}
	pool, _ := testSchema(t)
	for _, c := range []Config{{Table: strings.Repeat("t", 64)}, {Table: "a\x00b"}, {Schema: strings.Repeat("s", 64)}, {SweepInterval: -1}} {
		if _, err := New(context.Background(), pool, c); !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("New(%+v) = %v, want ErrInvalidOption", c, err)
		}
	}
	if _, err := New(context.Background(), nil, Config{}); !errors.Is(err, storage.ErrInvalidOption) {
		t.Errorf("New(nil pool) = %v", err)
	}
}

// A table name that needs quoting works, and LIKE wildcards in a Keys prefix
// are literal.
func TestQuotingAndWildcards(t *testing.T) {
	pool, schema := testSchema(t)
	ctx := context.Background()
	d, err := New(ctx, pool, Config{Schema: schema, Table: `Odd "name"; DROP`})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, k := range []string{"a%b", "a_b", "axb", `a\b`} {
		if err := d.Set(ctx, k, "v", 0); err != nil {
			t.Fatal(err)
		}
	}
	for prefix, want := range map[string]int{"a%": 1, "a_": 1, "a": 4, `a\`: 0, "x": 0} {
		keys, err := d.Keys(ctx, prefix)
		if err != nil || len(keys) != want {
			t.Errorf("Keys(%q) = %q %v, want %d keys", prefix, keys, err, want)
		}
	}
}

// queryCounter is a pgx tracer counting the statements sent and the statements
// prepared (a prepare is a round trip of its own).
type queryCounter struct {
	mu               sync.Mutex
	queries, prepare int
}

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	c.queries++
	c.mu.Unlock()
	return ctx
}
func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *queryCounter) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	c.mu.Lock()
	c.prepare++
	c.mu.Unlock()
	return ctx
}
func (c *queryCounter) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}
func (c *queryCounter) counts() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queries, c.prepare
}

// A read is one statement, a conditional write one: a request that reads its
// session and writes it back sends two (once the statements are prepared on the
// connection, which pgx does once per connection).
func TestRoundTrips(t *testing.T) {
	_, schema := testSchema(t)
	ctx := context.Background()
	pc, err := pgxpool.ParseConfig(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	pc.MaxConns = 1
	var qc queryCounter
	pc.ConnConfig.Tracer = &qc
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	d, err := New(ctx, pool, Config{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// Warm up: prepare the statements on the one connection.
	if err := d.Set(ctx, "sid", "v0", 0); err != nil {
		t.Fatal(err)
	}
	v, _, _ := d.Get(ctx, "sid")
	if ok, err := d.CompareAndSwap(ctx, "sid", v, true, "v0", 0); err != nil || !ok {
		t.Fatal(ok, err)
	}
	q0, p0 := qc.counts()
	v, ok, err := d.Get(ctx, "sid")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if swapped, err := d.CompareAndSwap(ctx, "sid", v, true, "v1", time.Hour); err != nil || !swapped {
		t.Fatal(swapped, err)
	}
	q1, p1 := qc.counts()
	if q1-q0 != 2 || p1 != p0 {
		t.Fatalf("read-then-write sent %d statements and %d prepares, want 2 and 0", q1-q0, p1-p0)
	}
}

// FuzzParseConnString checks that a connection string never makes parsing
// panic, and that an error never quotes the password.
func FuzzParseConnString(f *testing.F) {
	for _, s := range [][3]string{
		{"alice", "s3cr3t-pa55", "127.0.0.1:5432/test"},
		{"alice", "s3cr3t-pa55", "127.0.0.1:notaport/test"},
		{"u", "s3cr3t%zz", "h/db"},
		{"u", "pa55/word", "h/db"},
		{"u", "pa55@word", "h/db"},
		{"u", "pa55:word", "[::1/db"},
		{"u", "p%41ssword", "h/db?sslmode=bogus"},
		{"/", "0000", "0"},
		{"?", "0000", "0"},
		// Found by fuzzing: pgx's cause quoted the password unescaped.
		{"@#", "%000", "\\"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, user, pw, rest string) {
		for _, raw := range []string{
			"postgres://" + user + ":" + pw + "@" + rest,
			"host=" + rest + " user=" + user + " password=" + pw,
		} {
			_, err := parsePoolConfig(raw)
			if err == nil || len(pw) < 4 || strings.Contains(user+rest, pw) ||
				strings.Contains("postgres: cannot parse the connection string xxxxx storage: invalid driver option", pw) {
				continue
			}
			if msg := err.Error(); strings.Contains(msg, pw) {
				t.Fatalf("error %q quotes the password %q of %q", msg, pw, raw)
			}
		}
	})
}

// TestBatchRoundTrips: HasMany and DeleteMany of a thousand keys are one
// statement each.
func TestBatchRoundTrips(t *testing.T) {
	_, schema := testSchema(t)
	ctx := context.Background()
	pc, err := pgxpool.ParseConfig(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var qc queryCounter
	pc.ConnConfig.Tracer = &qc
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	d, err := New(ctx, pool, Config{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("rt:%d", i)
		if i%2 == 0 {
			if err := d.Set(ctx, keys[i], "v", 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	q0, _ := qc.counts()
	found, err := d.HasMany(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range found {
		if ok != (i%2 == 0) {
			t.Fatalf("HasMany: key %d found %v", i, ok)
		}
	}
	if err := d.DeleteMany(ctx, keys); err != nil {
		t.Fatal(err)
	}
	if q1, _ := qc.counts(); q1-q0 != 2 {
		t.Fatalf("HasMany and DeleteMany of 1,000 keys sent %d statements, want 2", q1-q0)
	}
	if left, err := d.Keys(ctx, "rt:"); err != nil || len(left) != 0 {
		t.Fatalf("after DeleteMany: %d keys left, %v", len(left), err)
	}
}
