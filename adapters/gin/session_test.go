package ginsession_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/goastro/session"
	ginsession "github.com/goastro/session/adapters/gin"
	"github.com/goastro/session/adapters/internal/scenario"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	m.Run()
}

// TestScenario tells the shared story with gin.
func TestScenario(t *testing.T) { scenario.Run(t, server) }

func server(t *testing.T, m *session.Manager) string {
	r := gin.New()
	r.Use(ginsession.Middleware(m))
	routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL
}

// routes are the scenario's routes, written as a gin application would.
func routes(r *gin.Engine) {
	fail := func(c *gin.Context, err error) { c.AbortWithError(http.StatusInternalServerError, err) }
	r.GET("/none", func(c *gin.Context) { c.String(200, "none") })
	r.GET("/cart", func(c *gin.Context) {
		if cart, err := scenario.Cart(ginsession.From(c)); err != nil {
			fail(c, err)
		} else {
			c.String(200, cart)
		}
	})
	r.POST("/cart", func(c *gin.Context) {
		if err := scenario.AddItem(ginsession.From(c), c.Query("item")); err != nil {
			fail(c, err)
			return
		}
		c.String(200, "added")
	})
	r.POST("/login", func(c *gin.Context) {
		if err := scenario.Login(ginsession.From(c), c.Query("user"), c.Query("remember")); err != nil {
			fail(c, err)
			return
		}
		c.String(200, "welcome")
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := scenario.Logout(ginsession.From(c)); err != nil {
			fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.POST("/fail", func(c *gin.Context) {
		c.AbortWithError(scenario.FailStatus, scenario.Fail(ginsession.From(c)))
	})
	r.GET("/value", func(c *gin.Context) {
		// The session is in the request's context too.
		if v, err := scenario.Value(session.From(c.Request.Context()), c.Query("key")); err != nil {
			fail(c, err)
		} else {
			c.String(200, v)
		}
	})
	r.GET("/stream", func(c *gin.Context) {
		if err := scenario.StartStream(ginsession.From(c)); err != nil {
			fail(c, err)
			return
		}
		i := 0
		c.Stream(func(w io.Writer) bool {
			io.WriteString(w, scenario.Chunks[i])
			i++
			return i < len(scenario.Chunks)
		})
	})
}
