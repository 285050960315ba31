package cloudflarekv

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/internal/webkv"
)

func init() {
	open := func(options map[string]any) (storage.Driver, error) {
		cfg, err := ParseOptions(options)
		if err != nil {
			return nil, err
		}
		return New(cfg)
	}
	storage.Register("cloudflare-kv", open)
	storage.Register("cloudflare-kv-http", open)
}

// DefaultAPIURL is where Cloudflare's API lives.
const DefaultAPIURL = "https://api.cloudflare.com"

// Config says which namespace to use and how to authenticate. The names are
// those of unstorage's cloudflare-kv-http driver.
type Config struct {
	// AccountID and NamespaceID name the KV namespace (both required).
	AccountID   string
	NamespaceID string
	// APIToken is an API token with Workers KV Storage edit rights, sent as a
	// bearer token. Alternatively UserServiceKey, or Email and APIKey (the
	// global API key), which unstorage accepts too. Exactly one way is needed.
	APIToken       string
	UserServiceKey string
	Email          string
	APIKey         string
	// APIURL is the API's origin (default DefaultAPIURL); tests point it at a
	// local server.
	APIURL string
	// Base is a key prefix, joined to every key with ':' as unstorage's
	// joinKeys does. Astro's Cloudflare adapter uses none: session IDs are the
	// keys themselves.
	Base string
	// MinTTL is the shortest expiry sent to Cloudflare (default and minimum 60
	// s, Cloudflare's own minimum): a shorter TTL is rounded up to it, as
	// unstorage does. TTLs are sent in whole seconds, rounded up.
	MinTTL time.Duration
	// HTTPClient sends the requests (default http.DefaultClient).
	HTTPClient *http.Client
}

// ParseOptions turns the options of a session configuration into a Config.
// The names are unstorage's: accountId, namespaceId, apiToken,
// userServiceKey, email, apiKey, apiURL, base and minTTL (seconds, or a
// duration string such as "5m"). Unknown or mistyped options and a missing
// credential are errors wrapping storage.ErrInvalidOption.
func ParseOptions(options map[string]any) (Config, error) {
	o := storage.NewOptions("cloudflare-kv", options)
	cfg := Config{
		AccountID:      o.String("accountId", ""),
		NamespaceID:    o.String("namespaceId", ""),
		APIToken:       o.String("apiToken", ""),
		UserServiceKey: o.String("userServiceKey", ""),
		Email:          o.String("email", ""),
		APIKey:         o.String("apiKey", ""),
		APIURL:         o.String("apiURL", ""),
		Base:           o.String("base", ""),
		MinTTL:         o.Duration("minTTL", 0),
	}
	if err := o.Err(); err != nil {
		return cfg, err
	}
	return cfg, cfg.check()
}

func (cfg Config) check() error {
	bad := func(name, format string, args ...any) error {
		return fmt.Errorf("%w: cloudflare-kv: option %q %s", storage.ErrInvalidOption, name, fmt.Sprintf(format, args...))
	}
	ident := func(s string) bool { return s != "" && webkv.EncodeURIComponent(s) == s }
	switch {
	case !ident(cfg.AccountID):
		return bad("accountId", "is required and must be an ID (letters, digits, - _ .)")
	case !ident(cfg.NamespaceID):
		return bad("namespaceId", "is required and must be an ID (letters, digits, - _ .)")
	case cfg.APIToken == "" && cfg.UserServiceKey == "" && (cfg.Email == "" || cfg.APIKey == ""):
		return bad("apiToken", "or userServiceKey, or email and apiKey, is required")
	case cfg.MinTTL < 0:
		return bad("minTTL", "must not be negative")
	}
	for _, s := range []struct{ name, v string }{{"apiToken", cfg.APIToken}, {"userServiceKey", cfg.UserServiceKey}, {"email", cfg.Email}, {"apiKey", cfg.APIKey}} {
		if strings.ContainsAny(s.v, "\r\n") {
			return bad(s.name, "must not contain a line break")
		}
	}
	if cfg.APIURL != "" {
		p, err := url.Parse(cfg.APIURL)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil {
			return bad("apiURL", "must be an http or https URL without query, fragment or credentials")
		}
	}
	if storage.JoinKeys(cfg.Base) != "" {
		if _, err := storage.CleanKey(cfg.Base); err != nil {
			return bad("base", "is not a valid key prefix: %v", err)
		}
	}
	return nil
}
