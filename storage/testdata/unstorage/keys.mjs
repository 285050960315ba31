// Reads a JSON array of [key, base] pairs on stdin and prints, for each, what the
// real unstorage does with it: storage-level normalizeKey, the driver helper
// joinKeys(base, key), whether createStorage() accepts the key, and whether the
// fs-lite driver accepts the normalized key.
import { createStorage, normalizeKey } from "unstorage";
import { joinKeys } from "unstorage/drivers/utils/index";
import fsLite from "unstorage/drivers/fs-lite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const storage = createStorage();
const dir = mkdtempSync(join(tmpdir(), "unstorage-keys-"));
const fsStorage = createStorage({ driver: fsLite({ base: dir }) });
const out = [];
for (const [key, base] of input) {
  let ok = true;
  try {
    await storage.hasItem(key);
  } catch {
    ok = false;
  }
  let fsok = ok;
  if (ok) {
    try {
      await fsStorage.hasItem(key);
    } catch {
      fsok = false;
    }
  }
  out.push({ n: normalizeKey(key), j: joinKeys(base, key), ok, fsok });
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify(out));
