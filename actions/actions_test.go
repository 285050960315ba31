package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

type addInput struct {
	ProductID string `json:"productId" validate:"required,max=64"`
	Quantity  int    `json:"quantity" validate:"required,min=1,max=99"`
	Note      string `json:"note,omitempty" validate:"max=5"`
	Gift      bool   `json:"gift"`
}

type addOutput struct {
	CartSize int    `json:"cartSize"`
	Product  string `json:"product"`
	Gift     bool   `json:"gift"`
}

func addAction() *Action[addInput, addOutput] {
	return Define("addToCart", func(ctx context.Context, in addInput) (addOutput, error) {
		if in.ProductID == "missing" {
			return addOutput{}, FieldError("productId", "No such product")
		}
		if in.ProductID == "locked" {
			return addOutput{}, NewError(Unauthorized, "Log in first.")
		}
		if in.ProductID == "boom" {
			return addOutput{}, errors.New("database password is hunter2")
		}
		return addOutput{CartSize: in.Quantity, Product: in.ProductID, Gift: in.Gift}, nil
	})
}

func post(t *testing.T, h http.Handler, path, ct, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Origin", "http://example.com") // the origin of httptest's requests
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type errJSON struct {
	Type    string              `json:"type"`
	Code    string              `json:"code"`
	Status  int                 `json:"status"`
	Message string              `json:"message"`
	Issues  []Issue             `json:"issues"`
	Fields  map[string][]string `json:"fields"`
}

func decodeErr(t *testing.T, w *httptest.ResponseRecorder) errJSON {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var e errJSON
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body %q: %v", w.Body, err)
	}
	return e
}

