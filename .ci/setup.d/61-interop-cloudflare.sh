# The interop app built for Cloudflare Workers (interop/astro/cloudflare: Astro,
# @astrojs/cloudflare, wrangler and miniflare with workerd, Node.js 22 from the npm
# node package): npm ci when node_modules is missing or older than the lock file;
# npm run build (two Workers: dist and dist-custom-cookie) when a build is missing
# or older than any source. Nothing to do when both are current. The tests do the
# same on a developer machine.
cf_app=interop/astro/cloudflare
if [ ! -f "$cf_app/node_modules/.package-lock.json" ] || [ "$cf_app/package-lock.json" -nt "$cf_app/node_modules/.package-lock.json" ]; then
  (cd "$cf_app" && npm ci --no-audit --no-fund)
fi
cf_stale=
for cf_out in dist dist-custom-cookie; do
  if [ ! -f "$cf_app/$cf_out/server/entry.mjs" ] || [ -n "$(find interop/astro/src "$cf_app/astro.config.mjs" "$cf_app/package.json" "$cf_app/package-lock.json" -newer "$cf_app/$cf_out/server/entry.mjs" -print -quit)" ]; then
    cf_stale=1
  fi
done
if [ -n "$cf_stale" ]; then
  (cd "$cf_app" && ASTRO_TELEMETRY_DISABLED=1 npm run build)
fi
for cf_out in dist dist-custom-cookie; do
  [ -f "$cf_app/$cf_out/server/entry.mjs" ] || { echo "61-interop-cloudflare: $cf_app/$cf_out/server/entry.mjs is missing after the build" >&2; return 1; }
done
(cd "$cf_app" && ./node_modules/node/bin/node --input-type=module -e 'await import("miniflare"); await import("wrangler");') ||
  { echo "61-interop-cloudflare: miniflare or wrangler does not load in $cf_app" >&2; return 1; }
unset cf_app cf_stale cf_out
