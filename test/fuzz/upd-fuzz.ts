// Longer UPDATE fuzzing outside the test run: `node dist/test/fuzz/upd-fuzz.js [count] [seed]`.
// Mutates valid UPDATEs (and feeds pure noise) into decodeUpdateBody and prints outcome figures. Any throw,
// untyped outcome or slow decode is reported with its input in hex, and the exit code is 1.
import fc from 'fast-check';
import { decodeUpdateBody, encodeUpdate } from '../../src/wire/update.js';
import { actionName, type Rfc7606Action } from '../../src/wire/rfc7606.js';
import { scenarioArb } from '../property/upd-arbitraries.js';

const count = Number(process.argv[2] ?? 1_000_000);
let seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff) >>> 0 || 1;
const startSeed = seed;

// xorshift32: cheap, reproducible from the printed seed.
const rnd = (): number => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed;
};
const below = (n: number): number => rnd() % n;

const pool = fc.sample(scenarioArb, { numRuns: 2000, seed: startSeed }).map(({ ctx, msg }) => ({ ctx, body: encodeUpdate(msg, ctx).subarray(19) }));
const scratch = new Uint8Array(70_000);

function mutated(src: Uint8Array): number {
  let len = src.length;
  scratch.set(src, 0);
  const edits = 1 + below(6);
  for (let e = 0; e < edits && len > 0; e++) {
    const at = below(len);
    switch (below(5)) {
      case 0: scratch[at] = rnd() & 255; break;
      case 1: scratch[at]! ^= 1 << below(8); break;
      case 2: len = at; break;
      case 3: scratch.copyWithin(at + 1, at, len); scratch[at] = rnd() & 255; len++; break;
      default: scratch.copyWithin(at, at + 1, len); len--; break;
    }
  }
  return len;
}

const outcomes = new Map<string, number>();
const bump = (k: string): void => void outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
let failures = 0;
let slowest = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  const { ctx, body } = pool[below(pool.length)]!;
  let len: number;
  if (i % 10 === 0) {
    len = below(200);
    for (let j = 0; j < len; j++) scratch[j] = rnd() & 255;
  } else len = mutated(body);
  const s = process.hrtime.bigint();
  try {
    const r = decodeUpdateBody(scratch, 0, len, ctx);
    if (r.ok) bump(r.errors.length === 0 ? 'ok clean' : `ok ${actionName(r.action as Rfc7606Action)}`);
    else bump(`reset ${r.notification.code}/${r.notification.subcode}`);
  } catch (err) {
    failures++;
    console.error(`THROW on ${Buffer.from(scratch.subarray(0, len)).toString('hex')}:`, err);
  }
  const ns = Number(process.hrtime.bigint() - s);
  if (ns > slowest) slowest = ns;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`upd-fuzz: ${count} cases, seed ${startSeed}, ${secs.toFixed(2)} s, ${Math.round(count / secs)} cases/s, slowest decode ${(slowest / 1e3).toFixed(0)} µs`);
for (const [k, v] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(28)} ${v}`);
console.log(`  throws                       ${failures}`);
process.exitCode = failures > 0 ? 1 : 0;
