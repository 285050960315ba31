package reliability

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goastro/session"
	"github.com/goastro/session/storage"
	fsstore "github.com/goastro/session/storage/fs"
	"github.com/goastro/session/storage/memory"
)

// FuzzFSKeyMapping checks the fs driver's mapping of keys to files on
// arbitrary pairs of keys: a key is refused with ErrInvalidKey or stored in a
// file inside the base folder, read back as written, listed under its
// normalized name, and removed by Delete; two keys that normalize differently
// never share a file.
func FuzzFSKeyMapping(f *testing.F) {
	for _, k := range []string{
		"6f9619ff-8b86-4011-b42d-00c04fc964ff", "a", "a:b", "a/b", `a\b`, "a:b:c", "../x", "..", ".", "a/../../b",
		"/etc/passwd", "x:..:y", ".goastro", ".goastro-tmp-1", "a?b", "é", "\x00", "a\x00b", "CON", "a b", "~",
		strings.Repeat("a", 300), strings.Repeat("a:", 100),
	} {
		f.Add(k, "a:b", "value")
	}
	f.Fuzz(func(t *testing.T, k1, k2, value string) {
		if value == "" {
			value = "v"
		}
		parent := t.TempDir()
		base := filepath.Join(parent, "store")
		d, err := fsstore.New(fsstore.Options{Base: base, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ctx := context.Background()
		stored := map[string]string{} // normalized key -> value
		for i, k := range []string{k1, k2} {
			v := value + string(rune('0'+i))
			err := d.Set(ctx, k, v, 0)
			clean, cerr := storage.CleanKey(k)
			if err != nil {
				if cerr != nil && !errors.Is(err, storage.ErrInvalidKey) {
					t.Fatalf("Set(%q) refused a key CleanKey refuses, without ErrInvalidKey: %v", k, err)
				}
				continue
			}
			if cerr != nil {
				t.Fatalf("Set(%q) stored a key CleanKey refuses (%v)", k, cerr)
			}
			stored[clean] = v
			got, ok, err := d.Get(ctx, k)
			if err != nil || !ok || got != v {
				t.Fatalf("Get(%q) after Set = %q, %v, %v", k, got, ok, err)
			}
		}
		// Each stored key reads back its own value.
		for k, v := range stored {
			got, ok, err := d.Get(ctx, k)
			if err != nil || !ok || got != v {
				t.Fatalf("Get(%q) = %q, %v, %v; want %q (keys %q and %q share a file?)", k, got, ok, err, v, k1, k2)
			}
		}
		keys, err := d.Keys(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != len(stored) {
			t.Fatalf("Keys = %q, stored %v", keys, stored)
		}
		for _, k := range keys {
			if _, ok := stored[k]; !ok {
				t.Fatalf("Keys lists %q, stored %v", k, stored)
			}
		}
		// Nothing outside the base folder.
		filepath.WalkDir(parent, func(p string, e fs.DirEntry, err error) error {
			if p != parent && p != base && !strings.HasPrefix(p, base+string(os.PathSeparator)) {
				t.Fatalf("keys %q, %q: file outside the base folder: %s", k1, k2, p)
			}
			return nil
		})
		for k := range stored {
			if err := d.Delete(ctx, k); err != nil {
				t.Fatalf("Delete(%q): %v", k, err)
			}
			if _, ok, _ := d.Get(ctx, k); ok {
				t.Fatalf("Get(%q) after Delete found a value", k)
			}
		}
	})
}

// FuzzSessionCookieHeader sends arbitrary Cookie headers to the session
// middleware: the answer is never a 5xx or a panic, the session it ends with
// is a well-formed ID, and the stored session is reached only by its own ID.
func FuzzSessionCookieHeader(f *testing.F) {
	for _, v := range hostileCookieValues() {
		f.Add(session.DefaultCookieName + "=" + v)
	}
	f.Add("astro-session=STORED")
	f.Add("astro-session=STORED; astro-session=x")
	f.Add(`astro-session="STORED"`)
	f.Add("a=b;;; ;astro-session = STORED ;")
	d := memory.New(memory.Options{})
	stored := session.NewID()
	if err := d.Set(context.Background(), stored, `[["Map",1,2],"k",{"data":3},"mine"]`, 0); err != nil {
		f.Fatal(err)
	}
	mgr, err := session.New(session.Config{Storage: d, Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	h := mgr.Middleware(http.HandlerFunc(useSession))
	f.Fuzz(func(t *testing.T, header string) {
		header = strings.ReplaceAll(header, "STORED", stored)
		ip := &inProcess{t: t, h: h}
		w := ip.serve("GET", "/", header)
		if w.Code != 200 {
			t.Fatalf("Cookie %q: status %d %q", header, w.Code, w.Body.String())
		}
		id := w.Body.String()
		if !session.ValidID(id) {
			t.Fatalf("Cookie %q: session ID %q", header, id)
		}
		if id == stored && !strings.Contains(header, stored) {
			t.Fatalf("Cookie %q reached the stored session", header)
		}
		if id != stored {
			// A fresh session: forget it so the store stays small.
			d.Delete(context.Background(), id)
		} else {
			// The stored session was used: put it back as it was.
			d.Set(context.Background(), stored, `[["Map",1,2],"k",{"data":3},"mine"]`, 0)
		}
	})
}
