package fibersession_test

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/goastro/session"
	fibersession "github.com/goastro/session/adapters/fiber"
	"github.com/goastro/session/adapters/internal/scenario"
)

// TestScenario tells the shared story with Fiber.
func TestScenario(t *testing.T) { scenario.Run(t, server) }

func server(t *testing.T, m *session.Manager) string {
	app := fiber.New()
	app.Use(fibersession.Middleware(m))
	routes(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	t.Cleanup(func() {
		if err := app.ShutdownWithTimeout(10 * time.Second); err != nil {
			t.Errorf("shutting Fiber down: %v", err)
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}

// routes are the scenario's routes, written as a Fiber application would:
// errors are returned, for Fiber's ErrorHandler to render.
func routes(app *fiber.App) {
	app.Get("/none", func(c fiber.Ctx) error { return c.SendString("none") })
	app.Get("/cart", func(c fiber.Ctx) error {
		cart, err := scenario.Cart(fibersession.From(c))
		if err != nil {
			return err
		}
		return c.SendString(cart)
	})
	app.Post("/cart", func(c fiber.Ctx) error {
		if err := scenario.AddItem(fibersession.From(c), c.Query("item")); err != nil {
			return err
		}
		return c.SendString("added")
	})
	app.Post("/login", func(c fiber.Ctx) error {
		if err := scenario.Login(fibersession.From(c), c.Query("user"), c.Query("remember")); err != nil {
			return err
		}
		return c.SendString("welcome")
	})
	app.Post("/logout", func(c fiber.Ctx) error {
		if err := scenario.Logout(fibersession.From(c)); err != nil {
			return err
		}
		return c.Redirect().Status(http.StatusSeeOther).To("/")
	})
	app.Post("/fail", func(c fiber.Ctx) error {
		if err := scenario.Fail(fibersession.From(c)); err != nil {
			return fiber.NewError(scenario.FailStatus, err.Error())
		}
		return nil
	})
	app.Get("/value", func(c fiber.Ctx) error {
		// The session is in the request's context too.
		v, err := scenario.Value(session.From(c.Context()), c.Query("key"))
		if err != nil {
			return err
		}
		return c.SendString(v)
	})
	app.Get("/stream", func(c fiber.Ctx) error {
		if err := scenario.StartStream(fibersession.From(c)); err != nil {
			return err
		}
		return c.SendStreamWriter(func(w *bufio.Writer) {
			for _, chunk := range scenario.Chunks {
				if _, err := w.WriteString(chunk); err != nil {
					return
				}
				if err := w.Flush(); err != nil {
					return
				}
			}
		})
	})
}
