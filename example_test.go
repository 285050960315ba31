package session_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/goastro/session"
)

func Example() {
	dir, _ := os.MkdirTemp("", "sessions")
	defer os.RemoveAll(dir)
	mgr, err := session.New(session.Config{
		Driver:  "fs-lite",
		Options: map[string]any{"base": dir},
		TTL:     24 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer mgr.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /visit", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		err := session.Update(s, "visits", func(n int, _ bool) (int, error) { return n + 1, nil })
		if err != nil {
			http.Error(w, "session unavailable", http.StatusServiceUnavailable)
			return
		}
		n, _, _ := session.Get[int](s, "visits")
		fmt.Fprintf(w, "visit %d", n)
	})
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()

	var cookie string
	for range 2 {
		req, _ := http.NewRequest("POST", srv.URL+"/visit", nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		if c := res.Cookies(); len(c) > 0 {
			cookie = c[0].Name + "=" + c[0].Value
		}
		var body [32]byte
		n, _ := res.Body.Read(body[:])
		res.Body.Close()
		fmt.Println(string(body[:n]))
	}
	// Output:
	// visit 1
	// visit 2
}

func ExampleNewKey() {
	type Preferences struct {
		Theme string `json:"theme"`
		Lang  string `json:"lang"`
	}
	var prefs = session.NewKey[Preferences]("preferences")

	handler := func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		p, ok, err := prefs.Get(s)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if !ok {
			p = Preferences{Theme: "light", Lang: "en"}
			prefs.Set(s, p)
		}
		fmt.Fprintln(w, p.Theme, p.Lang)
	}
	_ = handler
}
