// Astro 7 build of the load-test app: the shared sources in ../src (the example
// shop's cart flow), the Node adapter in standalone mode, and the session driver
// chosen when the server starts (../src/session-driver.mjs), since driver options
// given here are fixed at build time.
import { fileURLToPath } from 'node:url';
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';

const own = (path) => fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url));

export default defineConfig({
	srcDir: '../src',
	output: 'server',
	adapter: node({ mode: 'standalone' }),
	session: { driver: { entrypoint: new URL('../src/session-driver.mjs', import.meta.url), config: {} } },
	// The load generator posts without an Origin header, as the Go shop accepts.
	security: { checkOrigin: false },
	vite: {
		// The shared sources live outside this folder: resolve their packages here.
		resolve: {
			alias: [
				{ find: /^astro\/zod$/, replacement: own('astro/dist/zod.js') },
				{ find: /^unstorage\/drivers\/(.*)$/, replacement: own('unstorage/drivers/$1.mjs') },
			],
		},
	},
});
