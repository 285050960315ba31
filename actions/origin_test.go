package actions

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// originCase is one request for the origin check; httptest requests are for
// http://example.com unless host or tls say otherwise.
type originCase struct {
	name, host, origin, ct, body string
	tls                          bool
	status                       int
}

func serveOrigin(h http.Handler, c originCase) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/_actions/addToCart", strings.NewReader(c.body))
	if c.host != "" {
		r.Host = c.host
	}
	if c.tls {
		r.TLS = &tls.ConnectionState{}
	} else {
		r.TLS = nil
	}
	if c.origin != "" {
		r.Header.Set("Origin", c.origin)
	}
	if c.ct != "" {
		r.Header.Set("Content-Type", c.ct)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

const (
	formBody = "productId=p&quantity=2"
	jsonBody = `{"productId":"p","quantity":2}`
	formCT   = "application/x-www-form-urlencoded"
)

// As Astro's security.checkOrigin: a POST with a form-like Content-Type
// (urlencoded, multipart, text/plain) or none at all must carry the Origin of
// the request's own URL; JSON, which a cross-site page cannot send without a
// CORS preflight, is not checked.
func TestHandlerRefusesCrossOrigin(t *testing.T) {
	cases := []originCase{
		{name: "form from another site", origin: "https://evil.example", ct: formCT, body: formBody, status: 403},
		{name: "form without Origin", ct: formCT, body: formBody, status: 403},
		{name: "form with Origin null", origin: "null", ct: formCT, body: formBody, status: 403},
		{name: "multipart from another site", origin: "https://evil.example", ct: "multipart/form-data; boundary=b", body: "--b--\r\n", status: 403},
		{name: "text/plain from another site", origin: "https://evil.example", ct: "text/plain", body: "x", status: 403},
		{name: "upper-case form type", origin: "https://evil.example", ct: "Application/X-WWW-Form-Urlencoded", body: formBody, status: 403},
		{name: "no Content-Type from another site", origin: "https://evil.example", status: 403},
		{name: "other scheme", origin: "https://example.com", ct: formCT, body: formBody, status: 403},
		{name: "other port", origin: "http://example.com:8080", ct: formCT, body: formBody, status: 403},
		{name: "form from the same origin", origin: "http://example.com", ct: formCT, body: formBody, status: 200},
		{name: "same origin, default port in Host", host: "example.com:80", origin: "http://example.com", ct: formCT, body: formBody, status: 200},
		{name: "same origin over TLS", tls: true, origin: "https://example.com", ct: formCT, body: formBody, status: 200},
		{name: "TLS, default port in Host", tls: true, host: "example.com:443", origin: "https://example.com", ct: formCT, body: formBody, status: 200},
		{name: "same origin with a port", host: "127.0.0.1:4321", origin: "http://127.0.0.1:4321", ct: formCT, body: formBody, status: 200},
		{name: "JSON from another site", origin: "https://evil.example", ct: "application/json", body: jsonBody, status: 200},
		{name: "JSON without Origin", ct: "application/json", body: jsonBody, status: 200},
	}
	h := NewHandler(addAction())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := serveOrigin(h, c)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, c.status, w.Body)
			}
			if c.status == 403 {
				e := decodeErr(t, w)
				if e.Type != "AstroActionError" || e.Code != string(Forbidden) || e.Status != 403 || e.Message != "Cross-site POST form submissions are forbidden" {
					t.Fatalf("error %+v", e)
				}
			}
		})
	}
}

func TestOriginCheckOptions(t *testing.T) {
	evil := originCase{origin: "https://evil.example", ct: formCT, body: formBody}
	proxied := originCase{origin: "https://shop.example", host: "10.0.0.5:8080", ct: formCT, body: formBody}

	h := NewHandler(addAction())
	h.AllowCrossOrigin = true
	if w := serveOrigin(h, evil); w.Code != 200 {
		t.Fatalf("AllowCrossOrigin: status %d: %s", w.Code, w.Body)
	}

	h = NewHandler(addAction())
	if w := serveOrigin(h, proxied); w.Code != 403 {
		t.Fatalf("behind a proxy without TrustedOrigins: status %d", w.Code)
	}
	h.TrustedOrigins = []string{"https://shop.example"}
	if w := serveOrigin(h, proxied); w.Code != 200 {
		t.Fatalf("TrustedOrigins: status %d: %s", w.Code, w.Body)
	}
	if w := serveOrigin(h, evil); w.Code != 403 {
		t.Fatalf("TrustedOrigins lets another origin in: status %d", w.Code)
	}

	// An action served on its own checks too, unless told not to.
	if w := serveOrigin(addAction(), evil); w.Code != 403 {
		t.Fatalf("Action.ServeHTTP: status %d", w.Code)
	}
	open := Define("addToCart", func(ctx context.Context, in addInput) (int, error) { return in.Quantity, nil }, AllowCrossOrigin())
	if w := serveOrigin(open, evil); w.Code != 200 {
		t.Fatalf("AllowCrossOrigin(): status %d: %s", w.Code, w.Body)
	}
	trusted := Define("addToCart", func(ctx context.Context, in addInput) (int, error) { return in.Quantity, nil }, WithTrustedOrigins("https://shop.example"))
	if w := serveOrigin(trusted, proxied); w.Code != 200 {
		t.Fatalf("WithTrustedOrigins: status %d: %s", w.Code, w.Body)
	}
	// A Handler that allows cross-origin requests serves its actions so.
	h = NewHandler(addAction())
	h.AllowCrossOrigin = true
	if w := serveOrigin(h, evil); w.Code != 200 {
		t.Fatalf("Handler.AllowCrossOrigin over a checking action: status %d", w.Code)
	}
}

