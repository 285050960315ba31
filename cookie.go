package session

import (
	"net/http"
	"strconv"
	"strings"
)

// CookieConfig describes the session cookie. The zero value gives Astro's
// defaults: name astro-session, Path=/, HttpOnly, Secure, SameSite=Lax, no
// Max-Age (a browser-session cookie).
type CookieConfig struct {
	// Name of the cookie; default "astro-session". Letters, digits, '-' and '_' only.
	Name string
	// Domain attribute; empty leaves it out (host-only cookie).
	Domain string
	// Path attribute; default "/".
	Path string
	// MaxAge in seconds; 0 leaves it out (the cookie lasts until the browser closes).
	MaxAge int
	// SameSite attribute; default http.SameSiteLaxMode. http.SameSiteNoneMode
	// requires Secure, so it cannot be combined with Insecure.
	SameSite http.SameSite
	// Insecure drops the Secure attribute, for plain-HTTP development. HttpOnly is
	// always sent and cannot be turned off.
	Insecure bool
	// Partitioned adds the Partitioned attribute (CHIPS).
	Partitioned bool
}

// DefaultCookieName is the cookie name Astro uses.
const DefaultCookieName = "astro-session"

func (c *CookieConfig) normalize() error {
	if c.Name == "" {
		c.Name = DefaultCookieName
	}
	for i := 0; i < len(c.Name); i++ {
		b := c.Name[i]
		if !(b == '-' || b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z') {
			return configError("invalid cookie name %q: cookie names can only contain letters, numbers, dashes and underscores", c.Name)
		}
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if strings.ContainsAny(c.Path, ";\r\n") || strings.ContainsAny(c.Domain, ";\r\n ") {
		return configError("invalid cookie path %q or domain %q", c.Path, c.Domain)
	}
	if c.MaxAge < 0 {
		return configError("cookie MaxAge must not be negative, got %d", c.MaxAge)
	}
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	if c.SameSite == http.SameSiteNoneMode && c.Insecure {
		return configError("SameSite=None requires the Secure attribute; it cannot be combined with Insecure")
	}
	return nil
}

// line is the Set-Cookie value that sets the cookie to id with maxAge (none
// when 0), or, when id is "", removes it.
func (c *CookieConfig) line(id string, maxAge int) string {
	var b strings.Builder
	b.Grow(len(c.Name) + len(id) + 80 + len(c.Domain) + len(c.Path))
	b.WriteString(c.Name)
	b.WriteByte('=')
	if id == "" {
		b.WriteString("deleted")
	} else {
		b.WriteString(id)
	}
	if maxAge > 0 && id != "" {
		b.WriteString("; Max-Age=")
		b.WriteString(strconv.Itoa(maxAge))
	}
	c.writeTail(&b, id == "")
	return b.String()
}

func (c *CookieConfig) writeTail(b *strings.Builder, expired bool) {
	if c.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(c.Domain)
	}
	b.WriteString("; Path=")
	b.WriteString(c.Path)
	if expired {
		b.WriteString("; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
	}
	b.WriteString("; HttpOnly")
	if !c.Insecure {
		b.WriteString("; Secure")
	}
	if c.Partitioned {
		b.WriteString("; Partitioned")
	}
	switch c.SameSite {
	case http.SameSiteStrictMode:
		b.WriteString("; SameSite=Strict")
	case http.SameSiteNoneMode:
		b.WriteString("; SameSite=None")
	case http.SameSiteLaxMode:
		b.WriteString("; SameSite=Lax")
	}
}

// cookieValue returns the value of the first cookie called name in the request's
// Cookie headers (the first occurrence wins, as in Astro), without allocating.
func cookieValue(h http.Header, name string) (string, bool) {
	for _, line := range h["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || strings.TrimSpace(k) != name {
				continue
			}
			v = strings.TrimSpace(v)
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			return v, true
		}
	}
	return "", false
}
