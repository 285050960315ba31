package fs

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseSidecar: the sidecar parser never panics, and what it accepts is
// what writeSidecar would have written.
func FuzzParseSidecar(f *testing.F) {
	f.Add([]byte("1767225600000000000 12345\nsess:1"))
	f.Add([]byte("1 2\n"))
	f.Add([]byte("x y\nk"))
	f.Add([]byte("-5 18446744073709551615\na\nb"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, key, ok := parseSidecar(b)
		if !ok {
			if sc != (sidecar{}) || key != "" {
				t.Fatalf("rejected input returned %v %q", sc, key)
			}
			return
		}
		text := strconv.FormatInt(sc.expires, 10) + " " + strconv.FormatUint(sc.ino, 10) + "\n" + key
		sc2, key2, ok2 := parseSidecar([]byte(text))
		if !ok2 || sc2 != sc || key2 != key {
			t.Fatalf("round trip of %q: %v %q %v", text, sc2, key2, ok2)
		}
	})
}

// FuzzKeyPath: every key the driver accepts maps to a clean path strictly
// inside base, never into its metadata folder, and maps back to the same key.
func FuzzKeyPath(f *testing.F) {
	for _, k := range []string{"a", "/etc/passwd", `..\..\x`, "a/../../b", "~/.ssh/id", "C:\\Windows", ".goastro:lock:00", "a:.goastro-tmp-1", "x..", "é/😀", "\x00", ".a:..b"} {
		f.Add(k)
	}
	s := &Store{base: "/srv/sessions"}
	f.Fuzz(func(t *testing.T, key string) {
		k, err := cleanKey(key)
		if err != nil {
			return
		}
		p := s.path(k)
		if filepath.Clean(p) != p {
			t.Fatalf("key %q maps to unclean path %q", key, p)
		}
		rel, err := filepath.Rel(s.base, p)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
			t.Fatalf("key %q maps to %q, outside base", key, p)
		}
		if first, _, _ := strings.Cut(rel, "/"); strings.HasPrefix(first, ".goastro") {
			t.Fatalf("key %q maps into the metadata folder: %q", key, p)
		}
		if back := strings.ReplaceAll(rel, "/", ":"); back != k {
			t.Fatalf("key %q maps to %q, which lists as %q", k, p, back)
		}
	})
}
