// tsbgpd programs its Loc-RIB into the kernel (issue "Routing", point 7): one BIRD 2 originates every IPv4
// TEST-NET prefix that does not overlap the lab's link (or the two prefixes the test keeps for itself) plus
// 10,000 IPv6 /64s under 2001:db8:1000::/36, over one TCP-MD5 session (IPv4 + IPv6 over MP-BGP) to one tsbgpd
// running with `tsbgpd.io/kernel-routes: "true"`. Compared, as prefix → gateway, after each step:
//   `ip -j -4|-6 route show table main proto 200` (RTPROT_TSBGPD) in tsbgpd's namespace
//   the best routes of `tsbgpd routes --json` learned from BIRD
// Steps: convergence; BIRD withdraws half (one reconfigure, so real withdrawals in UPDATEs); tsbgpd SIGTERM
// (routes removed: no graceful restart is configured) and start again; tsbgpd SIGKILL (routes stay, nobody
// removes them) and start again (reconcile: the stale routes end up equal to the new Loc-RIB).
// Throughout, routes of another protocol (`proto static`, added by the test) stay exactly as they were, and
// tsbgpd's own BlockAffinity CIDRs never reach the kernel.
// Needs root; with CI=true a missing BIRD fails, else it skips.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { NetnsLab, type Namespace } from '../netns/harness.js';
import { kernelRoutes, TEST_NET_V4_PREFIXES, v6Prefixes } from '../netns/fib-helpers.js';
import { BirdDaemon, type PeerSpec } from './peers/index.js';
import { killNetnsProcesses } from './peers/netns.js';
import { TSBGPD_MAIN, Tsbgpd, requireEnvironment, sleep } from './lab.js';
import type { RouteEntry } from '../../src/control/status.js';

const RTPROT_TSBGPD = 200;
const TABLE_MAIN = 254;

// A /30 link (not the usual /24) so that all but 13 of TEST-NET-1's 511 prefixes can be originated too.
const LINK_V4 = '192.0.2.0/30';
const BIRD_V4 = '192.0.2.1';
const TS_V4 = '192.0.2.2';
const BIRD_V6 = '2001:db8::1';
const TS_V6 = '2001:db8::2';

const TS_AS = 65001;
const BIRD_AS = 65002;

/** tsbgpd's own BlockAffinity CIDRs: in its Loc-RIB as local routes, never in the kernel. */
const BLOCK_V4 = '198.51.100.64/26';
const BLOCK_V6 = '2001:db8:a::/122';
/** Routes of another protocol the test adds; tsbgpd must never touch them. */
const FOREIGN: readonly { prefix: string; via: string }[] = [
  { prefix: '203.0.113.128/25', via: BIRD_V4 },
  { prefix: '2001:db8:f000::/48', via: BIRD_V6 },
];

const V6_COUNT = 10_000;
const ESTABLISH_MS = 15_000;
const CONVERGE_MS = 30_000;

// --- prefixes ----------------------------------------------------------------------------------------------------

function v4ToInt(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether two IPv4 prefixes share any address (one contains the other). */
function overlapsV4(a: string, b: string): boolean {
  const [aa, al] = a.split('/') as [string, string];
  const [ba, bl] = b.split('/') as [string, string];
  const len = Math.min(Number(al), Number(bl));
  const shift = 32 - len;
  return Math.floor(v4ToInt(aa) / 2 ** shift) === Math.floor(v4ToInt(ba) / 2 ** shift);
}

const V4_ORIGINATED: readonly string[] = TEST_NET_V4_PREFIXES.filter(
  (p) => !overlapsV4(p, LINK_V4) && p !== BLOCK_V4 && !FOREIGN.some((f) => f.prefix === p),
);
const V6_ORIGINATED: readonly string[] = v6Prefixes(V6_COUNT);

/** RFC 5952 text for an IPv6 prefix, so `ip` and tsbgpd output compare whatever their spelling. */
function canonical(prefix: string): string {
  if (!prefix.includes(':')) return prefix;
  const [addr, len] = prefix.split('/') as [string, string];
  return `${new URL(`http://[${addr}]/`).hostname.slice(1, -1)}/${len}`;
}

// --- daemons -----------------------------------------------------------------------------------------------------

/** BIRD that withdraws many prefixes with one `birdc configure` (the driver's withdraw() configures per prefix). */
class BulkBird extends BirdDaemon {
  async withdrawMany(prefixes: readonly string[]): Promise<void> {
    if (prefixes.length === 0) return;
    for (const p of prefixes.slice(0, -1)) this.removePrefix(p);
    await this.withdraw(prefixes[prefixes.length - 1]!); // rewrites the config once, with every removal
  }
}

/** The lab's tsbgpd (started with `kernelRoutes: true`) with a `routes` query sized for a large table. */
class KernelTsbgpd extends Tsbgpd {
  /**
   * `tsbgpd routes --json` with room for ~12k routes (lab.ts's routes() runs execFile with the 1 MiB default
   * maxBuffer, which this many routes exceed).
   */
  allRoutes(): Promise<RouteEntry[]> {
    return new Promise((res, rej) => {
      execFile(process.execPath, [TSBGPD_MAIN, 'routes', '--json', '--control-socket', this.controlSocket], { timeout: 20_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) rej(new Error(`tsbgpd routes failed: ${String(stderr).trim() || err.message}`));
        else res(JSON.parse(String(stdout)) as RouteEntry[]);
      });
    });
  }
}

