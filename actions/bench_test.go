package actions

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The cost of an action call over a hand-written handler that decodes the same
// JSON with encoding/json, checks the same rules and encodes the same output.

const benchBody = `{"productId":"tee","quantity":3}`

func BenchmarkActionJSON(b *testing.B) {
	a := Define("addToCart", func(ctx context.Context, in addInput) (addOutput, error) {
		return addOutput{CartSize: in.Quantity, Product: in.ProductID}, nil
	})
	benchHandler(b, a, "application/json", benchBody)
}

func BenchmarkActionForm(b *testing.B) {
	a := Define("addToCart", func(ctx context.Context, in addInput) (addOutput, error) {
		return addOutput{CartSize: in.Quantity, Product: in.ProductID}, nil
	})
	benchHandler(b, a, "application/x-www-form-urlencoded", "productId=tee&quantity=3")
}

func BenchmarkHandWrittenJSON(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in addInput
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, DefaultBodyLimit)).Decode(&in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if in.ProductID == "" || len(in.ProductID) > 64 || in.Quantity < 1 || in.Quantity > 99 || len(in.Note) > 5 {
			http.Error(w, "invalid", 400)
			return
		}
		body, _ := json.Marshal(addOutput{CartSize: in.Quantity, Product: in.ProductID})
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	benchHandler(b, h, "application/json", benchBody)
}

func benchHandler(b *testing.B, h http.Handler, ct, body string) {
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/_actions/addToCart", strings.NewReader(body))
		r.Header.Set("Origin", "http://example.com")
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
