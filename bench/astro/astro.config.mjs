// The load-test twin of the example shop's cart flow: Astro 7 on the Node
// adapter in standalone mode. The session driver is chosen when the server
// starts (see src/session-driver.mjs), since driver options given here are
// fixed at build time.
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';

export default defineConfig({
	output: 'server',
	adapter: node({ mode: 'standalone' }),
	session: { driver: { entrypoint: new URL('./src/session-driver.mjs', import.meta.url), config: {} } },
	// The load generator posts without Origin headers, as the Go shop accepts.
	security: { checkOrigin: false },
});
