// Package redis is a session storage driver for Redis on go-redis v9: a single
// server, a Sentinel-managed master or a Redis Cluster, through one
// redis.UniversalClient.
//
// It lays out keys exactly as unstorage's redis driver (the one Astro uses for its
// "redis" session driver) does, so that a Go service and an Astro site can share one
// Redis: the Redis key of a session is "<base>:<id>" (or the bare ID without a
// base), the value is the session record verbatim, a write is a plain SET (SET ... EX
// when a TTL applies) and a delete is UNLINK.
//
// The driver registers itself with the storage registry under the name "redis";
// import it for its side effect, or build one in code with [New] (an existing
// client, shared with the application) or [Open] (a client built from [Options]).
//
// Beyond unstorage, the driver offers an atomic conditional write
// ([Driver.CompareAndSwap]) as a single-key Lua script, so it is safe on a Redis
// Cluster, and it costs one round trip, as a read does.
package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/goastro/session/storage"
)

// DefaultScanCount is the COUNT hint given to SCAN when none is configured.
const DefaultScanCount = 1000

// Config tunes a driver built around an existing client with [New].
type Config struct {
	// Base is the key prefix: the Redis key of key k is "<Base>:<k>", as in
	// unstorage. A trailing ':' is ignored. Empty stores keys bare.
	Base string
	// KeyPrefix is prepended verbatim to every Redis key, after Base is joined,
	// the way ioredis applies its keyPrefix option. Most users leave it empty.
	KeyPrefix string
	// TTL is the expiry given to every write that does not ask for its own
	// (unstorage's "ttl" option). Zero writes with a plain SET and no expiry.
	TTL time.Duration
	// ScanCount is the COUNT hint given to SCAN by Keys and Clear; zero means
	// DefaultScanCount.
	ScanCount int64
	// AllowClearWithoutBase lets Clear run when Base and KeyPrefix are both
	// empty, where it deletes every key of the database (of every master, on a
	// cluster). Without it such a Clear is refused, because a session store often
	// shares its Redis database with other data.
	AllowClearWithoutBase bool
}

// Options describe a client to build with [Open], plus the driver's [Config]. They
// mirror the options of unstorage's redis driver: URL, or Cluster addresses, or
// Sentinel addresses with a master name.
type Options struct {
	Config

	// URL is a redis:// or rediss:// URL (redis://user:password@host:port/db).
	// Username, Password and DB, when set, override what it says.
	URL string
	// Addr is host:port of a single server when URL is empty (default
	// 127.0.0.1:6379).
	Addr string
	// Cluster lists the seed addresses (host:port) of a Redis Cluster. When set,
	// the driver talks to a cluster; URL then only supplies credentials and TLS.
	Cluster []string
	// SentinelAddrs lists Sentinel addresses; with MasterName, the driver talks to
	// the master those Sentinels elect.
	SentinelAddrs []string
	// MasterName is the name of the master set monitored by the Sentinels.
	MasterName string
	// SentinelUsername and SentinelPassword authenticate with the Sentinels.
	SentinelUsername string
	SentinelPassword string
	// Username and Password authenticate with Redis (ACL user or requirepass).
	Username string
	Password string
	// DB selects the database on a single server or a Sentinel master. Redis
	// Cluster has only database 0.
	DB int
	// TLS turns on TLS with default settings when URL does not already say
	// rediss://.
	TLS bool
	// TLSConfig, when set, is the TLS configuration to connect with (for a
	// private certificate authority or client certificates); it turns TLS on
	// and replaces what URL and TLS imply.
	TLSConfig *tls.Config
	// DialTimeout bounds connecting to a server (go-redis default when zero).
	DialTimeout time.Duration
	// PoolSize is the number of connections per server (go-redis default when zero).
	PoolSize int
}