func TestActionSuccess(t *testing.T) {
	h := NewHandler(addAction())
	cases := []struct {
		name, ct, body string
		want           addOutput
	}{
		{"json", "application/json", `{"productId":"p1","quantity":3}`, addOutput{3, "p1", false}},
		{"json charset and unknown keys", "application/json; charset=utf-8", `{"productId":"p1","quantity":2,"extra":[1,2]}`, addOutput{2, "p1", false}},
		{"form", "application/x-www-form-urlencoded", "productId=p2&quantity=4&gift=on", addOutput{4, "p2", true}},
		{"form checkbox false", "application/x-www-form-urlencoded", "productId=p2&quantity=4&gift=false", addOutput{4, "p2", false}},
		{"form repeated key takes first", "application/x-www-form-urlencoded", "productId=a&productId=b&quantity=5", addOutput{5, "a", false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, h, "/_actions/addToCart", c.ct, c.body)
			if w.Code != 200 {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			var got addOutput
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestActionMultipart(t *testing.T) {
	type upload struct {
		Title string                `form:"title" validate:"required"`
		Tags  []string              `form:"tag" validate:"min=1"`
		Sizes []int                 `form:"size"`
		At    *time.Time            `form:"at"`
		File  *multipart.FileHeader `form:"file" validate:"required"`
	}
	type result struct {
		Title   string   `json:"title"`
		Tags    []string `json:"tags"`
		Sizes   []int    `json:"sizes"`
		Year    int      `json:"year"`
		Content string   `json:"content"`
	}
	a := Define("upload", func(ctx context.Context, in upload) (result, error) {
		f, err := in.File.Open()
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		year := 0
		if in.At != nil {
			year = in.At.Year()
		}
		return result{in.Title, in.Tags, in.Sizes, year, string(b)}, nil
	})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("title", "hello")
	mw.WriteField("tag", "a")
	mw.WriteField("tag", "b")
	mw.WriteField("size", "1")
	mw.WriteField("size", "2")
	mw.WriteField("at", "2026-01-02T03:04:05Z")
	fw, _ := mw.CreateFormFile("file", "x.txt")
	fw.Write([]byte("file body"))
	mw.Close()
	w := post(t, a, "/", mw.FormDataContentType(), buf.String())
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var got result
	json.Unmarshal(w.Body.Bytes(), &got)
	want := result{"hello", []string{"a", "b"}, []int{1, 2}, 2026, "file body"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	// Missing file and a bad number in a repeated key.
	buf.Reset()
	mw = multipart.NewWriter(&buf)
	mw.WriteField("title", "hello")
	mw.WriteField("size", "x")
	mw.Close()
	w = post(t, a, "/", mw.FormDataContentType(), buf.String())
	e := decodeErr(t, w)
	if w.Code != 400 || e.Type != "AstroActionInputError" || e.Fields["file"][0] != "Required" ||
		!strings.HasPrefix(e.Fields["size"][0], "Expected an integer") || len(e.Fields["tag"]) != 0 {
		t.Fatalf("status %d, %+v", w.Code, e)
	}
	if !reflect.DeepEqual(e.Issues[0].Path, []any{"size", float64(0)}) && !reflect.DeepEqual(e.Issues[1].Path, []any{"size", float64(0)}) {
		t.Fatalf("issues %+v", e.Issues)
	}
}

func TestActionInputErrors(t *testing.T) {
	h := NewHandler(addAction())
	cases := []struct {
		name, ct, body string
		fields         map[string]string // field -> message prefix
	}{
		{"json missing quantity", "application/json", `{"productId":"p1"}`, map[string]string{"quantity": "Required"}},
		{"json zero quantity", "application/json", `{"productId":"p1","quantity":0}`, map[string]string{"quantity": "Must be at least 1"}},
		{"json negative quantity", "application/json", `{"productId":"p1","quantity":-3}`, map[string]string{"quantity": "Must be at least 1"}},
		{"json too many", "application/json", `{"productId":"p1","quantity":100}`, map[string]string{"quantity": "Must be at most 99"}},
		{"json fractional quantity", "application/json", `{"productId":"p1","quantity":1.5}`, map[string]string{"quantity": "Expected an integer, received number"}},
		{"json string quantity", "application/json", `{"productId":"p1","quantity":"2"}`, map[string]string{"quantity": "Expected an integer, received string"}},
		{"json null quantity", "application/json", `{"productId":"p1","quantity":null}`, map[string]string{"quantity": "Required"}},
		{"json empty product", "application/json", `{"productId":"","quantity":1}`, map[string]string{"productId": "Required"}},
		{"json everything wrong", "application/json", `{"productId":7,"quantity":0,"note":"toolong"}`, map[string]string{"productId": "Expected string", "quantity": "Must be at least 1", "note": "Must have at most 5 characters"}},
		{"json empty body", "application/json", ``, map[string]string{"productId": "Required", "quantity": "Required"}},
		{"json null body", "application/json", `null`, map[string]string{"productId": "Required", "quantity": "Required"}},
		{"no content type no body", "", ``, map[string]string{"productId": "Required", "quantity": "Required"}},
		{"form missing", "application/x-www-form-urlencoded", "productId=p1", map[string]string{"quantity": "Required"}},
		{"form empty value", "application/x-www-form-urlencoded", "productId=p1&quantity=", map[string]string{"quantity": "Required"}},
		{"form not a number", "application/x-www-form-urlencoded", "productId=p1&quantity=abc", map[string]string{"quantity": "Expected an integer, received string"}},
		{"form fractional", "application/x-www-form-urlencoded", "productId=p1&quantity=2.5", map[string]string{"quantity": "Expected an integer, received number 2.5"}},
		{"form overflow", "application/x-www-form-urlencoded", "productId=p1&quantity=99999999999999999999", map[string]string{"quantity": "Expected an integer"}},
		{"handler field error", "application/json", `{"productId":"missing","quantity":1}`, map[string]string{"productId": "No such product"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, h, "/_actions/addToCart", c.ct, c.body)
			if w.Code != 400 {
				t.Fatalf("status %d, body %s", w.Code, w.Body)
			}
			e := decodeErr(t, w)
			if e.Type != "AstroActionInputError" || e.Code != "BAD_REQUEST" || e.Status != 400 {
				t.Fatalf("error %+v", e)
			}
			if len(e.Fields) != len(c.fields) {
				t.Fatalf("fields %v, want keys of %v", e.Fields, c.fields)
			}
			for f, prefix := range c.fields {
				if len(e.Fields[f]) != 1 || !strings.HasPrefix(e.Fields[f][0], prefix) {
					t.Errorf("fields[%s] = %q, want one message starting %q", f, e.Fields[f], prefix)
				}
			}
			if len(e.Issues) != len(c.fields) {
				t.Errorf("issues %+v", e.Issues)
			}
		})
	}
}

func TestActionRequestErrors(t *testing.T) {
	jsonOnly := Define("j", func(ctx context.Context, in addInput) (addOutput, error) { return addOutput{}, nil }, WithInput(JSONOnly))
	formOnly := Define("f", func(ctx context.Context, in addInput) (addOutput, error) { return addOutput{}, nil }, WithInput(FormOnly))
	small := Define("small", func(ctx context.Context, in addInput) (addOutput, error) { return addOutput{}, nil }, WithBodyLimit(32))
	h := NewHandler(addAction(), jsonOnly, formOnly, small)
	big := `{"productId":"` + strings.Repeat("x", 40) + `","quantity":1}`
	cases := []struct {
		name, method, path, ct, body string
		status                       int
		code                         Code
	}{
		{"GET", http.MethodGet, "/_actions/addToCart", "", "", 405, MethodNotAllowed},
		{"unknown action", http.MethodPost, "/_actions/nope", "application/json", "{}", 404, NotFound},
		{"text/plain", http.MethodPost, "/_actions/addToCart", "text/plain", "hi", 415, UnsupportedMediaType},
		{"bad content type", http.MethodPost, "/_actions/addToCart", "a/b/c;;", "hi", 415, UnsupportedMediaType},
		{"body without content type", http.MethodPost, "/_actions/addToCart", "", `{"productId":"p"}`, 415, UnsupportedMediaType},
		{"json-only gets form", http.MethodPost, "/_actions/j", "application/x-www-form-urlencoded", "quantity=1", 415, UnsupportedMediaType},
		{"form-only gets json", http.MethodPost, "/_actions/f", "application/json", "{}", 415, UnsupportedMediaType},
		{"syntax error", http.MethodPost, "/_actions/addToCart", "application/json", `{"productId":`, 400, BadRequest},
		{"trailing garbage", http.MethodPost, "/_actions/addToCart", "application/json", `{} {}`, 400, BadRequest},
		{"array body", http.MethodPost, "/_actions/addToCart", "application/json", `[1]`, 400, BadRequest},
		{"bad form escape", http.MethodPost, "/_actions/addToCart", "application/x-www-form-urlencoded", "a=%zz", 400, BadRequest},
		{"multipart without boundary", http.MethodPost, "/_actions/addToCart", "multipart/form-data", "x", 400, BadRequest},
		{"too large json", http.MethodPost, "/_actions/small", "application/json", big, 413, ContentTooLarge},
		{"too large form", http.MethodPost, "/_actions/small", "application/x-www-form-urlencoded", "productId=" + strings.Repeat("x", 40), 413, ContentTooLarge},
		{"too large multipart", http.MethodPost, "/_actions/small", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"productId\"\r\n\r\n" + strings.Repeat("x", 40) + "\r\n--b--\r\n", 413, ContentTooLarge},
		{"handler ActionError", http.MethodPost, "/_actions/addToCart", "application/json", `{"productId":"locked","quantity":1}`, 401, Unauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			r.Header.Set("Origin", "http://example.com")
			if c.ct != "" {
				r.Header.Set("Content-Type", c.ct)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, c.status, w.Body)
			}
			e := decodeErr(t, w)
			if e.Code != string(c.code) || e.Status != c.status || e.Type != "AstroActionError" || e.Message == "" {
				t.Fatalf("error %+v", e)
			}
			if c.status == 405 && w.Header().Get("Allow") != "POST" {
				t.Fatalf("Allow %q", w.Header().Get("Allow"))
			}
		})
	}
}

// A body whose length is unknown (chunked) is cut at the limit too.
func TestActionBodyLimitWithoutLength(t *testing.T) {
	a := Define("small", func(ctx context.Context, in addInput) (addOutput, error) { return addOutput{}, nil }, WithBodyLimit(16))
	r := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader(`{"productId":"`), strings.NewReader(strings.Repeat("y", 100)+`"}`)))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	if w.Code != 413 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
}

