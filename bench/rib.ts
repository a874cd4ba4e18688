// RIB at full-table scale: 1,000,000 IPv4 prefixes from peer A (eBGP) → decision → peer B's (eBGP)
// Adj-RIB-Out as UPDATE bytes, then everything withdrawn. Prints figures, not pass/fail.
//   npx tsc -p . && node --expose-gc dist/bench/rib.js [prefixes] [sets]
import { performance, PerformanceObserver } from 'node:perf_hooks';
import type { PeerConfig } from '../src/config/model.js';
import { Afi, AsPathSegmentType, HEADER_LENGTH, Safi } from '../src/wire/iana.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../src/wire/types.js';
import { decodeUpdateBody, packUpdates } from '../src/wire/update.js';
import type { PathAttributes } from '../src/wire/attributes/types.js';
import { Rib } from '../src/rib/rib.js';

const N = Number(process.argv[2] ?? 1_000_000);
const SETS = Number(process.argv[3] ?? 100_000);
const ctx: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) console.warn('run with --expose-gc for memory figures');
const settle = (): void => { gc?.(); gc?.(); };

function peer(name: string, peerIP: string, peerAS: number): PeerConfig {
  return {
    id: name, name, kind: 'Global', source: { resource: `BGPPeer/${name}`, file: '', via: 'peerIP', nodeName: undefined },
    family: 4, peerIP, port: 179, peerAS, localAS: 64512, passive: false, localAddress: '192.0.2.1', ttlSecurity: 0,
    holdTime: 240, keepaliveTime: 80, maxRestartTime: 120, numAllowedLocalASNumbers: 0, nextHopMode: 'Auto',
    routeReflectorClient: false, clusterId: undefined, filters: [], auth: { method: 'none' },
  };
}

// Deterministic generator (xorshift32).
let seed = 0x2545f491;
const rnd = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};

// Realistic-ish table: unique prefixes of length 8..24 (mostly /24), grouped ~N/SETS per attribute set.
const addrs = new Uint32Array(N);
const lens = new Uint8Array(N);
{
  const seen = new Set<number>();
  for (let i = 0; i < N; ) {
    const r = rnd() % 100;
    const len = r < 60 ? 24 : r < 75 ? 23 : r < 85 ? 22 : r < 92 ? 20 : 16 + (rnd() % 8);
    const a = ((rnd() & (-1 << (32 - len))) >>> 0);
    const key = a * 64 + len;
    if (seen.has(key) || a >>> 24 === 0 || a >>> 24 >= 224) continue;
    seen.add(key);
    addrs[i] = a;
    lens[i] = len;
    i++;
  }
}
const sets: PathAttributes[] = [];
for (let s = 0; s < SETS; s++) {
  const hops = 2 + (rnd() % 5);
  const asns = [65001];
  for (let h = 1; h < hops; h++) asns.push(rnd() % 2 === 0 ? 1 + (rnd() % 64000) : 131072 + (rnd() % 4_000_000));
  const a: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = {
    origin: (rnd() % 3) as 0 | 1 | 2,
    asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns }],
    nextHop: (0xc6336400 | (1 + (s % 200))) >>> 0, // 198.51.100.x
  };
  if (s % 3 === 0) a.communities = [((65001 << 16) | (s % 1000)) >>> 0, ((65001 << 16) | 666) >>> 0];
  if (s % 5 === 0) a.med = s % 50;
  sets.push(a);
}

// Wire: one run of UPDATEs per set, as peer A would send them.
const per = Math.ceil(N / SETS);
const wire: Uint8Array[] = [];
for (let s = 0, i = 0; i < N; s++, i += per) {
  const count = Math.min(per, N - i);
  for (const m of packUpdates(sets[s % SETS]!, { afi: Afi.IPv4, safi: Safi.Unicast, count, addrs: addrs.subarray(i, i + count), lens: lens.subarray(i, i + count) }, ctx)) wire.push(m);
}
const withdrawWire = packUpdates({}, { afi: Afi.IPv4, safi: Safi.Unicast, count: N, addrs, lens }, ctx, { withdraw: true });
let wireBytes = 0;
for (const m of wire) wireBytes += m.length;

// The codec's share: decoding alone, as the session does before the RIB sees anything.
const d0 = performance.now();
for (const m of wire) if (!decodeUpdateBody(m, HEADER_LENGTH, m.length - HEADER_LENGTH, ctx).ok) throw new Error('bad UPDATE');
const decodeOnly = performance.now() - d0;

