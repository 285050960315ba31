package reliability

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goastro/session"
	"github.com/goastro/session/devalue"
	"github.com/goastro/session/storage"
	fsstore "github.com/goastro/session/storage/fs"
)

// inProcess is a Manager's middleware around a handler, served without a
// network so that header values an HTTP client would refuse (NUL bytes) reach
// it unchanged.
type inProcess struct {
	t    *testing.T
	h    http.Handler
	logs *logBuffer
	mgr  *session.Manager
}

func newInProcess(t *testing.T, d storage.Driver, cfg session.Config, handler http.HandlerFunc) *inProcess {
	t.Helper()
	ip := &inProcess{t: t, logs: &logBuffer{}}
	cfg.Storage, cfg.Logger = d, ip.logs.logger()
	mgr, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ip.mgr = mgr
	ip.h = mgr.Middleware(handler)
	return ip
}

// serve runs one request with the given Cookie header lines, turning a panic
// into a test failure.
func (ip *inProcess) serve(method, target string, cookies ...string) (w *httptest.ResponseRecorder) {
	ip.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for _, c := range cookies {
		req.Header.Add("Cookie", c)
	}
	w = httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			ip.t.Errorf("%s %s with cookies %.80q: panic: %v", method, target, cookies, p)
		}
	}()
	ip.h.ServeHTTP(w, req)
	return w
}

func setCookieID(w *httptest.ResponseRecorder) (string, bool) {
	return reply{header: w.Header()}.sessionCookie()
}

// useSession reads and writes the session: the worst case for a forged cookie.
func useSession(w http.ResponseWriter, r *http.Request) {
	s := session.From(r.Context())
	if _, err := s.Get("k"); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if err := s.Set("k", "v"); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, s.ID())
}

// hostileCookieValues are cookie values that are not session IDs.
func hostileCookieValues() []string {
	return []string{
		"", " ", "\"\"", "x",
		"../../../../etc/passwd", "..", ".", "/", "/etc/passwd", `..\..\windows\win.ini`,
		"..%2F..%2Fetc%2Fpasswd", "a/b", "a:b", ":", "a:b:c/../../d", ".goastro", ".goastro-tmp-x",
		"./6f9619ff-8b86-4011-b42d-00c04fc964ff", "6f9619ff-8b86-4011-b42d-00c04fc964ff/..",
		"*", "?", "[a-z]*", "%", "'; DROP TABLE astro_sessions; --", "\\x00",
		strings.Repeat("a", 10<<10), strings.Repeat("../", 3000), strings.Repeat("6f9619ff-8b86-4011-b42d-00c04fc964ff", 300),
		"abc\x00def", "6f9619ff-8b86-4011-b42d-00c04fc964f\x00", "\x00",
		"é", "😀", "ｆｏｏ", "\u202e", "6f9619ff-8b86-4011-b42d-00c04fc964ff\u200b",
		"6F9619FF-8B86-4011-B42D-00C04FC964FF",     // uppercase
		"6f9619ff-8b86-1011-b42d-00c04fc964ff",     // version 1
		"6f9619ff-8b86-4011-c42d-00c04fc964ff",     // wrong variant
		"{6f9619ff-8b86-4011-b42d-00c04fc964ff}",   // braces
		"6f9619ff8b864011b42d00c04fc964ff",         // no dashes
		"6f9619ff-8b86-4011-b42d-00c04fc964ff ",    // trailing space
		"6f9619ff-8b86-4011-b42d-00c04fc964ff;x=1", // smuggled attribute
		"6f9619ff-8b86-4011-b42d-00c04fc964ffa",
		"deleted",
	}
}

