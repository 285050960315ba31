// Runs a build of the app (<build>/server, <build> being dist or
// dist-custom-cookie) in workerd as `wrangler dev` would, with the Miniflare
// options wrangler derives from the build's wrangler.json, next to the test
// fixture that exposes the same KV namespace under Cloudflare's KV REST API paths
// (../../../storage/testdata/platform/cloudflare-kv-api.js), in one Miniflare
// instance on one port: /client/v4/* goes to the REST fixture, everything else to
// Astro. Both Workers bind the namespace as SESSION, so what Astro stores through
// its binding is what a REST client reads, and the other way round.
//
//   node serve.mjs <build> <accountId> <namespaceId> <apiToken>
//
// Prints {"url": ...} on one line once it listens; stops when stdin closes.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

const [build, accountId, namespaceId, apiToken] = process.argv.slice(2);
if (!apiToken) {
	console.error('usage: node serve.mjs <build> <accountId> <namespaceId> <apiToken>');
	process.exit(2);
}

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const server = here(`./${build}/server`);
const { workerOptions, main } = unstable_getMiniflareWorkerOptions(join(server, 'wrangler.json'));
// The build is not bundled (no_bundle): wrangler uploads every module its rules
// match (ESModule: **/*.js, **/*.mjs), the entry first. So does this.
const { modulesRules, ...options } = workerOptions;
const modules = readdirSync(server, { recursive: true })
	.filter((f) => /\.m?js$/.test(f))
	.map((f) => join(server, f))
	.sort((a, b) => (a === main ? -1 : b === main ? 1 : 0))
	.map((path) => ({ type: 'ESModule', path }));
const astro = {
	...options,
	name: 'astro',
	modules,
	modulesRoot: server,
	// wrangler dev gives a KV binding without an id the binding's name as its local
	// namespace; here both Workers name the one namespace the REST paths carry.
	kvNamespaces: { SESSION: namespaceId },
};
const api = {
	name: 'kv-api',
	modules: true,
	scriptPath: here('../../../storage/testdata/platform/cloudflare-kv-api.js'),
	modulesRoot: here('../../../storage/testdata/platform'),
	compatibilityDate: workerOptions.compatibilityDate,
	routes: ['*/client/v4/*'],
	kvNamespaces: { SESSION: namespaceId },
	bindings: { ACCOUNT_ID: accountId, NAMESPACE_ID: namespaceId, API_TOKEN: apiToken, EMAIL: '', API_KEY: '' },
};

const mf = new Miniflare(convertV4MiniflareOptions({
	workers: [astro, api],
	host: '127.0.0.1',
	port: 0,
	// Request.cf from a built-in placeholder: Miniflare would otherwise fetch it from
	// workers.cloudflare.com.
	cf: false,
}));
const url = await mf.ready;
console.log(JSON.stringify({ url: url.origin }));
process.stdin.resume();
process.stdin.on('end', async () => {
	await mf.dispose();
	process.exit(0);
});