func TestActionInternalErrorIsLoggedNotSent(t *testing.T) {
	var logs bytes.Buffer
	a := Define("addToCart", addAction().fn, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	w := post(t, a, "/", "application/json", `{"productId":"boom","quantity":1}`)
	if w.Code != 500 {
		t.Fatalf("status %d", w.Code)
	}
	if strings.Contains(w.Body.String(), "hunter2") {
		t.Fatalf("internal error leaked: %s", w.Body)
	}
	e := decodeErr(t, w)
	if e.Code != "INTERNAL_SERVER_ERROR" || e.Message != "Internal server error" {
		t.Fatalf("%+v", e)
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "action=addToCart") {
		t.Fatalf("log %q", logs.String())
	}
}

type ctxKey struct{}

func TestActionSeesRequestContext(t *testing.T) {
	a := Define("who", func(ctx context.Context, in struct{}) (string, error) {
		v, _ := ctx.Value(ctxKey{}).(string)
		return v, nil
	})
	mw := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "alice")))
		})
	}
	w := post(t, mw(NewHandler(a)), "/_actions/who", "", "")
	if w.Code != 200 || w.Body.String() != `"alice"` {
		t.Fatalf("status %d body %s", w.Code, w.Body)
	}
}

func TestActionEmptyOutput(t *testing.T) {
	called := false
	a := Define("clear", func(ctx context.Context, in struct{}) (struct{}, error) { called = true; return struct{}{}, nil })
	w := post(t, a, "/", "application/json", "{}")
	if w.Code != 204 || w.Body.Len() != 0 || !called {
		t.Fatalf("status %d body %q called %v", w.Code, w.Body, called)
	}
}

