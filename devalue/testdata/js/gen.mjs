// Usage: node gen.mjs <seed> <count>
// Writes one JSON line per generated value: its devalue text as written by
// devalue 5 and 6 (v5 is null when the text cannot survive UTF-8, i.e. holds
// an unpaired surrogate, which devalue 5 writes raw), then as many Astro
// session records stringified with Astro's URL reducer.
import * as devalue5 from 'devalue5';
import * as devalue6 from 'devalue6';
import { generate, rng, astroRecord, astroReducers } from './values.mjs';

const seed = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 1000);
const out = [];
for (const v of generate(seed, count)) {
	const t5 = devalue5.stringify(v);
	out.push(JSON.stringify({ v5: t5.isWellFormed() ? t5 : null, v6: devalue6.stringify(v), astro: false }));
}
for (let i = 0; i < count; i++) {
	const m = astroRecord(rng(seed * 7919 + i));
	const t5 = devalue5.stringify(m, astroReducers);
	out.push(JSON.stringify({ v5: t5.isWellFormed() ? t5 : null, v6: devalue6.stringify(m, astroReducers), astro: true }));
}
process.stdout.write(out.join('\n') + '\n');
