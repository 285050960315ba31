// Package cloudflarekv is a session storage driver on Cloudflare Workers KV,
// through Cloudflare's REST API, with nothing but net/http. It is registered
// as "cloudflare-kv" and, after unstorage's driver of the same protocol, as
// "cloudflare-kv-http", and takes that driver's options. Records are laid out
// as Astro's Cloudflare adapter lays them out through its KV binding: the key
// is the session ID (base + ":" + ID with a base), the value the record's text,
// so a Go service and an Astro site on Cloudflare share sessions.
//
// KV has no compare-and-swap and is eventually consistent: the driver does not
// implement storage.Swapper, so concurrent saves of one session are last
// writer wins, and a change can take about a minute to be seen at other
// Cloudflare locations. The package README says when to pick another store.
package cloudflarekv

import (
	"bytes"
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

// MaxKeyLen is the longest key, base included, that KV accepts, in bytes.
const MaxKeyLen = 512

const (
	maxValue  = 25 << 20 // KV's largest value
	bulkBatch = 10000    // keys per bulk delete, the API's limit
)

// Driver is a storage.Driver on one KV namespace (under its base). It is safe
// for concurrent use.
type Driver struct {
	cfg    Config
	base   string // the normalized base, "" for none
	root   string // .../storage/kv/namespaces/{namespaceId}
	client webkv.Client
	closed atomic.Bool
}

var _ storage.Driver = (*Driver)(nil)

// New returns a driver for the namespace cfg names. It sends no request.
func New(cfg Config) (*Driver, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.MinTTL < time.Minute {
		cfg.MinTTL = time.Minute
	}
	api := cfg.APIURL
	if api == "" {
		api = DefaultAPIURL
	}
	return &Driver{
		cfg:    cfg,
		base:   storage.JoinKeys(cfg.Base),
		root:   strings.TrimSuffix(api, "/") + "/client/v4/accounts/" + cfg.AccountID + "/storage/kv/namespaces/" + cfg.NamespaceID,
		client: webkv.Client{HTTP: cfg.HTTPClient, Retries: 3},
	}, nil
}

func (d *Driver) auth(h http.Header) {
	switch {
	case d.cfg.APIToken != "":
		h.Set("Authorization", "Bearer "+d.cfg.APIToken)
	case d.cfg.UserServiceKey != "":
		h.Set("X-Auth-User-Service-Key", d.cfg.UserServiceKey)
	default:
		h.Set("X-Auth-Email", d.cfg.Email)
		h.Set("X-Auth-Key", d.cfg.APIKey)
	}
}

func (d *Driver) begin(ctx context.Context, op string) error {
	if d.closed.Load() {
		return fmt.Errorf("cloudflare-kv: %s: %w", op, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cloudflare-kv: %s: %w", op, err)
	}
	return nil
}

// key returns the KV key of key: the cleaned key under the base.
func (d *Driver) key(op, key string) (string, error) {
	k, err := storage.CleanKey(key)
	if err != nil {
		return "", fmt.Errorf("cloudflare-kv: %s: %w", op, err)
	}
	full := storage.JoinKeys(d.base, k)
	if len(full) > MaxKeyLen {
		return "", fmt.Errorf("cloudflare-kv: %s: %w %q: longer than the %d bytes KV accepts (base included)", op, storage.ErrInvalidKey, storage.RedactKey(k), MaxKeyLen)
	}
	return full, nil
}

func (d *Driver) fail(op, full string, err error) error {
	return fmt.Errorf("cloudflare-kv: %s %s: %w", op, storage.RedactKey(full), err)
}

func (d *Driver) do(ctx context.Context, method, path string, query url.Values, body []byte) (*http.Response, error) {
	target := d.root + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	return d.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		d.auth(req.Header)
		if body != nil && method == http.MethodPost {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, nil
	})
}

// envelope is the frame of every JSON answer of Cloudflare's API.
type envelope struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result     json.RawMessage `json:"result"`
	ResultInfo struct {
		Cursor string `json:"cursor"`
	} `json:"result_info"`
}

// readEnvelope reads a JSON answer and turns a failure into an error.
func readEnvelope(resp *http.Response) (envelope, error) {
	var env envelope
	b, err := webkv.ReadAll(resp.Body, 64<<20)
	if err != nil {
		return env, err
	}
	if jerr := json.Unmarshal(b, &env); jerr != nil || !env.Success || resp.StatusCode != http.StatusOK {
		var msgs []string
		for _, e := range env.Errors {
			msgs = append(msgs, fmt.Sprintf("%d %s", e.Code, e.Message))
		}
		detail := ""
		if len(msgs) > 0 {
			detail = " (" + strings.Join(msgs, "; ") + ")"
		}
		return env, fmt.Errorf("%w %d%s", webkv.ErrStatus, resp.StatusCode, detail)
	}
	return env, nil
}

// Get implements storage.Driver.
func (d *Driver) Get(ctx context.Context, key string) (string, bool, error) {
	if err := d.begin(ctx, "get"); err != nil {
		return "", false, err
	}
	full, err := d.key("get", key)
	if err != nil {
		return "", false, err
	}
	return d.get(ctx, "get", full)
}