func TestActionNonStructInput(t *testing.T) {
	a := Define("sum", func(ctx context.Context, in []int) (int, error) {
		s := 0
		for _, n := range in {
			s += n
		}
		return s, nil
	})
	if w := post(t, a, "/", "application/json", "[1,2,3]"); w.Code != 200 || w.Body.String() != "6" {
		t.Fatalf("status %d body %s", w.Code, w.Body)
	}
	if w := post(t, a, "/", "application/json", `{"a":1}`); w.Code != 400 {
		t.Fatalf("status %d body %s", w.Code, w.Body)
	}
	if w := post(t, a, "/", "application/x-www-form-urlencoded", "a=1"); w.Code != 415 {
		t.Fatalf("status %d body %s", w.Code, w.Body)
	}
}

type signup struct {
	Email    string   `json:"email" validate:"required,email"`
	Password string   `json:"password" validate:"required,min=8"`
	Confirm  string   `json:"confirm"`
	Theme    string   `json:"theme" validate:"oneof=light dark"`
	Level    *int     `json:"level" validate:"oneof=1 2 3"`
	Tags     []string `json:"tags" validate:"max=2"`
	Address  *address `json:"address"`
	Items    []item   `json:"items"`
}

type address struct {
	City string `json:"city" validate:"required"`
}

type item struct {
	ID  string `json:"id" validate:"required"`
	Qty int    `json:"qty" validate:"min=1"`
}

func (s signup) Validate() error {
	if s.Password != s.Confirm {
		return FieldError("confirm", "Passwords do not match")
	}
	return nil
}

