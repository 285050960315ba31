// Runs a list of operations through unstorage's redis driver (the driver Astro's
// "redis" session driver is) and prints their results as JSON, one per
// operation. Input on stdin: {"options": {...redis driver options...}, "ops":
// [["set", key, value, ttl?], ["get", key], ["has", key], ["remove", key], ["clear"],
// ["keys"], ["astroGet", key]]}. "astroGet" reads as Astro does: through
// createStorage().getItem, which parses the stored text as JSON.
import { createStorage } from "unstorage";
import redisDriver from "unstorage/drivers/redis";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const { options, ops } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const driver = redisDriver(options);
const storage = createStorage({ driver });
const out = [];
try {
  for (const [op, key, value, ttl] of ops) {
    switch (op) {
      case "set":
        await storage.setItem(key, value, ttl ? { ttl } : {});
        out.push(null);
        break;
      case "get":
        out.push(await driver.getItem(key));
        break;
      case "astroGet":
        out.push(await storage.getItem(key));
        break;
      case "has":
        out.push(await storage.hasItem(key));
        break;
      case "remove":
        await storage.removeItem(key);
        out.push(null);
        break;
      case "clear":
        try { await storage.clear(); out.push("ok"); } catch (e) { out.push(String(e.message)); }
        break;
      case "keys":
        out.push((await storage.getKeys()).sort());
        break;
      default:
        throw new Error(`unknown op ${op}`);
    }
  }
} finally {
  await storage.dispose();
}
process.stdout.write(JSON.stringify(out));
