package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/storagetest"
)

// testBase returns a key prefix no other test or application uses.
func testBase(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "goastro-test:" + hex.EncodeToString(b)
}

// openSingle opens a driver on the local Redis under a fresh base, and removes
// what it wrote when the test ends.
func openSingle(t testing.TB, cfg Config) *Driver {
	t.Helper()
	addr := testenv.RedisAddr(t)
	if cfg.Base == "" {
		cfg.Base = testBase(t)
	}
	d, err := Open(Options{Addr: addr, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cleanup(t, Options{Addr: addr, Config: Config{Base: cfg.Base}}) })
	t.Cleanup(func() { d.Close() })
	return d
}

func cleanup(t testing.TB, o Options) {
	d, err := Open(o)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer d.Close()
	if err := d.Clear(context.Background()); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

// exercise checks the driver contract on any deployment.
func exercise(t *testing.T, d *Driver) {
	ctx := context.Background()
	raw := d.Client()
	t.Run("layout", func(t *testing.T) {
		id := "0b5e7c1e-3f6a-4c2e-9d7b-1a2b3c4d5e6f"
		val := `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`
		if err := d.Set(ctx, id, val, 0); err != nil {
			t.Fatal(err)
		}
		got, err := raw.Get(ctx, d.prefix+id).Result()
		if err != nil || got != val {
			t.Fatalf("raw GET %s = %q, %v; want the value verbatim", d.prefix+id, got, err)
		}
		if ttl := raw.PTTL(ctx, d.prefix+id).Val(); ttl != -1 && d.ttl == 0 {
			t.Fatalf("plain Set left PTTL %v, want no expiry", ttl)
		}
		v, ok, err := d.Get(ctx, id)
		if err != nil || !ok || v != val {
			t.Fatalf("Get = %q %v %v", v, ok, err)
		}
		if has, err := d.Has(ctx, id); err != nil || !has {
			t.Fatalf("Has = %v %v", has, err)
		}
		if err := d.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if n := raw.Exists(ctx, d.prefix+id).Val(); n != 0 {
			t.Fatalf("key still there after Delete")
		}
		if _, ok, err := d.Get(ctx, id); ok || err != nil {
			t.Fatalf("Get after Delete = %v %v", ok, err)
		}
		if err := d.Delete(ctx, id); err != nil {
			t.Fatalf("Delete of a missing key: %v", err)
		}
	})
	t.Run("ttl", func(t *testing.T) {
		if err := d.Set(ctx, "t:sec", "x", 30*time.Second); err != nil {
			t.Fatal(err)
		}
		if ttl := raw.TTL(ctx, d.prefix+"t:sec").Val(); ttl <= 25*time.Second || ttl > 30*time.Second {
			t.Fatalf("TTL = %v, want about 30s", ttl)
		}
		// A TTL that is not whole seconds is sent with PX (expiry itself is
		// checked by the conformance suite).
		if err := d.Set(ctx, "t:ms", "x", 2500*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if ttl := raw.PTTL(ctx, d.prefix+"t:ms").Val(); ttl <= 2*time.Second || ttl > 2500*time.Millisecond {
			t.Fatalf("PTTL = %v, want 2.5s less a moment (not EX 2)", ttl)
		}
		if err := d.Set(ctx, "t:neg", "x", -time.Second); err != nil {
			t.Fatal(err)
		}
		if ttl := raw.PTTL(ctx, d.prefix+"t:neg").Val(); d.ttl == 0 && ttl != -1 {
			t.Fatalf("negative ttl left PTTL %v, want no expiry", ttl)
		}
	})
	t.Run("keys and clear", func(t *testing.T) {
		if err := d.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"k:a", "k:b", "k:c*", "other", "k[1]"}
		for i := range 40 {
			want = append(want, fmt.Sprintf("many:%d", i))
		}
		for _, k := range want {
			if err := d.Set(ctx, k, "v", 0); err != nil {
				t.Fatal(err)
			}
		}
		got, err := d.Keys(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Fatalf("Keys = %v, want %v", got, w)
		}
		got, err = d.Keys(ctx, "k:")
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"k:a", "k:b", "k:c*"}) {
			t.Fatalf("Keys(k:) = %v", got)
		}
		got, _ = d.Keys(ctx, "k:c*")
		if !slices.Equal(got, []string{"k:c*"}) {
			t.Fatalf("Keys(k:c*) = %v (glob characters must be literal)", got)
		}
		if err := d.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := d.Keys(ctx, ""); len(got) != 0 {
			t.Fatalf("Keys after Clear = %v", got)
		}
	})
	t.Run("compare and swap", func(t *testing.T) {
		ok, err := d.CompareAndSwap(ctx, "cas", "", false, "v1", 0)
		if err != nil || !ok {
			t.Fatalf("create = %v %v", ok, err)
		}
		if ok, err := d.CompareAndSwap(ctx, "cas", "", false, "v1b", 0); err != nil || ok {
			t.Fatalf("create over existing = %v %v", ok, err)
		}
		if ok, err := d.CompareAndSwap(ctx, "cas", "nope", true, "v2", 0); err != nil || ok {
			t.Fatalf("swap with wrong old = %v %v", ok, err)
		}
		if ok, err := d.CompareAndSwap(ctx, "cas", "v1", true, "v2", time.Minute); err != nil || !ok {
			t.Fatalf("swap = %v %v", ok, err)
		}
		if v, _, _ := d.Get(ctx, "cas"); v != "v2" {
			t.Fatalf("after swap Get = %q", v)
		}
		if ttl := raw.TTL(ctx, d.prefix+"cas").Val(); ttl <= 50*time.Second {
			t.Fatalf("swap ttl = %v", ttl)
		}
		if ok, err := d.CompareAndSwap(ctx, "cas-missing", "v1", true, "x", 0); err != nil || ok {
			t.Fatalf("swap on missing key = %v %v", ok, err)
		}
		// Concurrent increments through CAS lose no update.
		if err := d.Set(ctx, "counter", "0", 0); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 10 {
					for {
						v, _, err := d.Get(ctx, "counter")
						if err != nil {
							t.Error(err)
							return
						}
						var n int
						fmt.Sscan(v, &n)
						ok, err := d.CompareAndSwap(ctx, "counter", v, true, fmt.Sprint(n+1), 0)
						if err != nil {
							t.Error(err)
							return
						}
						if ok {
							break
						}
					}
				}
			})
		}
		wg.Wait()
		if v, _, _ := d.Get(ctx, "counter"); v != "80" {
			t.Fatalf("counter = %s, want 80", v)
		}
	})
	t.Run("invalid key", func(t *testing.T) {
		for _, k := range []string{"", ":", "/"} {
			if err := d.Set(ctx, k, "v", 0); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Set(%q) = %v, want ErrInvalidKey", k, err)
			}
		}
	})
}

