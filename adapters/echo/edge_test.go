package echosession_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/goastro/session"
	echosession "github.com/goastro/session/adapters/echo"
)

// TestEdges covers the responses the scenario does not: a handler that writes
// nothing, a returned error rendered by echo, and a change made after the
// response started.
func TestEdges(t *testing.T) {
	mgr, err := session.New(session.Config{Driver: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	e := echo.New()
	e.Use(echosession.Middleware(mgr))
	e.POST("/silent", func(c *echo.Context) error { return echosession.From(c).Set("k", "silent") })
	e.POST("/error", func(c *echo.Context) error {
		echosession.From(c).Set("k", "error")
		return echo.ErrUnauthorized
	})
	e.POST("/late", func(c *echo.Context) error {
		s := echosession.From(c)
		s.Set("k", "early")
		err := c.String(http.StatusOK, "sent")
		s.Set("k", "late")
		return err
	})
	e.GET("/k", func(c *echo.Context) error {
		v, _, _ := session.Get[string](echosession.From(c), "k")
		return c.String(http.StatusOK, v)
	})
	for path, want := range map[string]string{"/silent": "silent", "/error": "error", "/late": "late"} {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest("POST", path, nil))
		cookie := w.Header().Get("Set-Cookie")
		if !strings.HasPrefix(cookie, "astro-session=") {
			t.Fatalf("%s: status %d, no session cookie", path, w.Code)
		}
		w = httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/k", nil)
		req.Header.Set("Cookie", strings.Split(cookie, ";")[0])
		e.ServeHTTP(w, req)
		if w.Body.String() != want {
			t.Errorf("%s: stored %q, want %q", path, w.Body.String(), want)
		}
	}
}
