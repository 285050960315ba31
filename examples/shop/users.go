package main

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
)

// user is an account of the built-in user list. The shop keeps no database:
// these accounts stand in for one.
type user struct {
	ID       string
	Username string
	Email    string
	Role     string // "admin" or "user"
	// PasswordHash is "pbkdf2-sha256$<iterations>$<salt>$<key>", salt and key in
	// unpadded base64.
	PasswordHash string
}

// users is the built-in user list. The demo passwords are "wonderland" for
// alice (the admin) and "builder" for bob.
var users = []user{
	{ID: "u1", Username: "alice", Email: "alice@example.com", Role: "admin",
		PasswordHash: "pbkdf2-sha256$210000$0WjFaoswQgKnOApsMFiYig$U/1UmGbZe3B+wLzrLJqmf6CyG57zt/7WRDr2XqzhAD0"},
	{ID: "u2", Username: "bob", Email: "bob@example.com", Role: "user",
		PasswordHash: "pbkdf2-sha256$210000$jEU0Og0eORspIcZzIfIWBQ$L4gD3NCyksvHwG68/CLXFX1iK31nRHB0kxqeWpvA/Pk"},
}

// dummyHash is checked when no user matches, so that a wrong e-mail address
// takes as long to reject as a wrong password.
const dummyHash = "pbkdf2-sha256$210000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

func userByEmail(email string) (user, bool) {
	for _, u := range users {
		if strings.EqualFold(u.Email, strings.TrimSpace(email)) {
			return u, true
		}
	}
	return user{}, false
}

func userByName(name string) (user, bool) {
	for _, u := range users {
		if strings.EqualFold(u.Username, strings.TrimSpace(name)) {
			return u, true
		}
	}
	return user{}, false
}

// checkPassword reports whether password matches the encoded PBKDF2 hash.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

// authenticate finds the user with this e-mail address and password.
func authenticate(email, password string) (user, bool) {
	u, ok := userByEmail(email)
	if !ok {
		checkPassword(dummyHash, password)
		return user{}, false
	}
	if !checkPassword(u.PasswordHash, password) {
		return user{}, false
	}
	return u, true
}
