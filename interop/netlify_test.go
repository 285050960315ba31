package interop

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	session "github.com/goastro/session"
	"github.com/goastro/session/internal/testenv"
	_ "github.com/goastro/session/storage/netlifyblobs" // registers "netlify-blobs"
)

// Astro on Netlify: the Astro 7 app built with the session driver that Astro's
// Netlify adapter (@astrojs/netlify 8) sets when a site configures none,
// sessionDrivers.netlifyBlobs({ name: "astro-sessions", consistency: "strong" })
// (the dist-netlify-blobs build of astro/v7), reading its site ID, token and
// edge URLs from NETLIFY_BLOBS_CONTEXT as it does on Netlify; and Go servers
// with the library's netlify-blobs driver on the same site of Netlify's local
// Blobs server (BlobsServer from @netlify/blobs), one in edge mode and one in
// API mode (what a Go service outside Netlify uses, with a personal access
// token).

// platformDir holds the script that runs BlobsServer (netlify-blobs-server.mjs)
// and the packages it needs.
const platformDir = "../storage/testdata/platform"

const (
	blobsSiteID = "interop-site"
	// blobsStoreName is the store of @astrojs/netlify's default session
	// driver; @netlify/blobs keeps a site-wide store under "site:" + name.
	blobsStoreName = "astro-sessions"
	blobsWireStore = "site:" + blobsStoreName
)

// blobsStore is one site on a local BlobsServer.
type blobsStore struct {
	url   string // the BlobsServer: the uncached edge URL and the API URL
	edge  string // the cached edge URL, which no request may use under strong consistency
	token string
}

// newBlobsStore starts a BlobsServer with a folder and token of its own for
// the test. The cached edge URL the sides are given is a server that fails the
// test if anything reaches it: with consistency "strong" (the Netlify
// adapter's choice), every request must go to the uncached edge URL.
func newBlobsStore(t *testing.T) store {
	var r [16]byte
	rand.Read(r[:])
	token := hex.EncodeToString(r[:])
	srv := testenv.StartNodeServer(t, platformDir, "netlify-blobs-server.mjs", t.TempDir(), token)
	edge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request went to the cached edge URL under strong consistency: %s %s", r.Method, r.URL)
		http.Error(w, "cached edge URL", http.StatusBadGateway)
	}))
	t.Cleanup(edge.Close)
	return store{driver: "netlify-blobs", blobs: &blobsStore{url: srv, edge: edge.URL, token: token}}
}

// astroEnv is the Blobs context that Netlify's runtime gives a function:
// base64 of a JSON object that @netlify/blobs reads when a store is opened
// with no site ID or token of its own, as the adapter's driver is.
func (b *blobsStore) astroEnv() []string {
	ctx, _ := json.Marshal(map[string]string{"siteID": blobsSiteID, "token": b.token, "edgeURL": b.edge, "uncachedEdgeURL": b.url})
	return []string{"NETLIFY_BLOBS_CONTEXT=" + base64.StdEncoding.EncodeToString(ctx)}
}

// edgeOptions are the Go driver's options in edge mode, with the values of
// that context.
func (b *blobsStore) edgeOptions() map[string]any {
	return map[string]any{"name": blobsStoreName, "consistency": "strong", "siteID": blobsSiteID, "token": b.token, "edgeURL": b.edge, "uncachedEdgeURL": b.url}
}

// apiOptions are the Go driver's options in API mode: reads and writes ask
// the API for a signed URL first.
func (b *blobsStore) apiOptions() map[string]any {
	return map[string]any{"name": blobsStoreName, "consistency": "strong", "siteID": blobsSiteID, "token": b.token, "apiURL": b.url}
}

// raw returns the blob stored under a session ID, read from BlobsServer's
// edge path, and its metadata header.
func (b *blobsStore) rawWithMeta(t *testing.T, id string) (value, meta string, ok bool) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.url+"/"+blobsSiteID+"/"+blobsWireStore+"/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	switch resp.StatusCode {
	case http.StatusNotFound:
		return "", "", false
	case http.StatusOK:
		return string(data), resp.Header.Get("X-Amz-Meta-User"), true
	}
	t.Fatalf("BlobsServer GET %s: status %d: %s", id, resp.StatusCode, data)
	return "", "", false
}

func (b *blobsStore) raw(t *testing.T, id string) (string, bool) {
	t.Helper()
	v, _, ok := b.rawWithMeta(t, id)
	return v, ok
}

// TestNetlifyBlobsShared runs the shared-session scenarios (both directions),
// the TTL checks and the byte-for-byte record comparison of the fs and Redis
// tests on Netlify Blobs, with the Astro app of the Netlify adapter's default
// session driver and a Go server in edge mode and one in API mode.
func TestNetlifyBlobsShared(t *testing.T) {
	st := newBlobsStore(t)
	sh := newShared(t, astro7, st)
	sh.gos[0].name = "go-netlify-blobs-edge"
	api, _ := startGoWith(t, "netlify-blobs", st, sh.expected, sh.typeKeys, func(c *session.Config) {
		c.Options = st.blobs.apiOptions()
	})
	api.name = "go-netlify-blobs-api"
	sh.gos = append(sh.gos, api)

	t.Run("record", func(t *testing.T) {
		// Where Netlify's Astro keeps a session: the blob named by the session ID
		// in the site-wide store "astro-sessions", holding the devalue text, with
		// the metadata Astro's write leaves (none sent; the store reports {}).
		const want = `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`
		wantMeta := ""
		for i, s := range append([]server{sh.astro}, sh.gos...) {
			b := newBrowser(t)
			s.set(b, entryIn{Key: "cart", Value: `[[1,2],"sku-1","sku-2"]`})
			id := b.session()
			rec, meta, ok := st.blobs.rawWithMeta(t, id)
			if !ok {
				t.Errorf("%s: no blob %s/%s/%s", s.name, blobsSiteID, blobsWireStore, id)
				continue
			}
			if rec != want {
				t.Errorf("%s: blob\n got %s\nwant %s", s.name, rec, want)
			}
			if i == 0 {
				wantMeta = meta
				t.Logf("%s: metadata %q", s.name, meta)
			} else if meta != wantMeta {
				t.Errorf("%s: metadata %q, %s's %q", s.name, meta, sh.astro.name, wantMeta)
			}
			s.destroy(b)
			if rec, _, ok := st.blobs.rawWithMeta(t, id); ok {
				t.Errorf("%s: blob still stored after destroy: %s", s.name, rec)
			}
		}
	})
	t.Run("sessions", func(t *testing.T) { sharedSessions(t, sh) })
	t.Run("ttl", func(t *testing.T) { sharedTTL(t, sh) })
	t.Run("same record", func(t *testing.T) { sameRecord(t, sh) })
}
