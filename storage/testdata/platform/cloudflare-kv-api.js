// The test fixture that exposes a Worker's KV binding (SESSION) under the paths of
// Cloudflare's KV REST API that unstorage's cloudflare-kv-http driver and the Go
// driver use: /client/v4/accounts/{account}/storage/kv/namespaces/{namespace}/
// values/{key}, /metadata/{key}, /keys and /bulk/delete, with the API's envelope,
// its error codes for a missing key (10009) and a TTL under 60 s (10014), and its
// two ways to authenticate (bindings API_TOKEN, or EMAIL and API_KEY). The account
// and namespace in the path must be ACCOUNT_ID and NAMESPACE_ID. miniflare offers
// no REST surface in that shape; everything stored here goes through the binding,
// which is what another Worker bound to the same namespace (Astro's
// @astrojs/cloudflare sessions) reads and writes.
const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const ok = (result, extra = {}) => json(200, { success: true, errors: [], messages: [], result, ...extra });
const fail = (status, code, message) =>
  json(status, { success: false, errors: [{ code, message }], messages: [], result: null });
const route = /^\/client\/v4\/accounts\/([^/]+)\/storage\/kv\/namespaces\/([^/]+)\/(values|metadata|keys|bulk\/delete)(?:\/(.*))?$/;

function authorized(req, env) {
  const auth = req.headers.get("authorization");
  if (auth !== null) return auth === "Bearer " + env.API_TOKEN;
  return req.headers.get("x-auth-email") === env.EMAIL && req.headers.get("x-auth-key") === env.API_KEY;
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const m = route.exec(url.pathname);
    if (!m) return fail(404, 7003, "Could not route to " + url.pathname);
    if (!authorized(req, env)) return fail(403, 10000, "Authentication error");
    if (m[1] !== env.ACCOUNT_ID || m[2] !== env.NAMESPACE_ID) return fail(404, 10013, "namespace not found");
    const kv = env.SESSION;
    const op = req.method + " " + m[3];
    const key = m[4] === undefined ? undefined : decodeURIComponent(m[4]);
    if ((m[3] === "values" || m[3] === "metadata") && !key) return fail(404, 7003, "No route for that URI");
    switch (op) {
      case "GET values": {
        const v = await kv.get(key, "arrayBuffer");
        // The API sends values as application/octet-stream, which ofetch (in
        // unstorage's driver) turns into a Blob for its .text().
        return v === null
          ? fail(404, 10009, "get: 'key not found'")
          : new Response(v, { headers: { "content-type": "application/octet-stream" } });
      }
      case "PUT values": {
        const ttl = url.searchParams.get("expiration_ttl");
        const opts = {};
        if (ttl !== null) {
          const n = Number(ttl);
          if (!Number.isInteger(n) || n < 60) {
            return fail(400, 10014, "Invalid expiration_ttl of " + ttl + ". Expiration TTL must be at least 60.");
          }
          opts.expirationTtl = n;
        }
        await kv.put(key, await req.arrayBuffer(), opts);
        return ok(null);
      }
      case "DELETE values":
        await kv.delete(key);
        return ok(null);
      case "GET metadata": {
        const { value, metadata } = await kv.getWithMetadata(key);
        return value === null ? fail(404, 10009, "get: 'key not found'") : ok(metadata);
      }
      case "GET keys": {
        const limit = Number(url.searchParams.get("limit") || 1000);
        const r = await kv.list({
          prefix: url.searchParams.get("prefix") || undefined,
          cursor: url.searchParams.get("cursor") || undefined,
          limit,
        });
        const result = r.keys.map((k) => ({ name: k.name, ...(k.expiration ? { expiration: k.expiration } : {}) }));
        return ok(result, { result_info: { count: result.length, cursor: r.list_complete ? "" : r.cursor } });
      }
      case "POST bulk/delete": {
        const keys = await req.json();
        for (const k of keys) await kv.delete(typeof k === "string" ? k : k.name);
        return ok({ successful_key_count: keys.length, unsuccessful_keys: [] });
      }
    }
    return fail(405, 10405, "Method not allowed");
  },
};
