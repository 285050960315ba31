package session

import (
	"bufio"
	"net"
	"net/http"
)

// Middleware gives every request a session, reached with From(r.Context()): it
// calls Start with the request's cookie, and Finish just before the response
// headers are written (or when the handler returns, if it writes nothing). If
// the session cannot be saved, the response becomes the Config.ErrorHandler's
// (a 500 by default) and the error is logged: a handler's success page is
// never sent over lost data. A request that never uses its session costs no
// storage call.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := cookieValue(r.Header, m.cookie.Name)
		s := m.Start(r.Context(), c)
		r = r.WithContext(NewContext(r.Context(), s))
		rw := &responseWriter{ResponseWriter: w, s: s, r: r}
		next.ServeHTTP(rw, r)
		rw.finish()
	})
}

// responseWriter finishes the session before the first byte of the response.
type responseWriter struct {
	http.ResponseWriter
	s           *Session
	r           *http.Request
	wroteHeader bool // the status line and headers are decided
	failed      bool // saving failed and the error response was sent
}

// commit finishes the session before the headers go out. It reports whether
// the handler's response may proceed.
func (w *responseWriter) commit() bool {
	if w.wroteHeader {
		return !w.failed
	}
	w.wroteHeader = true
	h := w.ResponseWriter.Header()
	if w.s.Used() {
		addVary(h)
	}
	line, err := w.s.Finish(w.r.Context())
	if err != nil {
		w.failed = true
		w.s.m.log.Error("session: could not save the session; answering with an error instead of the response",
			"method", w.r.Method, "path", w.r.URL.Path, "driver", w.s.m.driverName, "error", err)
		for k := range h {
			delete(h, k)
		}
		w.s.m.onError(w.ResponseWriter, w.r, err)
		return false
	}
	if line != "" {
		h.Add("Set-Cookie", line)
	}
	return true
}

// finish saves what the handler changed after the response started, or the
// whole session when the handler wrote nothing.
func (w *responseWriter) finish() {
	if !w.wroteHeader {
		w.commit()
		return
	}
	if w.failed || !w.s.Used() {
		return
	}
	if _, err := w.s.Finish(w.r.Context()); err != nil {
		w.s.m.log.Error("session: could not save changes made after the response started",
			"method", w.r.Method, "path", w.r.URL.Path, "driver", w.s.m.driverName, "error", err)
	}
}

// WriteHeader finishes the session, then writes the status code.
func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: the real header comes later
		return
	}
	if w.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

// Write finishes the session before the first byte, then writes b.
func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.commit() {
		return 0, http.ErrAbortHandler
	}
	return w.ResponseWriter.Write(b)
}

// Flush finishes the session, then flushes the response, for streaming handlers.
func (w *responseWriter) Flush() {
	ok := w.commit()
	if f, isFlusher := w.ResponseWriter.(http.Flusher); ok && isFlusher {
		f.Flush()
	}
}

// Hijack finishes the session, then hands the connection to the handler.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, http.ErrAbortHandler
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// varyCookie is shared by the responses that have no Vary header yet; its
// capacity equals its length, so an append by a handler copies it.
var varyCookie = []string{"Cookie"}

func addVary(h http.Header) {
	vs, ok := h["Vary"]
	if !ok {
		h["Vary"] = varyCookie[:1:1]
		return
	}
	for _, v := range vs {
		if v == "Cookie" || v == "*" {
			return
		}
	}
	h.Add("Vary", "Cookie")
}
