// Times the npm devalue package on the benchmark inputs of the Go
// benchmarks (../session-*.devalue), parsing and stringifying them the way
// Astro does (with its URL reviver and reducer), in ns/op like `go test -bench`.
// Usage: node bench.mjs [seconds per benchmark, default 1]
import * as devalue5 from 'devalue5';
import * as devalue6 from 'devalue6';
import { readFileSync } from 'node:fs';
import { astroReducers } from './values.mjs';

const seconds = Number(process.argv[2] ?? 1);
const revivers = { URL: (href) => new URL(href) };

function bench(name, fn) {
	for (let i = 0; i < 50; i++) fn(); // warm up the JIT
	let n = 0;
	const start = process.hrtime.bigint();
	const limit = start + BigInt(Math.round(seconds * 1e9));
	let now = start;
	while (now < limit) {
		for (let i = 0; i < 10; i++) fn();
		n += 10;
		now = process.hrtime.bigint();
	}
	const ns = Number(now - start) / n;
	console.log(`${name.padEnd(32)} ${String(n).padStart(8)} ${ns.toFixed(0).padStart(12)} ns/op`);
}

for (const size of ['2k', '200k']) {
	const text = readFileSync(new URL(`../session-${size}.devalue`, import.meta.url), 'utf8');
	for (const [lib, devalue] of [['v6', devalue6], ['v5', devalue5]]) {
		const value = devalue.parse(text, revivers);
		if (devalue.stringify(value, astroReducers) !== text) throw new Error('round trip differs');
		bench(`npm-devalue-${lib}/Parse/${size}`, () => devalue.parse(text, revivers));
		bench(`npm-devalue-${lib}/Stringify/${size}`, () => devalue.stringify(value, astroReducers));
	}
}
