// Writes the benchmark inputs, once: a realistic Astro session record of
// about 2 KB (a user, preferences, a Date, a cart of 20 items) and one of
// about 200 KB (the same with a cart of 3000 items), as devalue text exactly
// as Astro stores it (../session-*.devalue), and the same data as JSON
// (../session-*.json: Maps as objects, Sets as arrays, Dates as ISO strings)
// for the encoding/json comparison.
// Usage: node gen-bench.mjs
import * as devalue from 'devalue6';
import { writeFileSync } from 'node:fs';
import { rng, astroReducers } from './values.mjs';

const WORDS = ['Lunar', 'Rover', 'Helmet', 'Suit', 'Oxygen', 'Tank', 'Boots', 'Glove', 'Visor', 'Beacon', 'Antenna', 'Panel', 'Drill', 'Sample', 'Case', 'Map'];

function record(items) {
	const r = rng(items);
	const created = new Date(Date.UTC(2024, 2, 14, 9, 26, 53, 589));
	const user = {
		id: 'usr_8f3a2c1e',
		name: 'Houston Rivera',
		email: 'houston@example.com',
		roles: new Set(['customer', 'beta']),
		createdAt: created,
		verified: true,
		avatar: new URL('https://cdn.example.com/avatars/usr_8f3a2c1e.png?size=128')
	};
	const preferences = {
		theme: 'dark',
		language: 'en-GB',
		currency: 'EUR',
		notifications: { email: true, sms: false, push: true },
		recentlyViewed: ['sku-1042', 'sku-2210', 'sku-0007']
	};
	const cart = [];
	for (let i = 0; i < items; i++) {
		cart.push({
			sku: `sku-${String(1000 + i)}`,
			quantity: 1 + r.int(5),
			price: Math.round(r.next() * 50000) / 100,
			...(i % 10 === 0 ? { note: `${r.pick(WORDS)} <gift>` } : {})
		});
	}
	const expires = 1767225600000;
	const m = new Map([
		['user', { data: user, expires }],
		['preferences', { data: preferences, expires: undefined }],
		['lastVisit', { data: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)), expires: undefined }],
		['cart', { data: cart, expires }],
		['csrf', { data: 'f1c2d3e4-b5a6-4789-8abc-def012345678', expires: undefined }]
	]);
	return m;
}

function toJSON(v) {
	if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toJSON(x)]));
	if (v instanceof Set) return [...v].map(toJSON);
	if (v instanceof Date) return v.toISOString();
	if (v instanceof URL) return v.href;
	if (Array.isArray(v)) return v.map(toJSON);
	if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJSON(x)]));
	return v === undefined ? null : v;
}

for (const [name, items] of [['2k', 20], ['200k', 3000]]) {
	const m = record(items);
	const text = devalue.stringify(m, astroReducers);
	writeFileSync(new URL(`../session-${name}.devalue`, import.meta.url), text);
	writeFileSync(new URL(`../session-${name}.json`, import.meta.url), JSON.stringify(toJSON(m)));
	console.log(name, text.length, 'bytes');
}
