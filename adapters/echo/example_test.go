package echosession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/goastro/session"
	echosession "github.com/goastro/session/adapters/echo"
)

func ExampleMiddleware() {
	mgr, err := session.New(session.Config{Driver: "memory"})
	if err != nil {
		panic(err)
	}
	defer mgr.Close()

	e := echo.New()
	e.Use(echosession.Middleware(mgr))
	e.POST("/cart", func(c *echo.Context) error {
		err := session.Update(echosession.From(c), "cart", func(cart []string, _ bool) ([]string, error) {
			return append(cart, c.QueryParam("item")), nil
		})
		if err != nil {
			return err // rendered by echo's HTTPErrorHandler, after the session is saved
		}
		return c.String(http.StatusOK, "added")
	})

	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("POST", "/cart?item=apple", nil))
	fmt.Println(w.Code, w.Body.String(), strings.HasPrefix(w.Header().Get("Set-Cookie"), "astro-session="))
	// Output: 200 added true
}
