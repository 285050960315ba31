// Reads and writes a folder through the real unstorage fs-lite and fs drivers.
//
//   node fs.mjs <fs-lite|fs> <base>
//
// stdin: {"set": {key: value}, "remove": [key], "get": [key]}; the writes run
// first, through storage.setItem / removeItem (what Astro calls). stdout:
// {"raw": {key: text|null}, "parsed": {key: value}, "has": {key: bool},
//  "keys": [key]} where raw is the driver's own getItem (the file's text),
// parsed is storage.getItem (destr-parsed, what Astro gets) and keys is
// storage.getKeys().
import { createStorage } from "unstorage";
import fsLite from "unstorage/drivers/fs-lite";
import fsFull from "unstorage/drivers/fs";

const [name, base] = process.argv.slice(2);
const driver = (name === "fs" ? fsFull : fsLite)({ base });
const storage = createStorage({ driver });

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const req = JSON.parse(Buffer.concat(chunks).toString("utf8"));

for (const [k, v] of Object.entries(req.set ?? {})) await storage.setItem(k, v);
for (const k of req.remove ?? []) await storage.removeItem(k);

const out = { raw: {}, parsed: {}, has: {}, keys: [] };
for (const k of req.get ?? []) {
  out.raw[k] = (await driver.getItem(k)) ?? null;
  out.parsed[k] = (await storage.getItem(k)) ?? null;
  out.has[k] = await storage.hasItem(k);
}
out.keys = await storage.getKeys();
await storage.dispose();
process.stdout.write(JSON.stringify(out));
