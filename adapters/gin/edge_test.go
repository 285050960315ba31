package ginsession_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/goastro/session"
	ginsession "github.com/goastro/session/adapters/gin"
)

// TestEdges covers the responses the scenario does not: a handler that writes
// nothing, an abort with no body, and a change made after the response started.
func TestEdges(t *testing.T) {
	mgr, err := session.New(session.Config{Driver: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	r := gin.New()
	r.Use(ginsession.Middleware(mgr))
	r.POST("/silent", func(c *gin.Context) { ginsession.From(c).Set("k", "silent") })
	r.POST("/abort", func(c *gin.Context) {
		ginsession.From(c).Set("k", "abort")
		c.AbortWithStatus(http.StatusUnauthorized)
	})
	r.POST("/late", func(c *gin.Context) {
		s := ginsession.From(c)
		s.Set("k", "early")
		c.String(http.StatusOK, "sent")
		s.Set("k", "late")
	})
	r.GET("/k", func(c *gin.Context) {
		v, _, _ := session.Get[string](ginsession.From(c), "k")
		c.String(http.StatusOK, v)
	})
	for path, want := range map[string]string{"/silent": "silent", "/abort": "abort", "/late": "late"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("POST", path, nil))
		cookie := w.Header().Get("Set-Cookie")
		if !strings.HasPrefix(cookie, "astro-session=") {
			t.Fatalf("%s: status %d, no session cookie", path, w.Code)
		}
		w = httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/k", nil)
		req.Header.Set("Cookie", strings.Split(cookie, ";")[0])
		r.ServeHTTP(w, req)
		if w.Body.String() != want {
			t.Errorf("%s: stored %q, want %q", path, w.Body.String(), want)
		}
	}
}
