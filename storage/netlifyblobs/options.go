package netlifyblobs

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/internal/webkv"
)

func init() {
	storage.Register("netlify-blobs", func(options map[string]any) (storage.Driver, error) {
		cfg, err := ParseOptions(options, os.Getenv("NETLIFY_BLOBS_CONTEXT"))
		if err != nil {
			return nil, err
		}
		return New(cfg)
	})
}

// DefaultName is the store that Astro's Netlify adapter (@astrojs/netlify)
// keeps sessions in when the site does not configure a driver of its own; on
// the wire it is the site-wide store "site:astro-sessions".
const DefaultName = "astro-sessions"

// Regions are the values the region option accepts, as @netlify/blobs does.
var Regions = []string{"auto", "us-east-1", "us-east-2", "eu-central-1", "ap-southeast-1", "ap-southeast-2"}

// Config says which store to use and how to reach it. The names are those of
// unstorage's netlify-blobs driver, which passes them to @netlify/blobs.
type Config struct {
	// Name is the store, as given to getStore (empty means DefaultName). It is
	// escaped with encodeURIComponent, as unstorage does, and prefixed with
	// "site:", as @netlify/blobs does; the result must not exceed 64 bytes.
	Name string
	// SiteID and Token identify the site and authorize the requests: the token
	// of the Blobs context in edge mode, a personal access token in API mode.
	SiteID string
	Token  string
	// EdgeURL selects edge mode, the one functions on Netlify use: requests go
	// to {EdgeURL}/{SiteID}/{store}/{key} with the token as a bearer token.
	EdgeURL string
	// UncachedEdgeURL is the edge endpoint that skips the cache, which strong
	// consistency needs.
	UncachedEdgeURL string
	// APIURL is the Netlify API, used when EdgeURL is empty (API mode, default
	// https://api.netlify.com): reads and writes first ask
	// {APIURL}/api/v1/blobs/{SiteID}/{store}/{key} for a signed URL.
	APIURL string
	// Consistency is "eventual" (the default, as in @netlify/blobs) or
	// "strong". Astro's Netlify adapter asks for "strong". In edge mode strong
	// consistency sends every request to UncachedEdgeURL and needs it; in API
	// mode it changes nothing.
	Consistency string
	// Region pins the region of the blobs (one of Regions); empty lets Netlify
	// choose.
	Region string
	// HTTPClient sends the requests (default http.DefaultClient). Set its
	// Timeout, or pass contexts with deadlines.
	HTTPClient *http.Client
}

// blobsContext is the JSON of the NETLIFY_BLOBS_CONTEXT environment variable
// that Netlify's runtime sets (base64), which @netlify/blobs reads.
type blobsContext struct {
	APIURL          string `json:"apiURL"`
	EdgeURL         string `json:"edgeURL"`
	UncachedEdgeURL string `json:"uncachedEdgeURL"`
	SiteID          string `json:"siteID"`
	Token           string `json:"token"`
}

// ParseOptions turns the options of a session configuration into a Config.
// The names are unstorage's: name, siteID, token, apiURL, edgeURL,
// uncachedEdgeURL, consistency and region. envContext is the value of the
// NETLIFY_BLOBS_CONTEXT environment variable (base64 of a JSON object with
// siteID, token, edgeURL, uncachedEdgeURL, apiURL), which fills the options
// that are not given; pass "" outside Netlify. Unknown or mistyped options,
// deploy-scoped stores (deployScoped, which hold build output, not sessions)
// and a bad context are errors wrapping storage.ErrInvalidOption.
func ParseOptions(options map[string]any, envContext string) (Config, error) {
	o := storage.NewOptions("netlify-blobs", options)
	cfg := Config{
		Name:            o.String("name", DefaultName),
		SiteID:          o.String("siteID", ""),
		Token:           o.String("token", ""),
		APIURL:          o.String("apiURL", ""),
		EdgeURL:         o.String("edgeURL", ""),
		UncachedEdgeURL: o.String("uncachedEdgeURL", ""),
		Consistency:     o.String("consistency", ""),
		Region:          o.String("region", ""),
	}
	if err := o.Err(); err != nil {
		return cfg, err
	}
	if envContext != "" {
		raw, err := base64.StdEncoding.DecodeString(envContext)
		var c blobsContext
		if err == nil {
			err = json.Unmarshal(raw, &c)
		}
		if err != nil {
			return cfg, fmt.Errorf("%w: netlify-blobs: NETLIFY_BLOBS_CONTEXT is not base64 of a JSON object: %v", storage.ErrInvalidOption, err)
		}
		fill := func(dst *string, v string) {
			if *dst == "" {
				*dst = v
			}
		}
		fill(&cfg.SiteID, c.SiteID)
		fill(&cfg.Token, c.Token)
		fill(&cfg.EdgeURL, c.EdgeURL)
		fill(&cfg.UncachedEdgeURL, c.UncachedEdgeURL)
		fill(&cfg.APIURL, c.APIURL)
	}
	return cfg, cfg.check()
}

// check reports what is wrong with cfg, wrapping storage.ErrInvalidOption.
func (cfg Config) check() error {
	bad := func(name, format string, args ...any) error {
		return fmt.Errorf("%w: netlify-blobs: option %q %s", storage.ErrInvalidOption, name, fmt.Sprintf(format, args...))
	}
	switch {
	case strings.Contains(cfg.Name, "/"):
		return bad("name", "must not contain '/'")
	case len(webkv.EncodeURIComponent(cfg.Name)) > 64:
		return bad("name", "is longer than 64 bytes once escaped")
	case cfg.SiteID == "":
		return bad("siteID", "is required (or NETLIFY_BLOBS_CONTEXT)")
	case webkv.EncodePathSegment(cfg.SiteID) != cfg.SiteID || strings.Contains(cfg.SiteID, ":"):
		return bad("siteID", "must be a site ID (letters, digits, '-')")
	case cfg.Token == "":
		return bad("token", "is required (or NETLIFY_BLOBS_CONTEXT)")
	case strings.ContainsAny(cfg.Token, "\r\n"):
		return bad("token", "must not contain a line break")
	case cfg.Consistency != "" && cfg.Consistency != "eventual" && cfg.Consistency != "strong":
		return bad("consistency", "must be \"eventual\" or \"strong\"")
	case cfg.Region != "" && !slices.Contains(Regions, cfg.Region):
		return bad("region", "must be one of %s", strings.Join(Regions, ", "))
	case cfg.EdgeURL != "" && cfg.Consistency == "strong" && cfg.UncachedEdgeURL == "":
		return bad("uncachedEdgeURL", "is required for strong consistency in edge mode")
	}
	for _, u := range []struct{ name, v string }{{"edgeURL", cfg.EdgeURL}, {"uncachedEdgeURL", cfg.UncachedEdgeURL}, {"apiURL", cfg.APIURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil {
			return bad(u.name, "must be an http or https URL without query, fragment or credentials")
		}
	}
	return nil
}
