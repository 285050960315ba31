// Package netlifyblobs is a session storage driver on Netlify Blobs, through
// the HTTP API that @netlify/blobs speaks, with nothing but net/http. It is
// registered as "netlify-blobs", the name of unstorage's driver (Astro's
// session driver on Netlify), takes the same options, and lays records out as
// that driver does: the key itself in the site-wide store, by default the one
// Astro's Netlify adapter uses ("astro-sessions"), so a Go service and an
// Astro site on Netlify read each other's sessions.
//
// Netlify Blobs have no expiry. A TTL is kept in the blob's metadata
// ({"expires": <ms since the epoch>}) and honoured by this driver's reads;
// expired blobs stay in the store until Sweep or a Delete removes them, and
// other readers (Astro) do not look at it. The driver does not offer
// compare-and-swap: see the package README.
package netlifyblobs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/internal/webkv"
)

// MaxKeyLen is the longest key Netlify Blobs accept, in bytes.
const MaxKeyLen = 600

const (
	metadataHeader    = "x-amz-meta-user"        // edge requests and signed URLs
	metadataHeaderAPI = "netlify-blobs-metadata" // API requests
	signedURLAccept   = "application/json;type=signed-url"
	maxValue          = 512 << 20 // a response body larger than this is refused
	fanOut            = 8         // concurrent HEAD or DELETE requests of Keys, Clear and Sweep
)

// Driver is a storage.Driver on one Netlify Blobs store. It is safe for
// concurrent use.
type Driver struct {
	cfg    Config
	store  string // "site:" + escaped name
	base   string // origin that requests go to: the edge (cached or not) or the API
	edge   bool
	client webkv.Client
	closed atomic.Bool
	now    func() time.Time
}

var (
	_ storage.Driver  = (*Driver)(nil)
	_ storage.Sweeper = (*Driver)(nil)
)

// New returns a driver for the store cfg names (DefaultName when cfg.Name is
// empty). It sends no request.
func New(cfg Config) (*Driver, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	d := &Driver{
		cfg:    cfg,
		store:  "site:" + webkv.EncodeURIComponent(cfg.Name),
		client: webkv.Client{HTTP: cfg.HTTPClient, Retries: 3},
		now:    time.Now,
	}
	switch {
	case cfg.EdgeURL != "" && cfg.Consistency == "strong":
		d.base, d.edge = cfg.UncachedEdgeURL, true
	case cfg.EdgeURL != "":
		d.base, d.edge = cfg.EdgeURL, true
	case cfg.APIURL != "":
		d.base = cfg.APIURL
	default:
		d.base = "https://api.netlify.com"
	}
	u, _ := url.Parse(d.base) // checked by cfg.check; the path is replaced, as new URL(path, base) does
	d.base = u.Scheme + "://" + u.Host
	return d, nil
}

// Store returns the name of the store on the wire, such as "site:astro-sessions".
func (d *Driver) Store() string { return d.store }

// blobURL is the URL of key in the store ("" for the store itself).
func (d *Driver) blobURL(key string, query url.Values) string {
	var b strings.Builder
	b.WriteString(d.base)
	if d.edge {
		if d.cfg.Region != "" {
			b.WriteString("/region:" + d.cfg.Region)
		}
	} else {
		b.WriteString("/api/v1/blobs")
		if d.cfg.Region != "" {
			if query == nil {
				query = url.Values{}
			}
			query.Set("region", d.cfg.Region)
		}
	}
	b.WriteString("/" + d.cfg.SiteID + "/" + d.store)
	if key != "" {
		b.WriteString("/" + webkv.EncodePathSegment(key))
	}
	if len(query) > 0 {
		b.WriteString("?" + query.Encode())
	}
	return b.String()
}

func (d *Driver) begin(ctx context.Context, op string) error {
	if d.closed.Load() {
		return fmt.Errorf("netlify-blobs: %s: %w", op, storage.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("netlify-blobs: %s: %w", op, err)
	}
	return nil
}

func (d *Driver) key(op, key string) (string, error) {
	k, err := storage.CleanKey(key)
	if err != nil {
		return "", fmt.Errorf("netlify-blobs: %s: %w", op, err)
	}
	if len(k) > MaxKeyLen {
		return "", fmt.Errorf("netlify-blobs: %s: %w %q: longer than the %d bytes Netlify Blobs accept", op, storage.ErrInvalidKey, storage.RedactKey(k), MaxKeyLen)
	}
	return k, nil
}

// request sends method to key's blob. Reads and writes in API mode first ask
// the API for a signed URL, as @netlify/blobs does. meta is the encoded
// metadata to send with a write ("" for none).
func (d *Driver) request(ctx context.Context, method, key, meta string, body string) (*http.Response, error) {
	target := d.blobURL(key, nil)
	signed := !d.edge && (method == http.MethodGet || method == http.MethodPut)
	if signed {
		u, err := d.signedURL(ctx, method, target, meta)
		if err != nil {
			return nil, err
		}
		target = u
	}
	return d.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		var rd *strings.Reader
		if method == http.MethodPut {
			rd = strings.NewReader(body)
		}
		req, err := newRequest(ctx, method, target, rd)
		if err != nil {
			return nil, err
		}
		if !signed {
			req.Header.Set("Authorization", "Bearer "+d.cfg.Token)
		}
		if method == http.MethodPut {
			req.Header.Set("Cache-Control", "max-age=0, stale-while-revalidate=60")
			if meta != "" {
				req.Header.Set(metadataHeader, meta)
			}
		}
		return req, nil
	})
}