func TestValidationRules(t *testing.T) {
	a := Define("signup", func(ctx context.Context, in signup) (bool, error) { return true, nil })
	cases := []struct {
		body   string
		fields map[string]string
	}{
		{`{"email":"a@b.example","password":"12345678","confirm":"12345678"}`, nil},
		{`{"email":"a@b.example","password":"12345678","confirm":"1234567x"}`, map[string]string{"confirm": "Passwords do not match"}},
		{`{"email":"Bob <a@b.example>","password":"1234567"}`, map[string]string{"email": "Must be a valid email address", "password": "Must have at least 8 characters"}},
		{`{"email":"a@b","password":"ééééééé"}`, map[string]string{"password": "Must have at least 8 characters"}},
		{`{"email":"a@b","password":"12345678","confirm":"12345678","theme":"blue","level":4,"tags":["a","b","c"]}`,
			map[string]string{"theme": "Must be one of: light, dark", "level": "Must be one of: 1, 2, 3", "tags": "Must have at most 2 elements"}},
		{`{"email":"a@b","password":"12345678","confirm":"12345678","theme":"dark","level":2,"address":{"city":""},"items":[{"id":"x","qty":1},{"qty":0}]}`,
			map[string]string{"address": "Required", "items": "Required"}},
	}
	for _, c := range cases {
		w := post(t, a, "/", "application/json", c.body)
		if c.fields == nil {
			if w.Code != 200 {
				t.Fatalf("%s: status %d %s", c.body, w.Code, w.Body)
			}
			continue
		}
		e := decodeErr(t, w)
		for f, prefix := range c.fields {
			if len(e.Fields[f]) == 0 || !strings.HasPrefix(e.Fields[f][0], prefix) {
				t.Errorf("%s: fields[%s] = %q, want %q", c.body, f, e.Fields[f], prefix)
			}
		}
		if len(e.Fields) != len(c.fields) {
			t.Errorf("%s: fields %v", c.body, e.Fields)
		}
	}
	// Nested paths name the element.
	w := post(t, a, "/", "application/json", `{"email":"a@b","password":"12345678","confirm":"12345678","items":[{"id":"x","qty":0}]}`)
	e := decodeErr(t, w)
	if len(e.Issues) != 1 || !reflect.DeepEqual(e.Issues[0].Path, []any{"items", float64(0), "qty"}) {
		t.Fatalf("issues %+v", e.Issues)
	}
}

func TestCall(t *testing.T) {
	a := addAction()
	out, err := a.Call(context.Background(), addInput{ProductID: "p", Quantity: 2})
	if err != nil || out.CartSize != 2 {
		t.Fatalf("%v %v", out, err)
	}
	_, err = a.Call(context.Background(), addInput{})
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != BadRequest || ae.Fields["quantity"][0] != "Must be at least 1" || ae.Fields["productId"][0] != "Required" {
		t.Fatalf("%#v", err)
	}
	_, err = a.Call(context.Background(), addInput{ProductID: "boom", Quantity: 1})
	if !errors.As(err, &ae) || ae.Code != InternalServerError || ae.Err == nil || !strings.Contains(ae.Err.Error(), "hunter2") {
		t.Fatalf("%#v", err)
	}
}

