// Seeded generator of random JavaScript values covering everything devalue
// can write: weird numbers and strings, nested containers, shared
// references, cycles, holes, sparse arrays, typed arrays sharing buffers.
// The same seed always gives the same values, so the checking side can
// rebuild them.

export function rng(seed) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (n) => Math.floor(next() * n);
	const pick = (arr) => arr[int(arr.length)];
	return { next, int, pick, chance: (p) => next() < p };
}

const NUMBERS = [
	0, -0, 1, -1, 42, 0.1, -0.5, 1 / 3, NaN, Infinity, -Infinity, 1e21, 1e-7, 1.5e-7, 5e-324,
	Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53,
	123456789012345680000, 0.000001, 0.00000123, 1e20, 9.999999999999999e20, 1e-6, 4.35, 1767225600000,
	1767225600000.5, 2 ** 31, -(2 ** 31), 2 ** 32, 1e100, -1e-100
];

const CHARS = [
	'a', 'b', 'z', 'A', ' ', '0', '9', '<', '>', '&', '/', '"', "'", '\\', '\n', '\r', '\t', '\b', '\f',
	'\u0000', '\u0001', '\u001f', '\u007f', '\u0080', 'é', 'ß', '€', '\u2028', '\u2029', '😀', '𝄞',
	'\uffff', '\ufeff', '中', '=', '+', '%', '?', '#', '-', '_', '.'
];

const KEYS = ['a', 'b', 'id', 'name', 'x-y', '0', '1', '10', '2', '01', '-1', '4294967294', '4294967295',
	'', 'constructor', 'toString', '<svg>', 'é', '😀', 'a b', '$', '_', 'data', 'expires'];

const REGEXPS = [['a', ''], ['^a.*b$', 'gi'], ['\\d+', 'g'], ['[/]', ''], ['a\\/b', 'm'], ['x', 'dgimsuy'], ['(?:)', 'v'], ['é', 'u']];

const URLS = ['https://example.com/', 'https://user:pw@example.com:8080/a%20b?x=%3C1%3E#h', 'http://xn--bcher-kva.example/', 'file:///tmp/x', 'https://example.com/<script>/path?foo=bar#hash'];

const QUERIES = ['', 'a=1', 'foo=1&foo=2&baz=%3C+%3E', 'a+b=c d', 'é=ü&x', '?q=%41'];

const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

export function string(r) {
	let s = '';
	const n = r.chance(0.2) ? 0 : r.int(12);
	for (let i = 0; i < n; i++) s += r.chance(0.01) ? r.pick(['\ud800', '\udc00', '\udbff']) : r.pick(CHARS);
	return s;
}

function number(r) {
	switch (r.int(4)) {
		case 0:
			return r.pick(NUMBERS);
		case 1:
			return r.int(2000) - 1000;
		case 2: {
			const b = new Uint32Array(2);
			b[0] = r.int(2 ** 32);
			b[1] = r.int(2 ** 32);
			return new Float64Array(b.buffer)[0];
		}
		default:
			return (r.next() - 0.5) * 10 ** (r.int(40) - 20);
	}
}

function bigint(r) {
	let s = String(r.int(10));
	const n = r.int(30);
	for (let i = 0; i < n; i++) s += r.int(10);
	return r.chance(0.3) ? -BigInt(s) : BigInt(s);
}

function date(r) {
	switch (r.int(5)) {
		case 0:
			return new Date(NaN);
		case 1:
			return new Date(r.pick([8.64e15, -8.64e15, -62198755200000, 253402300800000, 0, -1]));
		default:
			return new Date(Math.floor((r.next() - 0.3) * 4e12));
	}
}

export function generate(seed, count) {
	const values = [];
	for (let i = 0; i < count; i++) {
		const r = rng(seed * 100003 + i);
		const pool = [];
		values.push(value(r, pool, 0));
	}
	return values;
}

