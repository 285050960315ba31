// Package unstoragehttp is a session storage driver that speaks the HTTP
// protocol of unstorage's storage server (createStorageServer from
// "unstorage/server"), with nothing but net/http. It is registered as
// "unstorage-http" and takes the options of unstorage's http driver, the
// client side of that protocol. A small Node.js process that mounts any of
// unstorage's drivers (S3, MongoDB, Azure, Upstash, Vercel KV, ...) behind
// createStorageServer makes that store reachable from Go, with the same keys
// and values an Astro site using that driver sees.
//
// Whether values expire and whether writes to one key can race depends on
// the driver the server mounts: TTLs are sent as unstorage's x-ttl header
// (whole seconds), which the redis driver honours and the fs driver ignores.
// The protocol has no compare-and-swap, so the driver does not offer it.
package unstoragehttp

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/internal/webkv"
)

func init() {
	storage.Register("unstorage-http", func(options map[string]any) (storage.Driver, error) {
		cfg, err := ParseOptions(options)
		if err != nil {
			return nil, err
		}
		return New(cfg)
	})
}

// Config says where the storage server is.
type Config struct {
	// Base is the URL the server is mounted at, such as
	// "http://127.0.0.1:3001" or "https://store.internal/sessions" (required).
	Base string
	// Headers are sent with every request (an Authorization header that the
	// server's authorize hook checks, for instance).
	Headers map[string]string
	// HTTPClient sends the requests (default http.DefaultClient).
	HTTPClient *http.Client
}

// ParseOptions turns the options of a session configuration into a Config:
// base (the server's URL) and headers (an object of strings), the names of
// unstorage's http driver. Errors wrap storage.ErrInvalidOption and never
// quote a header's value.
func ParseOptions(options map[string]any) (Config, error) {
	o := storage.NewOptions("unstorage-http", options)
	cfg := Config{Base: o.String("base", "")}
	if o.Has("headers") {
		h, ok := options["headers"].(map[string]any)
		if !ok {
			o.Failf("headers", "must be an object of strings")
		}
		for k, v := range h {
			s, ok := v.(string)
			if !ok {
				o.Failf("headers", "must be an object of strings: %q is not a string", k)
				continue
			}
			if cfg.Headers == nil {
				cfg.Headers = map[string]string{}
			}
			cfg.Headers[k] = s
		}
	}
	if err := o.Err(); err != nil {
		return cfg, err
	}
	return cfg, cfg.check()
}

func (cfg Config) check() error {
	bad := func(name, format string, args ...any) error {
		return fmt.Errorf("%w: unstorage-http: option %q %s", storage.ErrInvalidOption, name, fmt.Sprintf(format, args...))
	}
	p, err := url.Parse(cfg.Base)
	if cfg.Base == "" || err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" || p.ForceQuery {
		return bad("base", "must be the http or https URL of the storage server, without query or fragment")
	}
	for k, v := range cfg.Headers {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n") {
			return bad("headers", "has an invalid header %q", k)
		}
	}
	return nil
}

// Driver is a storage.Driver on an unstorage storage server. It is safe for
// concurrent use.
type Driver struct {
	cfg    Config
	base   string // cfg.Base without a trailing '/'
	client webkv.Client
	closed atomic.Bool
}

var _ storage.Driver = (*Driver)(nil)

// New returns a driver for the server at cfg.Base. It sends no request.
func New(cfg Config) (*Driver, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return &Driver{cfg: cfg, base: strings.TrimRight(cfg.Base, "/"), client: webkv.Client{HTTP: cfg.HTTPClient, Retries: 2}}, nil
}

// keyPath is the URL path of a normalized key: its segments escaped with
// encodeURIComponent and joined with '/', as unstorage's http driver does.
func keyPath(k string) string {
	segs := strings.Split(k, ":")
	for i, s := range segs {
		segs[i] = webkv.EncodeURIComponent(s)
	}
	return strings.Join(segs, "/")
}

func (d *Driver) begin(ctx context.Context, op string) error {
	if d.closed.Load() {
		return fmt.Errorf("unstorage-http: %s: %w", op, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("unstorage-http: %s: %w", op, err)
	}
	return nil
}

func (d *Driver) key(op, key string) (string, error) {
	k, err := storage.CleanKey(key)
	if err != nil {
		return "", fmt.Errorf("unstorage-http: %s: %w", op, err)
	}
	return k, nil
}

func (d *Driver) fail(op, k string, err error) error {
	return fmt.Errorf("unstorage-http: %s %s: %w", op, storage.RedactKey(k), err)
}

func (d *Driver) do(ctx context.Context, method, path string, body string, header map[string]string) (*http.Response, error) {
	target := d.base + "/" + path
	return d.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		for k, v := range d.cfg.Headers {
			req.Header.Set(k, v)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return req, nil
	})
}

