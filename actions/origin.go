package actions

import (
	"context"
	"net/http"
	"strings"
)

// The origin check, as Astro's security.checkOrigin (on by default there): a
// request with an unsafe method whose body a cross-site HTML form could have
// sent (a form-like Content-Type, or none) must carry in its Origin header the
// origin of the URL it was sent to. JSON bodies are not checked: a cross-site
// page can send them only after a CORS preflight, which this package never
// answers.

// formLikeTypes are the Content-Types an HTML form can send. As Astro does, a
// Content-Type counts as form-like when it contains one of them.
var formLikeTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}

// crossOriginMessage is the message of Astro's answer to a refused request.
const crossOriginMessage = "Cross-site POST form submissions are forbidden"

// originPolicy says whether and how requests are checked.
type originPolicy struct {
	allowAll bool
	trusted  []string
}

// originChecked marks a request whose origin a Handler has already judged, so
// that the action it dispatches to does not judge it again.
type originChecked struct{}

// forbidden reports whether r must be refused.
func (p originPolicy) forbidden(r *http.Request) bool {
	if p.allowAll || r.Context().Value(originChecked{}) != nil {
		return false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	if cts := r.Header.Values("Content-Type"); len(cts) > 0 && !formLike(strings.Join(cts, ", ")) {
		return false
	}
	origins := r.Header.Values("Origin")
	if len(origins) != 1 {
		return true
	}
	origin := origins[0]
	if origin == requestOrigin(r) {
		return false
	}
	for _, t := range p.trusted {
		if strings.EqualFold(origin, strings.TrimSuffix(t, "/")) {
			return false
		}
	}
	return true
}

func formLike(ct string) bool {
	ct = strings.ToLower(ct)
	for _, t := range formLikeTypes {
		if strings.Contains(ct, t) {
			return true
		}
	}
	return false
}

// requestOrigin returns the origin of the URL r was sent to, serialized as a
// browser serializes it in the Origin header: scheme "https" when the
// connection is TLS, the Host in lower case, without the scheme's default port.
func requestOrigin(r *http.Request) string {
	scheme, defaultPort := "http", ":80"
	if r.TLS != nil {
		scheme, defaultPort = "https", ":443"
	}
	host := strings.ToLower(r.Host)
	host = strings.TrimSuffix(host, defaultPort)
	return scheme + "://" + host
}

// markOriginChecked returns r with the mark that its origin was judged.
func markOriginChecked(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), originChecked{}, true))
}

// refuseCrossOrigin answers a refused request with FORBIDDEN in Astro's error
// shape.
func refuseCrossOrigin(w http.ResponseWriter, r *http.Request, name string) {
	writeError(w, r, nil, name, NewError(Forbidden, crossOriginMessage))
}