// Cookie values that are not IDs are answered with a fresh session: never a
// 5xx or a panic, never a file or key of the client's choosing, nothing
// outside the store's folder.
func TestBadCookieValues(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			var d storage.Driver
			var base string
			if dc.name == "fs-lite" {
				// A store folder inside a folder of its own, to see any escape.
				parent := t.TempDir()
				base = filepath.Join(parent, "store")
				fd, err := fsstore.New(fsstore.Options{Base: base})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { fd.Close() })
				d = fd
			} else {
				d = dc.open(t)
			}
			ip := newInProcess(t, d, session.Config{}, useSession)
			for _, v := range hostileCookieValues() {
				for _, header := range []string{
					session.DefaultCookieName + "=" + v,
					"other=1; " + session.DefaultCookieName + "=" + v + "; x=y",
					session.DefaultCookieName + "=\"" + v + "\"",
				} {
					w := ip.serve("GET", "/", header)
					if w.Code != 200 {
						t.Errorf("cookie %.60q: status %d %.200q", header, w.Code, w.Body.String())
						continue
					}
					id, ok := setCookieID(w)
					if !ok || !session.ValidID(id) || id == v || w.Body.String() != id {
						t.Errorf("cookie %.60q: not answered with a fresh session: Set-Cookie ID %q, body %.80q", header, id, w.Body.String())
					}
				}
			}
			keys, err := d.Keys(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if !session.ValidID(k) {
					t.Errorf("the store holds the key %.80q, which is not a session ID", k)
				}
			}
			if base != "" {
				parent := filepath.Dir(base)
				filepath.WalkDir(parent, func(p string, e fs.DirEntry, err error) error {
					if p != parent && p != base && !strings.HasPrefix(p, base+string(filepath.Separator)) {
						t.Errorf("a file was created outside the store folder: %s", p)
					}
					return nil
				})
				entries, _ := os.ReadDir(base)
				for _, e := range entries {
					if !session.ValidID(e.Name()) && !strings.HasPrefix(e.Name(), ".goastro") {
						t.Errorf("the store folder holds %q", e.Name())
					}
				}
			}
		})
	}
}

// Duplicates of the session cookie, in one Cookie header or in several, never
// give a 5xx: the request gets the session of the first one when that is a
// stored session, and a fresh session otherwise.
func TestDuplicateSessionCookies(t *testing.T) {
	d := allDrivers[1].open(t) // fs-lite
	ip := newInProcess(t, d, session.Config{}, useSession)
	w := ip.serve("GET", "/")
	good, ok := setCookieID(w)
	if !ok {
		t.Fatal("no session")
	}
	unknown := session.NewID()
	n := session.DefaultCookieName
	cases := []struct {
		name    string
		headers []string
		want    string // the ID the request must keep; "" for a fresh one
	}{
		{"bad then good", []string{n + "=../x; " + n + "=" + good}, ""},
		{"good then bad", []string{n + "=" + good + "; " + n + "=../x"}, good},
		{"unknown then good", []string{n + "=" + unknown + "; " + n + "=" + good}, ""},
		{"good twice", []string{n + "=" + good + "; " + n + "=" + good}, good},
		{"two header lines, bad first", []string{n + "=%00", n + "=" + good}, ""},
		{"two header lines, good first", []string{n + "=" + good, n + "=" + unknown}, good},
		{"hundred copies", []string{strings.Repeat(n+"=junk; ", 100) + n + "=" + good}, ""},
	}
	for _, c := range cases {
		w := ip.serve("GET", "/", c.headers...)
		if w.Code != 200 {
			t.Errorf("%s: status %d %q", c.name, w.Code, w.Body.String())
			continue
		}
		got := w.Body.String()
		switch {
		case c.want != "" && got != c.want:
			t.Errorf("%s: session %q, want the stored %q", c.name, got, c.want)
		case c.want == "" && (got == good || got == unknown || !session.ValidID(got)):
			t.Errorf("%s: session %q, want a fresh one", c.name, got)
		}
	}
}

// A valid record to damage: what a session with a few keys looks like.
func sampleRecord(t *testing.T) string {
	d := allDrivers[0].open(t)
	ip := newInProcess(t, d, session.Config{TTL: 3600e9}, func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		s.Set("user", map[string]any{"id": "u1", "roles": []string{"admin", "dev"}})
		s.Set("cart", []map[string]any{{"productId": "tee", "quantity": 2}})
		s.Set("note", "<script>\u2028")
	})
	w := ip.serve("GET", "/")
	id, _ := setCookieID(w)
	text, ok, err := d.Get(context.Background(), id)
	if err != nil || !ok {
		t.Fatalf("sample record: %v %v", ok, err)
	}
	return text
}

