/**
 * Kernel routes heal themselves (KernelRoutes: periodic re-sync and link events) against a real kernel in a
 * namespace, fed by a real Rib: a route deleted or changed by hand comes back at the next scan; a link taken
 * down and up gets its routes back from the link event (the scan is an hour); refusals while it is down are
 * warned once, not per re-sync; a stray route of our protocol is removed and a foreign one never touched.
 * Run: node --test dist/test/netns/fib-heal.test.js (root).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { NetnsLab, type Namespace } from './harness.js';
import { FIB_LAB, kernelRoutes, v4Prefixes, v6Prefixes } from './fib-helpers.js';
import { KernelRoutes } from '../../src/fib/programmer.js';
import { RTPROT_TSBGPD } from '../../src/fib/index.js';
import { Rib } from '../../src/rib/rib.js';
import { Afi } from '../../src/wire/iana.js';
import { announce, announce6, peerConfig, resolvedConfig, seq } from '../unit/rib/helpers.js';

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
const P4 = v4Prefixes(300, 1000); // 198.51.100.x and 203.0.113.x prefixes, none on the link's /24
const P6 = v6Prefixes(50);

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [k: string]: unknown;
}

/** A pino logger (debug) whose lines are kept, parsed. */
function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/** A Rib with peer A's routes to P4 (via 192.0.2.2) and P6 (via 2001:db8::2) in its Loc-RIB. */
function makeRib(): Rib {
  const rib = new Rib({ routerId: 0xc0000201, trackLocChanges: true });
  rib.configure(resolvedConfig({ peers: [A] }), undefined);
  const a = rib.addPeer(A);
  a.established(0xc6336401, [Afi.IPv4, Afi.IPv6], true);
  a.apply(announce('192.0.2.2', P4, { asPath: seq(65001) }), false);
  a.apply(announce6('2001:db8::2', P6, { asPath: seq(65001) }), false);
  rib.process();
  return rib;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const ours = (family: 4 | 6): Promise<Map<string, string>> => kernelRoutes(r, family, 254, RTPROT_TSBGPD);
const resynced = (lines: readonly LogLine[]): LogLine[] => lines.filter((l) => l.msg.startsWith('kernel routes re-synced'));

async function openKernel(rib: Rib, log: Logger, opts: { scanTime: number; linkEvents: boolean }): Promise<KernelRoutes> {
  const k = KernelRoutes.open(rib, 254, log, () => false, { netns: r.path, settled: () => true, ...opts });
  assert.ok(k !== null, 'rtnetlink opens');
  await until('first reconcile', () => k.ready, 5000);
  await k.fib.idle();
  return k;
}

test('a route deleted or changed by hand comes back at the next scan; a scan that finds nothing logs nothing', async () => {
  const { log, lines } = captureLog();
  const k = await openKernel(makeRib(), log, { scanTime: 1, linkEvents: false });
  try {
    assert.equal((await ours(4)).size, P4.length);
    assert.equal((await ours(6)).size, P6.length);
    // Two scans with nothing to do: no re-sync line.
    await until('two scans', () => k.resyncStats.scans >= 2, 4000);
    assert.deepEqual(resynced(lines), []);

    await r.exec('ip', ['route', 'del', P4[7]!, 'proto', String(RTPROT_TSBGPD), 'metric', '32']);
    await r.exec('ip', ['-6', 'route', 'del', P6[3]!, 'proto', String(RTPROT_TSBGPD), 'metric', '32']);
    // Ours, another next hop on the same link: the re-sync puts the Loc-RIB's back (a change, not an add).
    await r.exec('ip', ['route', 'replace', P4[8]!, 'via', '192.0.2.9', 'proto', String(RTPROT_TSBGPD), 'metric', '32']);
    assert.equal((await ours(4)).has(P4[7]!), false);
    assert.equal((await ours(4)).get(P4[8]!), '192.0.2.9');

    const ms = await until('routes back', async () => (await ours(4)).get(P4[7]!) === '192.0.2.2' && (await ours(6)).has(P6[3]!) &&
      (await ours(4)).get(P4[8]!) === '192.0.2.2', 3000);
    assert.ok(ms <= 2500, `back within the 1 s scan period (+ a dump): ${ms} ms`);
    await until('the re-sync is logged', () => resynced(lines).length > 0, 1000);
    const [line] = resynced(lines);
    assert.equal(line!.msg, 'kernel routes re-synced: added 2, changed 1, removed 0');
    assert.equal(line!.level, 30, 'info');
    assert.equal(line!.reason, 'scan');
    assert.equal((await ours(4)).size, P4.length);
    assert.equal((await ours(6)).size, P6.length);
    // And quiet again afterwards.
    const scans = k.resyncStats.scans;
    await until('another scan', () => k.resyncStats.scans >= scans + 1, 3000);
    await k.fib.idle();
    assert.equal(resynced(lines).length, 1);
  } finally {
    await k.stop({ keep: false });
  }
  assert.equal((await ours(4)).size, 0);
});

test('link down drops the routes; link up brings them back from the link event, not the scan; refusals warned once', async (t) => {
  const { log, lines } = captureLog();
  const k = await openKernel(makeRib(), log, { scanTime: 3600, linkEvents: true });
  try {
    assert.equal((await ours(4)).size, P4.length);
    assert.equal((await ours(6)).size, P6.length);
    await r.sysctl('net.ipv6.conf.v-g.keep_addr_on_down', 1); // else 2001:db8::1/64 would not come back with the link
    await r.exec('ip', ['link', 'set', 'v-g', 'down']);
    assert.equal((await ours(4)).size, 0, 'the kernel deleted every route through the link');
    assert.equal((await ours(6)).size, 0);

    // While it is down, two address events make two re-syncs: the kernel refuses every route, warned once.
    await r.exec('ip', ['addr', 'add', '203.0.113.201/32', 'dev', 'lo']);
    await until('first re-sync while down', () => k.resyncStats.eventResyncs >= 1 && !k.fib.busy, 4000);
    await k.fib.idle();
    await r.exec('ip', ['addr', 'add', '203.0.113.202/32', 'dev', 'lo']);
    await until('second re-sync while down', () => k.resyncStats.eventResyncs >= 2, 4000);
    await k.fib.idle();
    await new Promise((res) => setTimeout(res, 100));
    const warned = lines.filter((l) => l.msg === 'kernel routes re-sync: the kernel refused some routes');
    assert.equal(warned.length, 1, 'warned once for two re-syncs refused alike');
    assert.equal(warned[0]!.count, P4.length + P6.length);
    assert.equal(warned[0]!.errors, `ENETUNREACH ${P4.length}, EHOSTUNREACH ${P6.length}`);
    assert.equal(lines.filter((l) => l.msg === 'kernel routes re-sync: the same routes refused again').length, 1);
    assert.deepEqual(resynced(lines), [], 'nothing was added, so no re-synced line');
    assert.equal((await ours(4)).size, 0);

    const events = k.resyncStats.eventResyncs;
    const t0 = Date.now();
    await r.exec('ip', ['link', 'set', 'v-g', 'up']);
    const ms = await until('routes back after link up', async () => (await ours(4)).size === P4.length && (await ours(6)).size === P6.length, 5000);
    const total = Date.now() - t0;
    assert.ok(total <= 3000, `routes back ${total} ms after link up`);
    assert.equal(k.resyncStats.scans, 0, 'no scan ran (an hour)');
    assert.equal(k.resyncStats.eventResyncs, events + 1, 'one re-sync for the link coming up');
    await until('the re-sync is logged', () => resynced(lines).length > 0, 1000);
    assert.equal(resynced(lines)[0]!.msg, `kernel routes re-synced: added ${P4.length + P6.length}, changed 0, removed 0`);
    assert.equal(resynced(lines)[0]!.reason, 'event');
    t.diagnostic(`routes back ${ms} ms after link up (debounce 1000 ms)`);
  } finally {
    await r.exec('ip', ['link', 'set', 'v-g', 'up'], { allowFail: true });
    await r.sysctl('net.ipv6.conf.v-g.keep_addr_on_down', 0);
    await r.exec('ip', ['addr', 'del', '203.0.113.201/32', 'dev', 'lo'], { allowFail: true });
    await r.exec('ip', ['addr', 'del', '203.0.113.202/32', 'dev', 'lo'], { allowFail: true });
    await k.stop({ keep: false });
  }
});

test('a re-sync removes a route of our protocol nobody wants and never touches a foreign one', async () => {
  const { log, lines } = captureLog();
  const k = await openKernel(makeRib(), log, { scanTime: 1, linkEvents: false });
  const stray = v4Prefixes(1, 1400)[0]!;
  const foreign = v4Prefixes(1, 1401)[0]!;
  const foreignAtOurs = P4[20]!; // another protocol at one of our prefixes, another metric: both stay
  try {
    await r.exec('ip', ['route', 'add', stray, 'via', '192.0.2.2', 'proto', String(RTPROT_TSBGPD), 'metric', '32']);
    await r.exec('ip', ['route', 'add', foreign, 'via', '192.0.2.2', 'proto', 'static', 'metric', '32']);
    await r.exec('ip', ['route', 'add', foreignAtOurs, 'via', '192.0.2.2', 'proto', 'static', 'metric', '100']);
    await until('stray removed', async () => !(await ours(4)).has(stray), 3000);
    await until('the re-sync is logged', () => resynced(lines).length > 0, 1000);
    assert.equal(resynced(lines)[0]!.msg, 'kernel routes re-synced: added 0, changed 0, removed 1');
    assert.deepEqual(await kernelRoutes(r, 4, 254, 'static'), new Map([[foreign, '192.0.2.2'], [foreignAtOurs, '192.0.2.2']]));
    assert.equal((await ours(4)).size, P4.length);
    // Later scans leave the foreign routes alone too.
    const scans = k.resyncStats.scans;
    await until('another scan', () => k.resyncStats.scans >= scans + 1, 3000);
    await k.fib.idle();
    assert.equal(resynced(lines).length, 1);
    assert.equal((await kernelRoutes(r, 4, 254, 'static')).size, 2);
  } finally {
    await k.stop({ keep: false });
    await r.exec('ip', ['route', 'del', foreign, 'proto', 'static'], { allowFail: true });
    await r.exec('ip', ['route', 'del', foreignAtOurs, 'proto', 'static'], { allowFail: true });
  }
  assert.equal((await ours(4)).size, 0);
});
