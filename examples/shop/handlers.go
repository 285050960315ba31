package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/goastro/session"
	"github.com/goastro/session/actions"
)

// show renders the page template tmpl for the visitor, after fill (when not
// nil) has added what that page needs beyond the visitor's own data.
func (s *shop) show(w http.ResponseWriter, r *http.Request, status int, tmpl, title string, fill func(*page)) {
	p, err := s.pageFor(r, title)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if fill != nil {
		fill(&p)
	}
	s.render(w, r, status, tmpl, p)
}

func (s *shop) home(w http.ResponseWriter, r *http.Request) {
	s.show(w, r, http.StatusOK, "home", "Home", func(p *page) { p.Products = catalogue })
}

func (s *shop) notFound(w http.ResponseWriter, r *http.Request) {
	s.show(w, r, http.StatusNotFound, "notfound", "Not found", nil)
}

func (s *shop) loginPage(w http.ResponseWriter, r *http.Request) {
	s.show(w, r, http.StatusOK, "login", "Log in", nil)
}

// loginForm signs the visitor in from the login form. A name from the
// built-in user list needs its password and gets its role; any other name signs
// in a shopper with the role "user", as the login page of Astro's session guide
// does.
func (s *shop) loginForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Invalid form", http.StatusBadRequest)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	again := func(status int, msg string) {
		s.show(w, r, status, "login", "Log in", func(p *page) {
			p.Error = msg
			p.Form = map[string]string{"username": name}
		})
	}
	if msg := checkUsername(name); msg != "" {
		again(http.StatusBadRequest, msg)
		return
	}
	var u user
	if known, ok := userByName(name); ok {
		if !checkPassword(known.PasswordHash, password) {
			again(http.StatusUnauthorized, "Invalid username or password.")
			return
		}
		u = known
	} else {
		u = user{ID: "guest-" + randomHex(8), Username: name, Role: "user"}
	}
	if err := s.signIn(r, u, r.PostForm.Get("remember") == "on"); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// checkUsername returns what is wrong with a name typed in the login form.
func checkUsername(name string) string {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return "Please enter a username."
	}
	if n > 32 {
		return "A username has at most 32 characters."
	}
	for _, c := range name {
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == ' ' || c == '-' || c == '_' || c == '.') {
			return "A username has letters, digits, spaces, '-', '_' and '.' only."
		}
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// signIn regenerates the session ID (so an ID planted before the login is
// worthless after it) and stores who signed in. The cart and the preferences
// of the visitor carry over; the cart no longer expires with the guests' TTL.
// remember ("Keep me signed in") gives a cookie that outlives the browser,
// within the idle timeout and the absolute lifetime; otherwise the cookie ends
// with the browser session.
func (s *shop) signIn(r *http.Request, u user, remember bool) error {
	sess := session.From(r.Context())
	if err := sess.Regenerate(); err != nil {
		return err
	}
	if err := sess.RememberMe(remember); err != nil {
		return err
	}
	prefs, ok, err := keyPrefs.GetOrDrop(sess)
	if err != nil {
		return err
	}
	if !ok {
		prefs = defaultPrefs
	}
	cart, hasCart, err := keyCart.GetOrDrop(sess)
	if err != nil {
		return err
	}
	if hasCart {
		err = keyCart.Set(sess, cart, session.WithoutTTL())
	}
	return errors.Join(err,
		keyUserID.Set(sess, u.ID),
		keyUsername.Set(sess, u.Username),
		keyRole.Set(sess, u.Role),
		keyLoginTime.Set(sess, time.Now().UTC().Truncate(time.Millisecond)),
		keyPrefs.Set(sess, prefs),
	)
}

func (s *shop) dashboard(w http.ResponseWriter, r *http.Request) {
	s.show(w, r, http.StatusOK, "dashboard", "Dashboard", nil)
}

func (s *shop) cartLines(items []CartItem) []cartLine {
	lines := make([]cartLine, 0, len(items))
	for _, it := range items {
		p, ok := productByID(it.ProductID)
		if !ok {
			p = product{ID: it.ProductID, Name: it.ProductID}
		}
		lines = append(lines, cartLine{Product: p, Quantity: it.Quantity})
	}
	return lines
}

