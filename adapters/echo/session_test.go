package echosession_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/goastro/session"
	echosession "github.com/goastro/session/adapters/echo"
	"github.com/goastro/session/adapters/internal/scenario"
)

// TestScenario tells the shared story with echo.
func TestScenario(t *testing.T) { scenario.Run(t, server) }

func server(t *testing.T, m *session.Manager) string {
	e := echo.New()
	e.Use(echosession.Middleware(m))
	routes(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

// routes are the scenario's routes, written as an echo application would:
// errors are returned, for echo's HTTPErrorHandler to render.
func routes(e *echo.Echo) {
	e.GET("/none", func(c *echo.Context) error { return c.String(200, "none") })
	e.GET("/cart", func(c *echo.Context) error {
		cart, err := scenario.Cart(echosession.From(c))
		if err != nil {
			return err
		}
		return c.String(200, cart)
	})
	e.POST("/cart", func(c *echo.Context) error {
		if err := scenario.AddItem(echosession.From(c), c.QueryParam("item")); err != nil {
			return err
		}
		return c.String(200, "added")
	})
	e.POST("/login", func(c *echo.Context) error {
		if err := scenario.Login(echosession.From(c), c.QueryParam("user"), c.QueryParam("remember")); err != nil {
			return err
		}
		return c.String(200, "welcome")
	})
	e.POST("/logout", func(c *echo.Context) error {
		if err := scenario.Logout(echosession.From(c)); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.POST("/fail", func(c *echo.Context) error {
		return echo.NewHTTPError(scenario.FailStatus, "no").Wrap(scenario.Fail(echosession.From(c)))
	})
	e.GET("/value", func(c *echo.Context) error {
		// The session is in the request's context too.
		v, err := scenario.Value(session.From(c.Request().Context()), c.QueryParam("key"))
		if err != nil {
			return err
		}
		return c.String(200, v)
	})
	e.GET("/stream", func(c *echo.Context) error {
		if err := scenario.StartStream(echosession.From(c)); err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextPlain)
		c.Response().WriteHeader(http.StatusOK)
		for _, chunk := range scenario.Chunks {
			if _, err := io.WriteString(c.Response(), chunk); err != nil {
				return err
			}
			if err := http.NewResponseController(c.Response()).Flush(); err != nil {
				return err
			}
		}
		return nil
	})
}
