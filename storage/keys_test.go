package storage_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goastro/session/storage"
)

func TestNormalizeKey(t *testing.T) {
	cases := map[string]string{
		"":                                     "",
		"a":                                    "a",
		"3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b": "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b",
		"a:b":                                  "a:b",
		"a/b":                                  "a:b",
		`a\b`:                                  "a:b",
		"/a//b\\\\c/":                          "a:b:c",
		":::":                                  "",
		":a:":                                  "a",
		"::a::b::":                             "a:b",
		"a?b":                                  "a",
		"?a":                                   "",
		"a:b?c/d":                              "a:b",
		"a/?":                                  "a",
		"..":                                   "..",
		"/../x":                                "..:x",
		"é/😀":                                  "é:😀",
	}
	for in, want := range cases {
		if got := storage.NormalizeKey(in); got != want {
			t.Errorf("NormalizeKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJoinKeys(t *testing.T) {
	cases := []struct {
		base string
		keys []string
		want string
	}{
		{"", []string{"abc"}, "abc"},
		{"sessions", []string{"abc"}, "sessions:abc"},
		{"sessions:", []string{"abc"}, "sessions:abc"},
		{"a/b", []string{"c"}, "a:b:c"},
		{"::a", []string{"b::"}, ":a:b:"},
		{":", []string{":", "x"}, "x"},
		{"", nil, ""},
		{"b", []string{"", "k/"}, "b:k"},
	}
	for _, c := range cases {
		if got := storage.JoinKeys(c.base, c.keys...); got != c.want {
			t.Errorf("JoinKeys(%q, %q) = %q, want %q", c.base, c.keys, got, c.want)
		}
	}
}

func TestCleanKey(t *testing.T) {
	good := map[string]string{
		"abc":     "abc",
		"/a/b/":   "a:b",
		"a.b":     "a.b",
		"...a":    "...a",
		"a:.b":    "a:.b",
		".hidden": ".hidden",
		"k?x=..":  "k",
	}
	for in, want := range good {
		got, err := storage.CleanKey(in)
		if err != nil || got != want {
			t.Errorf("CleanKey(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{"", "?", ":", ".", "..", "a:..", "../a", "a/./b", "a..", "a..:b", "a\x00", "\xc3", strings.Repeat("a", 1025), strings.Repeat("a", 256)}
	for _, in := range bad {
		if got, err := storage.CleanKey(in); !errors.Is(err, storage.ErrInvalidKey) || got != "" {
			t.Errorf("CleanKey(%q) = %q, %v; want ErrInvalidKey", in, got, err)
		} else if !strings.Contains(err.Error(), "invalid key") {
			t.Errorf("CleanKey(%q) error %q does not say what is wrong", in, err)
		}
	}
}

func TestCleanKeyAllocs(t *testing.T) {
	k := "3f1c4a2e-8b7d-4e6f-9a0b-1c2d3e4f5a6b"
	if a := testing.AllocsPerRun(100, func() { _, _ = storage.CleanKey(k) }); a != 0 {
		t.Fatalf("CleanKey of a normal key allocates %v times", a)
	}
}

// FuzzKeys checks the invariants of the key rules on arbitrary input.
func FuzzKeys(f *testing.F) {
	for _, s := range []string{"", "a", "a:b", "/a//b\\c?d", "::", "..", "a/../b", "x..:y", "\x00", "é/😀", "?", "a:b:"} {
		f.Add(s, "base")
	}
	f.Fuzz(func(t *testing.T, key, base string) {
		n := storage.NormalizeKey(key)
		if storage.NormalizeKey(n) != n {
			t.Fatalf("NormalizeKey not idempotent on %q: %q then %q", key, n, storage.NormalizeKey(n))
		}
		if strings.ContainsAny(n, "?/\\") || strings.Contains(n, "::") || strings.HasPrefix(n, ":") || strings.HasSuffix(n, ":") {
			t.Fatalf("NormalizeKey(%q) = %q is not normal", key, n)
		}
		if len(n) > len(key) {
			t.Fatalf("NormalizeKey(%q) = %q grew", key, n)
		}
		c, err := storage.CleanKey(key)
		if err != nil {
			if !errors.Is(err, storage.ErrInvalidKey) || c != "" {
				t.Fatalf("CleanKey(%q) = %q, %v", key, c, err)
			}
		} else {
			if c != n || c == "" || len(c) > storage.MaxKeyLen || !utf8.ValidString(c) || strings.IndexByte(c, 0) >= 0 {
				t.Fatalf("CleanKey(%q) accepted %q", key, c)
			}
			for _, seg := range strings.Split(c, ":") {
				if seg == "" || seg == "." || strings.HasSuffix(seg, "..") || len(seg) > storage.MaxSegmentLen {
					t.Fatalf("CleanKey(%q) accepted segment %q", key, seg)
				}
			}
			if again, err := storage.CleanKey(c); err != nil || again != c {
				t.Fatalf("CleanKey not stable on %q: %q, %v", c, again, err)
			}
		}
		j := storage.JoinKeys(base, key)
		if strings.ContainsAny(j, "/\\") {
			t.Fatalf("JoinKeys(%q, %q) = %q keeps a slash", base, key, j)
		}
		if storage.JoinKeys("", key) != storage.JoinKeys(key) {
			t.Fatalf("JoinKeys drops empty parts inconsistently for %q", key)
		}
	})
}

func TestRedactKey(t *testing.T) {
	for in, want := range map[string]string{
		"abc":       "…ba7816bf",
		"sess:abc":  "sess:…ba7816bf",
		"a:b:abc":   "a:b:…ba7816bf",
		"":          "",
		"trailing:": "trailing:",
	} {
		if got := storage.RedactKey(in); got != want {
			t.Errorf("RedactKey(%q) = %q, want %q", in, got, want)
		}
	}
}
