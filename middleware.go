package session

import (
	"bufio"
	"context"
	"net"
	"net/http"
)

type contextKey struct{}

// requestState is everything the middleware keeps for one request, allocated
// once: it is the request's context (so the session needs no extra context
// value), the session, and the response writer that saves the session before the
// headers go out.
type requestState struct {
	context.Context
	sess Session
	w    responseWriter
}

// Value returns the request's session for the session key, and defers to the
// request's context for every other key.
func (st *requestState) Value(key any) any {
	if _, ok := key.(contextKey); ok {
		return &st.sess
	}
	return st.Context.Value(key)
}

// From returns the session of the request whose context is ctx, or nil when the
// request did not pass through a Manager's Middleware.
func From(ctx context.Context) *Session {
	s, _ := ctx.Value(contextKey{}).(*Session)
	return s
}

// Middleware gives every request a session, reached with From(r.Context()). The
// session is saved, and its cookie set, just before the response headers are
// written, or when the handler returns if it writes nothing. If the session
// cannot be saved, the response becomes the Config.ErrorHandler's (a 500 by
// default) and the error is logged: a handler's success page is never sent over
// lost data. A request that never uses its session costs no storage call.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &requestState{Context: r.Context()}
		st.sess.init(m, st.Context, r.Header)
		st.sess.resp = &st.w
		st.w.ResponseWriter, st.w.sess = w, &st.sess
		r = r.WithContext(st)
		st.w.req = r
		next.ServeHTTP(&st.w, r)
		st.w.finish()
	})
}

// responseWriter saves the session before the first byte of the response.
type responseWriter struct {
	http.ResponseWriter
	sess        *Session
	req         *http.Request
	wroteHeader bool // the response status line and headers are decided
	failed      bool // saving failed and the error response was sent
}

// commit saves the session before the headers go out. It reports whether the
// handler's response may proceed.
func (w *responseWriter) commit() bool {
	if w.wroteHeader {
		return !w.failed
	}
	s := w.sess
	s.mu.Lock()
	var err error
	if s.started {
		addVary(w.ResponseWriter.Header())
		err = s.flush()
	}
	w.wroteHeader = true
	s.mu.Unlock()
	if err != nil {
		w.failed = true
		s.m.log.Error("session: could not save the session; answering with an error instead of the response",
			"method", w.req.Method, "path", w.req.URL.Path, "driver", s.m.driverName, "error", err)
		h := w.ResponseWriter.Header()
		for k := range h {
			delete(h, k)
		}
		s.m.onError(w.ResponseWriter, w.req, err)
		return false
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
	s := w.sess
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.failed || !s.started || (!s.dirty && len(s.toDestroy) == 0 && !s.sendCookie && !s.deleteCookie && !s.indexAdd && len(s.indexRemove) == 0) {
		return
	}
	if err := s.flush(); err != nil {
		s.m.log.Error("session: could not save changes made after the response started",
			"method", w.req.Method, "path", w.req.URL.Path, "driver", s.m.driverName, "error", err)
	}
}

// WriteHeader saves the session, then writes the status code.
func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: the real header comes later
		return
	}
	if !w.wroteHeader && !w.commit() {
		return
	}
	if w.failed {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write saves the session before the first byte, then writes b.
func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader && !w.commit() {
		return 0, http.ErrAbortHandler
	}
	if w.failed {
		return 0, http.ErrAbortHandler
	}
	return w.ResponseWriter.Write(b)
}

// Flush saves the session, then flushes the response, for streaming handlers.
func (w *responseWriter) Flush() {
	if !w.wroteHeader && !w.commit() {
		return
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok && !w.failed {
		f.Flush()
	}
}

// Hijack saves the session, then hands the connection to the handler.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.wroteHeader && !w.commit() {
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