type prefsInput struct {
	Prefs struct {
		Theme string `json:"theme"`
		Lang  string `json:"lang"`
	} `json:"prefs"`
	Lines []struct {
		ID  string `json:"id"`
		Qty int    `json:"qty"`
	} `json:"lines"`
	Tags map[string]struct {
		On bool `json:"on"`
	} `json:"tags"`
}

// Keys match field names exactly, as Astro's zod schemas do: a key that differs
// only in case is an unknown key, and unknown keys are ignored.
func TestJSONKeysMatchExactly(t *testing.T) {
	h := NewHandler(addAction())
	for _, c := range []struct {
		name, body string
		status     int
		quantity   int
	}{
		{"exact key first", `{"productId":"p","quantity":1,"QUANTITY":7}`, 200, 1},
		{"exact key last", `{"productId":"p","QUANTITY":7,"quantity":1}`, 200, 1},
		{"only a case variant", `{"productId":"p","Quantity":3}`, 400, 0},
		{"case variant of productId", `{"productid":"x","quantity":2}`, 400, 0},
		{"repeated exact key, the last wins as in JSON.parse", `{"productId":"p","quantity":1,"quantity":4}`, 200, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, h, "/_actions/addToCart", "application/json", c.body)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.status != 200 {
				return
			}
			var got addOutput
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.CartSize != c.quantity {
				t.Fatalf("got %s, want quantity %d", w.Body, c.quantity)
			}
		})
	}

	nested := Define("prefs", func(ctx context.Context, in prefsInput) (prefsInput, error) { return in, nil })
	w := post(t, nested, "/_actions/prefs", "application/json",
		`{"prefs":{"theme":"dark","THEME":"x","Lang":"fr"},"PREFS":{"theme":"y"},`+
			`"lines":[{"id":"a","ID":"b","Qty":9,"qty":1}],"tags":{"t":{"On":true},"u":{"on":true,"ON":false}}}`)
	if w.Code != 200 {
		t.Fatalf("nested: status %d: %s", w.Code, w.Body)
	}
	want := `{"prefs":{"theme":"dark","lang":""},"lines":[{"id":"a","qty":1}],"tags":{"t":{"on":false},"u":{"on":true}}}`
	if got := strings.TrimSpace(w.Body.String()); got != want {
		t.Fatalf("nested:\n got %s\nwant %s", got, want)
	}

	type line struct {
		ID string `json:"id"`
	}
	list := Define("list", func(ctx context.Context, in []line) ([]line, error) { return in, nil })
	w = post(t, list, "/_actions/list", "application/json", `[{"ID":"x"},{"id":"a","Id":"b"}]`)
	if got := strings.TrimSpace(w.Body.String()); w.Code != 200 || got != `[{"id":""},{"id":"a"}]` {
		t.Fatalf("non-struct input: status %d, body %s", w.Code, got)
	}
}

// JSON input is read only from application/json, form input only from the
// form types; anything else is UNSUPPORTED_MEDIA_TYPE in Astro's error shape.
func TestContentTypes(t *testing.T) {
	h := NewHandler(addAction())
	for _, c := range []struct {
		name, ct, body string
		status         int
	}{
		{"json", "application/json", jsonBody, 200},
		{"json with charset", "application/json; charset=utf-8", jsonBody, 200},
		{"json, upper case", "Application/JSON", jsonBody, 200},
		{"urlencoded", formCT, formBody, 200},
		{"multipart", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"productId\"\r\n\r\np\r\n--b\r\nContent-Disposition: form-data; name=\"quantity\"\r\n\r\n2\r\n--b--\r\n", 200},
		{"json body as text/plain", "text/plain", jsonBody, 415},
		{"json body as text/plain with charset", "text/plain;charset=UTF-8", jsonBody, 415},
		{"json body as a +json type", "application/merge-patch+json", jsonBody, 415},
		{"json body as application/x-json", "application/x-json", jsonBody, 415},
		{"form body as text/plain", "text/plain", formBody, 415},
		{"json body without Content-Type", "", jsonBody, 415},
		{"xml", "application/xml", "<a/>", 415},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, h, "/_actions/addToCart", c.ct, c.body)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.status == 415 {
				if e := decodeErr(t, w); e.Type != "AstroActionError" || e.Code != "UNSUPPORTED_MEDIA_TYPE" || e.Status != 415 {
					t.Fatalf("error %+v", e)
				}
			}
		})
	}
}
