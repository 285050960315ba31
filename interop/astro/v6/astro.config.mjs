// Astro 6 build of the interop app: the shared sources in ../src, the Node adapter
// in standalone mode, and sessions through a custom driver entrypoint
// (../src/session-driver.mjs) that picks fs or redis from the environment when the
// server starts, since sessionDrivers.*() options are fixed at build time.
import { fileURLToPath } from 'node:url';
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';

// INTEROP_COOKIE=custom builds a second server (into dist-custom-cookie) whose
// session cookie sets every option, to compare Set-Cookie lines beyond the defaults.
const customCookie = process.env.INTEROP_COOKIE === 'custom';
const cookie = { name: 'shop_sid', domain: 'example.test', path: '/', maxAge: 3600, sameSite: 'strict' };

const own = (path) => fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url));

export default defineConfig({
	srcDir: '../src',
	outDir: customCookie ? './dist-custom-cookie' : './dist',
	output: 'server',
	adapter: node({ mode: 'standalone' }),
	session: {
		driver: { entrypoint: new URL('../src/session-driver.mjs', import.meta.url), config: {} },
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
