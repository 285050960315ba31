// Package session gives Go web applications server-side sessions with the
// semantics of Astro's sessions (Astro.session): a cookie holds only a random
// session ID, and the data lives in a storage driver chosen by name ("fs-lite",
// "memory", "redis", "postgres", ...) or passed as a value.
//
// Records are stored exactly as Astro stores them — the devalue text of a Map
// from key to {data, expires} under the session ID — so a Go service and an
// Astro site can share one session store and one cookie.
//
// # Lifecycle
//
// Every framework drives a session through two calls: Manager.Start, with the
// value of the session cookie the request carried, and Session.Finish, which
// saves what the request changed and returns the Set-Cookie line to send (or
// none), before the response is written. Manager.Middleware does this for
// net/http; the adapters modules do it for gin, echo and Fiber.
//
// A request that never touches its session costs no storage call and sends no
// cookie. Concurrent requests of one session are merged with the driver's
// compare-and-swap, so no update is lost.
//
// # Where things happen
//
// The files of one request's path, from cookie to stored bytes, are listed in
// the README's "Architecture" section.
package session
