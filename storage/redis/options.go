package redis

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/goastro/session/storage"
)

func init() {
	storage.Register("redis", func(options map[string]any) (storage.Driver, error) {
		return OpenOptions(options)
	})
}

// ParseOptions turns the driver options of a session configuration into
// [Options]. The names are those of unstorage's redis driver (and of ioredis,
// which it passes them to) where they exist there:
//
//   - url: redis://[user:password@]host:port[/db] or rediss://...
//   - host, port: a single server, when url is not given
//   - base: key prefix, joined with ':' (a trailing ':' is ignored)
//   - keyPrefix: raw prefix put before every key (ioredis keyPrefix)
//   - ttl: default expiry of every write, in seconds (or "90s")
//   - cluster: Redis Cluster seed addresses, as "host:port" strings,
//     {host, port} objects or one comma-separated string
//   - sentinels (or sentinelAddrs) and name (or masterName): Sentinel
//     addresses and the master set; sentinelUsername, sentinelPassword
//   - username, password, db, tls
//   - scanCount: SCAN COUNT hint for Keys and Clear
//   - allowClearWithoutBase: let Clear empty a database when there is no base
//   - dialTimeout (seconds or "5s"), poolSize
//
// Unknown names and values of the wrong type are errors wrapping
// storage.ErrInvalidOption; a password is never quoted in them.
func ParseOptions(options map[string]any) (Options, error) {
	var o Options
	r := storage.NewOptions("redis", options)
	list := func(name string) []string {
		if !r.Has(name) {
			return nil
		}
		a, err := addrs(options[name])
		if err != nil {
			r.Failf(name, "%v", err)
		}
		return a
	}
	nonNegative := func(name string, d time.Duration) time.Duration {
		if d < 0 {
			r.Failf(name, "must not be negative, got %v", d)
			return 0
		}
		return d
	}
	o.URL = r.String("url", "")
	host := r.String("host", "")
	port := r.Int("port", 0)
	o.Base = r.String("base", "")
	o.KeyPrefix = r.String("keyPrefix", "")
	o.TTL = nonNegative("ttl", r.Duration("ttl", 0))
	o.DialTimeout = nonNegative("dialTimeout", r.Duration("dialTimeout", 0))
	o.Cluster = list("cluster")
	o.SentinelAddrs = append(list("sentinels"), list("sentinelAddrs")...)
	o.MasterName = r.String("name", "")
	if m := r.String("masterName", ""); m != "" {
		o.MasterName = m
	}
	o.SentinelUsername = r.String("sentinelUsername", "")
	o.SentinelPassword = r.String("sentinelPassword", "")
	o.Username = r.String("username", "")
	o.Password = r.String("password", "")
	o.DB = r.Int("db", 0)
	if o.DB < 0 {
		r.Failf("db", "must not be negative, got %d", o.DB)
	}
	o.TLS = r.Bool("tls", false)
	o.ScanCount = r.Int64("scanCount", 0)
	if o.ScanCount < 0 {
		r.Failf("scanCount", "must not be negative, got %d", o.ScanCount)
	}
	o.AllowClearWithoutBase = r.Bool("allowClearWithoutBase", false)
	o.PoolSize = r.Int("poolSize", 0)
	if o.PoolSize < 0 {
		r.Failf("poolSize", "must not be negative, got %d", o.PoolSize)
	}
	if host != "" || port != 0 {
		if host == "" {
			host = "127.0.0.1"
		}
		if port == 0 {
			port = 6379
		}
		if port < 0 || port > 65535 {
			r.Failf("port", "out of range: %d", port)
		}
		o.Addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	if err := r.Err(); err != nil {
		return Options{}, err
	}
	return o, nil
}

// OpenOptions opens a driver from session configuration options (see
// [ParseOptions]). It is the constructor registered as "redis".
func OpenOptions(options map[string]any) (*Driver, error) {
	o, err := ParseOptions(options)
	if err != nil {
		return nil, err
	}
	return Open(o)
}

func number(v any) (float64, error) {
	switch v := v.(type) {
	case int:
		return float64(v), nil
	case int32:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case uint:
		return float64(v), nil
	case uint32:
		return float64(v), nil
	case uint64:
		return float64(v), nil
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	case json.Number:
		return v.Float64()
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("want a number, got %q", v)
		}
		return f, nil
	}
	return 0, fmt.Errorf("want a number, got %T", v)
}

func integer(v any) (int64, error) {
	f, err := number(v)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("want a whole number, got %v", v)
	}
	if f < 0 {
		return 0, fmt.Errorf("want a number not below zero, got %v", v)
	}
	return int64(f), nil
}

// addrs reads a list of addresses: "host:port" strings, ioredis-style
// {host, port} objects, or one comma-separated string.
func addrs(v any) ([]string, error) {
	var items []any
	switch v := v.(type) {
	case string:
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
	case []string:
		for _, s := range v {
			items = append(items, s)
		}
	case []any:
		items = v
	case []map[string]any:
		for _, m := range v {
			items = append(items, m)
		}
	default:
		return nil, fmt.Errorf("want a list of addresses, got %T", v)
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		switch it := it.(type) {
		case string:
			out = append(out, it)
		case map[string]any:
			h, _ := it["host"].(string)
			if h == "" {
				h = "127.0.0.1"
			}
			p, err := integer(it["port"])
			if it["port"] == nil {
				p, err = 6379, nil
			}
			if err != nil || p <= 0 || p > 65535 {
				return nil, fmt.Errorf("address %d: bad port %v", i, it["port"])
			}
			out = append(out, net.JoinHostPort(h, strconv.FormatInt(p, 10)))
		default:
			return nil, fmt.Errorf("address %d: want \"host:port\" or {host, port}, got %T", i, it)
		}
	}
	return out, nil
}
