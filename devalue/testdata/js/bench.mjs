// Times the npm devalue package on the benchmark inputs of the Go
// benchmarks (../session-*.devalue), parsing and stringifying them the way
// Astro does (with its URL reviver and reducer).
//
// Usage:
//   node bench.mjs [seconds]   prints ns/op for each library, operation and size
//   node bench.mjs --serve     reads lines "<v5|v6> <parse|stringify> <2k|200k> <n>"
//                              on stdin, runs the operation n times and answers
//                              with the elapsed nanoseconds and the CPU time
//                              the process used, in nanoseconds (used by the Go
//                              benchmark BenchmarkNPMDevalue, so that the npm
//                              figures come out of the same `go test -bench` run)
import * as devalue5 from 'devalue5';
import * as devalue6 from 'devalue6';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { astroReducers } from './values.mjs';

const revivers = { URL: (href) => new URL(href) };
const libs = { v5: devalue5, v6: devalue6 };
const texts = {};
const values = {};
for (const size of ['2k', '200k']) {
	texts[size] = readFileSync(new URL(`../session-${size}.devalue`, import.meta.url), 'utf8');
	for (const [name, lib] of Object.entries(libs)) {
		const v = lib.parse(texts[size], revivers);
		if (lib.stringify(v, astroReducers) !== texts[size]) throw new Error(`${name} round trip differs`);
		values[`${name}/${size}`] = v;
	}
}

function op(lib, what, size) {
	const devalue = libs[lib];
	if (what === 'parse') {
		const text = texts[size];
		return () => devalue.parse(text, revivers);
	}
	const value = values[`${lib}/${size}`];
	return () => devalue.stringify(value, astroReducers);
}

function run(fn, n) {
	const start = process.hrtime.bigint();
	for (let i = 0; i < n; i++) fn();
	return process.hrtime.bigint() - start;
}

if (process.argv[2] === '--serve') {
	const warm = new Set();
	for await (const line of createInterface({ input: process.stdin })) {
		const [lib, what, size, n] = line.trim().split(/\s+/);
		const fn = op(lib, what, size);
		if (!warm.has(line)) {
			run(fn, 50); // let the JIT compile it first
			warm.add(line);
		}
		const cpu = process.cpuUsage();
		const ns = run(fn, Number(n));
		const used = process.cpuUsage(cpu);
		process.stdout.write(`${ns} ${(used.user + used.system) * 1000}\n`);
	}
} else {
	const seconds = Number(process.argv[2] ?? 1);
	for (const size of ['2k', '200k']) {
		for (const lib of ['v6', 'v5']) {
			for (const what of ['parse', 'stringify']) {
				const fn = op(lib, what, size);
				run(fn, 50);
				let n = 0;
				let ns = 0n;
				while (ns < BigInt(seconds * 1e9)) {
					ns += run(fn, 10);
					n += 10;
				}
				console.log(`npm-devalue-${lib}/${what}/${size}`.padEnd(34), String(n).padStart(8), `${(Number(ns) / n).toFixed(0).padStart(12)} ns/op`);
			}
		}
	}
}
