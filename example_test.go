package session_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/storage/memory"
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

// A login handler regenerates the session ID, then stores who signed in and
// binds the session to the user, so that DestroyUser can end it later.
func ExampleSession_Regenerate() {
	mgr, err := session.New(session.Config{Storage: memory.New(memory.Options{})})
	if err != nil {
		log.Fatal(err)
	}
	login := func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if err := s.Regenerate(); err != nil { // against session fixation
			http.Error(w, "session unavailable", http.StatusServiceUnavailable)
			return
		}
		s.Set("userId", "u-42")
		s.SetUser("u-42")
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	}
	rec := httptest.NewRecorder()
	mgr.Middleware(http.HandlerFunc(login)).ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	fmt.Println(rec.Code, len(rec.Result().Cookies()[0].Value))

	n, err := mgr.DestroyUser(context.Background(), "u-42") // "log out everywhere"
	fmt.Println(n, err)
	// Output:
	// 303 36
	// 1 <nil>
}

// Destroy logs out: the stored record goes, and the cookie is expired.
func ExampleSession_Destroy() {
	mgr, _ := session.New(session.Config{Storage: memory.New(memory.Options{})})
	logout := func(w http.ResponseWriter, r *http.Request) {
		session.From(r.Context()).Destroy()
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
	rec := httptest.NewRecorder()
	mgr.Middleware(http.HandlerFunc(logout)).ServeHTTP(rec, httptest.NewRequest("POST", "/logout", nil))
	fmt.Println(rec.Header().Get("Set-Cookie"))
	// Output:
	// astro-session=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax
}

// Start and Finish drive a session from any framework, or from no framework:
// start from the cookie value the request carried, finish for the cookie to
// send, before the response is written.
func ExampleManager_Start() {
	m, err := session.New(session.Config{Driver: "memory"})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	s := m.Start(ctx, "") // a first visit: no cookie
	s.Set("cart", []string{"sku-1"})
	setCookie, err := s.Finish(ctx)
	fmt.Println(strings.HasPrefix(setCookie, "astro-session="), err)

	next := m.Start(ctx, s.ID()) // the next request carries the cookie
	cart, _, _ := session.Get[[]string](next, "cart")
	setCookie, _ = next.Finish(ctx)
	fmt.Println(cart, setCookie == "")
	// Output:
	// true <nil>
	// [sku-1] true
}
