package chi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/goastro/session"
)

// chi takes the net/http middleware as it is.
func Example() {
	mgr, err := session.New(session.Config{Driver: "memory"})
	if err != nil {
		panic(err)
	}
	defer mgr.Close()

	r := chi.NewRouter()
	r.Use(mgr.Middleware)
	r.Post("/cart", func(w http.ResponseWriter, r *http.Request) {
		err := session.Update(session.From(r.Context()), "cart", func(cart []string, _ bool) ([]string, error) {
			return append(cart, r.URL.Query().Get("item")), nil
		})
		if err != nil {
			http.Error(w, "session unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "added")
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("POST", "/cart?item=apple", nil))
	fmt.Println(w.Code, w.Body.String(), strings.HasPrefix(w.Header().Get("Set-Cookie"), "astro-session="))
	// Output: 200 added true
}
