// Package fibersession gives Fiber (v3) handlers the server-side sessions of
// github.com/goastro/session.
//
//	app := fiber.New()
//	app.Use(fibersession.Middleware(mgr))
//	app.Post("/cart", func(c fiber.Ctx) error {
//		s := fibersession.From(c)
//		...
//	})
//
// Fiber builds the whole response in memory and sends it after the handlers
// return, so the middleware finishes the session (saves it and adds its
// Set-Cookie header) when c.Next() returns, before the response is sent and
// before Fiber's ErrorHandler renders an error the handler returned. A body
// given with SendStreamWriter or SendStream is read only once the handlers
// have returned, so its headers carry the cookie too; but the stream writer
// runs on its own goroutine, possibly before the session is finished: make
// the session's changes before calling SendStreamWriter, not inside it.
//
// If the session cannot be saved, the handler's response (status, headers and
// body, a stream included) is discarded and the middleware returns an error
// for Fiber's ErrorHandler: it matches fiber.ErrInternalServerError (with
// errors.As), its message shows no internals, and errors.Is finds the cause.
package fibersession

import (
	"log/slog"

	"github.com/gofiber/fiber/v3"

	"github.com/goastro/session"
)

// localsKey is the Locals key under which the middleware keeps the session.
type localsKey struct{}

// From returns the request's session, or nil when the middleware did not run.
// The session is in the request's context too: session.From(c.Context()).
func From(c fiber.Ctx) *session.Session {
	s, _ := c.Locals(localsKey{}).(*session.Session)
	return s
}

// Config adjusts the middleware. The zero value is usable.
type Config struct {
	// Logger receives the errors of saving sessions. Default slog.Default().
	Logger *slog.Logger
}

// Middleware gives every request a session, reached with From(c).
func Middleware(m *session.Manager) fiber.Handler { return Config{}.Middleware(m) }

// Middleware is the package's Middleware with this configuration.
func (cfg Config) Middleware(m *session.Manager) fiber.Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return func(c fiber.Ctx) error {
		s := m.Start(c.Context(), c.Cookies(m.CookieName()))
		c.SetContext(session.NewContext(c.Context(), s))
		c.Locals(localsKey{}, s)
		handlerErr := c.Next()
		if s.Used() {
			c.Vary("Cookie")
		}
		line, err := s.Finish(c.Context())
		if err != nil {
			log.Error("fibersession: could not save the session; answering with an error instead of the response",
				"method", c.Method(), "path", c.Path(), "error", err)
			c.Response().Reset()
			return notSaved{cause: err, handler: handlerErr}
		}
		if line != "" {
			c.Response().Header.Add(fiber.HeaderSetCookie, line)
		}
		return handlerErr
	}
}

// notSaved is returned to Fiber's ErrorHandler when the session could not be
// saved: a 500 whose message shows no internals.
type notSaved struct{ cause, handler error }

func (e notSaved) Error() string { return fiber.ErrInternalServerError.Message }

// Unwrap gives fiber.ErrInternalServerError, the cause, and the handler's own
// error if it returned one.
func (e notSaved) Unwrap() []error {
	errs := []error{fiber.ErrInternalServerError, e.cause}
	if e.handler != nil {
		errs = append(errs, e.handler)
	}
	return errs
}
