// Package ginsession gives gin handlers the server-side sessions of
// github.com/goastro/session.
//
//	r := gin.New()
//	r.Use(ginsession.Middleware(mgr))
//	r.POST("/cart", func(c *gin.Context) {
//		s := ginsession.From(c)
//		...
//	})
//
// The middleware starts each request's session from its cookie and finishes
// it (saves it and adds its Set-Cookie header) just before gin writes the
// response's headers: on the first Write, WriteString, WriteHeaderNow, Flush
// or Hijack, which covers c.JSON, c.String, c.Redirect, c.Stream, c.File and
// the aborts; and after the handlers return, for a request that wrote nothing.
// If the session cannot be saved, the handler's response is replaced by a 500
// (see Config.ErrorHandler) and the error is added to c.Errors.
package ginsession

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/goastro/session"
)

// contextKey is the gin.Context key under which the middleware keeps the session.
type contextKey struct{}

// From returns the request's session, or nil when the middleware did not run.
// The session is in the request's context too: session.From(c.Request.Context()).
func From(c *gin.Context) *session.Session {
	v, _ := c.Get(contextKey{})
	s, _ := v.(*session.Session)
	return s
}

// Config adjusts the middleware. The zero value is usable.
type Config struct {
	// ErrorHandler answers a request whose session could not be saved before
	// its response was sent, with c.Writer's headers emptied. Default: c.Error(err)
	// and a plain-text 500 Internal Server Error.
	ErrorHandler func(c *gin.Context, err error)
	// Logger receives the errors of saving sessions. Default slog.Default().
	Logger *slog.Logger
}

// Middleware gives every request a session, reached with From(c).
func Middleware(m *session.Manager) gin.HandlerFunc { return Config{}.Middleware(m) }

// Middleware is the package's Middleware with this configuration.
func (cfg Config) Middleware(m *session.Manager) gin.HandlerFunc {
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = defaultErrorHandler
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return func(c *gin.Context) {
		value, _ := c.Cookie(m.CookieName())
		s := m.Start(c.Request.Context(), value)
		c.Request = c.Request.WithContext(session.NewContext(c.Request.Context(), s))
		c.Set(contextKey{}, s)
		w := &writer{ResponseWriter: c.Writer, s: s, c: c, cfg: &cfg}
		c.Writer = w
		defer func() { c.Writer = w.ResponseWriter }()
		c.Next()
		w.finish()
	}
}

func defaultErrorHandler(c *gin.Context, err error) {
	_ = c.Error(err)
	c.String(http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError))
}

// ErrNotSent is returned by the writes of a handler whose response was
// replaced by an error because its session could not be saved.
var ErrNotSent = errors.New("ginsession: the response was not sent: the session could not be saved")

type state uint8

const (
	open      state = iota // nothing decided yet
	committed              // the session is finished and the headers may go out
	rendering              // the error handler is writing the error response
	failed                 // the error response was sent instead of the handler's
)

// writer finishes the session at the moment gin would write the headers.
type writer struct {
	gin.ResponseWriter
	s     *session.Session
	c     *gin.Context
	cfg   *Config
	state state
}

// commit finishes the session before the headers go out and reports whether
// the handler's response may proceed.
func (w *writer) commit() bool {
	switch w.state {
	case committed, rendering:
		return true
	case failed:
		return false
	}
	h := w.Header()
	if w.s.Used() {
		addVary(h)
	}
	line, err := w.s.Finish(w.c.Request.Context())
	if err != nil {
		w.fail(err)
		return false
	}
	w.state = committed
	if line != "" {
		h.Add("Set-Cookie", line)
	}
	return true
}

// fail replaces the handler's response by the error handler's.
func (w *writer) fail(err error) {
	w.cfg.Logger.Error("ginsession: could not save the session; answering with an error instead of the response",
		"method", w.c.Request.Method, "path", w.c.Request.URL.Path, "error", err)
	h := w.Header()
	for k := range h {
		delete(h, k)
	}
	w.state = rendering
	w.c.Abort()
	w.cfg.ErrorHandler(w.c, err)
	w.ResponseWriter.WriteHeaderNow()
	w.state = failed
}

// finish runs after the handlers: it finishes a session whose response wrote
// nothing, or saves what the handlers changed after the response started.
func (w *writer) finish() {
	switch w.state {
	case open:
		w.commit()
	case committed:
		if !w.s.Used() {
			return
		}
		if _, err := w.s.Finish(w.c.Request.Context()); err != nil {
			_ = w.c.Error(err)
			w.cfg.Logger.Error("ginsession: could not save changes made after the response started",
				"method", w.c.Request.Method, "path", w.c.Request.URL.Path, "error", err)
		}
	}
}

// WriteHeader records the status, as gin's own writer does; nothing is sent yet.
func (w *writer) WriteHeader(code int) {
	if w.state != failed {
		w.ResponseWriter.WriteHeader(code)
	}
}

// WriteHeaderNow finishes the session, then sends the headers.
func (w *writer) WriteHeaderNow() {
	if w.commit() {
		w.ResponseWriter.WriteHeaderNow()
	}
}

// Write finishes the session before the first byte, then writes b.
func (w *writer) Write(b []byte) (int, error) {
	if !w.commit() {
		return 0, ErrNotSent
	}
	return w.ResponseWriter.Write(b)
}

// WriteString finishes the session before the first byte, then writes s.
func (w *writer) WriteString(s string) (int, error) {
	if !w.commit() {
		return 0, ErrNotSent
	}
	return w.ResponseWriter.WriteString(s)
}

// Flush finishes the session, then flushes the response, for streaming handlers.
func (w *writer) Flush() {
	if w.commit() {
		w.ResponseWriter.Flush()
	}
}

// Hijack finishes the session, then hands the connection to the handler.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, fmt.Errorf("ginsession: hijack: %w", ErrNotSent)
	}
	return w.ResponseWriter.Hijack()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// addVary adds Cookie to the response's Vary header unless it is there.
func addVary(h http.Header) {
	for _, v := range h.Values("Vary") {
		if v == "Cookie" || v == "*" {
			return
		}
	}
	h.Add("Vary", "Cookie")
}
