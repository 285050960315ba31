# The Astro apps of the interop tests (interop/astro/v5 and v7): install their npm
# packages (npm ci) when node_modules is missing or older than the lock file, and
# build them (npm run build) when the build is missing or older than any source.
# Nothing to do when both are current. The tests do the same on a developer machine.
interop_app() {
  local dir=$1 entry=$1/dist/server/entry.mjs
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
  if [ ! -f "$entry" ] || [ -n "$(find "$dir/../src" "$dir/astro.config.mjs" "$dir/package.json" "$dir/package-lock.json" -newer "$entry" -print -quit)" ]; then
    (cd "$dir" && ASTRO_TELEMETRY_DISABLED=1 npm run build)
  fi
  [ -f "$entry" ] || { echo "60-interop: $entry is missing after the build" >&2; return 1; }
}
interop_app interop/astro/v5
interop_app interop/astro/v7
interop/astro/v7/node_modules/node/bin/node --version
unset -f interop_app
