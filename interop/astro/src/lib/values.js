// Values the interop app writes into sessions, and the views it returns of them.
import * as devalue from 'devalue';

// Astro serializes session records with a custom URL reducer; the app uses the same
// one so that the devalue text it returns is what Astro stores.
const reducers = { URL: (v) => v instanceof URL && v.href };
const revivers = { URL: (href) => new URL(href) };

export const stringify = (v) => devalue.stringify(v, reducers);
export const parse = (text) => devalue.parse(text, revivers);

// The shop's keys, with fixed values so that both sides know what to expect.
export function shopValues() {
	return {
		userId: 'user-42',
		username: 'ada',
		role: 'admin',
		loginTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
		cartItems: [
			{ productId: 'sku-1', quantity: 2 },
			{ productId: 'sku-2', quantity: 1 },
		],
		preferences: { theme: 'dark', lang: 'en' },
	};
}

// One value of every type devalue serializes and Astro revives on Node.js 20 and 22
// (Temporal and Float16Array are left out: neither runtime has them).
export function typeValues() {
	const bytes = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 250, 251, 252, 253, 254, 255]);
	const nullProto = Object.create(null);
	nullProto.a = 1;
	nullProto['x-y'] = 'z';
	const sparse = [, 'b', ,];
	const verySparse = [];
	verySparse[1000] = 'x';
	const shared = { id: 1 };
	const cyclic = { name: 'loop' };
	cyclic.self = cyclic;
	const selfMap = new Map();
	selfMap.set('self', selfMap);
	return {
		undefined: undefined,
		null: null,
		true: true,
		false: false,
		integer: 42,
		float: 0.1 + 0.2,
		tiny: 1.5e-7,
		huge: 1e21,
		maxSafe: Number.MAX_SAFE_INTEGER,
		NaN: NaN,
		Infinity: Infinity,
		negInfinity: -Infinity,
		negZero: -0,
		string: 'plain text',
		stringEscapes: '</script>\u2028\u2029"\\\n\t\u0000\u001f é 😀',
		emptyString: '',
		bigint: 12345678901234567890123n,
		negBigint: -9007199254740993n,
		date: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)),
		dateBC: new Date(Date.UTC(-1, 5, 1)),
		dateInvalid: new Date(''),
		regexp: /^a+b\/c$/gimsuy,
		regexpNoFlags: /x/,
		set: new Set([1, 'two', { three: 3 }]),
		map: new Map([['a', 1], [2, 'b'], [{ k: 'object key' }, [1, 2]]]),
		url: new URL('https://user:pw@example.com/a b/<x>?q=1&r=%20#frag'),
		urlSearchParams: new URLSearchParams('a=1&a=2&b=%3C+%3E&c='),
		arrayBuffer: bytes.buffer.slice(0),
		int8Array: new Int8Array([-128, -1, 0, 1, 127]),
		uint8Array: new Uint8Array([0, 1, 255]),
		uint8ClampedArray: new Uint8ClampedArray([0, 128, 255]),
		int16Array: new Int16Array([-32768, -1, 0, 32767]),
		uint16Array: new Uint16Array([0, 1, 65535]),
		int32Array: new Int32Array([-2147483648, -1, 0, 2147483647]),
		uint32Array: new Uint32Array([0, 1, 4294967295]),
		float32Array: new Float32Array([-0, 1.5, Math.fround(0.1), Infinity, NaN]),
		float64Array: new Float64Array([-0, 1.5, 0.1, -Infinity]),
		bigInt64Array: new BigInt64Array([-9223372036854775808n, -1n, 0n, 9223372036854775807n]),
		bigUint64Array: new BigUint64Array([0n, 18446744073709551615n]),
		subarray: new Uint16Array([10, 20, 30, 40]).subarray(1, 3),
		dataView: new DataView(bytes.buffer, 2, 4),
		nullProto,
		boxedNumber: new Number(42),
		boxedNaN: new Number(NaN),
		boxedString: new String('boxed'),
		boxedBoolean: new Boolean(false),
		boxedBigint: Object(7n),
		sparse,
		verySparse,
		emptyArray: [],
		emptyObject: {},
		nested: { a: [1, { b: [2, { c: new Set([new Map([['d', [new Date(0)]]])]) }] }] },
		sharedRefs: { first: shared, second: shared, list: [shared, shared] },
		cycle: cyclic,
		cyclicMap: selfMap,
		integerKeys: { b: 1, 10: 'ten', 2: 'two', a: 0 },
	};
}

