// The interop app (the shared sources in ../src) built for Cloudflare Workers with
// @astrojs/cloudflare and nothing else about sessions: the adapter's default,
// unstorage's cloudflare-kv-binding driver on the KV binding SESSION, with session
// IDs as bare keys. serve.mjs runs the build in workerd.
import { fileURLToPath } from 'node:url';
import cloudflare from '@astrojs/cloudflare';
import { defineConfig } from 'astro/config';

// INTEROP_COOKIE=custom builds a second Worker (into dist-custom-cookie) whose
// session cookie sets every option, to compare Set-Cookie lines beyond the defaults.
const customCookie = process.env.INTEROP_COOKIE === 'custom';
const cookie = { name: 'shop_sid', domain: 'example.test', path: '/', maxAge: 3600, sameSite: 'strict' };

const own = (path) => fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url));

export default defineConfig({
	srcDir: '../src',
	outDir: customCookie ? './dist-custom-cookie' : './dist',
	output: 'server',
	// The app has no images: no Cloudflare Images binding.
	adapter: cloudflare({ imageService: 'passthrough' }),
	...(customCookie ? { session: { cookie } } : {}),
	vite: {
		// The shared sources live outside this folder: resolve their packages here.
		resolve: {
			alias: [{ find: /^devalue$/, replacement: own('devalue/index.js') }],
		},
	},
});
