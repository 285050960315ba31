package fibersession_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v3"

	"github.com/goastro/session"
	fibersession "github.com/goastro/session/adapters/fiber"
)

// TestEdges covers the responses the scenario does not: a handler that writes
// nothing, and one whose error Fiber renders with the cookie.
func TestEdges(t *testing.T) {
	mgr, err := session.New(session.Config{Driver: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	app := fiber.New()
	app.Use(fibersession.Middleware(mgr))
	app.Post("/silent", func(c fiber.Ctx) error { return fibersession.From(c).Set("k", "silent") })
	app.Post("/error", func(c fiber.Ctx) error {
		fibersession.From(c).Set("k", "error")
		return fiber.ErrUnauthorized
	})
	app.Get("/k", func(c fiber.Ctx) error {
		v, _, _ := session.Get[string](fibersession.From(c), "k")
		return c.SendString(v)
	})
	for path, want := range map[string]string{"/silent": "silent", "/error": "error"} {
		resp, err := app.Test(httptest.NewRequest("POST", path, nil))
		if err != nil {
			t.Fatal(err)
		}
		cookie := resp.Header.Get("Set-Cookie")
		if !strings.HasPrefix(cookie, "astro-session=") {
			t.Fatalf("%s: status %d, no session cookie", path, resp.StatusCode)
		}
		req := httptest.NewRequest("GET", "/k", nil)
		req.Header.Set("Cookie", strings.Split(cookie, ";")[0])
		if resp, err = app.Test(req); err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(resp.Body); string(b) != want {
			t.Errorf("%s: stored %q, want %q", path, b, want)
		}
	}
}