// Driver stores session records in Redis. It is safe for concurrent use.
type Driver struct {
	client    goredis.UniversalClient
	ownClient bool
	prefix    string // KeyPrefix + Base + ":" (or KeyPrefix alone without a base)
	guarded   bool   // prefix is empty and Clear is refused
	ttl       time.Duration
	scanCount int64
	where     string
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var (
	_ storage.Driver  = (*Driver)(nil)
	_ storage.Swapper = (*Driver)(nil)
	_ storage.Batcher = (*Driver)(nil)
)

// ErrClearRefused reports a Clear on a driver without a key prefix, which would
// delete every key of the database; see [Config.AllowClearWithoutBase].
var ErrClearRefused = errors.New("redis: Clear refused without a base (it would delete every key of the database)")

// New returns a driver that uses client, an existing go-redis client (a
// *redis.Client, *redis.ClusterClient, a Sentinel failover client or anything
// else implementing redis.UniversalClient), typically shared with the rest of the
// application. Close on the driver does not close the client: its owner does.
func New(client goredis.UniversalClient, cfg Config) (*Driver, error) {
	if client == nil {
		return nil, fmt.Errorf("redis: New: nil client: %w", storage.ErrInvalidOption)
	}
	return newDriver(client, false, cfg, describeClient(client))
}

func newDriver(client goredis.UniversalClient, own bool, cfg Config, where string) (*Driver, error) {
	if cfg.TTL < 0 {
		return nil, fmt.Errorf("redis: negative ttl %v: %w", cfg.TTL, storage.ErrInvalidOption)
	}
	if cfg.ScanCount < 0 {
		return nil, fmt.Errorf("redis: negative scanCount %d: %w", cfg.ScanCount, storage.ErrInvalidOption)
	}
	base := storage.JoinKeys(strings.TrimSuffix(cfg.Base, ":"))
	prefix := cfg.KeyPrefix
	if base != "" {
		prefix += base + ":"
	}
	d := &Driver{
		client:    client,
		ownClient: own,
		prefix:    prefix,
		guarded:   prefix == "" && !cfg.AllowClearWithoutBase,
		ttl:       cfg.TTL,
		scanCount: cfg.ScanCount,
		where:     where,
	}
	if d.scanCount == 0 {
		d.scanCount = DefaultScanCount
	}
	return d, nil
}

// Open builds a go-redis client from opts and returns a driver that owns it: Close
// on the driver closes the client. It does not contact the server; the first call
// does.
func Open(opts Options) (*Driver, error) {
	uo, where, err := universalOptions(opts)
	if err != nil {
		return nil, err
	}
	return newDriver(goredis.NewUniversalClient(uo), true, opts.Config, where)
}

func universalOptions(opts Options) (*goredis.UniversalOptions, string, error) {
	uo := &goredis.UniversalOptions{
		ContextTimeoutEnabled: true,
		DialTimeout:           opts.DialTimeout,
		PoolSize:              opts.PoolSize,
	}
	if opts.URL != "" {
		po, err := parseURL(opts.URL)
		if err != nil {
			return nil, "", err
		}
		uo.Addrs = []string{po.Addr}
		uo.Username, uo.Password, uo.DB, uo.TLSConfig = po.Username, po.Password, po.DB, po.TLSConfig
	}
	if opts.Addr != "" {
		if opts.URL != "" {
			return nil, "", fmt.Errorf("redis: both url and addr given: %w", storage.ErrInvalidOption)
		}
		uo.Addrs = []string{opts.Addr}
	}
	if opts.Username != "" {
		uo.Username = opts.Username
	}
	if opts.Password != "" {
		uo.Password = opts.Password
	}
	if opts.DB != 0 {
		uo.DB = opts.DB
	}
	if opts.DB < 0 {
		return nil, "", fmt.Errorf("redis: negative db %d: %w", opts.DB, storage.ErrInvalidOption)
	}
	if opts.TLS && uo.TLSConfig == nil {
		uo.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if opts.TLSConfig != nil {
		uo.TLSConfig = opts.TLSConfig
	}
	var where string
	switch {
	case len(opts.Cluster) > 0 && len(opts.SentinelAddrs) > 0:
		return nil, "", fmt.Errorf("redis: both cluster and sentinel addresses given: %w", storage.ErrInvalidOption)
	case len(opts.Cluster) > 0:
		if uo.DB != 0 {
			return nil, "", fmt.Errorf("redis: db %d requested, but Redis Cluster has only db 0: %w", uo.DB, storage.ErrInvalidOption)
		}
		if err := checkAddrs("cluster", opts.Cluster); err != nil {
			return nil, "", err
		}
		uo.Addrs = append([]string(nil), opts.Cluster...)
		uo.IsClusterMode = true
		where = "redis cluster " + strings.Join(uo.Addrs, ",")
	case len(opts.SentinelAddrs) > 0 || opts.MasterName != "":
		if opts.MasterName == "" {
			return nil, "", fmt.Errorf("redis: sentinel addresses given without a master name: %w", storage.ErrInvalidOption)
		}
		if len(opts.SentinelAddrs) == 0 {
			return nil, "", fmt.Errorf("redis: master name %q given without sentinel addresses: %w", opts.MasterName, storage.ErrInvalidOption)
		}
		if err := checkAddrs("sentinel", opts.SentinelAddrs); err != nil {
			return nil, "", err
		}
		uo.Addrs = append([]string(nil), opts.SentinelAddrs...)
		uo.MasterName = opts.MasterName
		uo.SentinelUsername, uo.SentinelPassword = opts.SentinelUsername, opts.SentinelPassword
		where = fmt.Sprintf("redis sentinel master %q via %s db %d", opts.MasterName, strings.Join(uo.Addrs, ","), uo.DB)
	default:
		if len(uo.Addrs) == 0 {
			uo.Addrs = []string{"127.0.0.1:6379"}
		}
		where = fmt.Sprintf("redis %s db %d", uo.Addrs[0], uo.DB)
	}
	if uo.TLSConfig != nil {
		where += " (tls)"
	}
	return uo, where, nil
}

func checkAddrs(what string, addrs []string) error {
	for _, a := range addrs {
		if a == "" || !strings.Contains(a, ":") {
			return fmt.Errorf("redis: %s address %q is not host:port: %w", what, a, storage.ErrInvalidOption)
		}
	}
	return nil
}

// parseURL parses a redis:// or rediss:// URL. Its errors never quote the URL
// or any part of it, since a malformed URL may hold a password where the parser
// does not expect one (an unescaped '/' or '@' in it, for example).
func parseURL(raw string) (*goredis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		msg := "malformed"
		var ee url.EscapeError
		var ue *url.Error
		switch {
		case errors.As(err, &ee):
			msg = "invalid percent-escape"
		case errors.As(err, &ue):
			msg = unquote(ue.Err.Error())
		}
		return nil, fmt.Errorf("redis: invalid url (%s): %w", msg, storage.ErrInvalidOption)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("redis: url scheme is not redis or rediss: %w", storage.ErrInvalidOption)
	}
	po, err := goredis.ParseURL(raw)
	if err != nil {
		// Keep what go-redis says is wrong ("redis: invalid database
		// number"), not the part of the URL it quotes after the next ':'.
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 {
			if j := strings.Index(msg[i+2:], ":"); j >= 0 {
				msg = msg[:i+2+j]
			}
		}
		return nil, fmt.Errorf("redis: invalid url (%s): %w", scrub(unquote(msg), u), storage.ErrInvalidOption)
	}
	return po, nil
}

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// unquote replaces every quoted part of a parser's message with "…".
func unquote(msg string) string { return quoted.ReplaceAllString(msg, `"…"`) }

// scrub removes the password of u from a message, should a library quote it.
func scrub(msg string, u *url.URL) string {
	if u.User == nil {
		return msg
	}
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
	}
	return msg
}