func newRequest(ctx context.Context, method, target string, body *strings.Reader) (*http.Request, error) {
	if body == nil {
		return http.NewRequestWithContext(ctx, method, target, nil)
	}
	return http.NewRequestWithContext(ctx, method, target, body)
}

// signedURL asks the API for the URL that a read or write of target goes to.
func (d *Driver) signedURL(ctx context.Context, method, target, meta string) (string, error) {
	resp, err := d.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, method, target, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+d.cfg.Token)
		req.Header.Set("Accept", signedURLAccept)
		if meta != "" {
			req.Header.Set(metadataHeaderAPI, meta)
		}
		return req, nil
	})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", statusError(resp)
	}
	b, err := webkv.ReadAll(resp.Body, 1<<16)
	var signed struct{ URL string }
	if err == nil {
		err = json.Unmarshal(b, &signed)
	}
	if err == nil && signed.URL == "" {
		err = errors.New("no url in the answer")
	}
	if err != nil {
		return "", fmt.Errorf("signed URL: %w", err)
	}
	return signed.URL, nil
}

func statusError(resp *http.Response) error {
	detail := resp.Header.Get("X-Nf-Error")
	if detail == "" {
		detail = strings.TrimPrefix(webkv.Snippet(resp.Body), ": ")
	}
	if detail != "" {
		detail = " (" + detail + ")"
	}
	return fmt.Errorf("%w %d%s", webkv.ErrStatus, resp.StatusCode, detail)
}

// metadata is what the driver keeps in a blob's metadata.
type metadata struct {
	Expires *float64 `json:"expires,omitempty"`
}

func encodeMetadata(expires float64) string {
	b, _ := json.Marshal(metadata{Expires: &expires})
	return "b64;" + base64.StdEncoding.EncodeToString(b)
}

// expired reports whether the metadata header h marks a blob as expired. A
// header the driver cannot read (written by another program) sets no expiry.
func (d *Driver) expired(h string) bool {
	enc, ok := strings.CutPrefix(h, "b64;")
	if !ok {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return false
	}
	var m metadata
	if json.Unmarshal(raw, &m) != nil || m.Expires == nil {
		return false
	}
	return *m.Expires <= float64(d.now().UnixMilli())
}

func metaOf(resp *http.Response) string {
	if v := resp.Header.Get("Netlify-Blobs-Metadata"); v != "" {
		return v
	}
	return resp.Header.Get(metadataHeader)
}

// Get implements storage.Driver.
func (d *Driver) Get(ctx context.Context, key string) (string, bool, error) {
	if err := d.begin(ctx, "get"); err != nil {
		return "", false, err
	}
	k, err := d.key("get", key)
	if err != nil {
		return "", false, err
	}
	resp, err := d.request(ctx, http.MethodGet, k, "", "")
	if err != nil {
		return "", false, d.fail("get", k, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return "", false, nil
	case http.StatusOK:
	default:
		return "", false, d.fail("get", k, statusError(resp))
	}
	b, err := webkv.ReadAll(resp.Body, maxValue)
	if err != nil {
		return "", false, d.fail("get", k, err)
	}
	if len(b) == 0 || d.expired(metaOf(resp)) {
		return "", false, nil
	}
	return string(b), true, nil
}

func (d *Driver) fail(op, k string, err error) error {
	return fmt.Errorf("netlify-blobs: %s %s in %s: %w", op, storage.RedactKey(k), d.store, err)
}

// Set implements storage.Driver. A ttl greater than zero is kept in the
// blob's metadata, in whole milliseconds.
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
	meta := ""
	if ttl > 0 {
		meta = encodeMetadata(float64(d.now().Add(ttl).UnixMilli()))
	}
	resp, err := d.request(ctx, http.MethodPut, k, meta, value)
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
	resp, err := d.request(ctx, http.MethodDelete, k, "", "")
	if err != nil {
		return d.fail(op, k, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent, http.StatusNotFound:
		return nil
	}
	return d.fail(op, k, statusError(resp))
}

// Has implements storage.Driver with a HEAD request.
func (d *Driver) Has(ctx context.Context, key string) (bool, error) {
	if err := d.begin(ctx, "has"); err != nil {
		return false, err
	}
	k, err := d.key("has", key)
	if err != nil {
		return false, err
	}
	st, err := d.head(ctx, "has", k)
	return st == live, err
}

// A blob's state, as a HEAD request finds it.
const (
	missing = iota
	live
	expired
)

// head finds out whether k holds a blob and whether it has expired.
func (d *Driver) head(ctx context.Context, op, k string) (int, error) {
	resp, err := d.request(ctx, http.MethodHead, k, "", "")
	if err != nil {
		return missing, d.fail(op, k, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return missing, nil
	case http.StatusOK, http.StatusNotModified:
		if d.expired(metaOf(resp)) {
			return expired, nil
		}
		return live, nil
	}
	return missing, d.fail(op, k, statusError(resp))
}

// list returns every key of the store that starts with prefix.
func (d *Driver) list(ctx context.Context, op, prefix string) ([]string, error) {
	// The server compares the prefix with keys as they appear in URLs; send
	// the part of it that escaping leaves alone and filter the rest here.
	sent := prefix
	for i := 0; i < len(sent); i++ {
		if c := sent[i]; webkv.EncodePathSegment(string(c)) != string(c) {
			sent = sent[:i]
			break
		}
	}
	var keys []string
	cursor := ""
	for {
		q := url.Values{}
		if sent != "" {
			q.Set("prefix", sent)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		page, err := d.listPage(ctx, d.blobURL("", q))
		if err != nil {
			return nil, fmt.Errorf("netlify-blobs: %s %s: %w", op, d.store, err)
		}
		for _, b := range page.Blobs {
			if k := webkv.Unescape(b.Key); strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		if page.NextCursor == "" || page.NextCursor == cursor {
			return keys, nil
		}
		cursor = page.NextCursor
	}
}

type listPage struct {
	Blobs []struct {
		Key string `json:"key"`
	} `json:"blobs"`
	NextCursor string `json:"next_cursor"`
}

func (d *Driver) listPage(ctx context.Context, target string) (listPage, error) {
	var page listPage
	resp, err := d.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+d.cfg.Token)
		}
		return req, err
	})
	if err != nil {
		return page, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return page, statusError(resp)
	}
	b, err := webkv.ReadAll(resp.Body, 64<<20)
	if err == nil {
		err = json.Unmarshal(b, &page)
	}
	return page, err
}

