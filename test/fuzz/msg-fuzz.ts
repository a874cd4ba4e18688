// Long-running fuzz of decodeMessage and the framer (not part of the test run).
//   node dist/test/fuzz/msg-fuzz.js [seconds=60] [seed]
// Feeds mutated valid messages (all types, UPDATE included, now that src/wire/update.ts is real), random
// bytes and random chunkings; prints outcome counts by type and NOTIFICATION code/subcode. Exits 1 if any
// input made the codec throw, printing that input as hex.
import fc from 'fast-check';
import { decodeMessage, encodeMessage, type BgpMessage } from '../../src/wire/message.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../../src/wire/types.js';
import { messageArb } from '../helpers/msg-arbitraries.js';

const seconds = Number(process.argv[2] ?? 60);
let seed = Number(process.argv[3] ?? Date.now() & 0x7fffffff);
const EXT: CodecContext = { ...DEFAULT_CONTEXT, extendedMessage: true };

// xorshift32: cheap, reproducible from the seed.
let state = seed || 1;
const rnd = (n: number): number => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) % n;
};

// Valid UPDATE seeds, hand-assembled (RFC 4271 §4.3): End-of-RIB; ORIGIN, AS_PATH, NEXT_HOP + 1 prefix.
const UPDATE_SEEDS = [
  '0000 0000',
  '0000 0012 40010100 4002040201fde9 400304c0000201 18c63364',
  '0003 18cb0071 0000',
].map((h) => {
  const body = Buffer.from(h.replace(/\s+/g, ''), 'hex');
  const b = new Uint8Array(19 + body.length);
  b.fill(0xff, 0, 16);
  b[16] = b.length >>> 8;
  b[17] = b.length & 0xff;
  b[18] = 2;
  b.set(body, 19);
  return b;
});

function mutate(src: Uint8Array): Uint8Array {
  const b = Array.from(src);
  const n = 1 + rnd(4);
  for (let i = 0; i < n; i++) {
    const at = b.length === 0 ? 0 : rnd(8) === 0 ? rnd(b.length) : 19 + rnd(Math.max(1, b.length - 19));
    switch (rnd(6)) {
      case 0:
        b[at] = (b[at] ?? 0) ^ (1 << rnd(8));
        break;
      case 1:
        b[at] = rnd(256);
        break;
      case 2:
        b.length = Math.min(b.length, at);
        break;
      case 3:
        b.splice(at, 0, rnd(256));
        break;
      case 4:
        b.splice(at, 1);
        break;
      default:
        b[at] = [0, 1, 0x7f, 0x80, 0xff][rnd(5)]!;
    }
  }
  if (rnd(2) === 0 && b.length >= 18) {
    b[16] = (b.length >>> 8) & 0xff;
    b[17] = b.length & 0xff;
  }
  return Uint8Array.from(b);
}

const counts = new Map<string, number>();
const bump = (k: string): void => {
  counts.set(k, (counts.get(k) ?? 0) + 1);
};
let total = 0;
let framed = 0;
let crashes = 0;

function run(buf: Uint8Array, ctx: CodecContext): void {
  total++;
  try {
    const r = decodeMessage(buf, 0, ctx);
    bump(r.ok ? `ok ${r.value.type}` : `fail ${r.notification.code}/${r.notification.subcode}`);
    if (r.ok && r.value.type !== 'UPDATE') encodeMessage(r.value, ctx); // must re-encode without throwing
  } catch (e) {
    crashes++;
    if (crashes <= 5) console.error(`THROW on ${Buffer.from(buf).toString('hex')}: ${(e as Error).stack}`);
  }
}

const deadline = Date.now() + seconds * 1000;
const started = Date.now();
while (Date.now() < deadline) {
  const batch: BgpMessage[] = fc.sample(messageArb, { numRuns: 500, seed: seed++ });
  const wires = batch.map((m) => encodeMessage(m, DEFAULT_CONTEXT));
  wires.push(...UPDATE_SEEDS);
  for (const w of wires) {
    for (let k = 0; k < 8; k++) run(mutate(w), rnd(4) === 0 ? EXT : DEFAULT_CONTEXT);
  }
  for (let k = 0; k < 500; k++) {
    const b = new Uint8Array(rnd(80));
    for (let i = 0; i < b.length; i++) b[i] = rnd(256);
    if (b.length >= 19 && rnd(2) === 0) b.fill(0xff, 0, 16);
    run(b, DEFAULT_CONTEXT);
  }
  // Framer: the whole batch as one stream (some messages mutated), cut at random points.
  const stream = Buffer.concat(wires.map((w) => (rnd(50) === 0 ? mutate(w) : w)));
  const f = new MessageFramer();
  try {
    for (let o = 0; o < stream.length; ) {
      const n = 1 + rnd(3000);
      f.push(stream.subarray(o, o + n));
      o += n;
      for (const r of f.drain()) {
        if (!r.ok) break;
        framed++;
      }
    }
  } catch (e) {
    crashes++;
    console.error(`framer THROW: ${(e as Error).stack}`);
  }
}

const secs = (Date.now() - started) / 1000;
console.log(`msg-fuzz: ${total} decodes, ${framed} framed messages in ${secs.toFixed(1)} s (${Math.round(total / secs)}/s), seed ${process.argv[3] ?? 'time-based'}`);
for (const [k, v] of [...counts.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(22)} ${v}`);
console.log(`  exceptions             ${crashes}`);
process.exitCode = crashes > 0 ? 1 : 0;
