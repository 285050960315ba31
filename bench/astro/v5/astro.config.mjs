// Astro 5 build of the load-test app: the same sources (../src) and the same
// session driver module, in Astro 5's configuration.
import { fileURLToPath } from 'node:url';
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';

const own = (path) => fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url));

export default defineConfig({
	srcDir: '../src',
	output: 'server',
	adapter: node({ mode: 'standalone' }),
	session: { driver: fileURLToPath(new URL('../src/session-driver.mjs', import.meta.url)) },
	// The load generator posts without an Origin header, as the Go shop accepts.
	security: { checkOrigin: false },
	vite: {
		resolve: {
			alias: [
				{ find: /^astro\/zod$/, replacement: own('astro/dist/zod.js') },
				{ find: /^unstorage\/drivers\/(.*)$/, replacement: own('unstorage/drivers/$1.mjs') },
			],
		},
	},
});
