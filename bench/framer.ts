// Framer throughput: a stream of 4096-byte messages cut at random boundaries (as TCP delivers it).
//   node dist/bench/framer.js [megabytes=4096] [meanChunk=16384]
// Prints messages/s, MB/s and how many messages were zero-copy views versus copies.
import { MessageFramer } from '../src/wire/framer.js';

const totalMb = Number(process.argv[2] ?? 4096);
const meanChunk = Number(process.argv[3] ?? 16384);
const MSG = 4096;

// One 4096-byte NOTIFICATION-typed message (the framer does not look past the header), repeated.
const perStream = 256;
const stream = new Uint8Array(MSG * perStream);
for (let i = 0; i < perStream; i++) {
  const o = i * MSG;
  stream.fill(0xff, o, o + 16);
  stream[o + 16] = MSG >>> 8;
  stream[o + 17] = MSG & 0xff;
  stream[o + 18] = 3;
  stream.fill(i & 0xff, o + 19, o + MSG);
}

// Pre-cut chunk views so the timed loop measures the framer, not the cutting.
let seed = 12345;
const rnd = (n: number): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const chunks: Uint8Array[] = [];
for (let o = 0; o < stream.length; ) {
  const n = 1 + rnd(2 * meanChunk);
  chunks.push(stream.subarray(o, o + n));
  o += n;
}

function pass(f: MessageFramer): { messages: number; views: number } {
  let messages = 0;
  let views = 0;
  for (const c of chunks) {
    f.push(c);
    for (let r = f.next(); r !== null; r = f.next()) {
      if (!r.ok) throw new Error(r.reason);
      messages++;
      if (r.value.buffer === stream.buffer) views++;
    }
  }
  return { messages, views };
}

const passes = Math.max(1, Math.round((totalMb * 1024 * 1024) / stream.length));
const f = new MessageFramer();
for (let i = 0; i < 20; i++) pass(f); // warm-up
let messages = 0;
let views = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < passes; i++) {
  const r = pass(f);
  messages += r.messages;
  views += r.views;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const mb = (messages * MSG) / (1024 * 1024);
console.log(
  `framer: ${messages} x ${MSG}-byte messages, chunks ~${meanChunk} B (uniform 1..${2 * meanChunk}), ${secs.toFixed(2)} s: ` +
    `${Math.round(messages / secs).toLocaleString('en')} msg/s, ${Math.round(mb / secs).toLocaleString('en')} MB/s; ` +
    `${((100 * views) / messages).toFixed(1)}% zero-copy views`,
);