func TestSingle(t *testing.T) {
	exercise(t, openSingle(t, Config{}))
}

func TestConformanceSingle(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		return openSingle(t, Config{})
	})
}

func TestConformanceCluster(t *testing.T) {
	addrs := testenv.StartRedisCluster(t, 3)
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		d, err := Open(Options{Cluster: addrs, Config: Config{Base: testBase(t)}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestConformanceSentinel(t *testing.T) {
	s := testenv.StartRedisSentinel(t)
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		d, err := Open(Options{SentinelAddrs: []string{s.Sentinel.Addr}, MasterName: s.MasterName, Config: Config{Base: testBase(t)}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestRegistered(t *testing.T) {
	addr := testenv.RedisAddr(t)
	base := testBase(t)
	d, err := storage.Open("redis", map[string]any{"url": "redis://" + addr, "base": base, "ttl": 120.0})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t.Cleanup(func() { cleanup(t, Options{Addr: addr, Config: Config{Base: base}}) })
	ctx := context.Background()
	if err := d.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	if ttl, err := testenv.RedisCommand(addr, "TTL", base+":k"); err != nil || ttl != "120" {
		t.Fatalf("TTL of a write through the registered driver = %s %v, want 120", ttl, err)
	}
	if _, err := storage.Open("redis", map[string]any{"bogus": true}); !errors.Is(err, storage.ErrInvalidOption) {
		t.Fatalf("unknown option: %v", err)
	}
}

func TestCluster(t *testing.T) {
	addrs := testenv.StartRedisCluster(t, 3)
	base := testBase(t)
	d, err := Open(Options{Cluster: addrs, Config: Config{Base: base}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	exercise(t, d)

	// Keys spread over the masters must all be listed and all be cleared.
	ctx := context.Background()
	for i := range 100 {
		if err := d.Set(ctx, fmt.Sprintf("spread:%d", i), "v", 0); err != nil {
			t.Fatal(err)
		}
	}
	perNode := map[string]int{}
	for _, a := range addrs {
		n, err := testenv.RedisCommand(a, "DBSIZE")
		if err != nil {
			t.Fatal(err)
		}
		var c int
		fmt.Sscan(n, &c)
		perNode[a] = c
	}
	for a, n := range perNode {
		if n == 0 {
			t.Fatalf("no key landed on master %s (%v): the test does not cover a real cluster", a, perNode)
		}
	}
	keys, err := d.Keys(ctx, "spread:")
	if err != nil || len(keys) != 100 {
		t.Fatalf("Keys over the cluster = %d keys, %v", len(keys), err)
	}
	if err := d.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, _ := testenv.RedisCommand(a, "DBSIZE"); n != "0" {
			t.Fatalf("master %s still holds %s keys after Clear", a, n)
		}
	}
}

func TestSentinel(t *testing.T) {
	s := testenv.StartRedisSentinel(t)
	d, err := OpenOptions(map[string]any{
		"sentinels": []any{map[string]any{"host": "127.0.0.1", "port": s.Sentinel.Port}},
		"name":      s.MasterName,
		"base":      "sess",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	exercise(t, d)
	ctx := context.Background()
	if err := d.Set(ctx, "via-sentinel", "v", 0); err != nil {
		t.Fatal(err)
	}
	if got, err := testenv.RedisCommand(s.Master.Addr, "GET", "sess:via-sentinel"); err != nil || got != "v" {
		t.Fatalf("master GET = %q %v; the write did not reach the master", got, err)
	}
	if !strings.Contains(d.String(), "sentinel") {
		t.Fatalf("String() = %q", d.String())
	}
}

// TestAstroLayout checks the key layout and options that unstorage's redis
// driver uses: base with or without a trailing ':', ttl in seconds with SET EX.
func TestAstroLayout(t *testing.T) {
	addr := testenv.RedisAddr(t)
	base := testBase(t)
	ctx := context.Background()
	d, err := OpenOptions(map[string]any{"url": "redis://" + addr + "/0", "base": base + ":", "ttl": 60})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t.Cleanup(func() { cleanup(t, Options{Addr: addr, Config: Config{Base: base}}) })
	// Open the connection first, so that its handshake is not recorded.
	if err := d.Client().Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	var cmds []string
	var mu sync.Mutex
	d.Client().AddHook(recorder(func(args []any) {
		mu.Lock()
		cmds = append(cmds, fmt.Sprint(args...))
		mu.Unlock()
	}))
	if err := d.Set(ctx, "abc", "v", 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	want := []string{"set" + base + ":abcvex60", "unlink" + base + ":abc"}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(cmds, want) {
		t.Fatalf("commands = %q, want %q", cmds, want)
	}
}

// recorder is a go-redis hook that reports every command sent, one call per
// command, and counts round trips (one per command or per pipeline).
type recorder func(args []any)

func (r recorder) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (r recorder) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		r(cmd.Args())
		return next(ctx, cmd)
	}
}
func (r recorder) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		for _, c := range cmds {
			r(c.Args())
		}
		return next(ctx, cmds)
	}
}

// roundTrips counts the requests a client sends: one per command, one per
// pipeline.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (r *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}
func (r *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestRoundTrips shows that a read costs one round trip, a conditional write one,
// so a request that reads its session and then writes it back costs two.
func TestRoundTrips(t *testing.T) {
	// A server of its own, so that INFO commandstats counts only our commands.
	srv := testenv.StartRedis(t)
	d, err := Open(Options{Addr: srv.Addr, Config: Config{Base: "rt"}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if err := d.Set(ctx, "sid", "v0", 0); err != nil {
		t.Fatal(err)
	}
	// Warm up: the first conditional write on a server loads the script.
	if _, err := d.CompareAndSwap(ctx, "warm", "", false, "x", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.RedisCommand(srv.Addr, "CONFIG", "RESETSTAT"); err != nil {
		t.Fatal(err)
	}
	var rt roundTrips
	d.Client().AddHook(&rt)

	v, ok, err := d.Get(ctx, "sid")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if n := rt.n.Load(); n != 1 {
		t.Fatalf("Get took %d round trips, want 1", n)
	}
	swapped, err := d.CompareAndSwap(ctx, "sid", v, true, "v1", time.Hour)
	if err != nil || !swapped {
		t.Fatal(swapped, err)
	}
	if n := rt.n.Load(); n != 2 {
		t.Fatalf("read-then-write took %d round trips, want 2", n)
	}
	stats, err := testenv.RedisCommand(srv.Addr, "INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]string{}
	for _, line := range strings.Split(stats, "\r\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		calls[strings.TrimPrefix(name, "cmdstat_")] = strings.Split(strings.TrimPrefix(rest, "calls="), ",")[0]
	}
	// The server saw one GET and one EVALSHA from the client; the script itself
	// ran one GET and one SET inside the server (commandstats counts those too).
	delete(calls, "info")
	delete(calls, "config|resetstat")
	want := map[string]string{"get": "2", "evalsha": "1", "set": "1"}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Fatalf("server counted %v, want %v", calls, want)
	}
}

func TestClearRefusedWithoutBase(t *testing.T) {
	addr := testenv.RedisAddr(t)
	d, err := Open(Options{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Clear(context.Background()); !errors.Is(err, ErrClearRefused) {
		t.Fatalf("Clear without base = %v, want ErrClearRefused", err)
	}
	// AllowClearWithoutBase on a server of its own empties the whole database.
	srv := testenv.StartRedis(t)
	d2, err := Open(Options{Addr: srv.Addr, Config: Config{AllowClearWithoutBase: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	ctx := context.Background()
	for _, k := range []string{"a", "b:c"} {
		if err := d2.Set(ctx, k, "v", 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := d2.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := testenv.RedisCommand(srv.Addr, "DBSIZE"); n != "0" {
		t.Fatalf("DBSIZE after Clear = %s", n)
	}
}

func TestSharedClient(t *testing.T) {
	addr := testenv.RedisAddr(t)
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	defer client.Close()
	base := testBase(t)
	d, err := New(client, Config{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cleanup(t, Options{Addr: addr, Config: Config{Base: base}}) })
	ctx := context.Background()
	if err := d.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Get(ctx, "k"); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("Get after Close = %v, want ErrClosed", err)
	}
	// The application's client is still open.
	if v, err := client.Get(ctx, base+":k").Result(); err != nil || v != "v" {
		t.Fatalf("shared client after driver Close: %q %v", v, err)
	}
	if _, err := New(nil, Config{}); !errors.Is(err, storage.ErrInvalidOption) {
		t.Fatalf("New(nil) = %v", err)
	}
}

func TestErrorsNameServerAndHidePassword(t *testing.T) {
	const secret = "s3cr3t-pa55"
	ctx := context.Background()
	// A port nothing listens on.
	d, err := OpenOptions(map[string]any{"url": "redis://alice:" + secret + "@127.0.0.1:1/2", "dialTimeout": 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A session ID is a credential too: the error shows its fingerprint only.
	const id = "0b5e7c1e-3f6a-4c2e-9d7b-1a2b3c4d5e6f"
	sid := d.Delete(ctx, "folder:"+id)
	_, _, err = d.Get(ctx, id)
	if err == nil || sid == nil {
		t.Fatal("Get on a dead server succeeded")
	}
	for _, msg := range []string{err.Error(), sid.Error()} {
		if strings.Contains(msg, secret) || strings.Contains(msg, id) || !strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, storage.RedactKey(id)) {
			t.Fatalf("error %q must name the server and the key's fingerprint %s, and hide the password and the ID", msg, storage.RedactKey(id))
		}
	}
	if !strings.Contains(sid.Error(), `"folder:…`) {
		t.Fatalf("error %q does not keep the key's folder", sid)
	}
	if strings.Contains(d.String(), secret) {
		t.Fatalf("String() leaks the password: %s", d)
	}
	// Malformed URLs.
	for _, u := range []string{
		"redis://alice:" + secret + "@127.0.0.1:notaport/0",
		"redis://alice:" + secret + "@127.0.0.1:6379/notadb",
		"http://alice:" + secret + "@127.0.0.1:6379",
		"redis://alice:" + secret + "@[::1/0",
		"redis://alice:" + secret + "%zz@127.0.0.1/0",
	} {
		_, err := OpenOptions(map[string]any{"url": u})
		if err == nil {
			t.Errorf("url %q accepted", u)
			continue
		}
		if strings.Contains(err.Error(), secret) || !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("url error %q leaks the password or is not ErrInvalidOption", err)
		}
	}
	// A wrong password on a server that requires one.
	srv := testenv.StartRedis(t, "--requirepass", "right-one")
	d2, err := Open(Options{Addr: srv.Addr, Password: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	err = d2.Set(ctx, "k", "v", 0)
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), srv.Addr) {
		t.Fatalf("wrong password error = %v", err)
	}
	// A wrong-typed password option is reported without its value.
	_, err = OpenOptions(map[string]any{"password": []string{secret}})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("bad password option error = %v", err)
	}
}

func TestParseOptions(t *testing.T) {
	good := []struct {
		in   map[string]any
		want Options
	}{
		{map[string]any{"url": "redis://h:1/3", "base": "s", "ttl": 60}, Options{URL: "redis://h:1/3", Config: Config{Base: "s", TTL: time.Minute}}},
		{map[string]any{"ttl": 1.5, "scanCount": 10}, Options{Config: Config{TTL: 1500 * time.Millisecond, ScanCount: 10}}},
		{map[string]any{"ttl": "30s"}, Options{Config: Config{TTL: 30 * time.Second}}},
		{map[string]any{"host": "db", "port": 7000, "db": 2, "username": "u", "password": "p", "tls": true},
			Options{Addr: "db:7000", DB: 2, Username: "u", Password: "p", TLS: true}},
		{map[string]any{"cluster": []any{"a:1", map[string]any{"host": "b", "port": 2}}}, Options{Cluster: []string{"a:1", "b:2"}}},
		{map[string]any{"cluster": "a:1, b:2"}, Options{Cluster: []string{"a:1", "b:2"}}},
		{map[string]any{"sentinelAddrs": []string{"s:1"}, "masterName": "m"}, Options{SentinelAddrs: []string{"s:1"}, MasterName: "m"}},
		{map[string]any{"base": nil}, Options{}},
	}
	for _, c := range good {
		got, err := ParseOptions(c.in)
		if err != nil {
			t.Errorf("ParseOptions(%v): %v", c.in, err)
			continue
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", c.want) {
			t.Errorf("ParseOptions(%v) = %+v, want %+v", c.in, got, c.want)
		}
	}
	bad := []map[string]any{
		{"bogus": 1},
		{"ttl": -1},
		{"ttl": "soon"},
		{"ttl": []int{1}},
		{"db": 1.5},
		{"db": -1},
		{"port": 70000},
		{"cluster": 7},
		{"cluster": []any{7}},
		{"tls": "maybe"},
		{"url": 5},
	}
	for _, in := range bad {
		if _, err := ParseOptions(in); !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("ParseOptions(%v) = %v, want ErrInvalidOption", in, err)
		}
	}
	badOpen := []Options{
		{Cluster: []string{"a:1"}, SentinelAddrs: []string{"b:1"}, MasterName: "m"},
		{Cluster: []string{"a:1"}, DB: 1},
		{Cluster: []string{"nohost"}},
		{SentinelAddrs: []string{"b:1"}},
		{MasterName: "m"},
		{URL: "redis://a:1", Addr: "b:1"},
		{Config: Config{TTL: -1}},
	}
	for _, o := range badOpen {
		if _, err := Open(o); !errors.Is(err, storage.ErrInvalidOption) {
			t.Errorf("Open(%+v) = %v, want ErrInvalidOption", o, err)
		}
	}
}

// FuzzParseURL checks that a URL never makes parsing panic, and that an error
// never quotes the password.
func FuzzParseURL(f *testing.F) {
	for _, s := range [][3]string{
		{"alice", "s3cr3t-pa55", "127.0.0.1:6379/0"},
		{"", "s3cr3t-pa55", "127.0.0.1:notaport/0"},
		{"u", "s3cr3t%zz", "h:1/0"},
		{"u", "pa55/word", "h:1/0"},
		{"u", "pa55@word", "h:1/x"},
		{"u", "pa55:word", "[::1/0"},
		{"u", "p%41ss", "h:1/0?dial_timeout=bogus"},
		{"u", "pass word", "h:1/99999999999999999999"},
		// Found by fuzzing: go-redis quoted these "passwords" from the path and
		// the query.
		{"/", "0000", "0"},
		{"?", "0000", "0"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, user, pw, rest string) {
		raw := "redis://" + user + ":" + pw + "@" + rest
		_, err := parseURL(raw)
		if err == nil || len(pw) < 4 || strings.Contains(user+rest, pw) || strings.Contains("redis: invalid url xxxxx", pw) {
			return
		}
		msg := err.Error()
		if strings.Contains(msg, pw) {
			t.Fatalf("error %q quotes the password %q", msg, pw)
		}
		if dec, err := url.PathUnescape(pw); err == nil && len(dec) >= 4 && !strings.Contains(user+rest, dec) && strings.Contains(msg, dec) {
			t.Fatalf("error %q quotes the decoded password %q", msg, dec)
		}
	})
}

// When the master dies, Sentinel promotes its replica and the driver follows:
// writes resume on the new master, and what was replicated before is still
// there.
func TestSentinelFailover(t *testing.T) {
	s := testenv.StartRedisFailover(t)
	base := testBase(t)
	d, err := Open(Options{SentinelAddrs: []string{s.Sentinel.Addr}, MasterName: s.MasterName, DialTimeout: time.Second, Config: Config{Base: base}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if err := d.Set(ctx, "before", "v1", 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if v, _ := testenv.RedisCommand(s.Replica.Addr, "GET", base+":before"); v == "v1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the write did not reach the replica")
		}
		time.Sleep(20 * time.Millisecond)
	}

	s.Master.Kill()
	start := time.Now()
	deadline = time.Now().Add(45 * time.Second)
	var lastErr error
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := d.Set(cctx, "after", "v2", 0)
		cancel()
		if err == nil {
			break
		}
		lastErr = err
		if time.Now().After(deadline) {
			t.Fatalf("no write succeeded within 45s of the master's death: %v", lastErr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("writes resumed %v after the master died (last error before: %v)", time.Since(start).Round(time.Millisecond), lastErr)
	if v, ok, err := d.Get(ctx, "before"); err != nil || !ok || v != "v1" {
		t.Fatalf("Get(before) after failover = %q %v %v", v, ok, err)
	}
	if info, err := testenv.RedisCommand(s.Replica.Addr, "INFO", "replication"); err != nil || !strings.Contains(info, "role:master") {
		t.Fatalf("the replica was not promoted: %v", err)
	}
	if v, err := testenv.RedisCommand(s.Replica.Addr, "GET", base+":after"); err != nil || v != "v2" {
		t.Fatalf("the write after failover is not on the new master: %q %v", v, err)
	}
	if ok, err := d.CompareAndSwap(ctx, "after", "v2", true, "v3", 0); err != nil || !ok {
		t.Fatalf("CompareAndSwap on the new master = %v %v", ok, err)
	}
}
