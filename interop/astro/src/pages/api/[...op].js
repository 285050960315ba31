// The interop app's JSON API. Every route works on context.session; values travel
// as devalue text (the Astro URL reducer included) so that both sides can compare
// them byte for byte, with a tagged JSON view alongside for people.
import { isDeepStrictEqual } from 'node:util';
import { nativeValues, parse, shopValues, stringify, tagged, typeValues } from '../../lib/values.js';

export const prerender = false;

const json = (body, status = 200) =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const sets = { shop: shopValues, types: typeValues, native: nativeValues };

async function body(request) {
	const text = await request.text();
	return text ? JSON.parse(text) : {};
}

async function view(session, keys) {
	const values = {};
	const views = {};
	for (const key of keys) {
		const v = await session.get(key);
		values[key] = stringify(v);
		views[key] = tagged(v);
	}
	return { values, tagged: views };
}

const routes = {
	// The whole session: ID, keys in order, and every value.
	'GET session': async ({ session }) => {
		const keys = [...(await session.keys())];
		return { id: session.sessionID ?? null, keys, ...(await view(session, keys)) };
	},
	// One key: {found, value} where value is devalue text (null when not found).
	'GET get': async ({ session, url }) => {
		const key = url.searchParams.get('key');
		const found = await session.has(key);
		return { id: session.sessionID ?? null, found, value: found ? stringify(await session.get(key)) : null };
	},
	// {entries: [{key, value: devalue text, ttl?: seconds}]}
	'POST set': async ({ session, request }) => {
		const { entries = [] } = await body(request);
		for (const { key, value, ttl } of entries) {
			session.set(key, parse(value), ttl == null ? undefined : { ttl });
		}
		return { id: session.sessionID ?? null };
	},
	// {key, read?}: with read, the session is read before the delete.
	'POST delete': async ({ session, request }) => {
		const { key, read } = await body(request);
		if (read) await session.has(key);
		session.delete(key);
		return { id: session.sessionID ?? null };
	},
	// Writes the shop's keys or one value of every type, built in JavaScript.
	'POST shop': async ({ session }) => write(session, shopValues()),
	'POST types': async ({ session }) => write(session, typeValues()),
	'POST native': async ({ session }) => write(session, nativeValues()),
	// The devalue text of those values, without touching the session.
	'GET expected': async ({ url }) => {
		const values = {};
		for (const [k, v] of Object.entries(sets[url.searchParams.get('set')]())) values[k] = stringify(v);
		return { keys: Object.keys(values), values };
	},
	// Reads the keys of a set and compares each with the value built in JavaScript:
	// same devalue text and deeply equal (prototypes included).
	'GET check': async ({ session, url }) => {
		const want = sets[url.searchParams.get('set')]();
		const results = {};
		let ok = true;
		for (const [k, w] of Object.entries(want)) {
			const found = await session.has(k);
			const got = await session.get(k);
			const same = found && stringify(got) === stringify(w) && deepEqual(got, w);
			ok &&= same;
			results[k] = { ok: same, found, got: found ? stringify(got) : null, want: stringify(w) };
		}
		return { id: session.sessionID ?? null, ok, results };
	},
	'POST regenerate': async ({ session }) => {
		await session.get('\u0000load'); // load first, so the old ID is known
		const old = session.sessionID ?? null;
		await session.regenerate();
		return { old, id: session.sessionID ?? null };
	},
	'POST destroy': async ({ session }) => {
		await session.get('\u0000load');
		const old = session.sessionID ?? null;
		session.destroy();
		return { old };
	},
	// {id}
	'POST load': async ({ session, request }) => {
		const { id } = await body(request);
		await session.load(id);
		return { id: session.sessionID ?? null, keys: [...(await session.keys())] };
	},
};

// isDeepStrictEqual, except that two invalid Dates are equal (Node compares their
// NaN times with ===). Two null-prototype objects are compared as plain copies:
// workerd's isDeepStrictEqual throws on them (it calls their propertyIsEnumerable).
function deepEqual(a, b) {
	if (a instanceof Date && b instanceof Date) return Object.is(a.getTime(), b.getTime());
	if (isNullProto(a) && isNullProto(b)) return isDeepStrictEqual({ ...a }, { ...b });
	return isDeepStrictEqual(a, b);
}

const isNullProto = (v) => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === null;

function write(session, values) {
	const out = {};
	for (const [k, v] of Object.entries(values)) {
		session.set(k, v);
		out[k] = stringify(v);
	}
	return { id: session.sessionID ?? null, values: out };
}

export async function ALL(context) {
	const route = routes[`${context.request.method} ${context.params.op}`];
	if (!route) return json({ error: `no route ${context.request.method} /api/${context.params.op}` }, 404);
	if (!context.session) return json({ error: 'sessions are not configured' }, 500);
	try {
		return json(await route(context));
	} catch (err) {
		return json({ error: String(err?.stack ?? err), cause: String(err?.cause?.stack ?? err?.cause ?? '') }, 500);
	}
}
