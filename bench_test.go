package session

import (
	"context"
	"net/http"
	"testing"

	"github.com/goastro/session/storage/memory"
)

// discardWriter is a minimal ResponseWriter whose header map is reused, so that
// the benchmarks measure the middleware rather than the recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func (w *discardWriter) reset() {
	for k := range w.h {
		delete(w.h, k)
	}
}

var okBody = []byte("ok")

func benchServe(b *testing.B, h http.Handler, cookie string) {
	b.Helper()
	req, _ := http.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
}

func benchManager(b *testing.B) (*Manager, string) {
	b.Helper()
	d := memory.New(memory.Options{})
	m, err := New(Config{Storage: d, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	id := NewID()
	d.Set(context.Background(), id, `[["Map",1,2,4,5],"userId",{"data":3,"expires":-1},"u-123","role",{"data":6,"expires":-1},"user"]`, 0)
	b.Cleanup(func() { d.Close() })
	return m, "astro-session=" + id
}

var bare = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(okBody) })

// BenchmarkBareHandler is the baseline: the handler without the middleware.
func BenchmarkBareHandler(b *testing.B) { benchServe(b, bare, "") }

// BenchmarkUntouched is a request with a session cookie whose handler never uses the session.
func BenchmarkUntouched(b *testing.B) {
	m, cookie := benchManager(b)
	benchServe(b, m.Middleware(bare), cookie)
}

// BenchmarkReadKey reads one key of a stored session.
func BenchmarkReadKey(b *testing.B) {
	m, cookie := benchManager(b)
	benchServe(b, m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := From(r.Context()).Get("userId")
		if err != nil || v != "u-123" {
			b.Fatal(v, err)
		}
		w.Write(okBody)
	})), cookie)
}

// BenchmarkSetKey sets one key of a stored session without reading it first.
func BenchmarkSetKey(b *testing.B) {
	m, cookie := benchManager(b)
	benchServe(b, m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := From(r.Context()).Set("lastSeen", 42); err != nil {
			b.Fatal(err)
		}
		w.Write(okBody)
	})), cookie)
}

// BenchmarkReadWrite reads a key and sets another in the same request.
func BenchmarkReadWrite(b *testing.B) {
	m, cookie := benchManager(b)
	benchServe(b, m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := From(r.Context())
		if _, err := s.Get("role"); err != nil {
			b.Fatal(err)
		}
		if err := s.Set("lastSeen", 42); err != nil {
			b.Fatal(err)
		}
		w.Write(okBody)
	})), cookie)
}
