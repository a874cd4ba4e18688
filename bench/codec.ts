// UPDATE codec benchmark (prints figures, no pass/fail): `node dist/bench/codec.js [seconds-per-case]`.
// Corpus: full-table-like 4096-octet UPDATEs, 1..1000 IPv4 prefixes each sharing one attribute set, lengths
// /8../24 weighted to /24, 4-octet AS paths of 2..6 hops, communities on some. Decode includes visiting
// every prefix through the iterator; encode is measured both as packing prefix columns (RIB → wire) and as
// re-encoding decoded messages into one preallocated buffer.
import v8 from 'node:v8';
import vm from 'node:vm';
import { decodeUpdateBody, encodeUpdateInto, packUpdates, type UpdateMessage, type PrefixColumns } from '../src/wire/update.js';
import { forEachIPv4, forEachIPv6 } from '../src/wire/nlri.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../src/wire/types.js';
import type { PathAttributes } from '../src/wire/attributes/types.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const SECONDS = Number(process.argv[2] ?? 2);
const ctx: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };

let seed = 0x2545f491;
const rnd = (): number => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>>= 0);
};
const below = (n: number): number => rnd() % n;

function attributeSet(): PathAttributes {
  const hops = 2 + below(5);
  const asns = Array.from({ length: hops }, () => 1 + below(400_000));
  const a: PathAttributes = { origin: 0, asPath: [{ type: 2, asns }], nextHop: 0xc0000201, med: below(100) };
  if (below(10) < 4) return { ...a, communities: Array.from({ length: 1 + below(6) }, () => ((asns[0]! & 0xffff) << 16) | below(1000)) };
  return a;
}

function prefixLength(): number {
  return below(10) < 6 ? 24 : 8 + below(16); // weighted to /24
}

/** IPv4 (or IPv6) prefix columns, addresses with host bits clear. */
function columns(n: number, v6: boolean): PrefixColumns {
  const addrs = new Uint32Array(n * (v6 ? 4 : 1));
  const lens = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (v6) {
      const l = below(10) < 6 ? 48 : 32 + below(32);
      lens[i] = l;
      addrs[i * 4] = 0x20010db8;
      addrs[i * 4 + 1] = (rnd() & (l >= 64 ? 0xffffffff : (-1 << (64 - l)))) >>> 0;
    } else {
      const l = prefixLength();
      lens[i] = l;
      addrs[i] = (rnd() & (-1 << (32 - l))) >>> 0;
    }
  }
  return { afi: v6 ? 2 : 1, safi: 1, count: n, addrs, lens };
}

interface Corpus {
  readonly buf: Uint8Array;
  readonly offsets: number[];
  readonly lengths: number[];
  readonly prefixes: number;
}

function corpus(messages: number, v6: boolean): Corpus {
  const parts: Uint8Array[] = [];
  let prefixes = 0;
  while (parts.length < messages) {
    const want = 1 + below(1000);
    const nh = v6 ? { nextHop: { kind: 'ipv6' as const, global: new Uint8Array(16).fill(0x20) } } : {};
    const msgs = packUpdates(attributeSet(), columns(want, v6), ctx, nh);
    const m = msgs[0]!; // the first is full when `want` does not fit: a realistic 4096-octet message
    parts.push(m);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  const offsets: number[] = [];
  const lengths: number[] = [];
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    offsets.push(o);
    lengths.push(p.length);
    o += p.length;
  }
  // Count the prefixes once with the codec itself.
  for (let i = 0; i < offsets.length; i++) {
    const r = decodeUpdateBody(buf, offsets[i]! + 19, lengths[i]! - 19, ctx);
    if (!r.ok || r.errors.length > 0) throw new Error('corpus message does not decode cleanly');
    prefixes += v6 ? r.value.mpReach!.nlri.count : r.value.nlri.count;
  }
  return { buf, offsets, lengths, prefixes };
}

interface Figures {
  readonly name: string;
  readonly prefixes: number;
  readonly messages: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly heapDuring: number;
  readonly heapRetained: number;
}