function primitive(r) {
	switch (r.int(8)) {
		case 0:
		case 1:
			return number(r);
		case 2:
		case 3:
			return string(r);
		case 4:
			return r.chance(0.5);
		case 5:
			return null;
		case 6:
			return undefined;
		default:
			return bigint(r);
	}
}

export function value(r, pool, depth) {
	if (pool.length > 0 && r.chance(0.12)) return r.pick(pool);
	if (depth > 4 || r.chance(0.35)) return primitive(r);
	const child = () => value(r, pool, depth + 1);
	switch (r.int(17)) {
		case 0:
		case 1:
		case 2: {
			const o = r.chance(0.15) ? Object.create(null) : {};
			pool.push(o);
			const n = r.int(6);
			for (let i = 0; i < n; i++) o[r.chance(0.7) ? r.pick(KEYS) : string(r)] = child();
			return o;
		}
		case 3:
		case 4: {
			const a = [];
			pool.push(a);
			const n = r.int(7);
			for (let i = 0; i < n; i++) a.push(child());
			if (r.chance(0.3)) {
				// holes, sometimes very sparse
				const len = r.chance(0.3) ? r.pick([20, 100, 1000, 1000001, 4294967295]) : n + r.int(5);
				a.length = len;
				for (let i = 0; i < r.int(4); i++) a[r.int(len)] = child();
				for (let i = 0; i < r.int(3); i++) delete a[r.int(len)];
			}
			return a;
		}
		case 5:
		case 6: {
			const m = new Map();
			pool.push(m);
			const n = r.int(5);
			for (let i = 0; i < n; i++) m.set(r.chance(0.5) ? string(r) : child(), child());
			return m;
		}
		case 7: {
			const s = new Set();
			pool.push(s);
			const n = r.int(5);
			for (let i = 0; i < n; i++) s.add(child());
			return s;
		}
		case 8: {
			const d = date(r);
			pool.push(d);
			return d;
		}
		case 9: {
			const [src, flags] = r.pick(REGEXPS);
			return new RegExp(src, flags);
		}
		case 10:
			return r.chance(0.5) ? new URL(r.pick(URLS)) : new URLSearchParams(r.pick(QUERIES));
		case 11:
		case 12: {
			// typed arrays, views and buffers, sometimes sharing one buffer
			const type = r.pick(TYPED);
			const size = globalThis[type].BYTES_PER_ELEMENT;
			const n = r.int(6);
			const bytes = new Uint8Array(n * size);
			for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(256);
			const buf = bytes.buffer;
			switch (r.int(4)) {
				case 0:
					return buf;
				case 1: {
					const off = r.int(bytes.length + 1);
					return new DataView(buf, off, r.int(bytes.length - off + 1));
				}
				case 2: {
					const whole = new globalThis[type](buf);
					const start = r.int(n + 1);
					const sub = whole.subarray(start, start + r.int(n - start + 1));
					return r.chance(0.5) ? [whole, sub] : sub;
				}
				default:
					return new globalThis[type](buf);
			}
		}
		case 13:
			switch (r.int(5)) {
				case 0:
					return new Number(number(r));
				case 1:
					return new String(string(r));
				case 2:
					return new Boolean(r.chance(0.5));
				default:
					return Object(bigint(r));
			}
		case 14: {
			// a cycle through an object
			const o = {};
			pool.push(o);
			o.self = o;
			o.other = child();
			return o;
		}
		default:
			return primitive(r);
	}
}

// astroRecord builds a session record the way Astro stores it: a Map of key
// to {data, expires}.
export function astroRecord(r) {
	const m = new Map();
	const n = r.int(5);
	const pool = [];
	for (let i = 0; i < n; i++) {
		const data = r.chance(0.3) ? new URL(r.pick(URLS)) : value(r, pool, 1);
		m.set(r.pick(KEYS), { data, expires: r.chance(0.5) ? undefined : 1767225600000 + r.int(1e9) });
	}
	return m;
}

export const astroReducers = { URL: (val) => val instanceof URL && val.href };