// Keys implements storage.Driver. Netlify lists blobs without their metadata,
// so each key found is checked with a HEAD request (8 at a time) to leave out
// the expired ones.
func (d *Driver) Keys(ctx context.Context, prefix string) ([]string, error) {
	if err := d.begin(ctx, "keys"); err != nil {
		return nil, err
	}
	found, err := d.list(ctx, "keys", prefix)
	if err != nil {
		return nil, err
	}
	state := make([]int, len(found))
	idx := make([]int, len(found))
	for i := range idx {
		idx[i] = i
	}
	err = webkv.Each(ctx, fanOut, idx, func(ctx context.Context, i int) error {
		st, err := d.head(ctx, "keys", found[i])
		state[i] = st
		return err
	})
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(found))
	for i, k := range found {
		if state[i] == live {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Clear implements storage.Driver: it deletes every blob of the store, as
// @netlify/blobs' deleteAll does.
func (d *Driver) Clear(ctx context.Context) error {
	if err := d.begin(ctx, "clear"); err != nil {
		return err
	}
	for range 1000 {
		resp, err := d.client.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodDelete, d.blobURL("", nil), nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+d.cfg.Token)
			}
			return req, err
		})
		if err != nil {
			return fmt.Errorf("netlify-blobs: clear %s: %w", d.store, err)
		}
		var res struct {
			BlobsDeleted *int `json:"blobs_deleted"`
			HasMore      bool `json:"has_more"`
		}
		b, err := webkv.ReadAll(resp.Body, 1<<16)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("netlify-blobs: clear %s: %w %d", d.store, webkv.ErrStatus, resp.StatusCode)
		}
		if err == nil {
			err = json.Unmarshal(b, &res)
		}
		if err == nil && res.BlobsDeleted == nil {
			err = errors.New("no blobs_deleted in the answer")
		}
		if err != nil {
			return fmt.Errorf("netlify-blobs: clear %s: %w", d.store, err)
		}
		if !res.HasMore {
			return nil
		}
	}
	return fmt.Errorf("netlify-blobs: clear %s: the store still has blobs after 1000 rounds", d.store)
}

// Sweep implements storage.Sweeper: it deletes the blobs whose TTL has passed
// (a HEAD request per blob, then a DELETE per expired one) and reports how many.
// Netlify has no conditional delete, so a blob written again between its HEAD
// and its DELETE (a session saved just as its old TTL ran out) is deleted too.
func (d *Driver) Sweep(ctx context.Context) (int, error) {
	if err := d.begin(ctx, "sweep"); err != nil {
		return 0, err
	}
	found, err := d.list(ctx, "sweep", "")
	if err != nil {
		return 0, err
	}
	var removed atomic.Int64
	err = webkv.Each(ctx, fanOut, found, func(ctx context.Context, k string) error {
		st, err := d.head(ctx, "sweep", k)
		if err != nil || st != expired {
			return err
		}
		if err := d.remove(ctx, "sweep", k); err != nil {
			return err
		}
		removed.Add(1)
		return nil
	})
	return int(removed.Load()), err
}

// Close implements storage.Driver. It only marks the driver closed: the HTTP
// client belongs to the caller.
func (d *Driver) Close() error {
	d.closed.Store(true)
	return nil
}
