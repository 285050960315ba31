// Package actions provides typed server actions for net/http, the Go
// counterpart of Astro Actions: a function with a typed input and output that
// the browser calls with POST /_actions/<name>, sending JSON or form data.
//
// [Define] declares an action from a handler func(ctx, In) (Out, error). The
// request body is decoded into In (from application/json, or from
// application/x-www-form-urlencoded and multipart/form-data into the fields of a
// struct), validated by the "validate" struct tags (see below), and passed to
// the handler; Out is sent back as JSON. Errors are [*Error] values with the
// codes of Astro's ActionError (BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, ...), each
// mapped to its HTTP status, and are sent in the JSON shape Astro's client reads.
//
// The handler's context is the request's, so whatever middleware put there
// reaches the action; with the session middleware of
// github.com/goastro/session, session.From(ctx) returns the caller's session.
//
// # Input fields
//
// A struct field is read from the input key named by its "form" tag, else its
// "json" tag, else its Go name. JSON keys match these names exactly, at every
// depth (as Astro's zod schemas match them): {"quantity":1,"QUANTITY":7} fills
// Quantity with 1, and a key that differs from a field name only in case is an
// unknown key. JSON objects may carry other keys; they are ignored. From form data, fields may be strings, booleans (a checkbox: present
// means true unless the value is "false"), numbers, types implementing
// encoding.TextUnmarshaler (time.Time, ...), pointers to those (nil when the
// value is missing), slices of those (every value of a repeated key),
// *multipart.FileHeader and []*multipart.FileHeader (uploaded files). An empty
// form value counts as missing.
//
// # Validation
//
// The "validate" tag holds comma-separated rules:
//
//	required   the field must be present in the input; strings, slices and maps must also be non-empty
//	min=N      numbers: value >= N; strings: at least N characters; slices, maps: at least N elements
//	max=N      numbers: value <= N; strings: at most N characters; slices, maps: at most N elements
//	oneof=a b  the value (string or number) must be one of the space-separated words
//	email      a string holding one e-mail address
//
// A field without "required" is optional: when it is missing its other rules
// are not checked. A required positive integer is `validate:"required,min=1"`
// on an int field; a fractional JSON number there is rejected. Nested structs
// and slices of structs are validated too; there, where the input does not say
// which fields were sent, a zero string, slice, map or pointer counts as
// missing, and numbers and booleans are always checked. After the tags, an input type with a
// method Validate() error is asked to check itself (return [FieldError] or
// [InputError] to point at fields). Every problem found is reported, not only
// the first, as an input error: status 400, type "AstroActionInputError", with
// "issues" and "fields".
//
// # Differences from Astro
//
// Success responses are plain JSON (application/json) by default, so any
// client can read them; [WithDevalueOutput] sends devalue instead, as Astro
// does, for the actions client of an Astro site. An Out of type struct{}
// answers 204 No Content, as an Astro action returning undefined does. Actions accept both JSON and form data
// unless [WithInput] restricts them. A cross-site request refused by the
// origin check (see [Handler]) gets FORBIDDEN as JSON in the shape of
// ActionError, where Astro answers 403 with a plain-text body. An error that is not an [*Error] is logged
// and answered with a generic INTERNAL_SERVER_ERROR message, so internal details
// do not leak to clients.
package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/goastro/session/devalue"
)

// Action is a typed server action, made by [Define]. It serves POST requests
// as an http.Handler and can also be run from Go code with [Action.Call] or
// from a page handler that receives a form with [Action.Handle].
type Action[In, Out any] struct {
	name       string
	fn         func(context.Context, In) (Out, error)
	dec        *decoder
	logger     *slog.Logger
	empty      bool // Out is struct{}: answer 204
	devalueOut bool
	origin     originPolicy
}

type options struct {
	accept     Input
	limit      int64
	logger     *slog.Logger
	devalueOut bool
	origin     originPolicy
}

// Option configures an action.
type Option func(*options)

// WithInput restricts the request bodies the action accepts: [JSONOnly] or
// [FormOnly]. Other bodies get UNSUPPORTED_MEDIA_TYPE (415).
func WithInput(in Input) Option { return func(o *options) { o.accept = in } }

// WithBodyLimit sets the largest request body the action reads, in bytes
// (default [DefaultBodyLimit]). Larger bodies get CONTENT_TOO_LARGE (413).
func WithBodyLimit(n int64) Option { return func(o *options) { o.limit = n } }

// WithLogger sets where the action logs the errors it hides from clients
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithDevalueOutput makes the action answer as an Astro server does: the
// output encoded with devalue (package github.com/goastro/session/devalue),
// Content-Type application/json+devalue, which is what the actions client of an
// Astro site (astro:actions) parses. Structs map to objects by their devalue or
// json tags, time.Time to Date.
func WithDevalueOutput() Option { return func(o *options) { o.devalueOut = true } }

// AllowCrossOrigin turns off the origin check of the action when it is served
// on its own (see [Action.ServeHTTP]), as Astro's security.checkOrigin: false
// does. A [Handler] judges the origin itself (see [Handler.AllowCrossOrigin]).
func AllowCrossOrigin() Option { return func(o *options) { o.origin.allowAll = true } }

