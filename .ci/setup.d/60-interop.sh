# The Astro apps of the interop tests (interop/astro/v5, v6 and v7): install their npm
# packages (npm ci) when node_modules is missing or older than the lock file, and
# build them (npm run build, two servers per app: dist and dist-custom-cookie, and
# for v7 a third, dist-netlify-blobs, with the session driver of Astro's Netlify
# adapter; v7's lock file pins @netlify/blobs for it) when a build is missing or
# older than any source. Nothing to do when all are current. The tests do the same
# on a developer machine.
interop_app() {
  local dir=$1 out stale=
  shift
  local outs="dist dist-custom-cookie $*"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
  for out in $outs; do
    if [ ! -f "$dir/$out/server/entry.mjs" ] || [ -n "$(find "$dir/../src" "$dir/astro.config.mjs" "$dir/package.json" "$dir/package-lock.json" -newer "$dir/$out/server/entry.mjs" -print -quit)" ]; then
      stale=1
    fi
  done
  if [ -n "$stale" ]; then
    (cd "$dir" && ASTRO_TELEMETRY_DISABLED=1 npm run build)
  fi
  for out in $outs; do
    [ -f "$dir/$out/server/entry.mjs" ] || { echo "60-interop: $dir/$out/server/entry.mjs is missing after the build" >&2; return 1; }
  done
}
interop_app interop/astro/v5
interop_app interop/astro/v6
interop_app interop/astro/v7 dist-netlify-blobs
interop/astro/v6/node_modules/node/bin/node --version
interop/astro/v7/node_modules/node/bin/node --version
unset -f interop_app
