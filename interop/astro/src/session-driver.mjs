// The session driver of the interop app, chosen at run time from the environment
// (Astro bakes driver options into the build, so the choice is made here instead):
//
//   SESSION_DRIVER=fs     SESSION_BASE=/abs/folder          unstorage fs-lite (what Astro's "fs" is)
//   SESSION_DRIVER=redis  REDIS_URL=redis://127.0.0.1:6379  unstorage redis, key base from SESSION_KEY_BASE
import fsLite from 'unstorage/drivers/fs-lite';
import redis from 'unstorage/drivers/redis';

export default function sessionDriver() {
	const kind = process.env.SESSION_DRIVER || 'fs';
	if (kind === 'fs') {
		const base = process.env.SESSION_BASE;
		if (!base) throw new Error('SESSION_BASE must name the session folder');
		return fsLite({ base });
	}
	if (kind === 'redis') {
		const url = process.env.REDIS_URL;
		if (!url) throw new Error('REDIS_URL must name the Redis server');
		return redis({ url, base: process.env.SESSION_KEY_BASE || undefined });
	}
	throw new Error(`SESSION_DRIVER must be fs or redis, not ${JSON.stringify(kind)}`);
}
