package redis

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goastro/session/storage"
)

// optionNames lists the driver options understood by [ParseOptions], with what
// each sets. The names follow unstorage's redis driver and ioredis where they
// exist there.
var optionNames = map[string]string{
	"url":                   "redis:// or rediss:// URL",
	"host":                  "server host (with port)",
	"port":                  "server port (with host)",
	"base":                  "key prefix, joined with ':'",
	"keyPrefix":             "raw prefix before every key",
	"ttl":                   "default expiry in seconds",
	"cluster":               "cluster seed addresses",
	"sentinels":             "sentinel addresses",
	"sentinelAddrs":         "sentinel addresses",
	"name":                  "sentinel master name",
	"masterName":            "sentinel master name",
	"sentinelUsername":      "sentinel user",
	"sentinelPassword":      "sentinel password",
	"username":              "user",
	"password":              "password",
	"db":                    "database number",
	"tls":                   "use TLS",
	"scanCount":             "SCAN COUNT hint",
	"allowClearWithoutBase": "let Clear empty a whole database",
	"dialTimeout":           "connect timeout in seconds",
	"poolSize":              "connections per server",
}

// ParseOptions turns the driver options of a session configuration (the same
// names as unstorage's redis driver: url, base, ttl in seconds, cluster, plus
// sentinels/sentinelAddrs with name/masterName, username, password, db, host,
// port, tls, keyPrefix, scanCount) into [Options]. Unknown names and values of
// the wrong type are errors wrapping storage.ErrInvalidOption.
func ParseOptions(options map[string]any) (Options, error) {
	var o Options
	keys := make([]string, 0, len(options))
	for k := range options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var host string
	var port int64
	for _, name := range keys {
		v := options[name]
		if v == nil {
			continue
		}
		var err error
		switch name {
		case "url":
			o.URL, err = str(v)
		case "host":
			host, err = str(v)
		case "port":
			port, err = integer(v)
		case "base":
			o.Base, err = str(v)
		case "keyPrefix":
			o.KeyPrefix, err = str(v)
		case "ttl":
			o.TTL, err = seconds(v)
		case "dialTimeout":
			o.DialTimeout, err = seconds(v)
		case "cluster":
			o.Cluster, err = addrs(v)
		case "sentinels", "sentinelAddrs":
			var a []string
			a, err = addrs(v)
			o.SentinelAddrs = append(o.SentinelAddrs, a...)
		case "name", "masterName":
			o.MasterName, err = str(v)
		case "sentinelUsername":
			o.SentinelUsername, err = str(v)
		case "sentinelPassword":
			o.SentinelPassword, err = str(v)
		case "username":
			o.Username, err = str(v)
		case "password":
			o.Password, err = str(v)
		case "db":
			var n int64
			n, err = integer(v)
			o.DB = int(n)
		case "tls":
			o.TLS, err = boolean(v)
		case "scanCount":
			o.ScanCount, err = integer(v)
		case "allowClearWithoutBase":
			o.AllowClearWithoutBase, err = boolean(v)
		case "poolSize":
			var n int64
			n, err = integer(v)
			o.PoolSize = int(n)
		default:
			names := make([]string, 0, len(optionNames))
			for n := range optionNames {
				names = append(names, n)
			}
			sort.Strings(names)
			return Options{}, fmt.Errorf("redis: unknown option %q (known: %s): %w", name, strings.Join(names, ", "), storage.ErrInvalidOption)
		}
		if err != nil {
			if name == "password" || name == "sentinelPassword" {
				return Options{}, fmt.Errorf("redis: option %q: wrong type %T: %w", name, v, storage.ErrInvalidOption)
			}
			return Options{}, fmt.Errorf("redis: option %q: %v: %w", name, err, storage.ErrInvalidOption)
		}
	}
	if host != "" || port != 0 {
		if host == "" {
			host = "127.0.0.1"
		}
		if port == 0 {
			port = 6379
		}
		if port < 0 || port > 65535 {
			return Options{}, fmt.Errorf("redis: option \"port\": %d out of range: %w", port, storage.ErrInvalidOption)
		}
		o.Addr = net.JoinHostPort(host, strconv.FormatInt(port, 10))
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

func str(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("want a string, got %T", v)
	}
	return s, nil
}

func boolean(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("want true or false, got %q", v)
		}
		return b, nil
	}
	return false, fmt.Errorf("want a boolean, got %T", v)
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

// seconds reads a duration given in seconds (a number, as unstorage takes it) or
// as a time.Duration.
func seconds(v any) (time.Duration, error) {
	if d, ok := v.(time.Duration); ok {
		if d < 0 {
			return 0, fmt.Errorf("negative duration %v", d)
		}
		return d, nil
	}
	f, err := number(v)
	if err != nil {
		return 0, err
	}
	if f < 0 || math.IsNaN(f) || f > float64(math.MaxInt64/int64(time.Second)) {
		return 0, fmt.Errorf("want seconds not below zero, got %v", v)
	}
	return time.Duration(f * float64(time.Second)), nil
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
