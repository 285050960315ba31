// Package interop proves that a Go service using this module and an Astro site can
// share one session store. Its tests build two real Astro apps (the last Astro 5
// and the newest Astro, both on the official Node.js adapter, in astro/), start
// them next to a Go server on the same fs folder or Redis database, and check that
// each side reads, regenerates, destroys and expires the sessions of the other
// with the same cookie.
//
// The package has no API; see README.md for how to configure both sides.
package interop