// corruptRecords are stored records that are not sessions.
func corruptRecords(t *testing.T) map[string]string {
	good := sampleRecord(t)
	recs := map[string]string{
		"garbage":                  "garbage",
		"binary":                   "\x00\x01\x02\xff\xfe",
		"json object":              `{"a":1}`,
		"json string":              `"[[\"Map\"]]"`,
		"non-Map root":             `[{"a":1},2]`,
		"Set root":                 `[["Set",1],"x"]`,
		"array root":               `[[1,2],"a","b"]`,
		"number root":              `[42]`,
		"null root":                `-1`,
		"undefined root":           `-2`,
		"Map, non-string key":      `[["Map",1,2],3,{"data":4},5]`,
		"Map, entry not an object": `[["Map",1,2],"k","not an entry"]`,
		"Map, bad index":           `[["Map",1,99999],"k"]`,
		"Map, negative index":      `[["Map",1,-7],"k"]`,
		"Map, odd entries":         `[["Map",1],"k"]`,
		"self reference":           `[["Map",0,0]]`,
		"unknown tag":              `[["Evil",1],"x"]`,
		"__proto__":                `[["Map",1,2],"k",{"data":3},{"__proto__":4},1]`,
		"deep JSON":                strings.Repeat("[", 200000) + strings.Repeat("]", 200000),
		"empty Map text":           `[["Map"]`,
	}
	for _, cut := range []int{1, 2, len(good) / 3, len(good) / 2, len(good) - 2, len(good) - 1} {
		recs[fmt.Sprintf("truncated at %d of %d", cut, len(good))] = good[:cut]
	}
	recs["trailing garbage"] = good + "x"
	recs["two records"] = good + good
	return recs
}

// A corrupt stored record is not a 500 and not a panic. By default reading
// the session finds nothing (the error is logged); with Config.StrictRecords
// the first read fails with ErrCorruptRecord (not ErrStorage, so the
// application can tell it from an outage), as in Astro. Either way the record
// is removed and the request goes on with a fresh session under a new ID.
func TestCorruptStoredRecords(t *testing.T) {
	for _, strict := range []bool{false, true} {
		for _, dc := range allDrivers {
			t.Run(fmt.Sprintf("strict=%v/%s", strict, dc.name), func(t *testing.T) {
				d := dc.open(t)
				ip := newInProcess(t, d, session.Config{StrictRecords: strict}, func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r.Context())
					_, err := s.Get("user")
					switch {
					case strict && (!errors.Is(err, session.ErrCorruptRecord) || errors.Is(err, session.ErrStorage)):
						http.Error(w, fmt.Sprintf("strict: error %v, want ErrCorruptRecord", err), http.StatusInternalServerError)
						return
					case !strict && err != nil:
						http.Error(w, "unexpected error: "+err.Error(), http.StatusInternalServerError)
						return
					}
					if v, err := s.Get("user"); err != nil || v != nil {
						http.Error(w, fmt.Sprintf("after the corrupt record: %v %v", v, err), http.StatusInternalServerError)
						return
					}
					if err := s.Set("fresh", true); err != nil {
						http.Error(w, err.Error(), http.StatusInternalServerError)
						return
					}
					fmt.Fprint(w, s.ID())
				})
				for name, rec := range corruptRecords(t) {
					id := session.NewID()
					if err := d.Set(context.Background(), id, rec, 0); err != nil {
						// This store cannot hold such a record (PostgreSQL text refuses NUL).
						t.Logf("%s: the %s driver refuses to store it: %v", name, dc.name, err)
						continue
					}
					w := ip.serve("GET", "/", cookie(id))
					if w.Code != 200 {
						t.Errorf("%s: status %d %q", name, w.Code, w.Body.String())
						continue
					}
					fresh, ok := setCookieID(w)
					if !ok || fresh == id || !session.ValidID(fresh) || w.Body.String() != fresh {
						t.Errorf("%s: not a fresh session: Set-Cookie %q, body %q", name, w.Header().Values("Set-Cookie"), w.Body.String())
					}
					if _, ok, _ := d.Get(context.Background(), id); ok {
						t.Errorf("%s: the corrupt record was kept", name)
					}
					if _, ok, _ := d.Get(context.Background(), fresh); !ok {
						t.Errorf("%s: the fresh session was not stored", name)
					}
				}
				if logs := ip.logs.String(); !strings.Contains(logs, "could not be parsed") {
					t.Errorf("corrupt records were not logged:\n%.2000s", logs)
				}
			})
		}
	}
}

// A value over Config.MaxRecordSize is refused at Set with ErrTooLarge and
// nothing is stored; the handler can answer 413 and the session stays usable.
func TestMaxRecordSizeAtSet(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			d := dc.open(t)
			ip := newInProcess(t, d, session.Config{MaxRecordSize: 4096}, sizeHandler)
			// 1 KB: fine.
			w := ip.serve("POST", "/?k=small&n="+strings.Repeat("1", 10))
			id, ok := setCookieID(w)
			if w.Code != 200 || !ok {
				t.Fatalf("small value: %d %q", w.Code, w.Body.String())
			}
			// 10 KB in one value: refused at Set.
			w = ip.serve("POST", "/?k=big&n="+strings.Repeat("1", 100), cookie(id))
			if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "4096") {
				t.Errorf("a 10 KB value under a 4 KB limit: %d %q, want 413 naming the limit", w.Code, w.Body.String())
			}
			// Two values of 2.5 KB each: the second makes the record too large.
			w = ip.serve("POST", "/?k=a&n="+strings.Repeat("1", 25), cookie(id))
			if w.Code != 200 {
				t.Fatalf("first 2.5 KB value: %d %q", w.Code, w.Body.String())
			}
			w = ip.serve("POST", "/?k=b&n="+strings.Repeat("1", 25), cookie(id))
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("a Set that takes the record over the limit: status %d %q, want ErrTooLarge at Set (413 from the handler), not a failed save", w.Code, w.Body.String())
			}
			text, ok, err := d.Get(context.Background(), id)
			if err != nil || !ok || len(text) > 4096 || strings.Contains(text, `"b"`) {
				t.Errorf("stored record after the refusals: ok=%v err=%v, %d bytes", ok, err, len(text))
			}
		})
	}
}

