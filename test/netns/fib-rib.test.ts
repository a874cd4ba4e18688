/**
 * RibFib (slot-based kernel state) against a real kernel in a namespace, fed by a real Rib: install from the
 * Loc-RIB, ECMP replace, withdrawal, a foreign route left alone, reconcile after a restart that keeps
 * unchanged routes untouched, stop with and without keep.
 * Run: node --test dist/test/netns/fib-rib.test.js (root).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab, type Namespace } from './harness.js';
import { FIB_LAB, kernelRoutes, v4Prefixes, v6Prefixes } from './fib-helpers.js';
import { RibFib } from '../../src/fib/rib-fib.js';
import { RTPROT_TSBGPD } from '../../src/fib/index.js';
import type { FibRouteError } from '../../src/fib/fib.js';
import { Rib } from '../../src/rib/rib.js';
import { Afi } from '../../src/wire/iana.js';
import { announce, announce6, CTX, peerConfig, resolvedConfig, seq, withdraw } from '../unit/rib/helpers.js';

let lab: NetnsLab;
let r: Namespace;

before(async () => {
  lab = await NetnsLab.create(FIB_LAB);
  r = lab.ns('r');
});
after(async () => {
  await lab.destroy();
});

const A = peerConfig('A', '192.0.2.2', 65001);
const B = peerConfig('B', '192.0.2.3', 65002);

/** A Rib tracking Loc-RIB changes with peers A (192.0.2.2, 2001:db8::2) and B (192.0.2.3, 2001:db8::3). */
function makeRib(): { rib: Rib; a: ReturnType<Rib['addPeer']>; b: ReturnType<Rib['addPeer']> } {
  const rib = new Rib({ routerId: 0xc0000201, trackLocChanges: true });
  rib.configure(resolvedConfig({ peers: [A, B] }), undefined);
  const a = rib.addPeer(A);
  const b = rib.addPeer(B);
  a.established(0xc6336401, [Afi.IPv4, Afi.IPv6], true);
  b.established(0xc6336402, [Afi.IPv4, Afi.IPv6], true);
  return { rib, a, b };
}

function expectMap(prefixes: readonly string[], gws: string): Map<string, string> {
  return new Map(prefixes.map((p) => [p, gws]));
}