// WithTrustedOrigins adds origins ("https://shop.example.com") that the action,
// served on its own, accepts besides the origin of the request's URL: for a
// server behind a proxy that terminates TLS or changes the Host header. A
// [Handler] has its own list (see [Handler.TrustedOrigins]).
func WithTrustedOrigins(origins ...string) Option {
	return func(o *options) { o.origin.trusted = append(o.origin.trusted, origins...) }
}

// Define declares an action named name that runs fn. In is usually a struct
// whose fields carry "json" (or "form") and "validate" tags; Out is encoded as
// JSON.
//
// Define panics when the name is empty or contains '/', '?' or '#', when a
// validation tag of In is malformed, or when [FormOnly] is asked for an input
// that form data cannot fill: these are programming errors, found when the
// program starts, like a bad regexp.MustCompile pattern.
func Define[In, Out any](name string, fn func(ctx context.Context, in In) (Out, error), opts ...Option) *Action[In, Out] {
	if name == "" || strings.ContainsAny(name, "/?#") {
		panic(fmt.Sprintf("actions: invalid action name %q", name))
	}
	if fn == nil {
		panic(fmt.Sprintf("actions: Define(%q): nil handler", name))
	}
	o := options{limit: DefaultBodyLimit}
	for _, opt := range opts {
		opt(&o)
	}
	if o.limit <= 0 {
		panic(fmt.Sprintf("actions: Define(%q): body limit must be positive", name))
	}
	dec, err := newDecoder(reflect.TypeFor[In](), o.accept, o.limit)
	if err != nil {
		panic(fmt.Sprintf("actions: Define(%q): %v", name, err))
	}
	return &Action[In, Out]{
		name:       name,
		fn:         fn,
		dec:        dec,
		logger:     o.logger,
		empty:      reflect.TypeFor[Out]() == reflect.TypeFor[struct{}](),
		devalueOut: o.devalueOut,
		origin:     o.origin,
	}
}

// Name returns the action's name.
func (a *Action[In, Out]) Name() string { return a.name }

// Path returns the URL path the action is served on by a [Handler] mounted at
// the root: /_actions/<name>.
func (a *Action[In, Out]) Path() string { return "/_actions/" + url.PathEscape(a.name) }

// Decode reads and validates the input of the action from the body of r. The
// error is an [*Error]: an input error (BAD_REQUEST with issues), or
// CONTENT_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, BAD_REQUEST for an unreadable body.
//
// Uploaded files of a multipart body are only valid until the returned cleanup
// function is called.
func (a *Action[In, Out]) Decode(r *http.Request) (in In, cleanup func(), err error) {
	cleanup, err = a.dec.decodeRequest(r, reflect.ValueOf(&in))
	return in, cleanup, err
}

// Call validates in (for struct inputs, with the rules of nested structs: a
// zero string, slice, map or pointer counts as missing, numbers and booleans
// are always checked) and runs the action. The error is always an [*Error] or nil: errors of the handler that
// are not *Error become INTERNAL_SERVER_ERROR with the handler's error as Err.
func (a *Action[In, Out]) Call(ctx context.Context, in In) (Out, error) {
	if a.dec.st != nil {
		v := reflect.ValueOf(&in).Elem()
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				var zero Out
				return zero, NewError(BadRequest, "Missing input.")
			}
			v = v.Elem()
		}
		if issues := validateValue(v, nil, nil, nil); len(issues) > 0 {
			var zero Out
			return zero, InputError(issues...)
		}
	}
	return a.run(ctx, in)
}

// Handle decodes the input from the body of r, validates it and runs the
// action with r's context, the way a page handler processes a form that posts
// to an action (Astro's form actions). The error is an [*Error] or nil.
func (a *Action[In, Out]) Handle(r *http.Request) (Out, error) {
	in, cleanup, err := a.Decode(r)
	defer cleanup()
	if err != nil {
		var zero Out
		return zero, err
	}
	return a.run(r.Context(), in)
}

// run calls the handler after input validation, normalizing its error.
func (a *Action[In, Out]) run(ctx context.Context, in In) (Out, error) {
	v, ok := any(in).(interface{ Validate() error })
	if !ok {
		v, ok = any(&in).(interface{ Validate() error })
	}
	if ok {
		if err := v.Validate(); err != nil {
			var zero Out
			var ae *Error
			if errors.As(err, &ae) {
				return zero, ae
			}
			return zero, &Error{Code: BadRequest, Message: err.Error(), Err: err}
		}
	}
	out, err := a.fn(ctx, in)
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			return out, ae
		}
		return out, &Error{Code: InternalServerError, Message: "Internal server error", Err: err}
	}
	return out, nil
}

// ServeHTTP answers a POST request: the input from the body, the output as
// JSON with status 200 (204 for struct{} outputs), or an error as JSON with
// the status of its code. Other methods get METHOD_NOT_ALLOWED (405).
//
// A request that a cross-site HTML form could have sent (form data, text/plain
// or no Content-Type) whose Origin header is not the origin of the request's
// URL gets FORBIDDEN (403), as from an Astro server with security.checkOrigin
// on (its default); see [Handler] for the details and [AllowCrossOrigin] and
// [WithTrustedOrigins] for the options.
func (a *Action[In, Out]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.origin.forbidden(r) {
		refuseCrossOrigin(w, r, a.name)
		return
	}
	a.serveChecked(w, r)
}