func (s *shop) cartPage(w http.ResponseWriter, r *http.Request) {
	s.show(w, r, http.StatusOK, "cart", "Cart", func(p *page) {
		p.Products = catalogue
		p.Lines = s.cartLines(p.V.Cart)
	})
}

// cartForm runs the action named by ?_action= with the posted form, the way
// Astro runs a form action on the page it posts to, then redirects back to the
// cart (or shows the cart again with the error).
func (s *shop) cartForm(w http.ResponseWriter, r *http.Request) {
	var err error
	notice := ""
	switch r.URL.Query().Get("_action") {
	case "addToCart":
		_, err = s.addToCart.Handle(r)
		notice = "added"
	case "clearCart":
		_, err = s.clearCart.Handle(r)
		notice = "cleared"
	default:
		http.Error(w, "Unknown action", http.StatusNotFound)
		return
	}
	var ae *actions.Error
	if err != nil && (!errors.As(err, &ae) || ae.Status() >= 500) {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		p, perr := s.pageFor(r, "Cart")
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		p.Products = catalogue
		p.Lines = s.cartLines(p.V.Cart)
		p.Error = "Could not update the cart."
		p.Fields = ae.Fields
		if len(ae.Fields) == 0 {
			p.Error = ae.Message
		}
		s.render(w, r, ae.Status(), "cart", p)
		return
	}
	http.Redirect(w, r, "/cart?notice="+notice, http.StatusSeeOther)
}

func (s *shop) settingsPage(w http.ResponseWriter, r *http.Request) {
	s.show(w, r, http.StatusOK, "settings", "Settings", nil)
}

func (s *shop) settingsForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Invalid form", http.StatusBadRequest)
		return
	}
	prefs := Preferences{Theme: r.PostForm.Get("theme"), Lang: r.PostForm.Get("lang")}
	if msg := checkPrefs(prefs); msg != "" {
		s.show(w, r, http.StatusBadRequest, "settings", "Settings", func(p *page) { p.Error = msg })
		return
	}
	if err := keyPrefs.Set(session.From(r.Context()), prefs); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings?notice=saved", http.StatusSeeOther)
}

func checkPrefs(p Preferences) string {
	if !validOption(themes, p.Theme) {
		return "Choose the light or the dark theme."
	}
	if !validOption(languages, p.Lang) {
		return "Choose one of the languages offered."
	}
	return ""
}

func (s *shop) admin(w http.ResponseWriter, r *http.Request) {
	p, err := s.pageFor(r, "Admin")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keys, err := s.mgr.Storage().Keys(r.Context(), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Sessions = len(keys)
	p.Users = users
	s.render(w, r, http.StatusOK, "admin", p)
}

// API

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"Internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readJSON decodes a small JSON request body into v, sent as
// application/json (415 otherwise); keys match exactly, as in an Astro endpoint.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"error": "Send JSON with Content-Type: application/json"})
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<10))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"error": "Request body too large"})
		return false
	}
	if err := actions.UnmarshalJSON(body, v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Invalid JSON body"})
		return false
	}
	return true
}

// apiLogin checks {email, password} against the built-in users.
func (s *shop) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Remember bool   `json:"remember"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	u, ok := authenticate(in.Email, in.Password)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Invalid credentials"})
		return
	}
	if err := s.signIn(r, u, in.Remember); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

func (s *shop) apiLogout(w http.ResponseWriter, r *http.Request) {
	if err := session.From(r.Context()).Destroy(); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/?notice=loggedout", http.StatusSeeOther)
}

type profile struct {
	UserID      string      `json:"userId"`
	Username    string      `json:"username"`
	Preferences Preferences `json:"preferences"`
}

func (s *shop) apiGetProfile(w http.ResponseWriter, r *http.Request) {
	v, err := loadViewer(session.From(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !v.LoggedIn() {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Not authenticated"})
		return
	}
	writeJSON(w, http.StatusOK, profile{UserID: v.UserID, Username: v.Username, Preferences: v.Prefs})
}

// apiPutProfile updates the preferences: {"preferences": {"theme", "lang"}};
// a missing field keeps its current value.
func (s *shop) apiPutProfile(w http.ResponseWriter, r *http.Request) {
	sess := session.From(r.Context())
	v, err := loadViewer(sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !v.LoggedIn() {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Not authenticated"})
		return
	}
	var in struct {
		Preferences *struct {
			Theme *string `json:"theme"`
			Lang  *string `json:"lang"`
		} `json:"preferences"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.Preferences == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Missing preferences"})
		return
	}
	prefs := v.Prefs
	if in.Preferences.Theme != nil {
		prefs.Theme = *in.Preferences.Theme
	}
	if in.Preferences.Lang != nil {
		prefs.Lang = *in.Preferences.Lang
	}
	if msg := checkPrefs(prefs); msg != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": msg})
		return
	}
	if err := keyPrefs.Set(sess, prefs); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "preferences": prefs})
}

