package ginsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/goastro/session"
	ginsession "github.com/goastro/session/adapters/gin"
)

func ExampleMiddleware() {
	mgr, err := session.New(session.Config{Driver: "memory"})
	if err != nil {
		panic(err)
	}
	defer mgr.Close()

	r := gin.New()
	r.Use(ginsession.Middleware(mgr))
	r.POST("/cart", func(c *gin.Context) {
		err := session.Update(ginsession.From(c), "cart", func(cart []string, _ bool) ([]string, error) {
			return append(cart, c.Query("item")), nil
		})
		if err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.String(http.StatusOK, "added")
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("POST", "/cart?item=apple", nil))
	fmt.Println(w.Code, w.Body.String(), strings.HasPrefix(w.Header().Get("Set-Cookie"), "astro-session="))
	// Output: 200 added true
}