func (d *Driver) get(ctx context.Context, op, full string) (string, bool, error) {
	resp, err := d.do(ctx, http.MethodGet, "/values/"+webkv.EncodeURIComponent(full), nil, nil)
	if err != nil {
		return "", false, d.fail(op, full, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", false, nil
	default:
		_, err := readEnvelope(resp)
		return "", false, d.fail(op, full, err)
	}
	b, err := webkv.ReadAll(resp.Body, maxValue)
	if err != nil {
		return "", false, d.fail(op, full, err)
	}
	return string(b), len(b) > 0, nil
}

// Set implements storage.Driver. A ttl greater than zero is sent as
// expiration_ttl in whole seconds, rounded up, and no shorter than MinTTL
// (Cloudflare refuses less than 60 s): a session given a shorter TTL stays
// readable up to that long.
func (d *Driver) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := d.begin(ctx, "set"); err != nil {
		return err
	}
	full, err := d.key("set", key)
	if err != nil {
		return err
	}
	if value == "" {
		return d.remove(ctx, "set", full)
	}
	var q url.Values
	if ttl > 0 {
		secs := int64(math.Ceil(max(ttl, d.cfg.MinTTL).Seconds()))
		q = url.Values{"expiration_ttl": {strconv.FormatInt(secs, 10)}}
	}
	resp, err := d.do(ctx, http.MethodPut, "/values/"+webkv.EncodeURIComponent(full), q, []byte(value))
	if err != nil {
		return d.fail("set", full, err)
	}
	defer resp.Body.Close()
	if _, err := readEnvelope(resp); err != nil {
		return d.fail("set", full, err)
	}
	return nil
}

// Delete implements storage.Driver.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if err := d.begin(ctx, "delete"); err != nil {
		return err
	}
	full, err := d.key("delete", key)
	if err != nil {
		return err
	}
	return d.remove(ctx, "delete", full)
}

func (d *Driver) remove(ctx context.Context, op, full string) error {
	resp, err := d.do(ctx, http.MethodDelete, "/values/"+webkv.EncodeURIComponent(full), nil, nil)
	if err != nil {
		return d.fail(op, full, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	if _, err := readEnvelope(resp); err != nil {
		return d.fail(op, full, err)
	}
	return nil
}

// Has implements storage.Driver. It reads the value, so that an empty value
// counts as none, as it does for Get.
func (d *Driver) Has(ctx context.Context, key string) (bool, error) {
	if err := d.begin(ctx, "has"); err != nil {
		return false, err
	}
	full, err := d.key("has", key)
	if err != nil {
		return false, err
	}
	_, ok, err := d.get(ctx, "has", full)
	return ok, err
}

// list returns the KV keys (base included) starting with the raw prefix p.
func (d *Driver) list(ctx context.Context, op, p string) ([]string, error) {
	var keys []string
	cursor := ""
	for {
		q := url.Values{"limit": {"1000"}}
		if p != "" {
			q.Set("prefix", p)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		resp, err := d.do(ctx, http.MethodGet, "/keys", q, nil)
		if err != nil {
			return nil, fmt.Errorf("cloudflare-kv: %s: %w", op, err)
		}
		env, err := readEnvelope(resp)
		resp.Body.Close()
		var page []struct {
			Name string `json:"name"`
		}
		if err == nil {
			err = json.Unmarshal(env.Result, &page)
		}
		if err != nil {
			return nil, fmt.Errorf("cloudflare-kv: %s: %w", op, err)
		}
		for _, k := range page {
			keys = append(keys, k.Name)
		}
		if env.ResultInfo.Cursor == "" || env.ResultInfo.Cursor == cursor {
			return keys, nil
		}
		cursor = env.ResultInfo.Cursor
	}
}

// basePrefix is what every KV key under the base starts with.
func (d *Driver) basePrefix() string {
	if d.base == "" {
		return ""
	}
	return d.base + ":"
}

// Keys implements storage.Driver. KV lists a key until it expires, in whole
// seconds.
func (d *Driver) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := d.begin(ctx, "keys"); err != nil {
		return nil, err
	}
	bp := d.basePrefix()
	found, err := d.list(ctx, "keys", bp+prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(found))
	for _, k := range found {
		if rest, ok := strings.CutPrefix(k, bp); ok && strings.HasPrefix(rest, prefix) && rest != "" {
			keys = append(keys, rest)
		}
	}
	return keys, nil
}

// Clear implements storage.Driver: it lists the keys under the base (the whole
// namespace without one) and deletes them with the bulk delete endpoint.
func (d *Driver) Clear(ctx context.Context) error {
	if err := d.begin(ctx, "clear"); err != nil {
		return err
	}
	keys, err := d.list(ctx, "clear", d.basePrefix())
	if err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), bulkBatch)
		body, _ := json.Marshal(keys[:n])
		resp, err := d.do(ctx, http.MethodPost, "/bulk/delete", nil, body)
		if err != nil {
			return fmt.Errorf("cloudflare-kv: clear: %w", err)
		}
		_, err = readEnvelope(resp)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("cloudflare-kv: clear: %w", err)
		}
		keys = keys[n:]
	}
	return nil
}

// Close implements storage.Driver. It only marks the driver closed: the HTTP
// client belongs to the caller.
func (d *Driver) Close() error {
	d.closed.Store(true)
	return nil
}