func describeClient(c goredis.UniversalClient) string {
	switch c := c.(type) {
	case *goredis.Client:
		o := c.Options()
		return fmt.Sprintf("redis %s db %d", o.Addr, o.DB)
	case *goredis.ClusterClient:
		return "redis cluster " + strings.Join(c.Options().Addrs, ",")
	case *goredis.Ring:
		return "redis ring"
	default:
		return fmt.Sprintf("redis %T", c)
	}
}

// Client returns the go-redis client the driver uses.
func (d *Driver) Client() goredis.UniversalClient { return d.client }

// String describes where the driver stores its data (never with a password).
func (d *Driver) String() string {
	if d.prefix == "" {
		return d.where
	}
	return fmt.Sprintf("%s prefix %q", d.where, d.prefix)
}

// redisKey maps a storage key to its Redis key: the key is normalized and
// checked with storage.CleanKey, then joined to the base.
func (d *Driver) redisKey(op, key string) (string, error) {
	k, err := storage.CleanKey(key)
	if err != nil {
		return "", fmt.Errorf("redis: %s on %s: %w", op, d.where, err)
	}
	return d.prefix + k, nil
}

func (d *Driver) fail(op, key string, err error) error {
	return fmt.Errorf("redis: %s %q on %s: %w", op, storage.RedactKey(key), d.where, err)
}