/** Run `round` (one pass over the corpus, returning [prefixes, messages, bytes]) for about SECONDS. */
function measure(name: string, round: () => [number, number, number]): Figures {
  for (let i = 0; i < 3; i++) round(); // warm up the JIT
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  let prefixes = 0;
  let messages = 0;
  let bytes = 0;
  let peak = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < SECONDS) {
    const [p, m, b] = round();
    prefixes += p;
    messages += m;
    bytes += b;
    peak = Math.max(peak, process.memoryUsage().heapUsed - heap0);
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  gc();
  return { name, prefixes, messages, bytes, seconds: elapsed, heapDuring: peak, heapRetained: process.memoryUsage().heapUsed - heap0 };
}

function print(f: Figures): void {
  const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  console.log(
    `${f.name.padEnd(34)} ${(f.prefixes / f.seconds / 1e6).toFixed(2).padStart(6)} M prefixes/s  ${Math.round(f.messages / f.seconds).toString().padStart(7)} msg/s  ` +
      `${(f.bytes / f.seconds / 1048576).toFixed(0).padStart(5)} MB/s  ${((f.seconds * 1e9) / f.prefixes).toFixed(1).padStart(6)} ns/prefix  ` +
      `heap peak +${mb(f.heapDuring)}, retained ${mb(f.heapRetained)}`,
  );
}

let sink = 0;

function decodeRound(c: Corpus, v6: boolean): () => [number, number, number] {
  const visit4 = (addr: number, len: number): void => {
    sink = (sink + (addr ^ len)) | 0;
  };
  const visit6 = (addr: Uint8Array, len: number): void => {
    sink = (sink + addr[5]! + len) | 0;
  };
  return () => {
    let n = 0;
    for (let i = 0; i < c.offsets.length; i++) {
      const r = decodeUpdateBody(c.buf, c.offsets[i]! + 19, c.lengths[i]! - 19, ctx);
      if (!r.ok) throw new Error(r.reason);
      if (v6) {
        forEachIPv6(r.value.mpReach!.nlri, visit6);
        n += r.value.mpReach!.nlri.count;
      } else {
        forEachIPv4(r.value.nlri, visit4);
        n += r.value.nlri.count;
      }
    }
    return [n, c.offsets.length, c.buf.length];
  };
}

function reencodeRound(c: Corpus): () => [number, number, number] {
  const decoded: UpdateMessage[] = c.offsets.map((o, i) => {
    const r = decodeUpdateBody(c.buf, o + 19, c.lengths[i]! - 19, ctx);
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  });
  const out = new Uint8Array(c.buf.length + 65536);
  return () => {
    let o = 0;
    for (const m of decoded) o += encodeUpdateInto(m, ctx, out, o);
    return [c.prefixes, decoded.length, o];
  };
}

function packRound(attrs: PathAttributes, cols: PrefixColumns): () => [number, number, number] {
  return () => {
    const msgs = packUpdates(attrs, cols, ctx);
    return [cols.count, msgs.length, msgs.reduce((n, m) => n + m.length, 0)];
  };
}

const t = process.hrtime.bigint();
const v4 = corpus(2000, false);
const v6 = corpus(500, true);
console.log(
  `corpus: ${v4.offsets.length} IPv4 UPDATEs, ${v4.prefixes} prefixes (${(v4.prefixes / v4.offsets.length).toFixed(0)}/msg), ${(v4.buf.length / 1048576).toFixed(1)} MiB; ` +
    `${v6.offsets.length} IPv6 UPDATEs, ${v6.prefixes} prefixes; built in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s; node ${process.version}, ${SECONDS} s per case`,
);
print(measure('decode IPv4 + visit every prefix', decodeRound(v4, false)));
print(measure('decode IPv6 (MP_REACH) + visit', decodeRound(v6, true)));
print(measure('encode: packUpdates 1M IPv4 columns', packRound(attributeSet(), columns(1_000_000, false))));
print(measure('encode: packUpdates 200k IPv6', ((): (() => [number, number, number]) => {
  const cols = columns(200_000, true);
  const attrs = attributeSet();
  return () => {
    const msgs = packUpdates(attrs, cols, ctx, { nextHop: { kind: 'ipv6', global: new Uint8Array(16).fill(0x20) } });
    return [cols.count, msgs.length, msgs.reduce((n, m) => n + m.length, 0)];
  };
})()));
print(measure('encode: re-encode decoded IPv4', reencodeRound(v4)));
if (sink === 0x7fffffff) console.log('');