// --- comparison --------------------------------------------------------------------------------------------------

interface Snapshot {
  /** prefix → gateways, from `ip -j route show table main proto 200`, both families. */
  readonly kernel: Map<string, string>;
  /** prefix → next hop of the best route learned from BIRD. */
  readonly rib: Map<string, string>;
  /** Every prefix in the Loc-RIB with its source ('local' for this node's blocks). */
  readonly ribAll: RouteEntry[];
}

async function snapshot(ns: Namespace, ts: KernelTsbgpd, birdPeerName: string): Promise<Snapshot> {
  const [k4, k6, routes] = await Promise.all([kernelRoutes(ns, 4, TABLE_MAIN, RTPROT_TSBGPD), kernelRoutes(ns, 6, TABLE_MAIN, RTPROT_TSBGPD), ts.allRoutes()]);
  const kernel = new Map<string, string>();
  for (const [p, gw] of [...k4, ...k6]) kernel.set(canonical(p), gw);
  const rib = new Map<string, string>();
  for (const r of routes) if (r.best && r.peer === birdPeerName) rib.set(canonical(r.prefix), r.nextHop);
  return { kernel, rib, ribAll: routes };
}

/** Differences between the kernel and the Loc-RIB, and against the expected prefix set; empty when equal. */
function differences(s: Snapshot, expected: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const sample = (xs: string[]): string => `${xs.length}${xs.length > 0 ? ` (e.g. ${xs.slice(0, 4).join(', ')})` : ''}`;
  const onlyRib = [...s.rib.keys()].filter((p) => !s.kernel.has(p));
  const onlyKernel = [...s.kernel.keys()].filter((p) => !s.rib.has(p));
  const gateway = [...s.rib].filter(([p, nh]) => s.kernel.has(p) && s.kernel.get(p) !== nh).map(([p, nh]) => `${p}: rib ${nh} kernel ${s.kernel.get(p)}`);
  const ribMissing = [...expected].filter((p) => !s.rib.has(p));
  const ribExtra = [...s.rib.keys()].filter((p) => !expected.has(p));
  if (onlyRib.length > 0) out.push(`in the Loc-RIB, not in the kernel: ${sample(onlyRib)}`);
  if (onlyKernel.length > 0) out.push(`in the kernel (proto ${RTPROT_TSBGPD}), not in the Loc-RIB: ${sample(onlyKernel)}`);
  if (gateway.length > 0) out.push(`gateway differs: ${sample(gateway)}`);
  if (ribMissing.length > 0) out.push(`originated by BIRD, not best in the Loc-RIB: ${sample(ribMissing)}`);
  if (ribExtra.length > 0) out.push(`best from BIRD in the Loc-RIB but not originated: ${sample(ribExtra)}`);
  return out;
}

