/**
 * KernelFib against a real kernel, in a namespace: 10,000 routes per family, ECMP, other protocols'
 * routes left alone, reconcile after a restart, per-route errors, tables other than main.
 * Run: node --test dist/test/netns/fib.test.js (root).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NetnsLab, type Namespace } from './harness.js';
import { allRoutes, FIB_LAB, kernelRoutes, v4Prefixes, v6Prefixes } from './fib-helpers.js';
import { KernelFib, RTPROT_TSBGPD, type NextHop } from '../../src/fib/index.js';

let lab: NetnsLab;
let r: Namespace;

before(async () => {
  lab = await NetnsLab.create(FIB_LAB);
  r = lab.ns('r');
});
after(async () => {
  await lab.destroy();
});

const GW4: readonly NextHop[] = [{ gateway: '192.0.2.2' }];
const GW6: readonly NextHop[] = [{ gateway: '2001:db8::2' }];
const ECMP4: readonly NextHop[] = [{ gateway: '192.0.2.2' }, { gateway: '192.0.2.3' }];
const ECMP6: readonly NextHop[] = [{ gateway: '2001:db8::2' }, { gateway: '2001:db8::3' }];

function expectMap(prefixes: readonly string[], gws: string): Map<string, string> {
  return new Map(prefixes.map((p) => [p, gws]));
}

test('every TEST-NET IPv4 prefix (1,533) and 10,000 IPv6 routes install in one sync; ip shows exactly them; half withdrawn', async () => {
  const fib = KernelFib.open({ netns: r.path });
  try {
    const p4 = v4Prefixes(1_533);
    const p6 = v6Prefixes(10_000);
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    const t0 = performance.now();
    const res = await fib.sync([...p4.map((p) => [p, GW4] as const), ...p6.map((p) => [p, GW6] as const)]);
    const ms = performance.now() - t0;
    lag.disable();
    assert.deepEqual(res.errors, []);
    const total = p4.length + p6.length;
    assert.equal(res.added, total);
    assert.equal(res.applied, total);
    console.log(`# ${total} routes (${p4.length} IPv4 + ${p6.length} IPv6) in ${ms.toFixed(0)} ms (${Math.round(total / (ms / 1000))} routes/s); ` +
      `event-loop delay max ${(lag.max / 1e6).toFixed(1)} ms; ${fib.stats.sends} sends`);
    assert.ok(ms < 3000, `took ${ms} ms`);
    assert.ok(fib.stats.sends < 100, 'requests are batched');
    assert.deepEqual(await kernelRoutes(r, 4, 254, RTPROT_TSBGPD), expectMap(p4, '192.0.2.2'));
    assert.deepEqual(await kernelRoutes(r, 6, 254, RTPROT_TSBGPD), expectMap(p6, '2001:db8::2'));

    // Withdraw every other prefix.
    const keep4 = p4.filter((_, i) => i % 2 === 0);
    const keep6 = p6.filter((_, i) => i % 2 === 0);
    const res2 = await fib.sync([...keep4.map((p) => [p, GW4] as const), ...keep6.map((p) => [p, GW6] as const)]);
    assert.deepEqual(res2.errors, []);
    const kept = keep4.length + keep6.length;
    assert.equal(res2.removed, total - kept);
    assert.equal(res2.unchanged, kept);
    assert.deepEqual(await kernelRoutes(r, 4, 254, RTPROT_TSBGPD), expectMap(keep4, '192.0.2.2'));
    assert.deepEqual(await kernelRoutes(r, 6, 254, RTPROT_TSBGPD), expectMap(keep6, '2001:db8::2'));
    assert.equal(fib.routes().size, kept);
  } finally {
    await fib.stop({ keep: false });
  }
  assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 0);
  assert.equal((await kernelRoutes(r, 6, 254, RTPROT_TSBGPD)).size, 0);
});

test('ECMP: several gateways are one multipath route; replace() switches between single and multipath', async () => {
  const fib = KernelFib.open({ netns: r.path });
  try {
    assert.deepEqual(await fib.replace('203.0.113.0/24', ECMP4), { ok: true });
    assert.deepEqual(await fib.replace('2001:db8:77::/48', ECMP6), { ok: true });
    const v4 = await r.exec('ip', ['-j', 'route', 'show', 'table', 'main', 'proto', String(RTPROT_TSBGPD)]);
    const row = (JSON.parse(v4.stdout) as { dst: string; nexthops?: { gateway: string }[] }[]).find((x) => x.dst === '203.0.113.0/24');
    assert.deepEqual(row?.nexthops?.map((n) => n.gateway).sort(), ['192.0.2.2', '192.0.2.3']);
    assert.equal((await kernelRoutes(r, 6, 254, RTPROT_TSBGPD)).get('2001:db8:77::/48'), '2001:db8::2,2001:db8::3');

    const [a, b] = await Promise.all([fib.replace('203.0.113.0/24', GW4), fib.replace('2001:db8:77::/48', [{ gateway: '2001:db8::3' }])]);
    assert.deepEqual([a, b], [{ ok: true }, { ok: true }]);
    assert.deepEqual(await kernelRoutes(r, 4, 254, RTPROT_TSBGPD), new Map([['203.0.113.0/24', '192.0.2.2']]));
    assert.deepEqual(await kernelRoutes(r, 6, 254, RTPROT_TSBGPD), new Map([['2001:db8:77::/48', '2001:db8::3']]));
    assert.deepEqual(await fib.replace('203.0.113.0/24', ECMP4), { ok: true });
    assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).get('203.0.113.0/24'), '192.0.2.2,192.0.2.3');
    // A reconcile sees the multipath routes as they are: nothing to do.
    const rec = await fib.reconcile([['203.0.113.0/24', ECMP4], ['2001:db8:77::/48', [{ gateway: '2001:db8::3' }]]]);
    assert.deepEqual({ ...rec, errors: rec.errors.length }, { applied: 0, errors: 0, added: 0, changed: 0, removed: 0, unchanged: 2 });
  } finally {
    await fib.stop({ keep: false });
  }
});

test('routes of other protocols (static, bird, kernel) are never touched, by replace, remove, reconcile or stop', async () => {
  const foreign: string[][] = [
    ['route', 'add', '198.51.100.0/24', 'via', '192.0.2.2', 'proto', 'static', 'metric', '32'],
    ['route', 'add', '203.0.113.0/24', 'via', '192.0.2.2', 'proto', 'bird'],
    ['route', 'add', '203.0.113.64/26', 'via', '192.0.2.2', 'proto', 'bird', 'metric', '32'],
    ['-6', 'route', 'add', '2001:db8:99::/48', 'via', '2001:db8::2', 'proto', 'bird', 'metric', '32'],
    ['-6', 'route', 'add', '2001:db8:98::/48', 'via', '2001:db8::2', 'proto', 'static'],
  ];
  for (const args of foreign) await r.exec('ip', args);
  const before = await allRoutes(r);
  const fib = KernelFib.open({ netns: r.path });
  try {
    // Same prefix and metric as a foreign route: refused as a value (NLM_F_EXCL), theirs unchanged.
    const clash = await fib.replace('198.51.100.0/24', [{ gateway: '192.0.2.3' }]);
    assert.equal(clash.ok, false);
    if (!clash.ok) assert.deepEqual([clash.error.code, clash.error.errno], ['ERR_FIB_EXISTS', 'EEXIST']);
    const clash6 = await fib.replace('2001:db8:99::/48', [{ gateway: '2001:db8::3' }]);
    assert.equal(clash6.ok, false);
    if (!clash6.ok) assert.equal(clash6.error.code, 'ERR_FIB_EXISTS');
    // Same prefix at another metric: ours coexists, and removing ours leaves theirs.
    assert.deepEqual(await fib.replace('203.0.113.0/24', [{ gateway: '192.0.2.3' }]), { ok: true });
    assert.deepEqual(await fib.replace('2001:db8:98::/48', [{ gateway: '2001:db8::3' }]), { ok: true });
    assert.deepEqual(await fib.remove('203.0.113.0/24'), { ok: true });
    assert.deepEqual(await fib.remove('198.51.100.0/24'), { ok: true }); // never ours: nothing sent
    // Same prefix AND metric, theirs first in the kernel's list (prepend): a delete must pick ours by protocol.
    assert.deepEqual(await fib.replace('192.0.2.128/25', GW4), { ok: true });
    await r.exec('ip', ['route', 'prepend', '192.0.2.128/25', 'via', '192.0.2.3', 'proto', 'bird', 'metric', '32']);
    assert.deepEqual(await fib.remove('192.0.2.128/25'), { ok: true });
    const left = await r.exec('ip', ['route', 'show', '192.0.2.128/25']);
    assert.match(left.stdout, /via 192\.0\.2\.3 dev \S+ proto bird metric 32/);
    assert.doesNotMatch(left.stdout, /192\.0\.2\.2/);
    await r.exec('ip', ['route', 'del', '192.0.2.128/25', 'via', '192.0.2.3', 'proto', 'bird', 'metric', '32']);
    const during = await allRoutes(r);
    for (const l of before) assert.ok(during.includes(l), `foreign route still there: ${l}`);
    // Reconcile to nothing and stop without keep: only our protocol's routes go.
    const rec = await fib.reconcile([]);
    assert.equal(rec.removed, 1); // 2001:db8:98::/48
    assert.deepEqual(rec.errors, []);
  } finally {
    await fib.stop({ keep: false });
  }
  assert.deepEqual(await allRoutes(r), before);
  for (const args of foreign) await r.exec('ip', args.map((a) => (a === 'add' ? 'del' : a)));
});

test('restart: a new KernelFib reconciles the kept routes and sends only the difference', async () => {
  const p4 = v4Prefixes(1000, 0);
  const p6 = v6Prefixes(200, 20_000);
  const first = KernelFib.open({ netns: r.path });
  const res = await first.sync([...p4.map((p) => [p, GW4] as const), ...p6.map((p) => [p, ECMP6] as const)]);
  assert.deepEqual(res.errors, []);
  await first.stop({ keep: true }); // graceful restart: routes stay
  assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 1000);

  const second = KernelFib.open({ netns: r.path });
  try {
    const want = new Map<string, readonly NextHop[]>();
    p4.slice(10).forEach((p, i) => want.set(p, i < 5 ? ECMP4 : GW4)); // 10 gone, 5 changed
    p6.forEach((p) => want.set(p, ECMP6));
    const fresh = v4Prefixes(7, 1000);
    fresh.forEach((p) => want.set(p, GW4));
    const rec = await second.reconcile(want);
    assert.deepEqual(rec.errors, []);
    assert.deepEqual([rec.added, rec.changed, rec.removed, rec.unchanged], [7, 5, 10, 985 + 200]);
    assert.equal(second.stats.routeRequests, 22, 'only the 22 differences become route requests');
    assert.equal(second.stats.requests, 24, 'plus one dump per family');
    const expect4 = new Map<string, string>();
    for (const [p, nh] of want) if (!p.includes(':')) expect4.set(p, nh.map((n) => n.gateway).sort().join(','));
    assert.deepEqual(await kernelRoutes(r, 4, 254, RTPROT_TSBGPD), expect4);
    assert.deepEqual(await kernelRoutes(r, 6, 254, RTPROT_TSBGPD), expectMap(p6, '2001:db8::2,2001:db8::3'));
    // Nothing left to do: a second reconcile sends no route request.
    const again = await second.reconcile(want);
    assert.equal(again.applied, 0);
    assert.equal(second.stats.routeRequests, 22);
  } finally {
    await second.stop({ keep: false });
  }
  assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 0);
});

test('a route the kernel refuses (unreachable gateway) is an error value; the rest of the batch installs', async () => {
  const fib = KernelFib.open({ netns: r.path });
  try {
    const p4 = v4Prefixes(100, 1100);
    const p6 = v6Prefixes(10, 40_000);
    const desired: [string, readonly NextHop[]][] = [...p4.map((p) => [p, GW4] as [string, NextHop[]]), ...p6.map((p) => [p, GW6] as [string, NextHop[]])];
    desired[50] = [p4[50]!, [{ gateway: '198.51.100.77' }]]; // not on any connected network
    desired[105] = [p6[5]!, [{ gateway: '2001:db8:ffff::7' }]];
    desired.push(['198.51.100.1/24', GW4]); // host bits: never reaches the kernel
    const res = await fib.sync(desired);
    assert.equal(res.applied, 108);
    assert.deepEqual(
      res.errors.map((e) => [e.prefix, e.code, e.errno]).sort(),
      [
        [p4[50]!, 'ERR_FIB_REFUSED', 'ENETUNREACH'],
        ['198.51.100.1/24', 'ERR_FIB_BAD_ROUTE', ''],
        [p6[5]!, 'ERR_FIB_REFUSED', 'EHOSTUNREACH'],
      ].sort(),
    );
    const got = await kernelRoutes(r, 4, 254, RTPROT_TSBGPD);
    assert.equal(got.size, 99);
    assert.equal(got.has(p4[50]!), false);
    assert.equal((await kernelRoutes(r, 6, 254, RTPROT_TSBGPD)).size, 9);
    assert.equal(fib.routes().has(p4[50]!), false);
  } finally {
    await fib.stop({ keep: false });
  }
});

test('tables other than main (100, and 1000 > 255 via RTA_TABLE) are kept apart', async () => {
  const t100 = KernelFib.open({ netns: r.path, table: 100 });
  const t1000 = KernelFib.open({ netns: r.path, table: 1000 });
  try {
    assert.deepEqual((await t100.sync([['203.0.113.0/24', GW4], ['2001:db8:100::/48', GW6]])).errors, []);
    assert.deepEqual((await t1000.sync([['203.0.113.0/24', ECMP4], ['198.51.100.0/24', GW4]])).errors, []);
    assert.deepEqual(await kernelRoutes(r, 4, 100, RTPROT_TSBGPD), new Map([['203.0.113.0/24', '192.0.2.2']]));
    assert.deepEqual(
      await kernelRoutes(r, 4, 1000, RTPROT_TSBGPD),
      new Map([['198.51.100.0/24', '192.0.2.2'], ['203.0.113.0/24', '192.0.2.2,192.0.2.3']]),
    );
    assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 0);
    // Reconciling table 1000 to nothing leaves table 100 (same protocol) alone.
    const fresh1000 = KernelFib.open({ netns: r.path, table: 1000 });
    const rec = await fresh1000.reconcile([]);
    await fresh1000.stop({ keep: true });
    assert.equal(rec.removed, 2);
    assert.equal((await kernelRoutes(r, 4, 1000, RTPROT_TSBGPD)).size, 0);
    assert.equal((await kernelRoutes(r, 4, 100, RTPROT_TSBGPD)).size, 1);
    assert.equal((await kernelRoutes(r, 6, 100, RTPROT_TSBGPD)).size, 1);
  } finally {
    await t100.stop({ keep: false });
    await t1000.stop({ keep: false });
  }
  assert.equal((await kernelRoutes(r, 4, 100, RTPROT_TSBGPD)).size, 0);
});

test('replace()/remove() calls of one tick go out as one batch', async () => {
  const fib = KernelFib.open({ netns: r.path });
  try {
    const ps = v4Prefixes(500, 0);
    const outs = await Promise.all(ps.map((p) => fib.replace(p, GW4)));
    assert.ok(outs.every((o) => o.ok));
    assert.equal(fib.stats.sends, 1);
    const gone = await Promise.all(ps.slice(0, 250).map((p) => fib.remove(p)));
    assert.ok(gone.every((o) => o.ok));
    assert.equal(fib.stats.sends, 2);
    assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 250);
  } finally {
    await fib.stop({ keep: false });
  }
});

test('acks the kernel drops (receive buffer too small) become ERR_FIB_NO_REPLY; the next sync re-reads the kernel', async () => {
  // 1 MiB of requests per send against a ~4 KiB receive buffer: most acks cannot be queued (ENOBUFS).
  const fib = KernelFib.open({ netns: r.path, rcvbuf: 4096, maxSendBytes: 1 << 20 });
  try {
    const ps = v4Prefixes(1500, 0);
    const desired = ps.map((p) => [p, GW4] as const);
    const res = await fib.sync(desired);
    const lost = res.errors.filter((e) => e.code === 'ERR_FIB_NO_REPLY').length;
    assert.ok(lost > 0, 'some acks were lost');
    assert.equal(res.errors.length, lost);
    assert.ok(fib.stats.lostReplies > 0);
    // The kernel did apply them; an uncertain FIB reconciles on its next sync and finds nothing to do.
    assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 1500);
    const dumpedBefore = fib.stats.dumped;
    const again = await fib.sync(desired);
    assert.equal(fib.stats.dumped - dumpedBefore, 1500);
    assert.deepEqual([again.applied, again.unchanged, again.errors.length], [0, 1500, 0]);
    assert.equal(fib.routes().size, 1500);
  } finally {
    const fresh = KernelFib.open({ netns: r.path });
    await fresh.stop({ keep: false });
    await fib.stop({ keep: true });
  }
  assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 0);
});

test('sync() and replace() racing on the same prefixes run one after the other (no false EEXIST)', async () => {
  const fib = KernelFib.open({ netns: r.path });
  try {
    const ps = v4Prefixes(200, 1300);
    const [s, ...rs] = await Promise.all([
      fib.sync(ps.map((p) => [p, GW4] as const)),
      ...ps.slice(0, 50).map((p) => fib.replace(p, ECMP4)),
    ]);
    assert.deepEqual(s!.errors, []);
    assert.ok(rs.every((o) => 'ok' in o && o.ok), JSON.stringify(rs.find((o) => 'ok' in o && !o.ok)));
    const got = await kernelRoutes(r, 4, 254, RTPROT_TSBGPD);
    assert.equal(got.get(ps[0]!), '192.0.2.2,192.0.2.3');
    assert.equal(got.get(ps[199]!), '192.0.2.2');
  } finally {
    await fib.stop({ keep: false });
  }
});

test('IPv4 routes via IPv6 next hops (RFC 8950, RTA_VIA), alone and mixed in ECMP; reconcile reads them back', async () => {
  const fib = KernelFib.open({ netns: r.path });
  const want: [string, readonly NextHop[]][] = [
    ['203.0.113.0/24', [{ gateway: '2001:db8::2' }]],
    ['198.51.100.0/24', [{ gateway: '2001:db8::2' }, { gateway: '192.0.2.2' }]],
  ];
  try {
    assert.deepEqual((await fib.sync(want)).errors, []);
    assert.deepEqual(
      await kernelRoutes(r, 4, 254, RTPROT_TSBGPD),
      new Map([['203.0.113.0/24', '2001:db8::2'], ['198.51.100.0/24', '192.0.2.2,2001:db8::2']]),
    );
    await fib.stop({ keep: true });
    const next = KernelFib.open({ netns: r.path });
    const rec = await next.reconcile(want);
    assert.deepEqual([rec.unchanged, rec.applied, rec.errors.length], [2, 0, 0]);
    await next.stop({ keep: false });
  } finally {
    await fib.stop({ keep: false }); // no-op when stopped already
  }
  assert.equal((await kernelRoutes(r, 4, 254, RTPROT_TSBGPD)).size, 0);
});
