# Node.js packages of the storage tests (key rules compared with unstorage, fs
# driver interop with unstorage's fs-lite and fs drivers): unstorage 1.17.6,
# pinned by storage/testdata/unstorage/package-lock.json. Reinstalled when the
# lock file is newer than the install; nothing to do otherwise.
storage_js=storage/testdata/unstorage
if [ ! -f "$storage_js/node_modules/.package-lock.json" ] || [ "$storage_js/package-lock.json" -nt "$storage_js/node_modules/.package-lock.json" ]; then
  (cd "$storage_js" && npm ci --no-audit --no-fund)
fi
(cd "$storage_js" && node --input-type=module -e '
  const { normalizeKey } = await import("unstorage");
  await import("unstorage/drivers/fs-lite");
  await import("unstorage/drivers/fs");
  if (normalizeKey("/a//b?c") !== "a:b") throw new Error("unexpected unstorage");
')