/** Polls until kernel = Loc-RIB = `expected`; then asserts it (a timeout reports the last differences). */
async function waitEqual(ns: Namespace, ts: KernelTsbgpd, birdPeerName: string, expected: ReadonlySet<string>, what: string): Promise<{ ms: number; snap: Snapshot }> {
  const started = Date.now();
  let snap: Snapshot | undefined;
  let diff: string[] = ['not compared yet'];
  while (Date.now() - started < CONVERGE_MS) {
    snap = await snapshot(ns, ts, birdPeerName);
    diff = differences(snap, expected);
    if (diff.length === 0) break;
    await sleep(400);
  }
  assert.deepEqual(diff, [], `${what}: kernel table and Loc-RIB differ after ${Date.now() - started} ms: ${diff.join('; ')} | tsbgpd log: ${ts.logTail(4)}`);
  assert.ok(snap !== undefined);
  assert.equal(snap.kernel.size, expected.size, `${what}: kernel holds ${snap.kernel.size} tsbgpd routes, BIRD originates ${expected.size}`);
  for (const [p, nh] of snap.rib) assert.equal(snap.kernel.get(p), nh, `${what}: ${p}`);
  return { ms: Date.now() - started, snap };
}

/** tsbgpd's own blocks: present in the Loc-RIB as local routes (when it runs), absent from every kernel table. */
async function assertBlocksNotInKernel(ns: Namespace, snap: Snapshot | undefined): Promise<void> {
  for (const block of [BLOCK_V4, BLOCK_V6]) {
    if (snap !== undefined) assert.ok(snap.ribAll.some((r) => canonical(r.prefix) === block && r.peer === 'local'), `${block} is not a local route in the Loc-RIB`);
    const r = await ns.exec('ip', [block.includes(':') ? '-6' : '-4', 'route', 'show', 'table', 'all', block]);
    assert.equal(r.stdout.trim(), '', `tsbgpd's own block ${block} is in the kernel: ${r.stdout.trim()}`);
  }
}

/** The foreign routes as the kernel shows them (all attributes), to compare before and after each step. */
async function foreignRoutes(ns: Namespace): Promise<string> {
  const rows: unknown[] = [];
  for (const f of FOREIGN) {
    const r = await ns.exec('ip', ['-j', f.prefix.includes(':') ? '-6' : '-4', 'route', 'show', 'table', 'main', f.prefix]);
    rows.push(...(JSON.parse(r.stdout === '' ? '[]' : r.stdout) as unknown[]));
  }
  return JSON.stringify(rows);
}

/** Prefixes of the `Deleted ...` lines of `ip monitor route` (host routes get their /32 or /128 back). */
function deletedRoutes(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^Deleted (?:unicast )?(\S+)/.exec(line);
    if (m === null) continue;
    const dst = m[1]!.includes('/') ? m[1]! : `${m[1]!}/${m[1]!.includes(':') ? 128 : 32}`;
    out.push(canonical(dst));
  }
  return out;
}

async function tsbgpdRouteCount(ns: Namespace): Promise<number> {
  const [k4, k6] = await Promise.all([kernelRoutes(ns, 4, TABLE_MAIN, RTPROT_TSBGPD), kernelRoutes(ns, 6, TABLE_MAIN, RTPROT_TSBGPD)]);
  return k4.size + k6.size;
}

// --- the test ----------------------------------------------------------------------------------------------------

