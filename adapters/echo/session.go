// Package echosession gives echo (v5) handlers the server-side sessions of
// github.com/goastro/session.
//
//	e := echo.New()
//	e.Use(echosession.Middleware(mgr))
//	e.POST("/cart", func(c *echo.Context) error {
//		s := echosession.From(c)
//		...
//	})
//
// The middleware starts each request's session from its cookie and finishes
// it (saves it and adds its Set-Cookie header) just before the response's
// headers are written: on the handler's first WriteHeader, Write, Flush or
// Hijack, and, for a handler that returns an error or writes nothing, when it
// returns, so before echo's HTTPErrorHandler renders the error. If the session
// cannot be saved, the handler's response is never sent: the middleware
// returns a 500 HTTPError for echo's error handler to render, or calls that
// handler itself when the handler had started writing.
package echosession

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/goastro/session"
)

// contextKey is the echo.Context key under which the middleware keeps the session.
const contextKey = "github.com/goastro/session"

// From returns the request's session, or nil when the middleware did not run.
// The session is in the request's context too: session.From(c.Request().Context()).
func From(c *echo.Context) *session.Session {
	s, _ := c.Get(contextKey).(*session.Session)
	return s
}

// Config adjusts the middleware. The zero value is usable.
type Config struct {
	// Logger receives the errors of saving sessions. Default: the echo
	// instance's logger.
	Logger *slog.Logger
}

// Middleware gives every request a session, reached with From(c).
func Middleware(m *session.Manager) echo.MiddlewareFunc { return Config{}.Middleware(m) }

// Middleware is the package's Middleware with this configuration.
func (cfg Config) Middleware(m *session.Manager) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			var value string
			if ck, err := c.Cookie(m.CookieName()); err == nil {
				value = ck.Value
			}
			s := m.Start(c.Request().Context(), value)
			c.SetRequest(c.Request().WithContext(session.NewContext(c.Request().Context(), s)))
			c.Set(contextKey, s)
			log := cfg.Logger
			if log == nil {
				log = c.Logger()
			}
			w := &writer{ResponseWriter: c.Response(), s: s, c: c, log: log}
			c.SetResponse(w)
			err := next(c)
			c.SetResponse(w.ResponseWriter)
			return w.finish(err)
		}
	}
}

// ErrNotSent is returned by the writes of a handler whose response was
// replaced by an error because its session could not be saved.
var ErrNotSent = errors.New("echosession: the response was not sent: the session could not be saved")

type state uint8

const (
	open      state = iota // nothing decided yet
	committed              // the session is finished and the headers may go out
	rendering              // echo's error handler is writing the error response
	failed                 // the error response was sent instead of the handler's
)

// writer finishes the session before the response's headers are written.
type writer struct {
	http.ResponseWriter
	s     *session.Session
	c     *echo.Context
	log   *slog.Logger
	state state
}

// save finishes the session and adds Vary and Set-Cookie to the headers. On
// failure it empties the headers and returns the error to answer with.
func (w *writer) save() error {
	h := w.Header()
	if w.s.Used() {
		addVary(h)
	}
	line, err := w.s.Finish(w.c.Request().Context())
	if err != nil {
		w.log.Error("echosession: could not save the session; answering with an error instead of the response",
			"method", w.c.Request().Method, "path", w.c.Request().URL.Path, "error", err)
		for k := range h {
			delete(h, k)
		}
		return echo.ErrInternalServerError.Wrap(err)
	}
	w.state = committed
	if line != "" {
		h.Add("Set-Cookie", line)
	}
	return nil
}

// commit finishes the session before the headers go out and reports whether
// the handler's response may proceed; if not, echo's error handler has
// answered instead.
func (w *writer) commit() bool {
	switch w.state {
	case committed, rendering:
		return true
	case failed:
		return false
	}
	if err := w.save(); err != nil {
		w.state = rendering
		w.c.Echo().HTTPErrorHandler(w.c, err)
		w.state = failed
		return false
	}
	return true
}

// finish runs when the handler returns, before echo renders its error.
func (w *writer) finish(handlerErr error) error {
	switch w.state {
	case open:
		if err := w.save(); err != nil {
			if handlerErr != nil {
				return fmt.Errorf("%w (after the handler's error: %w)", err, handlerErr)
			}
			return err
		}
	case committed:
		if !w.s.Used() {
			break
		}
		if _, err := w.s.Finish(w.c.Request().Context()); err != nil {
			w.log.Error("echosession: could not save changes made after the response started",
				"method", w.c.Request().Method, "path", w.c.Request().URL.Path, "error", err)
		}
	case failed:
		return nil // the error response has been sent
	}
	return handlerErr
}

// WriteHeader finishes the session, then writes the status code.
func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: the real header comes later
		return
	}
	if w.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

// Write finishes the session before the first byte, then writes b.
func (w *writer) Write(b []byte) (int, error) {
	if !w.commit() {
		return 0, ErrNotSent
	}
	return w.ResponseWriter.Write(b)
}

// Flush finishes the session, then flushes the response, for streaming handlers.
func (w *writer) Flush() {
	if w.commit() {
		http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// Hijack finishes the session, then hands the connection to the handler.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, fmt.Errorf("echosession: hijack: %w", ErrNotSent)
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController and echo.UnwrapResponse the underlying writer.
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
