// Package chi_test shows that chi needs no adapter: the net/http middleware
// goes in r.Use, and handlers reach the session with session.From.
package chi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/goastro/session"
	"github.com/goastro/session/adapters/internal/scenario"
)

// TestScenario tells the shared story with chi and Manager.Middleware.
func TestScenario(t *testing.T) { scenario.Run(t, server) }

func server(t *testing.T, m *session.Manager) string {
	r := chi.NewRouter()
	r.Use(m.Middleware)
	scenario.Routes(func(pattern string, h func(http.ResponseWriter, *http.Request)) {
		r.HandleFunc(pattern, h) // chi reads "GET /path" as method and path
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL
}
