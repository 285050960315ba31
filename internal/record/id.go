package record

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// NewID returns a new session ID: a random lowercase RFC 9562 version 4 UUID read
// from crypto/rand, the same form as JavaScript's crypto.randomUUID() that Astro uses.
func NewID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error; it aborts the program if the OS has no randomness
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// ValidID reports whether id is a well-formed session ID: a lowercase version 4
// UUID with the RFC 9562 variant. Cookie values that are not valid IDs are ignored,
// so a client can never make the server store data under a key of its choosing.
func ValidID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		case 14:
			if c != '4' {
				return false
			}
		case 19:
			if c != '8' && c != '9' && c != 'a' && c != 'b' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// LogID identifies a session in logs without revealing its ID, which is a
// bearer secret: the first 12 hex digits of its SHA-256.
func LogID(id string) string {
	if id == "" {
		return ""
	}
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:6])
}

// RedactIDs wraps err so that its message shows every session ID in it as
// "session#" and its LogID; it unwraps to err.
func RedactIDs(err error) error { return redacted{err} }

type redacted struct{ err error }

func (r redacted) Error() string {
	msg := r.err.Error()
	for i := 0; i+36 <= len(msg); i++ {
		if msg[i+8] == '-' && ValidID(msg[i:i+36]) {
			msg = msg[:i] + "session#" + LogID(msg[i:i+36]) + msg[i+36:]
		}
	}
	return msg
}

func (r redacted) Unwrap() error { return r.err }
