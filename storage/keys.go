package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on keys, shared by every driver so that a key accepted by one driver is
// accepted by all of them (and fits in a file name on the fs driver).
const (
	// MaxKeyLen is the longest key, in bytes after normalization.
	MaxKeyLen = 1024
	// MaxSegmentLen is the longest segment (text between two ':'), in bytes. It is
	// the file name limit of common Linux file systems (NAME_MAX).
	MaxSegmentLen = 255
)

// NormalizeKey returns key as unstorage's storage layer (v1.17) normalizes every
// key before it reaches a driver:
//
//   - everything from the first '?' on is dropped;
//   - '/' and '\' become ':';
//   - runs of ':' collapse into one;
//   - a leading and a trailing ':' are removed.
//
// So "/a//b\\c?v=1" becomes "a:b:c". A session ID (a UUID) is returned unchanged,
// and an already normalized key is returned without allocating.
func NormalizeKey(key string) string {
	if i := strings.IndexByte(key, '?'); i >= 0 {
		key = key[:i]
	}
	if isNormalKey(key) {
		return key
	}
	var b strings.Builder
	b.Grow(len(key))
	sep := true // suppresses a leading ':' and repeated ones
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == ':' || c == '/' || c == '\\' {
			if !sep {
				b.WriteByte(':')
				sep = true
			}
			continue
		}
		b.WriteByte(c)
		sep = false
	}
	return strings.TrimSuffix(b.String(), ":")
}

// isNormalKey reports whether NormalizeKey would return key unchanged (key holds no '?').
func isNormalKey(key string) bool {
	if key == "" {
		return true
	}
	if key[0] == ':' || key[len(key)-1] == ':' {
		return false
	}
	prev := byte(0)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '/' || c == '\\' || (c == ':' && prev == ':') {
			return false
		}
		prev = c
	}
	return true
}

// JoinKeys joins base and keys the way unstorage's driver helper joinKeys
// (unstorage/drivers/utils) does, which is how the redis and KV drivers put their
// base prefix in front of a key: each part has ':', '/' and '\' turned into ':'
// and one leading and one trailing separator removed; empty parts are dropped;
// the rest are joined with ':'. JoinKeys("sessions:", "abc") is "sessions:abc"
// and JoinKeys("", "abc") is "abc".
func JoinKeys(base string, keys ...string) string {
	var b strings.Builder
	add := func(k string) {
		k = driverNormalizeKey(k)
		if k == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(k)
	}
	add(base)
	for _, k := range keys {
		add(k)
	}
	return b.String()
}

func isSep(c byte) bool { return c == ':' || c == '/' || c == '\\' }

// driverNormalizeKey is unstorage's driver-level normalizeKey with sep ':'.
func driverNormalizeKey(k string) string {
	if k == "" {
		return ""
	}
	if strings.ContainsAny(k, "/\\") {
		b := []byte(k)
		for i, c := range b {
			if isSep(c) {
				b[i] = ':'
			}
		}
		k = string(b)
	}
	if k != "" && k[0] == ':' {
		k = k[1:]
	}
	if k != "" && k[len(k)-1] == ':' {
		k = k[:len(k)-1]
	}
	return k
}

// CleanKey normalizes key with NormalizeKey and checks it against the rules every
// driver enforces. It returns the normalized key, or an error wrapping
// ErrInvalidKey that says why the key was refused. A key is refused when, after
// normalization:
//
//   - it is empty (unstorage refuses it too);
//   - a segment is "." or ".." (unstorage refuses it too);
//   - a segment ends in ".." such as "a.." (unstorage's fs drivers refuse "..:"
//     and a trailing "..");
//   - it holds a NUL byte or is not valid UTF-8;
//   - it is longer than MaxKeyLen bytes or a segment is longer than MaxSegmentLen.
//
// Drivers call CleanKey on every key they are given; it does not allocate when
// the key is valid and already normalized.
func CleanKey(key string) (string, error) {
	k := NormalizeKey(key)
	if reason := keyProblem(k); reason != "" {
		return "", &keyError{key: key, reason: reason}
	}
	return k, nil
}

func keyProblem(k string) string {
	switch {
	case k == "":
		return "empty after normalization"
	case len(k) > MaxKeyLen:
		return fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case strings.IndexByte(k, 0) >= 0:
		return "contains a NUL byte"
	case !utf8.ValidString(k):
		return "not valid UTF-8"
	}
	for rest := k; ; {
		seg := rest
		i := strings.IndexByte(rest, ':')
		if i >= 0 {
			seg = rest[:i]
		}
		switch {
		case seg == "." || seg == "..":
			return "contains a \".\" or \"..\" segment"
		case strings.HasSuffix(seg, ".."):
			return "a segment ends in \"..\""
		case len(seg) > MaxSegmentLen:
			return fmt.Sprintf("a segment is longer than %d bytes", MaxSegmentLen)
		}
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
	}
}

// keyError is the error CleanKey returns; it wraps ErrInvalidKey.
type keyError struct {
	key    string
	reason string
}

func (e *keyError) Error() string {
	k := e.key
	if len(k) > 64 {
		k = k[:64] + "..."
	}
	return fmt.Sprintf("%v %q: %s", ErrInvalidKey, k, e.reason)
}

func (e *keyError) Unwrap() error { return ErrInvalidKey }

// RedactKey is how a driver's errors show a key. Keys are session IDs, which are
// bearer credentials and must not reach logs, so the last segment of the key is
// replaced by "…" and the first 8 hex digits of its SHA-256: an operator can
// still match an error to a known ID, nobody can recover the ID from it. The
// folders before the last ':' (a base) are kept.
func RedactKey(k string) string {
	dir, last := "", k
	if i := strings.LastIndexByte(k, ':'); i >= 0 {
		dir, last = k[:i+1], k[i+1:]
	}
	if last == "" {
		return k
	}
	sum := sha256.Sum256([]byte(last))
	return dir + "…" + hex.EncodeToString(sum[:4])
}
