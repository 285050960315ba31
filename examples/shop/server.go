package main

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/goastro/session"
	"github.com/goastro/session/actions"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// CartItem is one line of the cart, stored under "cartItems".
type CartItem struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// Preferences are the user's settings, stored under "preferences".
type Preferences struct {
	Theme string `json:"theme"`
	Lang  string `json:"lang"`
}

// The session keys of the shop, with the names and value types Astro's session
// guide uses. What a signed-in customer stores has no TTL of its own: it lives
// as long as the session, within the idle timeout and the absolute lifetime.
// The cart expires with the TTL while its owner is a guest (see lifetimes.go).
var (
	keyUserID    = session.NewKey[string]("userId", session.WithoutTTL())
	keyUsername  = session.NewKey[string]("username", session.WithoutTTL())
	keyRole      = session.NewKey[string]("role", session.WithoutTTL())
	keyLoginTime = session.NewKey[time.Time]("loginTime", session.WithoutTTL())
	keyCart      = session.NewKey[[]CartItem]("cartItems")
	keyPrefs     = session.NewKey[Preferences]("preferences", session.WithoutTTL())
)

// product is an article of the catalogue.
type product struct {
	ID    string
	Name  string
	Price string
	Blurb string
}

var catalogue = []product{
	{ID: "tee", Name: "Rocket T-shirt", Price: "$24", Blurb: "Soft cotton, printed with a small rocket."},
	{ID: "mug", Name: "Launch mug", Price: "$12", Blurb: "Holds enough coffee for a full deploy."},
	{ID: "stickers", Name: "Sticker pack", Price: "$5", Blurb: "Six stickers for your laptop lid."},
}

func productByID(id string) (product, bool) {
	for _, p := range catalogue {
		if p.ID == id {
			return p, true
		}
	}
	return product{}, false
}

var (
	themes    = []option{{"light", "Light"}, {"dark", "Dark"}}
	languages = []option{{"en", "English"}, {"fr", "Français"}, {"de", "Deutsch"}, {"es", "Español"}}
)

type option struct{ Value, Label string }

func validOption(opts []option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

var defaultPrefs = Preferences{Theme: "light", Lang: "en"}

// maxPerProduct caps the quantity of one product in the cart.
const maxPerProduct = 99

// shop holds what the handlers share.
type shop struct {
	mgr   *session.Manager
	log   *slog.Logger
	pages map[string]*template.Template
	// healthTimeout bounds the store check of /healthz.
	healthTimeout time.Duration
	// actions
	addToCart *actions.Action[addToCartInput, addToCartOutput]
	clearCart *actions.Action[struct{}, clearCartOutput]
}

// newServer builds the shop's handler from cfg, without listening anywhere, so
// tests can serve it from an httptest.Server. cleanup closes the session store.
func newServer(cfg config) (h http.Handler, cleanup func() error, err error) {
	s, err := newShop(cfg)
	if err != nil {
		return nil, nil, err
	}
	return s.routes(), s.mgr.Close, nil
}

// newShop opens the session store and prepares the templates and actions.
func newShop(cfg config) (*shop, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	opts, err := cfg.driverOptions()
	if err != nil {
		return nil, err
	}
	life := defaultLifetimes
	if cfg.Lifetimes != nil {
		life = *cfg.Lifetimes
	}
	life.driverOptions(cfg.Driver, opts)
	sc := session.Config{
		Driver:  cfg.Driver,
		Options: opts,
		Cookie:  session.CookieConfig{Insecure: cfg.Insecure},
		Logger:  logger,
	}
	life.sessionConfig(&sc)
	mgr, err := session.New(sc)
	if err != nil {
		return nil, err
	}
	s := &shop{mgr: mgr, log: logger, healthTimeout: life.healthTimeout()}
	if s.pages, err = parsePages(); err != nil {
		mgr.Close()
		return nil, err
	}
	s.addToCart = actions.Define("addToCart", s.addToCartAction, actions.WithLogger(logger), actions.WithBodyLimit(16<<10))
	s.clearCart = actions.Define("clearCart", s.clearCartAction, actions.WithLogger(logger), actions.WithBodyLimit(16<<10))
	return s, nil
}

// routes wires the pages, the API and the actions, behind the session
// middleware and the guard.
func (s *shop) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("/", s.notFound)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginForm)
	mux.HandleFunc("GET /dashboard", s.dashboard)
	mux.HandleFunc("GET /cart", s.cartPage)
	mux.HandleFunc("POST /cart", s.cartForm)
	mux.HandleFunc("GET /settings", s.settingsPage)
	mux.HandleFunc("POST /settings", s.settingsForm)
	mux.HandleFunc("GET /admin", s.admin)

	mux.HandleFunc("POST /api/auth/login", s.apiLogin)
	mux.HandleFunc("POST /api/auth/logout", s.apiLogout)
	mux.HandleFunc("GET /api/user/profile", s.apiGetProfile)
	mux.HandleFunc("PUT /api/user/profile", s.apiPutProfile)

	mux.Handle("/_actions/", actions.NewHandler(s.addToCart, s.clearCart))

	var h http.Handler = mux
	h = s.guard(h)
	h = s.mgr.Middleware(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = securityHeaders(h)
	return h
}

