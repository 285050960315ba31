// Usage: node check.mjs <seed> <count> <file>
// <file> holds one JSON line per case of gen.mjs (same seed and count): the
// text Go's Stringify wrote after parsing the case. For each, devalue 5 and 6
// parse Go's text; the result must equal the original value (same types,
// same structure, same sharing and cycles) and re-stringify to the text
// devalue wrote for the original. Prints the failures as JSON lines and
// exits with status 1 if there are any.
import * as devalue5 from 'devalue5';
import * as devalue6 from 'devalue6';
import { readFileSync } from 'node:fs';
import { generate, rng, astroRecord, astroReducers } from './values.mjs';

const seed = Number(process.argv[2]);
const count = Number(process.argv[3]);
const goTexts = readFileSync(process.argv[4], 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));

const originals = generate(seed, count);
for (let i = 0; i < count; i++) originals.push(astroRecord(rng(seed * 7919 + i)));

const revivers = { URL: (href) => new URL(href) };
const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);

function equal(a, b, seen, path) {
	if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
	if (a === null || typeof a !== 'object') {
		return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
	}
	if (b === null) return `${path}: object vs null`;
	if (seen.has(a)) return seen.get(a) === b ? null : `${path}: sharing differs`;
	seen.set(a, b);
	const ta = tag(a);
	if (ta !== tag(b)) return `${path}: ${ta} vs ${tag(b)}`;
	if (Object.getPrototypeOf(a) === null !== (Object.getPrototypeOf(b) === null)) return `${path}: prototype differs`;
	switch (ta) {
		case 'Number':
		case 'String':
		case 'Boolean':
		case 'BigInt':
			return Object.is(a.valueOf(), b.valueOf()) ? null : `${path}: boxed value differs`;
		case 'Date':
			return Object.is(a.getTime(), b.getTime()) ? null : `${path}: date differs`;
		case 'RegExp':
			return a.source === b.source && a.flags === b.flags ? null : `${path}: regexp differs`;
		case 'URL':
		case 'URLSearchParams':
			return a.toString() === b.toString() ? null : `${path}: ${a} vs ${b}`;
		case 'ArrayBuffer':
			return Buffer.from(a).equals(Buffer.from(b)) ? null : `${path}: bytes differ`;
		case 'DataView':
			if (a.byteOffset !== b.byteOffset || a.byteLength !== b.byteLength) return `${path}: view differs`;
			return equal(a.buffer, b.buffer, seen, path + '.buffer');
		case 'Map': {
			const ea = [...a], eb = [...b];
			if (ea.length !== eb.length) return `${path}: Map size differs`;
			for (let i = 0; i < ea.length; i++) {
				const e = equal(ea[i][0], eb[i][0], seen, `${path}.key${i}`) ?? equal(ea[i][1], eb[i][1], seen, `${path}.val${i}`);
				if (e) return e;
			}
			return null;
		}
		case 'Set': {
			const ea = [...a], eb = [...b];
			if (ea.length !== eb.length) return `${path}: Set size differs`;
			for (let i = 0; i < ea.length; i++) {
				const e = equal(ea[i], eb[i], seen, `${path}.set${i}`);
				if (e) return e;
			}
			return null;
		}
		case 'Array': {
			if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
			const ka = Object.keys(a), kb = Object.keys(b);
			if (ka.join() !== kb.join()) return `${path}: populated indices differ`;
			for (const k of ka) {
				const e = equal(a[k], b[k], seen, `${path}[${k}]`);
				if (e) return e;
			}
			return null;
		}
		case 'Object': {
			const ka = Object.keys(a), kb = Object.keys(b);
			if (ka.join('\0') !== kb.join('\0')) return `${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
			for (const k of ka) {
				const e = equal(a[k], b[k], seen, `${path}.${k}`);
				if (e) return e;
			}
			return null;
		}
		default:
			if (ArrayBuffer.isView(a)) {
				if (a.byteOffset !== b.byteOffset || a.length !== b.length) return `${path}: view differs`;
				return equal(a.buffer, b.buffer, seen, path + '.buffer');
			}
			return `${path}: unexpected type ${ta}`;
	}
}

let failures = 0;
for (let i = 0; i < originals.length; i++) {
	const astro = i >= count;
	const original = originals[i];
	const goText = goTexts[i];
	for (const [name, lib] of [['v5', devalue5], ['v6', devalue6]]) {
		let problem;
		try {
			const parsed = lib.parse(goText, astro ? revivers : undefined);
			problem = equal(original, parsed, new Map(), '');
			if (!problem) {
				const want = lib.stringify(original, astro ? astroReducers : undefined);
				const again = lib.stringify(parsed, astro ? astroReducers : undefined);
				if (again !== want) problem = `re-stringified ${again} vs ${want}`;
			}
		} catch (err) {
			problem = `parse failed: ${err.message}`;
		}
		if (problem) {
			failures++;
			console.log(JSON.stringify({ case: i, lib: name, go: goText, problem }));
		}
	}
}
process.exit(failures > 0 ? 1 : 0);
