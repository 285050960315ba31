// Astro 7 build of the interop app: the shared sources in ../src, the Node adapter
// in standalone mode, and sessions through a custom driver entrypoint
// (../src/session-driver.mjs) that picks fs or redis from the environment when the
// server starts, since sessionDrivers.*() options are fixed at build time. A third
// build (below) has the session driver of Astro's Netlify adapter.
import { fileURLToPath } from 'node:url';
import node from '@astrojs/node';
import { defineConfig, sessionDrivers } from 'astro/config';

// INTEROP_COOKIE=custom builds a second server (into dist-custom-cookie) whose
// session cookie sets every option, to compare Set-Cookie lines beyond the defaults.
const customCookie = process.env.INTEROP_COOKIE === 'custom';
const cookie = { name: 'shop_sid', domain: 'example.test', path: '/', maxAge: 3600, sameSite: 'strict' };

// INTEROP_SESSION=netlify-blobs builds a third server (into dist-netlify-blobs) whose
// session driver is the one Astro's Netlify adapter (@astrojs/netlify) sets when the
// site configures none: unstorage's netlify-blobs driver on the store
// "astro-sessions" with strong consistency. As on Netlify, the site ID, token and
// edge URLs come from the NETLIFY_BLOBS_CONTEXT environment variable when the
// server runs (the tests point it at a local BlobsServer).
const netlifyBlobs = process.env.INTEROP_SESSION === 'netlify-blobs';

const own = (path) => fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url));

export default defineConfig({
	srcDir: '../src',
	outDir: netlifyBlobs ? './dist-netlify-blobs' : customCookie ? './dist-custom-cookie' : './dist',
	output: 'server',
	adapter: node({ mode: 'standalone' }),
	session: {
		driver: netlifyBlobs
			? sessionDrivers.netlifyBlobs({ name: 'astro-sessions', consistency: 'strong' })
			: { entrypoint: new URL('../src/session-driver.mjs', import.meta.url), config: {} },
		...(customCookie ? { cookie } : {}),
	},
	vite: {
		// The shared sources live outside this folder: resolve their packages here.
		resolve: {
			alias: [
				{ find: /^devalue$/, replacement: own('devalue/index.js') },
				{ find: /^unstorage\/drivers\/(.*)$/, replacement: own('unstorage/drivers/$1.mjs') },
			],
		},
	},
});
