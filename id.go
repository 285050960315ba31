package session

import "github.com/goastro/session/internal/record"

// NewID returns a new session ID: a random lowercase RFC 9562 version 4 UUID read
// from crypto/rand, the same form as JavaScript's crypto.randomUUID() that Astro uses.
func NewID() string { return record.NewID() }

// ValidID reports whether id is a well-formed session ID: a lowercase version 4
// UUID with the RFC 9562 variant. Cookie values that are not valid IDs are ignored,
// so a client can never make the server store data under a key of its choosing.
func ValidID(id string) bool { return record.ValidID(id) }