// serveChecked serves a request whose origin was judged.
func (a *Action[In, Out]) serveChecked(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		a.writeError(w, r, NewError(MethodNotAllowed, "Actions are called with POST."))
		return
	}
	out, err := a.Handle(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if a.empty {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var body []byte
	var merr error
	ct := "application/json"
	if a.devalueOut {
		body, merr = devalue.Marshal(out)
		ct = "application/json+devalue"
	} else {
		body, merr = json.Marshal(out)
	}
	if merr != nil {
		a.writeError(w, r, &Error{Code: InternalServerError, Message: "Internal server error",
			Err: fmt.Errorf("encoding the output of action %q: %w", a.name, merr)})
		return
	}
	writeBody(w, http.StatusOK, ct, body)
}

func (a *Action[In, Out]) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, a.log(), a.name, err)
}

func (a *Action[In, Out]) log() *slog.Logger {
	if a.logger != nil {
		return a.logger
	}
	return slog.Default()
}

func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, name string, err error) {
	var ae *Error
	if !errors.As(err, &ae) {
		ae = &Error{Code: InternalServerError, Message: "Internal server error", Err: err}
	}
	if ae.Status() >= 500 && logger != nil {
		ctx := context.Background()
		if r != nil {
			ctx = r.Context()
		}
		cause := ae.Err
		if cause == nil {
			cause = ae
		}
		logger.ErrorContext(ctx, "action failed", "action", name, "code", string(ae.Code), "err", cause)
	}
	body, merr := json.Marshal(ae)
	if merr != nil { // cannot happen: the body holds only strings, numbers and string slices
		body = []byte(`{"type":"AstroActionError","code":"INTERNAL_SERVER_ERROR","status":500,"message":"Internal server error"}`)
	}
	writeJSON(w, ae.Status(), body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	writeBody(w, status, "application/json", body)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Endpoint is an action as the [Handler] sees it: a name and an http.Handler.
// Every [*Action] is an Endpoint.
type Endpoint interface {
	http.Handler
	Name() string
}

// Handler routes POST /_actions/<name> to the action with that name. Mount it
// on the "/_actions/" pattern of a ServeMux (or anywhere: it reads the name
// after the last "/_actions/" in the path, or the whole path when there is
// none). Unknown names get NOT_FOUND (404) as JSON.
//
// Like an Astro server with security.checkOrigin on (its default), a Handler
// refuses cross-site form submissions with FORBIDDEN (403): a request with a
// method other than GET, HEAD and OPTIONS whose Content-Type is missing or
// contains application/x-www-form-urlencoded, multipart/form-data or
// text/plain must carry an Origin header equal to the origin of the request's
// URL (https when the connection is TLS, else http, and the Host header), or
// to one of [Handler.TrustedOrigins]. A request without Origin is refused
// too: browsers send it with every POST. JSON requests are not checked, since
// a cross-site page cannot send them without a CORS preflight.
//
// Set the fields before the Handler serves its first request.
type Handler struct {
	// AllowCrossOrigin turns the origin check off, as Astro's
	// security.checkOrigin: false does; for an application that protects its
	// routes itself (with http.CrossOriginProtection, for example).
	AllowCrossOrigin bool
	// TrustedOrigins lists origins ("https://shop.example.com", scheme and
	// host, with the port unless it is the scheme's default) accepted besides
	// the origin of the request's URL: behind a proxy that terminates TLS or
	// rewrites the Host header, list the origin the browser sees.
	TrustedOrigins []string

	byName map[string]Endpoint
}

// NewHandler returns a Handler serving the given actions. It panics when two
// actions share a name.
func NewHandler(endpoints ...Endpoint) *Handler {
	h := &Handler{byName: make(map[string]Endpoint, len(endpoints))}
	for _, e := range endpoints {
		if _, dup := h.byName[e.Name()]; dup {
			panic(fmt.Sprintf("actions: two actions are named %q", e.Name()))
		}
		h.byName[e.Name()] = e
	}
	return h
}

// ServeHTTP dispatches to the action named in the path.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if i := strings.LastIndex(p, "/_actions/"); i >= 0 {
		p = p[i+len("/_actions/"):]
	}
	name := strings.Trim(p, "/")
	if (originPolicy{allowAll: h.AllowCrossOrigin, trusted: h.TrustedOrigins}).forbidden(r) {
		refuseCrossOrigin(w, r, name)
		return
	}
	e, ok := h.byName[name]
	if !ok {
		writeError(w, r, nil, name, NewError(NotFound, fmt.Sprintf("Action %q not found.", name)))
		return
	}
	if a, ok := e.(interface {
		serveChecked(http.ResponseWriter, *http.Request)
	}); ok {
		a.serveChecked(w, r)
		return
	}
	e.ServeHTTP(w, markOriginChecked(r))
}
