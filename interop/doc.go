// Package interop proves that a Go service using this module and an Astro site can
// share one session store. Its tests build real Astro apps (the last Astro 5 and
// 6 and the newest Astro, on the official Node.js adapter, in astro/), start them
// next to Go servers on the same fs folder, Redis database or Netlify Blobs site
// (the newest Astro with the session driver of Astro's Netlify adapter, on
// Netlify's local BlobsServer), and check that each side reads, regenerates,
// destroys and expires the sessions of the other with the same cookie.
//
// The package has no API; see README.md for how to configure both sides.
package interop