test(`tsbgpd kernel routes vs Loc-RIB: ${V4_ORIGINATED.length} IPv4 + ${V6_COUNT} IPv6 routes from BIRD over TCP-MD5`, { timeout: 90_000 }, async (t: TestContext) => {
  if (!requireEnvironment(t, ['bird'])) return;
  const lab = await NetnsLab.create({
    namespaces: ['bird', 'ts'],
    links: [{ a: 'bird', b: 'ts', aAddrs: [`${BIRD_V4}/30`, `${BIRD_V6}/64`], bAddrs: [`${TS_V4}/30`, `${TS_V6}/64`] }],
  });
  const birdNs = lab.ns('bird');
  const tsNs = lab.ns('ts');
  const password = `kr-${randomBytes(12).toString('base64url')}`;
  const spec: PeerSpec = {
    routerId: BIRD_V4,
    localAs: BIRD_AS,
    localAddresses: [BIRD_V4, BIRD_V6],
    neighbors: [{ address: TS_V4, peerAs: TS_AS, password, families: ['ipv4', 'ipv6'] }],
    prefixes: [...V4_ORIGINATED, ...V6_ORIGINATED],
  };
  const bird = new BulkBird(birdNs.name, spec);
  const ts = new KernelTsbgpd(tsNs, {
    kernelRoutes: true,
    asNumber: TS_AS,
    ipv4: `${TS_V4}/30`,
    ipv6: `${TS_V6}/64`,
    blocks: [BLOCK_V4, BLOCK_V6],
    peers: [{ peerIP: BIRD_V4, asNumber: BIRD_AS, password }],
  });
  try {
    for (const f of FOREIGN) await tsNs.exec('ip', [f.prefix.includes(':') ? '-6' : '-4', 'route', 'add', f.prefix, 'via', f.via, 'proto', 'static']);
    const foreignBefore = await foreignRoutes(tsNs);
    assert.equal((JSON.parse(foreignBefore) as unknown[]).length, FOREIGN.length, `foreign routes not set up: ${foreignBefore}`);
    const assertForeignUntouched = async (when: string): Promise<void> => assert.equal(await foreignRoutes(tsNs), foreignBefore, `proto static routes changed ${when}`);

    const t0 = Date.now();
    await Promise.all([bird.start(), ts.start()]);
    await ts.waitEstablished(BIRD_V4, ESTABLISH_MS);
    const birdPeerName = (await ts.peer(BIRD_V4)).name;
    t.diagnostic(`${bird.version}; ${V4_ORIGINATED.length} IPv4 + ${V6_ORIGINATED.length} IPv6 = ${spec.prefixes!.length} prefixes; Established after ${Date.now() - t0} ms`);

    let current = new Set([...V4_ORIGINATED, ...V6_ORIGINATED]);
    // Each step builds on the state the previous one left: after a failed step the rest are not run (they would
    // only time out; the failed step already fails the test).
    let failed = false;
    const step = async (name: string, fn: (tt: TestContext) => Promise<void>): Promise<void> => {
      if (failed) return;
      let ok = false;
      await t.test(name, async (tt) => {
        await fn(tt);
        ok = true;
      });
      failed = !ok;
    };

    await step(`1. converged: kernel proto ${RTPROT_TSBGPD} = Loc-RIB best from BIRD = ${current.size} originated; own blocks not in the kernel`, async (tt) => {
      const { ms, snap } = await waitEqual(tsNs, ts, birdPeerName, current, 'after convergence');
      tt.diagnostic(`equal ${Date.now() - t0} ms after start (${ms} ms after Established): ${snap.kernel.size} kernel routes`);
      await assertBlocksNotInKernel(tsNs, snap);
      await assertForeignUntouched('after convergence');
      // `tsbgpd status` reports the same: reconciled, as many installed as the kernel holds, table main.
      const k = (await ts.status()).kernel;
      assert.ok(k !== null, 'status has no kernel section while kernel routes are on');
      assert.equal(k.table, TABLE_MAIN);
      assert.equal(k.reconciled, true);
      assert.equal(k.installed, snap.kernel.size, 'status: installed routes');
      assert.equal(k.scanSeconds, 60, 'status: the default scan period');
    });

    await step('2. BIRD withdraws half: kernel = Loc-RIB again', async (tt) => {
      const half = [...V4_ORIGINATED.filter((_, i) => i % 2 === 0), ...V6_ORIGINATED.filter((_, i) => i % 2 === 0)];
      const started = Date.now();
      await bird.withdrawMany(half);
      const gone = new Set(half);
      current = new Set([...current].filter((p) => !gone.has(p)));
      const { snap } = await waitEqual(tsNs, ts, birdPeerName, current, 'after BIRD withdrew half');
      tt.diagnostic(`${half.length} withdrawn; kernel = Loc-RIB = ${snap.kernel.size} routes ${Date.now() - started} ms after birdc configure`);
      await assertBlocksNotInKernel(tsNs, snap);
      await assertForeignUntouched('after the withdrawals');
    });

    await step('3. tsbgpd SIGTERM: its routes leave the kernel (no graceful restart configured); start again: kernel = Loc-RIB', async (tt) => {
      const stopAt = Date.now();
      await ts.stop('SIGTERM');
      const left = await tsbgpdRouteCount(tsNs);
      tt.diagnostic(`after SIGTERM (${Date.now() - stopAt} ms to exit): ${left} proto ${RTPROT_TSBGPD} routes left`);
      assert.equal(left, 0, `a gracefully stopped tsbgpd left ${left} of its ${current.size} routes in the kernel`);
      await assertForeignUntouched('by the SIGTERM stop');
      const startAt = Date.now();
      await ts.start();
      await ts.waitEstablished(BIRD_V4, ESTABLISH_MS);
      const { snap } = await waitEqual(tsNs, ts, birdPeerName, current, 'after a SIGTERM restart');
      tt.diagnostic(`restarted: kernel = Loc-RIB = ${snap.kernel.size} routes ${Date.now() - startAt} ms after start`);
      await assertBlocksNotInKernel(tsNs, snap);
      await assertForeignUntouched('after the SIGTERM restart');
    });

    await step('4. tsbgpd SIGKILL: routes stay; start again: reconciled to the Loc-RIB, kernel = Loc-RIB', async (tt) => {
      await ts.stop('SIGKILL');
      const left = await tsbgpdRouteCount(tsNs);
      assert.equal(left, current.size, 'a killed tsbgpd cannot remove routes: all should still be there');
      // Withdraw some more while tsbgpd is down, so the restart must delete stale routes, not just adopt them.
      const more = [...current].filter((_, i) => i % 4 === 0);
      await bird.withdrawMany(more);
      const gone = new Set(more);
      current = new Set([...current].filter((p) => !gone.has(p)));
      // Every route deletion in the namespace from here until reconverged: a flush would delete wanted routes too.
      const monitor = tsNs.spawn('ip', ['monitor', 'route']);
      await sleep(200);
      const startAt = Date.now();
      await ts.start();
      // Sample the kernel while tsbgpd starts: how far its route count drops before it reconverges (a flush → 0).
      let min = Number.POSITIVE_INFINITY;
      let converged = false;
      const sampler = (async () => {
        while (!converged) {
          min = Math.min(min, await tsbgpdRouteCount(tsNs));
          await sleep(50);
        }
      })();
      try {
        await ts.waitEstablished(BIRD_V4, ESTABLISH_MS);
        const { snap } = await waitEqual(tsNs, ts, birdPeerName, current, 'after a SIGKILL restart');
        tt.diagnostic(`${left} stale routes, ${more.length} of them withdrawn meanwhile; kernel = Loc-RIB = ${snap.kernel.size} routes ${Date.now() - startAt} ms after start; fewest tsbgpd routes seen in the kernel meanwhile: ${min}`);
        await assertBlocksNotInKernel(tsNs, snap);
      } finally {
        converged = true;
        await sampler;
        await sleep(300); // let `ip monitor` print the last events
        await monitor.kill('SIGTERM');
      }
      // Reconcile, not flush: the routes still wanted were never deleted; exactly the withdrawn ones were.
      const deleted = deletedRoutes(monitor.stdout());
      const wantedDeleted = deleted.filter((p) => current.has(p));
      const staleDeleted = new Set(deleted.filter((p) => !current.has(p)));
      tt.diagnostic(`ip monitor: ${deleted.length} route deletions during the restart, ${wantedDeleted.length} of still-wanted routes, ${staleDeleted.size} of withdrawn ones`);
      assert.equal(wantedDeleted.length, 0, `the restart deleted ${wantedDeleted.length} routes it still wants (a flush?), e.g. ${wantedDeleted.slice(0, 4).join(', ')}`);
      assert.deepEqual([...staleDeleted].sort(), [...more].sort(), 'the restart deletes exactly the routes withdrawn while tsbgpd was down');
      assert.ok(min >= current.size, `during the restart the kernel held only ${min} tsbgpd routes of the ${current.size} still wanted`);
      await assertForeignUntouched('across the SIGKILL restart');
    });

    await step('5. tsbgpd SIGTERM at the end: routes removed, foreign routes kept', async () => {
      await ts.stop('SIGTERM');
      assert.equal(await tsbgpdRouteCount(tsNs), 0);
      await assertForeignUntouched('by the final stop');
    });
  } finally {
    await Promise.allSettled([bird.stop(), ts.dispose()]);
    await killNetnsProcesses(birdNs.name);
    await killNetnsProcesses(tsNs.name);
    await lab.destroy();
  }
});