// Values that a Go program writes from plain Go values (time.Time, *big.Int,
// []byte, *url.URL, maps, structs, pointers): what they must be in JavaScript.
export function nativeValues() {
	const shared = { id: 1 };
	return {
		date: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)),
		bigint: 12345678901234567890123n,
		bytes: new Uint8Array([0, 1, 255]),
		url: new URL('https://example.com/a/b?q=1#f'),
		object: { a: 1, b: 'x', c: [true, null] },
		struct: { productId: 'sku-1', quantity: 2 },
		intMap: new Map([[1, 'one'], [2, 'two']]),
		floats: [0.1, -0, 1e21, 5e-324],
		nilPointer: null,
		maxSafe: 9007199254740991,
		sharedPointer: { first: shared, second: shared },
	};
}

// tagged returns a JSON-safe view of v in which every value JSON cannot carry is an
// object {"$type": ...}, so a reader can see Dates, Maps, Sets, BigInts, ... for what they are.
export function tagged(v, path = new Set()) {
	switch (typeof v) {
		case 'undefined':
			return { $type: 'undefined' };
		case 'bigint':
			return { $type: 'BigInt', value: v.toString() };
		case 'number':
			if (Number.isNaN(v)) return { $type: 'number', value: 'NaN' };
			if (!Number.isFinite(v)) return { $type: 'number', value: v > 0 ? 'Infinity' : '-Infinity' };
			if (Object.is(v, -0)) return { $type: 'number', value: '-0' };
			return v;
		case 'string':
		case 'boolean':
			return v;
	}
	if (v === null) return null;
	if (path.has(v)) return { $type: 'cycle' };
	path.add(v);
	try {
		if (v instanceof Date) return { $type: 'Date', value: Number.isNaN(v.getTime()) ? '' : v.toISOString() };
		if (v instanceof RegExp) return { $type: 'RegExp', source: v.source, flags: v.flags };
		if (v instanceof URL) return { $type: 'URL', value: v.href };
		if (v instanceof URLSearchParams) return { $type: 'URLSearchParams', value: v.toString() };
		if (v instanceof Set) return { $type: 'Set', values: [...v].map((x) => tagged(x, path)) };
		if (v instanceof Map) return { $type: 'Map', entries: [...v].map(([k, x]) => [tagged(k, path), tagged(x, path)]) };
		if (v instanceof ArrayBuffer) return { $type: 'ArrayBuffer', base64: Buffer.from(v).toString('base64') };
		if (v instanceof DataView) {
			return { $type: 'DataView', byteOffset: v.byteOffset, byteLength: v.byteLength, base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
		}
		if (ArrayBuffer.isView(v)) return { $type: v.constructor.name, values: [...v].map((x) => tagged(x, path)) };
		if (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt) {
			return { $type: 'Object', value: tagged(v.valueOf(), path) };
		}
		if (Array.isArray(v)) {
			const out = [];
			for (let i = 0; i < v.length; i++) out.push(i in v ? tagged(v[i], path) : { $type: 'hole' });
			return out;
		}
		const out = {};
		for (const [k, x] of Object.entries(v)) out[k] = tagged(x, path);
		return Object.getPrototypeOf(v) === null ? { $type: 'null', value: out } : out;
	} finally {
		path.delete(v);
	}
}