// check refuses a call on a closed driver or with a context that is done.
func (d *Driver) check(ctx context.Context, op string) error {
	if d.closed.Load() {
		return fmt.Errorf("redis: %s on %s: %w", op, d.where, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redis: %s on %s: %w", op, d.where, err)
	}
	return nil
}

// expiry is the TTL that applies to a write asking for ttl: ttl when above
// zero, else the driver's default (zero for none).
func (d *Driver) expiry(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		ttl = d.ttl
	}
	if ttl > 0 && ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	return ttl
}

// Get returns the value stored under key in one round trip (GET).
func (d *Driver) Get(ctx context.Context, key string) (string, bool, error) {
	if err := d.check(ctx, "get"); err != nil {
		return "", false, err
	}
	rk, err := d.redisKey("get", key)
	if err != nil {
		return "", false, err
	}
	v, err := d.client.Get(ctx, rk).Result()
	if errors.Is(err, goredis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, d.fail("get", rk, err)
	}
	return v, v != "", nil
}

// Set stores value under key: SET, or SET ... EX (whole seconds) / PX when a TTL
// applies (ttl when above zero, else the configured default). An empty value
// deletes the key with UNLINK.
func (d *Driver) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := d.check(ctx, "set"); err != nil {
		return err
	}
	rk, err := d.redisKey("set", key)
	if err != nil {
		return err
	}
	if value == "" {
		// An empty value is no value: unstorage removes the key too.
		if err := d.client.Unlink(ctx, rk).Err(); err != nil {
			return d.fail("unlink", rk, err)
		}
		return nil
	}
	ttl = d.expiry(ttl)
	// go-redis sends EX for whole seconds and PX otherwise; zero means plain SET.
	if err := d.client.Set(ctx, rk, value, ttl).Err(); err != nil {
		return d.fail("set", rk, err)
	}
	return nil
}

// Delete removes key with UNLINK.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if err := d.check(ctx, "delete"); err != nil {
		return err
	}
	rk, err := d.redisKey("delete", key)
	if err != nil {
		return err
	}
	if err := d.client.Unlink(ctx, rk).Err(); err != nil {
		return d.fail("unlink", rk, err)
	}
	return nil
}

// Has reports whether key holds a value (EXISTS).
func (d *Driver) Has(ctx context.Context, key string) (bool, error) {
	if err := d.check(ctx, "has"); err != nil {
		return false, err
	}
	rk, err := d.redisKey("has", key)
	if err != nil {
		return false, err
	}
	n, err := d.client.Exists(ctx, rk).Result()
	if err != nil {
		return false, d.fail("exists", rk, err)
	}
	return n > 0, nil
}

// redisKeys maps keys to their Redis keys, refusing the call if one is invalid.
func (d *Driver) redisKeys(op string, keys []string) ([]string, error) {
	rks := make([]string, len(keys))
	for i, k := range keys {
		rk, err := d.redisKey(op, k)
		if err != nil {
			return nil, err
		}
		rks[i] = rk
	}
	return rks, nil
}

// HasMany reports which keys hold a value: one EXISTS per key, all in one
// pipeline, which a cluster client splits by node (one round trip per master
// holding some of the keys).
func (d *Driver) HasMany(ctx context.Context, keys []string) ([]bool, error) {
	if err := d.check(ctx, "has-many"); err != nil {
		return nil, err
	}
	rks, err := d.redisKeys("has-many", keys)
	if err != nil {
		return nil, err
	}
	if len(rks) == 0 {
		return []bool{}, nil
	}
	cmds := make([]*goredis.IntCmd, len(rks))
	_, err = d.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, rk := range rks {
			cmds[i] = p.Exists(ctx, rk)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis: exists (pipeline of %d keys) on %s: %w", len(rks), d.where, err)
	}
	found := make([]bool, len(cmds))
	for i, c := range cmds {
		found[i] = c.Val() > 0
	}
	return found, nil
}

// DeleteMany removes keys: one UNLINK per key, all in one pipeline, split by
// node on a cluster.
func (d *Driver) DeleteMany(ctx context.Context, keys []string) error {
	if err := d.check(ctx, "delete-many"); err != nil {
		return err
	}
	rks, err := d.redisKeys("delete-many", keys)
	if err != nil || len(rks) == 0 {
		return err
	}
	_, err = d.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, rk := range rks {
			p.Unlink(ctx, rk)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis: unlink (pipeline of %d keys) on %s: %w", len(rks), d.where, err)
	}
	return nil
}