// sizeHandler sets key k to a string of 100 times len(n) copies of k's first
// letter, answering 413 on ErrTooLarge.
var sizeHandler = func(w http.ResponseWriter, r *http.Request) {
	s := session.From(r.Context())
	size := len(r.URL.Query().Get("n"))
	if _, err := s.Get("small"); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	k := r.URL.Query().Get("k")
	// Each key its own letter: devalue stores equal strings once.
	err := s.Set(k, strings.Repeat(k[:1], size*100))
	if errors.Is(err, session.ErrTooLarge) {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
}

// A record filled by many small values, one per request, each far under the
// limit, is refused at the Set that fills it, not at the save.
func TestMaxRecordSizeManySmallValues(t *testing.T) {
	for _, dc := range allDrivers {
		t.Run(dc.name, func(t *testing.T) {
			d := dc.open(t)
			ip := newInProcess(t, d, session.Config{MaxRecordSize: 4096}, sizeHandler)
			id, _ := setCookieID(ip.serve("POST", "/?k=start&n=1"))
			refused := false
			for i := range 60 {
				k := string(rune('A'+i%26)) + strconv.Itoa(i)
				w := ip.serve("POST", "/?k="+k+"&n=11", cookie(id)) // 200 bytes of one letter
				if w.Code == http.StatusRequestEntityTooLarge {
					refused = true
					break
				}
				if w.Code != 200 {
					t.Errorf("small value %d: status %d %q, want ErrTooLarge at Set once the record is full", i, w.Code, w.Body.String())
					refused = true
					break
				}
			}
			if !refused {
				t.Errorf("60 values of 200 bytes were all accepted under a 4 KB limit")
			}
			if text, ok, err := d.Get(context.Background(), id); err != nil || !ok || len(text) > 4096 {
				t.Errorf("stored record: ok=%v err=%v, %d bytes", ok, err, len(text))
			}
		})
	}
}

// Deeply nested values give a clear error, not a panic or a crash: at Set
// (too deep to store), and in a stored record (too deep to read, handled as
// a corrupt record). Nesting within the limit is stored and read back.
func TestDeeplyNestedValues(t *testing.T) {
	nest := func(depth int) any {
		var v any = "bottom"
		for range depth {
			v = []any{v}
		}
		return v
	}
	d := allDrivers[0].open(t)
	ip := newInProcess(t, d, session.Config{MaxRecordSize: -1}, func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		var depth int
		fmt.Sscan(r.URL.Query().Get("depth"), &depth)
		if depth > 0 {
			err := s.Set("deep", nest(depth))
			if errors.Is(err, devalue.ErrTooDeep) || errors.Is(err, session.ErrNotSerializable) {
				http.Error(w, err.Error(), http.StatusUnprocessableEntity)
				return
			}
			if err != nil {
				http.Error(w, err.Error(), 500)
			}
			return
		}
		v, err := s.Get("deep")
		if errors.Is(err, session.ErrCorruptRecord) {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprint(w, v != nil)
	})
	// Within the limit: stored, and read back.
	w := ip.serve("POST", "/?depth=1000")
	id, ok := setCookieID(w)
	if w.Code != 200 || !ok {
		t.Fatalf("depth 1000: %d %q", w.Code, w.Body.String())
	}
	if w := ip.serve("GET", "/", cookie(id)); w.Code != 200 || w.Body.String() != "true" {
		t.Errorf("reading depth 1000 back: %d %q", w.Code, w.Body.String())
	}
	// Far beyond it: refused at Set with a clear error.
	for _, depth := range []int{devalue.DefaultMaxDepth + 10, 200000} {
		w := ip.serve("POST", fmt.Sprintf("/?depth=%d", depth))
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "deep") {
			t.Errorf("depth %d: %d %.200q, want ErrTooDeep at Set", depth, w.Code, w.Body.String())
		}
	}
	// A stored record nested 200000 levels deep (written by another program).
	var b strings.Builder
	const depth = 200000
	b.WriteString(`[["Map",1,2],"deep",{"data":3}`)
	for i := 3; i < 3+depth; i++ {
		fmt.Fprintf(&b, ",[%d]", i+1)
	}
	b.WriteString(`,"bottom"]`)
	deepID := session.NewID()
	if err := d.Set(context.Background(), deepID, b.String(), 0); err != nil {
		t.Fatal(err)
	}
	// It is handled as a corrupt record: ErrCorruptRecord naming the depth
	// (Config.StrictRecords), or a fresh session; the record is removed.
	w = ip.serve("GET", "/", cookie(deepID))
	strict := w.Code == http.StatusBadRequest && strings.Contains(w.Body.String(), "deep")
	fresh := w.Code == 200 && w.Body.String() == "false"
	if !strict && !fresh {
		t.Errorf("a stored record nested %d deep: %d %.200q, want a fresh session or ErrCorruptRecord naming the depth", depth, w.Code, w.Body.String())
	}
	if _, ok, _ := d.Get(context.Background(), deepID); ok {
		t.Errorf("the record nested %d deep was kept", depth)
	}
	if logs := ip.logs.String(); !strings.Contains(logs, "deep") {
		t.Errorf("the record nested %d deep was not logged with its cause:\n%.1000s", depth, logs)
	}
}

