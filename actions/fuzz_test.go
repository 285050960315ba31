package actions

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

type fuzzInput struct {
	ProductID string   `json:"productId" validate:"required,max=8"`
	Quantity  int      `json:"quantity" validate:"required,min=1,max=99"`
	Price     *float64 `json:"price" validate:"min=0"`
	Tags      []string `json:"tags" validate:"max=3"`
	Theme     string   `json:"theme" validate:"oneof=light dark"`
	On        bool     `json:"on"`
}

// fuzzAction checks, inside the handler, that every input that reached it obeys
// its validation rules.
func fuzzAction(t *testing.T, accept Input) *Action[fuzzInput, int] {
	return Define("f", func(ctx context.Context, in fuzzInput) (int, error) {
		if in.ProductID == "" || utf8.RuneCountInString(in.ProductID) > 8 {
			t.Errorf("productId %q passed validation", in.ProductID)
		}
		if in.Quantity < 1 || in.Quantity > 99 {
			t.Errorf("quantity %d passed validation", in.Quantity)
		}
		if in.Price != nil && *in.Price < 0 {
			t.Errorf("price %v passed validation", *in.Price)
		}
		if len(in.Tags) > 3 {
			t.Errorf("tags %q passed validation", in.Tags)
		}
		if in.Theme != "" && in.Theme != "light" && in.Theme != "dark" {
			t.Errorf("theme %q passed validation", in.Theme)
		}
		return in.Quantity, nil
	}, WithInput(accept), WithBodyLimit(4096))
}

// checkResponse holds for every answer: a known status, JSON body, and for
// errors the shape Astro's client reads.
func checkResponse(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	switch w.Code {
	case 200:
		var n int
		if err := json.Unmarshal(w.Body.Bytes(), &n); err != nil || n < 1 || n > 99 {
			t.Fatalf("200 with body %q", w.Body)
		}
	case 400, 413, 415:
		var e errJSON
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatalf("error body %q: %v", w.Body, err)
		}
		if e.Status != w.Code || Code(e.Code).Status() != w.Code || e.Message == "" {
			t.Fatalf("inconsistent error %+v for status %d", e, w.Code)
		}
		if e.Type == "AstroActionInputError" && (len(e.Issues) == 0 || len(e.Fields) == 0) {
			t.Fatalf("input error without issues: %s", w.Body)
		}
	default:
		t.Fatalf("unexpected status %d: %s", w.Code, w.Body)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"productId":"p1","quantity":3}`,
		`{"productId":"p1","quantity":3,"price":1.5,"tags":["a"],"theme":"dark","on":true}`,
		`{"productId":"p1","quantity":1e2}`,
		`{"productId":"p1","quantity":-1,"price":-0}`,
		`{"productId":"\u00e9\ud800","quantity":"3"}`,
		`{"PRODUCTID":"x","quantity":99,"tags":null}`,
		`null`, ``, `[]`, `"s"`, `{"productId":`, `{} {}`, `{"quantity":1.0}`,
		`{"productId":"p","quantity":2,"tags":[1,2]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		a := fuzzAction(t, JSONOrForm)
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		checkResponse(t, w)
	})
}

func FuzzDecodeForm(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "productId=p1&quantity=3"},
		{"application/x-www-form-urlencoded", "productId=p1&quantity=3&price=2.5&tags=a&tags=b&theme=light&on=on"},
		{"application/x-www-form-urlencoded", "productId=&quantity=1e3&price=NaN"},
		{"application/x-www-form-urlencoded", "productId=%zz"},
		{"application/x-www-form-urlencoded", "quantity=+5&price=Infinity&on=false"},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"productId\"\r\n\r\np1\r\n--b\r\nContent-Disposition: form-data; name=\"quantity\"\r\n\r\n7\r\n--b--\r\n"},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"tags\"; filename=\"a\"\r\n\r\nx\r\n--b--"},
		{"multipart/form-data", "x"},
		{"text/plain", "x"},
	} {
		f.Add(s.ct, s.body)
	}
	f.Fuzz(func(t *testing.T, ct, body string) {
		a := fuzzAction(t, FormOnly)
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Origin", "http://example.com")
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		if ct == "" && strings.TrimSpace(body) == "" {
			if w.Code != 400 {
				t.Fatalf("empty request: status %d", w.Code)
			}
		}
		checkResponse(t, w)
	})
}

// The input decoded from any JSON object is what encoding/json decodes from
// the same object keeping only the keys that are exactly field names: keys
// that differ from a field name only in case change nothing.
func FuzzJSONExactKeys(f *testing.F) {
	for _, s := range []string{
		`{"productId":"p1","quantity":3}`,
		`{"productId":"p1","quantity":3,"price":1.5,"tags":["a"],"theme":"dark","on":true}`,
		`{"productId":null,"quantity":5,"price":null}`,
		`{"productId":"p","quantity":2,"extra":{"a":[1,2]}}`,
		`{"productId":"p","quantity":1,"QUANTITY":7}`, `{"PRODUCTID":"x","productId":"p","quantity":2,"On":true}`,
		`{"productId":"p","quantity":0}`, `{}`, `null`,
	} {
		f.Add(s)
	}
	names := map[string]bool{"productId": true, "quantity": true, "price": true, "tags": true, "theme": true, "on": true}
	a := Define("f", func(ctx context.Context, in fuzzInput) (int, error) { return 0, nil })
	f.Fuzz(func(t *testing.T, body string) {
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &obj) != nil || obj == nil {
			t.Skip("not a JSON object")
		}
		for k, v := range obj {
			if !names[k] || strings.TrimSpace(string(v)) == "null" {
				delete(obj, k)
			}
		}
		exact, _ := json.Marshal(obj)
		var want fuzzInput
		wantErr := json.Unmarshal(exact, &want)
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		got, cleanup, err := a.Decode(r)
		cleanup()
		var ae *Error
		if err != nil && (!errors.As(err, &ae) || ae.Status() != 400) {
			t.Fatalf("Decode(%s): %v", body, err)
		}
		if wantErr != nil && err == nil {
			t.Fatalf("Decode(%s) succeeded, encoding/json of %s fails: %v", body, exact, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%s) = %+v, encoding/json of %s = %+v", body, got, exact, want)
		}
	})
}
