# Local implementations of the platform session stores, for the drivers
# storage/netlifyblobs, storage/cloudflarekv and storage/unstoragehttp:
# @netlify/blobs (its BlobsServer), miniflare (workerd with a real KV binding,
# Node.js 22 from the npm node package), unstorage (createStorageServer and its
# client drivers) and ioredis, pinned by storage/testdata/platform/package-lock.json.
# Reinstalled when the lock file is newer than the install; nothing to do
# otherwise. The tests start and stop the servers themselves, on free ports.
platform_js=storage/testdata/platform
if [ ! -f "$platform_js/node_modules/.package-lock.json" ] || [ "$platform_js/package-lock.json" -nt "$platform_js/node_modules/.package-lock.json" ]; then
  (cd "$platform_js" && npm ci --no-audit --no-fund)
fi
(cd "$platform_js" && ./node_modules/node/bin/node --input-type=module -e '
  await import("@netlify/blobs/server");
  await import("miniflare");
  await import("unstorage/server");
  for (const d of ["netlify-blobs", "cloudflare-kv-http", "http", "fs", "redis"]) await import("unstorage/drivers/" + d);
') || { echo "25-platform: the packages of $platform_js do not load" >&2; exit 1; }
# Bounded fuzzing of the three drivers' option and key parsing.
for pkg in netlifyblobs cloudflarekv unstoragehttp; do
  go test -run '^$' -fuzz '^FuzzParseOptions$' -fuzztime 20000x "./storage/$pkg"
done
unset platform_js pkg
