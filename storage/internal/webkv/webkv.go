// Package webkv holds what the drivers over HTTP key-value services share
// (Netlify Blobs, Cloudflare KV, unstorage's storage server): the escaping of
// keys into URLs as the JavaScript clients do it, requests retried on the
// statuses those clients retry, and bounded fan-out for per-key requests.
package webkv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

const upperhex = "0123456789ABCDEF"

// EncodeURIComponent escapes s as JavaScript's encodeURIComponent does: every
// byte but A-Z a-z 0-9 - _ . ! ~ * ' ( ) becomes %XX of its UTF-8 encoding. s
// must be valid UTF-8 (JavaScript throws on lone surrogates; keys are checked
// with storage.CleanKey before they get here).
func EncodeURIComponent(s string) string {
	return escape(s, func(c byte) bool {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			return false
		}
		return !strings.ContainsRune("-_.!~*'()", rune(c))
	})
}

// EncodePathSegment escapes s for one URL path segment as a WHATWG URL parser
// (JavaScript's new URL) escapes a path: C0 controls, space, " # < > ? ` { },
// DEL and every non-ASCII byte become %XX; so do '/', '\' and '%', which the
// parser would otherwise read as separators or escapes.
func EncodePathSegment(s string) string {
	return escape(s, func(c byte) bool {
		return c <= 0x20 || c >= 0x7f || strings.ContainsRune("\"#<>?`{}/\\%", rune(c))
	})
}

func escape(s string, must func(byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if must(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; must(c) {
			b = append(b, '%', upperhex[c>>4], upperhex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// Unescape decodes %XX escapes in s. It returns s unchanged when s holds a '%'
// that starts no valid escape or decodes to invalid UTF-8, so that a key stored
// by another program with a literal '%' is still listed as it is.
func Unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return s
		}
		h, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return s
		}
		b = append(b, byte(h))
		i += 2
	}
	if !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// Client sends requests to a key-value service. Requests are idempotent (GET,
// HEAD, PUT of a whole value, DELETE), so one that fails with a network error
// or a 429 or 5xx status is sent again, up to Retries more times, after a
// delay that doubles from 100 ms (or the time a Retry-After header asks for,
// up to 5 s), as long as the context allows.
type Client struct {
	HTTP    *http.Client
	Retries int
}

// Do builds a request with build and sends it, retrying as described on
// Client. build is called again for each attempt, so a request body is sent
// whole every time. The caller closes the body of the response it gets.
func (c *Client) Do(ctx context.Context, build func(ctx context.Context) (*http.Request, error)) (*http.Response, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	delay := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		req, err := build(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(req)
		retry := attempt < c.Retries && ctx.Err() == nil &&
			(err != nil || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500)
		if !retry {
			if err != nil && ctx.Err() != nil {
				return nil, fmt.Errorf("%w (%v)", ctx.Err(), err)
			}
			return resp, err
		}
		wait := delay
		if resp != nil {
			if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
				wait = min(time.Duration(s)*time.Second, 5*time.Second)
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		delay *= 2
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// ReadAll reads a response body of at most limit bytes.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("response larger than %d bytes", limit)
	}
	return b, nil
}

// Snippet is the start of an error response body, for an error message.
func Snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
	if s == "" {
		return ""
	}
	return ": " + s
}

// Each calls fn for every item, at most n at a time, and returns the first
// error (the others still run to their end). It stops starting new calls once
// an error happened or ctx is done.
func Each[T any](ctx context.Context, n int, items []T, fn func(ctx context.Context, item T) error) error {
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, max(n, 1))
	for _, it := range items {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		if err := ctx.Err(); err != nil {
			mu.Lock()
			first = cmpErr(first, err)
			mu.Unlock()
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, it); err != nil {
				mu.Lock()
				first = cmpErr(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// ErrStatus is wrapped by the errors of responses with an unexpected status.
var ErrStatus = errors.New("unexpected HTTP status")
