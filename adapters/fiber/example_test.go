package fibersession_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/goastro/session"
	fibersession "github.com/goastro/session/adapters/fiber"
)

func ExampleMiddleware() {
	mgr, err := session.New(session.Config{Driver: "memory"})
	if err != nil {
		panic(err)
	}
	defer mgr.Close()

	app := fiber.New()
	app.Use(fibersession.Middleware(mgr))
	app.Post("/cart", func(c fiber.Ctx) error {
		err := session.Update(fibersession.From(c), "cart", func(cart []string, _ bool) ([]string, error) {
			return append(cart, c.Query("item")), nil
		})
		if err != nil {
			return err // rendered by Fiber's ErrorHandler, after the session is saved
		}
		return c.SendString("added")
	})

	resp, err := app.Test(httptest.NewRequest("POST", "/cart?item=apple", nil))
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body), strings.HasPrefix(resp.Header.Get("Set-Cookie"), "astro-session="))
	// Output: 200 added true
}
