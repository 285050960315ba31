package fs

import (
	"strconv"
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
