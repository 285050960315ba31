// unstorage's own client drivers (netlify-blobs, cloudflare-kv-http, http) on
// the storage layer Astro's sessions use, for the interop tests of the Go
// drivers: node unstorage-client.mjs '<JSON>' with
// {"driver": name, "options": {...}, "ops": [{"op": "get"|"set"|"has"|"remove"|"keys", "key", "value"}]}.
// Prints one JSON array with the result of each op: the stored text for get
// (null when missing), a boolean for has, the key list for keys.
import { createStorage } from "unstorage";

const { driver, options, ops } = JSON.parse(process.argv[2]);
const mod = await import(`unstorage/drivers/${driver}`);
const storage = createStorage({ driver: mod.default(options) });
const out = [];
for (const { op, key, value } of ops) {
  switch (op) {
    case "get": {
      const raw = await storage.getItemRaw(key);
      out.push(raw === null || raw === undefined ? null : typeof raw === "string" ? raw : new TextDecoder().decode(raw));
      break;
    }
    case "set":
      await storage.setItem(key, value);
      out.push(null);
      break;
    case "has":
      out.push(await storage.hasItem(key));
      break;
    case "remove":
      await storage.removeItem(key);
      out.push(null);
      break;
    case "keys":
      out.push(await storage.getKeys(key ?? ""));
      break;
    default:
      throw new Error("unknown op " + op);
  }
}
console.log(JSON.stringify(out));
