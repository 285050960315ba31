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
// One request's path, from cookie to stored bytes:
//
//   - middleware.go: reads the cookie, calls Start, and calls Finish before the
//     first byte of the response;
//   - lifecycle.go: Start, Finish, NewContext and From;
//   - session.go: the Session's state (what was loaded, what is pending, what
//     happens to the cookie) and its methods Get, Set, Delete, ...;
//   - record.go: the stored record, decoded from and encoded to Astro's layout
//     with package devalue;
//   - save.go: the one save path: merge the pending changes into what the store
//     holds and write it with compare-and-swap (store.go bounds every call);
//   - lifetime.go: idle and absolute timeouts, remember-me, users' sessions.
package session