// globEscape escapes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// scan calls fn with each batch of Redis keys matching pattern, on every master
// of a cluster or on the one server otherwise. fn may be called concurrently.
func (d *Driver) scan(ctx context.Context, pattern string, fn func(ctx context.Context, c goredis.Cmdable, keys []string) error) error {
	one := func(ctx context.Context, c goredis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, pattern, d.scanCount).Result()
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				if err := fn(ctx, c, keys); err != nil {
					return err
				}
			}
			if next == 0 {
				return nil
			}
			cursor = next
		}
	}
	if cc, ok := d.client.(*goredis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			if err := one(ctx, c); err != nil {
				return fmt.Errorf("%s: %w", c.Options().Addr, err)
			}
			return nil
		})
	}
	return one(ctx, d.client)
}

// Keys lists the keys under the driver's base that start with prefix, with SCAN
// (on every master of a cluster).
func (d *Driver) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := d.check(ctx, "keys"); err != nil {
		return nil, err
	}
	pattern := globEscape(d.prefix+prefix) + "*"
	var mu sync.Mutex
	seen := map[string]struct{}{}
	err := d.scan(ctx, pattern, func(_ context.Context, _ goredis.Cmdable, keys []string) error {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range keys {
			seen[strings.TrimPrefix(k, d.prefix)] = struct{}{}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis: scan %q on %s: %w", pattern, d.where, err)
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	return out, nil
}

// Clear deletes every key under the driver's base (SCAN, then UNLINK one key
// per command in a pipeline, so that it works across cluster slots). Without a
// base it is refused with ErrClearRefused unless
// [Config.AllowClearWithoutBase] is set.
func (d *Driver) Clear(ctx context.Context) error {
	if err := d.check(ctx, "clear"); err != nil {
		return err
	}
	if d.guarded {
		return fmt.Errorf("redis: clear on %s: %w", d.where, ErrClearRefused)
	}
	pattern := globEscape(d.prefix) + "*"
	err := d.scan(ctx, pattern, func(ctx context.Context, c goredis.Cmdable, keys []string) error {
		_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, k := range keys {
				p.Unlink(ctx, k)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("redis: clear %q on %s: %w", pattern, d.where, err)
	}
	return nil
}

// casScript compares the value of KEYS[1] with ARGV[2] (when ARGV[1] is "1") or
// checks that it holds no value (ARGV[1] "0"; an empty string counts as no value,
// as in Get), then writes ARGV[3] with an expiry of ARGV[4] milliseconds (none
// when "0"), or deletes the key when ARGV[3] is empty. One key, so it runs on a
// cluster.
var casScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur and cur ~= '' then
  return 0
end
if ARGV[3] == '' then
  redis.call('UNLINK', KEYS[1])
  return 1
end
local px = tonumber(ARGV[4])
if px > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', px)
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1
`)

// CompareAndSwap stores value under key only if it holds old (exists true) or
// holds no value (exists false), atomically, in one round trip (EVALSHA of a Lua
// script; the script's text is sent once per server, on the first call there).
// An empty value makes it a conditional delete.
func (d *Driver) CompareAndSwap(ctx context.Context, key, old string, exists bool, value string, ttl time.Duration) (bool, error) {
	if err := d.check(ctx, "compare-and-swap"); err != nil {
		return false, err
	}
	rk, err := d.redisKey("compare-and-swap", key)
	if err != nil {
		return false, err
	}
	ttl = d.expiry(ttl)
	flag := "0"
	if exists {
		flag = "1"
	}
	n, err := casScript.Run(ctx, d.client, []string{rk}, flag, old, value, strconv.FormatInt(ttl.Milliseconds(), 10)).Int()
	if err != nil {
		return false, d.fail("compare-and-swap", rk, err)
	}
	return n == 1, nil
}

// Close marks the driver closed and, when it was built by [Open], closes its
// client. Closing twice is not an error.
func (d *Driver) Close() error {
	d.closeOnce.Do(func() {
		d.closed.Store(true)
		if d.ownClient {
			if err := d.client.Close(); err != nil {
				d.closeErr = fmt.Errorf("redis: close %s: %w", d.where, err)
			}
		}
	})
	return d.closeErr
}