// Actions

type addToCartInput struct {
	ProductID string `json:"productId" validate:"required,max=64"`
	Quantity  int    `json:"quantity" validate:"required,min=1,max=99"`
}

type addToCartOutput struct {
	CartSize int `json:"cartSize"`
}

// addToCartAction adds a quantity of a product to the cart, merging it with
// the line of the same product. session.Update saves at once and re-applies the
// change when another request wrote the session meanwhile, so concurrent adds
// all count, and the size answered is the size stored. When the change would
// put more than 99 of a product in the cart, Update returns the validation
// error (a 400) and changes nothing.
//
// The action reads nothing before the Update, so on a store with
// compare-and-swap it costs one round trip when this server wrote the session
// last. The cart's lifetime follows the session's state without a read: a
// guest's cart expires with the TTL, counted from this write; signIn stores a
// signed-in customer's cart without expiry, which KeepTTL keeps; a customer's
// new cart is stored without expiry right after it is made.
func (s *shop) addToCartAction(ctx context.Context, in addToCartInput) (addToCartOutput, error) {
	if _, ok := productByID(in.ProductID); !ok {
		return addToCartOutput{}, actions.FieldError("productId", "No such product")
	}
	sess := session.From(ctx)
	var items []CartItem
	created := false
	add := func(old []CartItem, ok bool) ([]CartItem, error) {
		var err error
		items, err = addItem(old, in)
		created = !ok
		return items, err
	}
	err := session.Update(sess, keyCart.Name(), add, session.KeepTTL())
	if errors.Is(err, session.ErrValueType) {
		// A cart stored by an older version of the shop, in another shape:
		// start a new one rather than fail every request of this visitor.
		s.log.WarnContext(ctx, "shop: dropped a cart that no longer fits its type", "err", err)
		keyCart.Delete(sess)
		err = session.Update(sess, keyCart.Name(), add, session.KeepTTL())
	}
	if err == nil && created {
		err = keepMemberCart(sess, items)
	}
	if err != nil {
		return addToCartOutput{}, err
	}
	return addToCartOutput{CartSize: cartCount(items)}, nil
}

// keepMemberCart stores a signed-in customer's new cart without expiry: it
// lives as long as the session.
func keepMemberCart(sess *session.Session, items []CartItem) error {
	userID, _, err := keyUserID.Get(sess)
	if err != nil || userID == "" {
		return err
	}
	return keyCart.Set(sess, items, session.WithoutTTL())
}

// addItem is the cart old with in added, or the validation error when a
// product would exceed maxPerProduct.
func addItem(old []CartItem, in addToCartInput) ([]CartItem, error) {
	items := make([]CartItem, 0, len(old)+1)
	merged := false
	for _, it := range old {
		if it.ProductID == in.ProductID {
			it.Quantity += in.Quantity
			if it.Quantity > maxPerProduct {
				return nil, actions.FieldError("quantity", "At most 99 of one product fit in the cart")
			}
			merged = true
		}
		items = append(items, it)
	}
	if !merged {
		items = append(items, CartItem{ProductID: in.ProductID, Quantity: in.Quantity})
	}
	return items, nil
}

type clearCartOutput struct {
	Success bool `json:"success"`
}

func (s *shop) clearCartAction(ctx context.Context, _ struct{}) (clearCartOutput, error) {
	keyCart.Delete(session.From(ctx))
	return clearCartOutput{Success: true}, nil
}