// User IDs given to SetUser are data, never paths or keys: hostile ones
// (traversal, NUL, 10 KB, Unicode, glob characters) bind and log out like any
// other, and nothing lands outside the store's folder.
func TestHostileUserIDs(t *testing.T) {
	parent := t.TempDir()
	base := filepath.Join(parent, "store")
	d, err := fsstore.New(fsstore.Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	var user string
	ip := newInProcess(t, d, session.Config{}, func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if err := s.Regenerate(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := s.SetUser(user); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	for _, u := range []string{"../../../etc/passwd", "a/b", "a:b", "\x00", "a\x00b", strings.Repeat("u", 10<<10), "é😀", "*", "?[", ".goastro", "session-users:x"} {
		user = u
		var ids []string
		for range 2 {
			w := ip.serve("POST", "/")
			id, ok := setCookieID(w)
			if w.Code != 200 || !ok {
				t.Fatalf("user %.40q: login %d %q", u, w.Code, w.Body.String())
			}
			ids = append(ids, id)
		}
		n, err := ip.mgr.DestroyUser(context.Background(), u)
		if err != nil || n != 2 {
			t.Errorf("user %.40q: DestroyUser = %d, %v; want 2", u, n, err)
		}
		for _, id := range ids {
			if _, ok, _ := d.Get(context.Background(), id); ok {
				t.Errorf("user %.40q: session %s survived DestroyUser", u, id)
			}
		}
	}
	filepath.WalkDir(parent, func(p string, e fs.DirEntry, err error) error {
		if p != parent && p != base && !strings.HasPrefix(p, base+string(filepath.Separator)) {
			t.Errorf("a file was created outside the store folder: %s", p)
		}
		return nil
	})
}

// Values that devalue cannot write, or that an Astro site sharing the store
// could not read back (an object with a "__proto__" key, which devalue's
// parse refuses), are refused at Set with ErrNotSerializable; nothing is
// stored, and the session stays usable.
func TestUnstorableValuesRefused(t *testing.T) {
	d := allDrivers[0].open(t)
	var value any
	ip := newInProcess(t, d, session.Config{}, func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r.Context())
		if err := s.Set("ok", "fine"); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		err := s.Set("bad", value)
		if errors.Is(err, session.ErrNotSerializable) {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprint(w, "stored")
	})
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for name, v := range map[string]any{
		"__proto__ key":        map[string]any{"__proto__": map[string]any{"admin": true}},
		"nested __proto__ key": []any{1, map[string]any{"a": map[string]any{"__proto__": 1}}},
		"func":                 func() {},
		"channel":              make(chan int),
		"complex":              complex(1, 2),
	} {
		value = v
		w := ip.serve("POST", "/")
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %q, want ErrNotSerializable at Set", name, w.Code, w.Body.String())
		}
	}
	// A cycle is not an error: devalue keeps references.
	value = cyclic
	if w := ip.serve("POST", "/"); w.Code != 200 || w.Body.String() != "stored" {
		t.Errorf("cyclic map: %d %q, want it stored", w.Code, w.Body.String())
	}
}
