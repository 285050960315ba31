// Package bench compares github.com/goastro/session with the Go session
// libraries people would otherwise pick, alexedwards/scs v2 and
// gorilla/sessions, doing the same work through the same http.Handler call
// path, on in-memory, file and Redis stores.
//
// It is a module of its own so that the library's go.mod never depends on the
// libraries it is compared with. The benchmarks are in bench_test.go; the load
// test of the example shop and of an Astro app is cmd/loadgen, and
// cmd/baseline serves the same flow with no session library, as the ceiling
// of a Go server; the script run runs everything and prints the tables of
// README.md.
package bench
