// Package reliability holds the tests that hold the session library to its
// promises under load, faults, hostile input and attack: no lost updates,
// failing fast and recovering when the store goes away, crash-safe files,
// bad input answered without a 500, and the security properties listed in
// SECURITY.md at the root of the module. It has no API; run it with
// `go test -race ./reliability`.
package reliability