func TestDefinePanicsOnProgrammingErrors(t *testing.T) {
	type badRule struct {
		A int `validate:"between=1"`
	}
	type badMin struct {
		A int `validate:"min=x"`
	}
	type badEmail struct {
		A int `validate:"email"`
	}
	type nested struct {
		B struct {
			C string `validate:"oneof="`
		}
	}
	type mapField struct {
		M map[string]int
	}
	cases := map[string]func(){
		"empty name":     func() { Define("", func(context.Context, int) (int, error) { return 0, nil }) },
		"slash in name":  func() { Define("a/b", func(context.Context, int) (int, error) { return 0, nil }) },
		"unknown rule":   func() { Define("x", func(context.Context, badRule) (int, error) { return 0, nil }) },
		"bad min":        func() { Define("x", func(context.Context, badMin) (int, error) { return 0, nil }) },
		"email on int":   func() { Define("x", func(context.Context, badEmail) (int, error) { return 0, nil }) },
		"nested bad tag": func() { Define("x", func(context.Context, nested) (int, error) { return 0, nil }) },
		"form-only map": func() {
			Define("x", func(context.Context, mapField) (int, error) { return 0, nil }, WithInput(FormOnly))
		},
		"duplicate": func() { NewHandler(addAction(), addAction()) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestCodes(t *testing.T) {
	for code, status := range map[Code]int{BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404,
		Conflict: 409, ContentTooLarge: 413, UnprocessableContent: 422, TooManyRequests: 429, InternalServerError: 500,
		Code("NOPE"): 500} {
		if got := code.Status(); got != status {
			t.Errorf("%s.Status() = %d, want %d", code, got, status)
		}
	}
	if CodeForStatus(404) != NotFound || CodeForStatus(499) != InternalServerError {
		t.Fatal("CodeForStatus")
	}
	if len(codeStatus) != len(statusCode) {
		t.Fatal("two codes share a status")
	}
}

// The JSON of errors has exactly the keys Astro's client reads.
func TestErrorJSONShape(t *testing.T) {
	b, _ := json.Marshal(NewError(NotFound, "gone"))
	if string(b) != `{"type":"AstroActionError","code":"NOT_FOUND","status":404,"message":"gone"}` {
		t.Fatalf("%s", b)
	}
	b, _ = json.Marshal(FieldError("quantity", "Must be at least 1"))
	want := `{"type":"AstroActionInputError","code":"BAD_REQUEST","status":400,"message":"Failed to validate: quantity: Must be at least 1","issues":[{"code":"custom","path":["quantity"],"message":"Must be at least 1"}],"fields":{"quantity":["Must be at least 1"]}}`
	if string(b) != want {
		t.Fatalf("%s\nwant %s", b, want)
	}
	e := Errorf(Conflict, "saving: %w", context.DeadlineExceeded)
	if !errors.Is(e, context.DeadlineExceeded) || e.Status() != 409 || e.Error() != "actions: CONFLICT: saving: context deadline exceeded" {
		t.Fatalf("%v", e)
	}
}

func TestPath(t *testing.T) {
	a := Define("cart.add me", func(context.Context, int) (int, error) { return 0, nil })
	if a.Path() != "/_actions/cart.add%20me" {
		t.Fatal(a.Path())
	}
	// The handler finds it by its decoded name, also with a base path and a trailing slash.
	w := post(t, NewHandler(a), "/base/_actions/cart.add%20me/", "application/json", "1")
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestDevalueOutput(t *testing.T) {
	type out struct {
		CartSize int       `json:"cartSize"`
		At       time.Time `json:"at"`
		Tags     []string  `json:"tags"`
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := Define("x", func(ctx context.Context, in struct{}) (out, error) {
		return out{CartSize: 2, At: at, Tags: []string{"a", "a"}}, nil
	}, WithDevalueOutput())
	w := post(t, a, "/", "application/json", "{}")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json+devalue" {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
	}
	want := `[{"cartSize":1,"at":2,"tags":3},2,["Date","2026-01-02T03:04:05.000Z"],[4,4],"a"]`
	if w.Body.String() != want {
		t.Fatalf("body %s\nwant %s", w.Body, want)
	}
	// Errors stay JSON, as in Astro.
	b := Define("y", func(ctx context.Context, in struct{}) (out, error) { return out{}, NewError(Forbidden, "no") }, WithDevalueOutput())
	w = post(t, b, "/", "application/json", "{}")
	if w.Code != 403 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}

type ptrValidated struct {
	A int `json:"a"`
}

func (p *ptrValidated) Validate() error {
	if p.A%2 != 0 {
		return errors.New("a must be even")
	}
	return nil
}

// Validate methods with pointer receivers count too; a plain error becomes BAD_REQUEST.
func TestValidatePointerReceiver(t *testing.T) {
	a := Define("v", func(ctx context.Context, in ptrValidated) (int, error) { return in.A, nil })
	if w := post(t, a, "/", "application/json", `{"a":2}`); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w := post(t, a, "/", "application/json", `{"a":3}`)
	if e := decodeErr(t, w); w.Code != 400 || e.Code != "BAD_REQUEST" || e.Message != "a must be even" {
		t.Fatalf("%d %+v", w.Code, e)
	}
}