// guard sends visitors without a userId from the member pages to /login, and
// members without the admin role from /admin to /dashboard.
func (s *shop) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		member := hasPathPrefix(p, "/dashboard") || hasPathPrefix(p, "/settings") || hasPathPrefix(p, "/admin")
		if !member {
			next.ServeHTTP(w, r)
			return
		}
		sess := session.From(r.Context())
		userID, ok, err := keyUserID.Get(sess)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !ok || userID == "" {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		if hasPathPrefix(p, "/admin") {
			role, _, err := keyRole.Get(sess)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if role != "admin" {
				http.Redirect(w, r, "/dashboard", http.StatusFound)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func hasPathPrefix(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// fail answers a request that hit an internal error (a storage failure, most
// likely), logging the cause.
func (s *shop) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "shop: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "Internal server error"})
		return
	}
	http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
}

// viewer is what every page knows about the visitor.
type viewer struct {
	UserID    string
	Username  string
	Role      string
	LoginTime time.Time
	Prefs     Preferences
	Cart      []CartItem
	CartCount int
}

func (v viewer) LoggedIn() bool { return v.UserID != "" }
func (v viewer) IsAdmin() bool  { return v.Role == "admin" }

// loadViewer reads the visitor's keys from the session. It stops at the first
// error: when the store is down, the first read has waited the store timeout
// already, and each further read would wait as long again.
func loadViewer(sess *session.Session) (viewer, error) {
	var v viewer
	var err error
	if v.UserID, _, err = keyUserID.Get(sess); err != nil {
		return v, err
	}
	if v.Username, _, err = keyUsername.Get(sess); err != nil {
		return v, err
	}
	if v.Role, _, err = keyRole.Get(sess); err != nil {
		return v, err
	}
	if v.LoginTime, _, err = keyLoginTime.Get(sess); err != nil {
		return v, err
	}
	// The cart and the preferences are the values whose Go types a new
	// version of the shop is most likely to change: a value stored by an older
	// version that no longer fits is dropped, not answered with a 500 on every
	// page of that visitor.
	var ok bool
	if v.Prefs, ok, err = keyPrefs.GetOrDrop(sess); err != nil {
		return v, err
	}
	if !ok {
		v.Prefs = defaultPrefs
	}
	if v.Cart, _, err = keyCart.GetOrDrop(sess); err != nil {
		return v, err
	}
	v.CartCount = cartCount(v.Cart)
	return v, nil
}

func cartCount(items []CartItem) int {
	n := 0
	for _, it := range items {
		n += it.Quantity
	}
	return n
}

// page is the data of every template.
type page struct {
	Title     string
	V         viewer
	Notice    string
	Error     string
	Themes    []option
	Languages []option
	Products  []product
	Lines     []cartLine
	Users     []user
	Sessions  int
	Form      map[string]string
	Fields    map[string][]string
}

type cartLine struct {
	Product  product
	Quantity int
}

func (p page) ThemeClass() string {
	if p.V.Prefs.Theme == "dark" {
		return "theme-dark"
	}
	return "theme-light"
}

func (p page) Lang() string {
	if validOption(languages, p.V.Prefs.Lang) {
		return p.V.Prefs.Lang
	}
	return "en"
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return fmt.Sprintf("%d %s", n, one)
			}
			return fmt.Sprintf("%d %s", n, many)
		},
		"fmtTime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2 Jan 2006, 15:04 MST")
		},
		"label": func(opts []option, v string) string {
			for _, o := range opts {
				if o.Value == v {
					return o.Label
				}
			}
			return v
		},
		"first": func(m map[string][]string, k string) string {
			if len(m[k]) > 0 {
				return m[k][0]
			}
			return ""
		},
	}
	pages := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// render writes a page with status code. The page is rendered into memory
// first so a template error becomes a clean 500.
func (s *shop) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("no template %q", name))
		return
	}
	p.Themes, p.Languages = themes, languages
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// notices are the messages a redirect can ask a page to show (?notice=...).
var notices = map[string]string{
	"saved":     "Settings saved.",
	"added":     "Added to your cart.",
	"cleared":   "Your cart is empty now.",
	"loggedout": "You are logged out.",
}

// pageFor loads the viewer and the notice for a page.
func (s *shop) pageFor(r *http.Request, title string) (page, error) {
	v, err := loadViewer(session.From(r.Context()))
	if err != nil {
		return page{}, err
	}
	return page{Title: title, V: v, Notice: notices[r.URL.Query().Get("notice")]}, nil
}