func statusError(resp *http.Response) error {
	return fmt.Errorf("%w %d%s", webkv.ErrStatus, resp.StatusCode, webkv.Snippet(resp.Body))
}

// Get implements storage.Driver. It asks for the raw value (Accept:
// application/octet-stream), which the server returns byte for byte; without
// it the server would parse JSON-looking text and print it again.
func (d *Driver) Get(ctx context.Context, key string) (string, bool, error) {
	if err := d.begin(ctx, "get"); err != nil {
		return "", false, err
	}
	k, err := d.key("get", key)
	if err != nil {
		return "", false, err
	}
	return d.get(ctx, "get", k)
}

func (d *Driver) get(ctx context.Context, op, k string) (string, bool, error) {
	resp, err := d.do(ctx, http.MethodGet, keyPath(k), "", map[string]string{"Accept": "application/octet-stream"})
	if err != nil {
		return "", false, d.fail(op, k, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", false, nil
	default:
		return "", false, d.fail(op, k, statusError(resp))
	}
	b, err := webkv.ReadAll(resp.Body, 512<<20)
	if err != nil {
		return "", false, d.fail(op, k, err)
	}
	return string(b), len(b) > 0, nil
}

// Set implements storage.Driver. The value is sent as text, which the server
// stores with setItem, as Astro's writes are; a ttl greater than zero is sent
// as the x-ttl header in whole seconds, rounded up.
func (d *Driver) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := d.begin(ctx, "set"); err != nil {
		return err
	}
	k, err := d.key("set", key)
	if err != nil {
		return err
	}
	if value == "" {
		return d.remove(ctx, "set", k)
	}
	h := map[string]string{"Content-Type": "text/plain; charset=utf-8"}
	if ttl > 0 {
		h["X-Ttl"] = strconv.FormatInt(int64(math.Ceil(ttl.Seconds())), 10)
	}
	resp, err := d.do(ctx, http.MethodPut, keyPath(k), value, h)
	if err != nil {
		return d.fail("set", k, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d.fail("set", k, statusError(resp))
	}
	return nil
}

// Delete implements storage.Driver.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if err := d.begin(ctx, "delete"); err != nil {
		return err
	}
	k, err := d.key("delete", key)
	if err != nil {
		return err
	}
	return d.remove(ctx, "delete", k)
}

func (d *Driver) remove(ctx context.Context, op, k string) error {
	resp, err := d.do(ctx, http.MethodDelete, keyPath(k), "", nil)
	if err != nil {
		return d.fail(op, k, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		return d.fail(op, k, statusError(resp))
	}
	return nil
}

// Has implements storage.Driver. It reads the value, so that an empty value
// counts as none, as it does for Get.
func (d *Driver) Has(ctx context.Context, key string) (bool, error) {
	if err := d.begin(ctx, "has"); err != nil {
		return false, err
	}
	k, err := d.key("has", key)
	if err != nil {
		return false, err
	}
	_, ok, err := d.get(ctx, "has", k)
	return ok, err
}

// Keys implements storage.Driver. The server lists folders (a path ending in
// '/'), so the driver asks for the folder of prefix (what precedes its last
// ':') and keeps the keys that start with prefix.
func (d *Driver) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := d.begin(ctx, "keys"); err != nil {
		return nil, err
	}
	folder := ""
	if i := strings.LastIndexByte(prefix, ':'); i >= 0 {
		folder = storage.NormalizeKey(prefix[:i])
	}
	path := ""
	if folder != "" {
		path = keyPath(folder) + "/"
	}
	resp, err := d.do(ctx, http.MethodGet, path, "", map[string]string{"Accept": "application/json"})
	if err != nil {
		return nil, fmt.Errorf("unstorage-http: keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("unstorage-http: keys: %w", statusError(resp))
	}
	var listed []string
	b, err := webkv.ReadAll(resp.Body, 256<<20)
	if err == nil {
		err = json.Unmarshal(b, &listed)
	}
	if err != nil {
		return nil, fmt.Errorf("unstorage-http: keys: the server did not answer a JSON list of keys: %w", err)
	}
	keys := make([]string, 0, len(listed))
	for _, k := range listed {
		segs := strings.Split(k, "/")
		for i, s := range segs {
			segs[i] = webkv.Unescape(s)
		}
		if k := strings.Join(segs, ":"); strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Clear implements storage.Driver: DELETE on the server's root, which clears
// the storage it mounts.
func (d *Driver) Clear(ctx context.Context) error {
	if err := d.begin(ctx, "clear"); err != nil {
		return err
	}
	resp, err := d.do(ctx, http.MethodDelete, "", "", nil)
	if err != nil {
		return fmt.Errorf("unstorage-http: clear: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unstorage-http: clear: %w", statusError(resp))
	}
	return nil
}

// Close implements storage.Driver. It only marks the driver closed: the HTTP
// client belongs to the caller.
func (d *Driver) Close() error {
	d.closed.Store(true)
	return nil
}
