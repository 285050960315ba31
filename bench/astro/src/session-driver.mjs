// Session storage chosen from the environment when the server starts:
//
//   SESSION_DRIVER=redis    REDIS_URL=redis://127.0.0.1:6379  SESSION_BASE=<key base>
//   SESSION_DRIVER=fs-lite  SESSION_BASE=/absolute/folder
import fsLite from 'unstorage/drivers/fs-lite';
import redis from 'unstorage/drivers/redis';

export default function driver() {
	const kind = process.env.SESSION_DRIVER || 'redis';
	const base = process.env.SESSION_BASE || undefined;
	if (kind === 'redis') {
		if (!process.env.REDIS_URL) throw new Error('SESSION_DRIVER=redis needs REDIS_URL');
		return redis({ url: process.env.REDIS_URL, base });
	}
	if (kind === 'fs-lite' || kind === 'fs') {
		if (!base) throw new Error('SESSION_DRIVER=fs-lite needs SESSION_BASE, an absolute folder');
		return fsLite({ base });
	}
	throw new Error(`SESSION_DRIVER must be redis or fs-lite, not ${JSON.stringify(kind)}`);
}
