// Cloudflare's local runtime (miniflare, running workerd) with a real KV
// namespace bound as SESSION, for the cloudflarekv driver tests:
//
//   node cloudflare-kv-server.mjs <accountId> <namespaceId> <apiToken> <email> <apiKey>
//
// miniflare offers no REST surface in the real API's path shape, so the Worker
// in cloudflare-kv-api.js (the test fixture) exposes the binding under the paths
// of Cloudflare's KV REST API. Everything it stores goes through the KV binding,
// which is what a Worker (Astro's @astrojs/cloudflare sessions) reads and writes.
// Prints {"url": ...} on one line once it listens; stops when stdin closes.
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const [accountId, namespaceId, apiToken, email, apiKey] = process.argv.slice(2);

const mf = new Miniflare({
  modules: true,
  scriptPath: fileURLToPath(new URL("./cloudflare-kv-api.js", import.meta.url)),
  kvNamespaces: { SESSION: namespaceId },
  bindings: { ACCOUNT_ID: accountId, NAMESPACE_ID: namespaceId, API_TOKEN: apiToken, EMAIL: email, API_KEY: apiKey },
  host: "127.0.0.1",
  port: 0,
  // Request.cf from a built-in placeholder: Miniflare would otherwise fetch it
  // from workers.cloudflare.com.
  cf: false,
});
const url = await mf.ready;
console.log(JSON.stringify({ url: url.origin }));
process.stdin.resume();
process.stdin.on("end", async () => {
  await mf.dispose();
  process.exit(0);
});