test('Loc-RIB → kernel by slot: install, ECMP replace, withdraw, foreign route kept; restart reconciles without touching unchanged routes', async () => {
  const p4 = v4Prefixes(1_000, 0);
  const p6 = v6Prefixes(3_000);
  const errors: FibRouteError[] = [];
  const { rib, a, b } = makeRib();
  // A foreign route (another protocol) at one of the prefixes, at our metric: never replaced, reported.
  const foreign = p4[999]!;
  await r.exec('ip', ['route', 'add', foreign, 'via', '192.0.2.2', 'metric', '32', 'proto', 'static']);
  const fib = RibFib.open([rib.v4, rib.v6], { netns: r.path });
  let second: RibFib | undefined;
  try {
    fib.onErrors = (e) => errors.push(...e);
    a.apply(announce('192.0.2.2', p4, { asPath: seq(65001, 9) }), false);
    for (let i = 0; i < p6.length; i += 500) a.apply(announce6('2001:db8::2', p6.slice(i, i + 500), { asPath: seq(65001, 9) }), false);
    rib.process();
    const first = await fib.reconcile();
    assert.deepEqual([first.added, first.changed, first.removed, first.unchanged], [p4.length + p6.length, 0, 0, 0]);
    assert.equal(first.failed, 1);
    assert.deepEqual(first.errors.map((e) => [e.prefix, e.code, e.errno]), [[foreign, 'ERR_FIB_EXISTS', 'EEXIST']]);
    assert.equal(fib.stats.installed, p4.length + p6.length - 1);
    const want4 = expectMap(p4.slice(0, 999), '192.0.2.2');
    assert.deepEqual(await kernelRoutes(r, 4, 254, RTPROT_TSBGPD), want4);
    assert.deepEqual(await kernelRoutes(r, 6, 254, RTPROT_TSBGPD), expectMap(p6, '2001:db8::2'));
    assert.deepEqual(await kernelRoutes(r, 4, 254, 'static'), new Map([[foreign, '192.0.2.2']]));

    // B offers an equal path for the first 300 IPv4 and 1000 IPv6 prefixes: multipath, sent as replaces.
    b.apply(announce('192.0.2.3', p4.slice(0, 300), { asPath: seq(65002, 9) }), false);
    b.apply(announce6('2001:db8::3', p6.slice(0, 500), { asPath: seq(65002, 9) }), false);
    b.apply(announce6('2001:db8::3', p6.slice(500, 1000), { asPath: seq(65002, 9) }), false);
    rib.process();
    const before = fib.stats.routeRequests;
    fib.follow();
    await fib.idle();
    assert.equal(fib.stats.routeRequests - before, 1300, 'only the changed routes are sent');
    const slot = rib.v4.table.find4(0xc0000200, 32); // 192.0.2.0/32 is p4[0] (the /32s come first)
    assert.equal(rib.v4.table.text(slot), p4[0]);
    assert.equal(fib.installedAt(rib.v4, slot), '192.0.2.2,192.0.2.3');
    const got4 = await kernelRoutes(r, 4, 254, RTPROT_TSBGPD);
    for (const p of p4.slice(0, 300)) want4.set(p, '192.0.2.2,192.0.2.3');
    assert.deepEqual(got4, want4);
    const got6 = await kernelRoutes(r, 6, 254, RTPROT_TSBGPD);
    assert.equal(got6.get(p6[0]!), '2001:db8::2,2001:db8::3');
    assert.equal(got6.get(p6[999]!), '2001:db8::2,2001:db8::3');
    assert.equal(got6.get(p6[1000]!), '2001:db8::2');

    // A withdraws prefixes 300..599 (B does not have them): gone; 0..299 fall back to B alone.
    a.apply(withdraw(p4.slice(0, 600)), false);
    rib.process();
    fib.follow();
    await fib.idle();
    const now4 = await kernelRoutes(r, 4, 254, RTPROT_TSBGPD);
    assert.equal(now4.size, 300 + 399);
    assert.equal(now4.get(p4[0]!), '192.0.2.3');
    assert.equal(now4.has(p4[450]!), false);
    assert.equal(now4.get(p4[700]!), '192.0.2.2');
    assert.deepEqual(errors, [], 'follow reported no errors');

    // Restart with routes kept: a new Rib with the same routes except 100 more withdrawn, a new RibFib.
    await fib.stop({ keep: true });
    assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 699);
    const again = makeRib();
    again.a.apply(announce('192.0.2.2', p4.slice(600), { asPath: seq(65001, 9) }), false);
    again.b.apply(announce('192.0.2.3', p4.slice(0, 200), { asPath: seq(65002, 9) }), false);
    for (let i = 0; i < p6.length; i += 500) again.a.apply(announce6('2001:db8::2', p6.slice(i, i + 500), { asPath: seq(65001, 9) }), false);
    again.b.apply(announce6('2001:db8::3', p6.slice(0, 500), { asPath: seq(65002, 9) }), false);
    again.b.apply(announce6('2001:db8::3', p6.slice(500, 1000), { asPath: seq(65002, 9) }), false);
    again.rib.process();
    second = RibFib.open([again.rib.v4, again.rib.v6], { netns: r.path });
    const rec = await second.reconcile();
    // 699 + 3000 were there; 100 IPv4 go; the foreign prefix is tried again (EEXIST), nothing else is sent.
    assert.deepEqual([rec.added, rec.changed, rec.removed, rec.unchanged], [1, 0, 100, 599 + 3000]);
    assert.equal(second.stats.routeRequests, 101);
    assert.deepEqual(rec.errors.map((e) => e.code), ['ERR_FIB_EXISTS']);
    assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 599);
  } finally {
    await fib.stop({ keep: false });
    if (second !== undefined) await second.stop({ keep: false });
    else await RibFib.open([], { netns: r.path }).stop({ keep: false });
  }
  assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 0);
  assert.equal((await kernelRoutes(r, 6, 254, RTPROT_TSBGPD)).size, 0);
  assert.deepEqual(await kernelRoutes(r, 4, 254, 'static'), new Map([[foreign, '192.0.2.2']]), 'the foreign route stays');
});

test('a withdrawn prefix whose slot another prefix takes next: the kernel ends with the new one only, the slot state is the new route', async () => {
  const { rib, a, b } = makeRib();
  const fib = RibFib.open([rib.v4, rib.v6], { netns: r.path });
  try {
    const [p, q] = v4Prefixes(2, 1200);
    a.apply(announce('192.0.2.2', [p!], { asPath: seq(65001) }), false);
    rib.process();
    await fib.reconcile();
    let slotP = -1;
    rib.v4.forEachSlot((s) => (slotP = s));
    // Withdraw p; once drained (the removal keeps p's address) its slot is freed and q takes it.
    a.apply(withdraw([p!]), false);
    rib.process();
    fib.follow();
    await new Promise((res) => setImmediate(res));
    a.takeUpdates(CTX); // the Adj-RIB-Out queues let go of the slot too
    b.takeUpdates(CTX);
    a.apply(announce('192.0.2.2', [q!], { asPath: seq(65001) }), false);
    rib.process();
    assert.equal(rib.v4.table.text(slotP), q, 'q took p\'s slot');
    fib.follow();
    await fib.idle();
    fib.follow();
    await fib.idle();
    assert.deepEqual(await kernelRoutes(r, 4, 254, RTPROT_TSBGPD), new Map([[q!, '192.0.2.2']]));
    assert.equal(fib.installedAt(rib.v4, slotP), '192.0.2.2');
    assert.equal(fib.stats.installed, 1);
  } finally {
    await fib.stop({ keep: false });
  }
});