settle();
const base = process.memoryUsage();
const rib = new Rib({ routerId: 0xc0000201 });
const A = rib.addPeer(peer('A', '198.51.100.1', 65001));
const B = rib.addPeer(peer('B', '203.0.113.1', 65002));
A.established(0xc6336401, [Afi.IPv4], true);
B.established(0xcb007101, [Afi.IPv4], true);

const feed = (msgs: readonly Uint8Array[]): void => {
  for (const m of msgs) {
    const r = decodeUpdateBody(m, HEADER_LENGTH, m.length - HEADER_LENGTH, ctx);
    if (!r.ok) throw new Error(r.reason);
    A.apply(r.value, false);
  }
};

const gcs: { start: number; ms: number }[] = [];
const gcObs = new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push({ start: e.startTime, ms: e.duration }); });
gcObs.observe({ entryTypes: ['gc'] });
const c0 = process.cpuUsage();
const t0 = performance.now();
feed(wire);
const t1 = performance.now();
rib.process();
const t2 = performance.now();
// As the daemon takes them: one buffer of whole messages for the socket.
let out = B.takeUpdateBytes(ctx);
const t3 = performance.now();
const c3 = process.cpuUsage(c0);
const outBytes = out.bytes.length;
const outMessages = out.messages;

const counts = `Loc-RIB ${rib.v4.locSize}, A received ${A.size} accepted ${A.accepted}, B advertised ${B.advertised}, interned sets ${rib.interner.size}`;
const after = process.memoryUsage();
out = { bytes: new Uint8Array(0), messages: 0 };
settle();
const held = process.memoryUsage();

const w0 = performance.now();
feed(withdrawWire);
rib.process();
const wout = B.takeUpdateBytes(ctx);
const w1 = performance.now();

await new Promise((r) => setTimeout(r, 10));
gcObs.disconnect();
const s = (a: number, b: number): string => ((b - a) / 1000).toFixed(3);
const perRoute = (x: number): string => (x / N).toFixed(1);
console.log(`prefixes ${N}, attribute sets ${SETS}, A→B both eBGP, ${wire.length} UPDATEs in (${(wireBytes / 1e6).toFixed(1)} MB)`);
console.log(`decode + Adj-RIB-In   ${s(t0, t1)} s`);
console.log(`  of which decoding    ${(decodeOnly / 1000).toFixed(3)} s (measured apart, src/wire)`);
console.log(`decision (Loc-RIB)    ${s(t1, t2)} s`);
console.log(`Adj-RIB-Out → UPDATEs ${s(t2, t3)} s  (${outMessages} messages, ${(outBytes / 1e6).toFixed(1)} MB)`);
console.log(`total in → out        ${s(t0, t3)} s  = ${Math.round(N / ((t3 - t0) / 1000)).toLocaleString('en')} routes/s`);
const gcIn = (a: number, b: number): string => (gcs.filter((g) => g.start >= a && g.start < b).reduce((x, g) => x + g.ms, 0) / 1000).toFixed(3);
console.log(`  CPU time (user+sys)  ${((c3.user + c3.system) / 1e6).toFixed(3)} s (the machine is shared: wall time varies with load)`);
console.log(`  of which GC           ${gcIn(t0, t3)} s`);
console.log(`withdraw everything   ${s(w0, w1)} s  (${wout.messages} messages to B; GC ${gcIn(w0, w1)} s)`);
console.log(counts);
console.log(`after withdrawal: Loc-RIB ${rib.v4.locSize}, prefixes ${rib.v4.table.size}, interned sets ${rib.interner.size}`);
console.log(`heap per route: ${perRoute(held.heapUsed - base.heapUsed)} B held (RIB state after GC), ${perRoute(after.heapUsed - base.heapUsed)} B at peak incl. output bytes`);
console.log(`typed arrays (arrayBuffers) per route: ${perRoute(held.arrayBuffers - base.arrayBuffers)} B held`);
console.log(`RSS per route: ${perRoute(held.rss - base.rss)} B held, ${perRoute(after.rss - base.rss)} B at peak`);
console.log(`end to end (heap + typed arrays) per route: ${perRoute(held.heapUsed + held.arrayBuffers - base.heapUsed - base.arrayBuffers)} B`);
