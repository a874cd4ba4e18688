// Graceful restart (RFC 4724) between tsbgpd and BIRD 2 over TCP-MD5, tsbgpd programming its kernel routes:
//   a. tsbgpd as helper, BIRD restarting (`birdc graceful restart`, then `bird -R`): A and B stay in tsbgpd's
//      Loc-RIB (stale) and kernel during the downtime; BIRD back announcing only A: after its End-of-RIB B is gone
//      from both, A not stale, and A never left the kernel. BIRD gone for good: everything removed after BIRD's
//      restart time (5 s), not before.
//   c. a NOTIFICATION (BIRD `disable`: Cease) removes the routes at once, as without graceful restart.
//   b. tsbgpd restarting (`tsbgpd graceful-restart`), BIRD helper: tsbgpd's kernel routes stay while it is down
//      and BIRD keeps tsbgpd's block; on the next start BIRD sees the R and F bits (its `show protocols all`),
//      tsbgpd defers selection until BIRD's End-of-RIB, no wanted kernel route is deleted (ip monitor), the one
//      BIRD withdrew meanwhile is; BIRD never lost tsbgpd's block. SIGTERM afterwards still removes everything.
// Needs root; with CI=true a missing BIRD fails, else it skips.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsLab, type Namespace } from '../netns/harness.js';
import { kernelRoutes } from '../netns/fib-helpers.js';
import { BirdDaemon, type PeerSpec } from './peers/index.js';
import type { LaunchCommand } from './peers/daemon.js';
import { killNetnsProcesses, run, waitExit } from './peers/netns.js';
import { Tsbgpd, eventually, requireEnvironment, sleep } from './lab.js';

const RTPROT_TSBGPD = 200;
const TABLE_MAIN = 254;
const BIRD_V4 = '192.0.2.1';
const TS_V4 = '192.0.2.2';
const BIRD_V6 = '2001:db8::1';
const TS_V6 = '2001:db8::2';
const TS_AS = 65001;
const BIRD_AS = 65002;
/** BIRD's Restart Time while it is to come back (tsbgpd's IdleHoldTimer alone is 5 s), and when it is not. */
const BIRD_RESTART_TIME_BACK = 30;
const BIRD_RESTART_TIME = 5;

/** BIRD with `graceful restart time N`, a graceful stop (`birdc graceful restart`) and a recovering start (`-R`). */
class GrBird extends BirdDaemon {
  recover = false;
  restartTime = BIRD_RESTART_TIME_BACK;

  protected override writeConfig(): void {
    super.writeConfig();
    const file = join(this.dir, 'bird.conf');
    const text = readFileSync(file, 'utf8');
    const on = text.replace(/graceful restart on;/g, `graceful restart on; graceful restart time ${this.restartTime};`);
    if (on === text) throw new Error('graceful restart line not found in the BIRD config');
    writeFileSync(file, on, { mode: 0o600 });
  }

  protected override command(): LaunchCommand {
    const c = super.command();
    return this.recover ? { ...c, args: [...c.args, '-R'] } : c;
  }

  ctl(...args: string[]): Promise<string> {
    return run('birdc', ['-s', join(this.dir, 'bird.ctl'), ...args]).then((r) => r.stdout);
  }

  /** `birdc graceful restart`: BIRD closes its sessions without NOTIFICATION and exits. */
  async gracefulStop(): Promise<void> {
    await this.ctl('graceful', 'restart');
    assert.ok(this.child !== undefined && (await waitExit(this.child, 5000)), 'BIRD did not exit after graceful restart');
  }

  drop(prefix: string): void {
    this.removePrefix(prefix);
  }
}

async function kernel(ns: Namespace): Promise<Map<string, string>> {
  const [a, b] = await Promise.all([kernelRoutes(ns, 4, TABLE_MAIN, RTPROT_TSBGPD), kernelRoutes(ns, 6, TABLE_MAIN, RTPROT_TSBGPD)]);
  return new Map([...a, ...b]);
}

/** Prefix → stale flag of tsbgpd's routes from BIRD. */
async function fromBird(ts: Tsbgpd): Promise<Map<string, boolean>> {
  return new Map((await ts.routesFrom(BIRD_V4)).map((r) => [r.prefix, r.stale]));
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

async function lab2(): Promise<NetnsLab> {
  return NetnsLab.create({
    namespaces: ['bird', 'ts'],
    links: [{ a: 'bird', b: 'ts', aAddrs: [`${BIRD_V4}/24`, `${BIRD_V6}/64`], bAddrs: [`${TS_V4}/24`, `${TS_V6}/64`] }],
  });
}

test('graceful restart a+c: tsbgpd as helper for a restarting BIRD; a NOTIFICATION still removes at once', { timeout: 90_000 }, async (t: TestContext) => {
  if (!requireEnvironment(t, ['bird'])) return;
  const lab = await lab2();
  const birdNs = lab.ns('bird');
  const tsNs = lab.ns('ts');
  const password = `gr-${randomBytes(12).toString('base64url')}`;
  const A4 = '198.51.100.0/25';
  const B4 = '198.51.100.128/25';
  const A6 = '2001:db8:100::/48';
  const B6 = '2001:db8:200::/48';
  const spec: PeerSpec = {
    routerId: BIRD_V4, localAs: BIRD_AS, localAddresses: [BIRD_V4, BIRD_V6],
    neighbors: [{ address: TS_V4, peerAs: TS_AS, password, families: ['ipv4', 'ipv6'] }],
    prefixes: [A4, B4, A6, B6],
    features: { gracefulRestart: true },
  };
  const bird = new GrBird(birdNs.name, spec);
  const ts = new Tsbgpd(tsNs, { kernelRoutes: true, asNumber: TS_AS, ipv4: `${TS_V4}/24`, ipv6: `${TS_V6}/64`, peers: [{ peerIP: BIRD_V4, asNumber: BIRD_AS, password }] });
  let sampling = false;
  try {
    await Promise.all([bird.start(), ts.start()]);
    await ts.waitEstablished(BIRD_V4, 15_000);
    await eventually('A and B from BIRD in the Loc-RIB and the kernel', 15_000, async () => {
      const k = await kernel(tsNs);
      return (await fromBird(ts)).size === 4 && [A4, B4, A6, B6].every((p) => k.has(p));
    });
    const peer = await ts.peer(BIRD_V4);
    assert.equal(peer.negotiated?.gracefulRestart, true, 'GR negotiated with BIRD');

    // A must never leave the kernel from here until BIRD is back (sampled every 50 ms).
    let aMissing = 0;
    let samples = 0;
    sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const k = await kernel(tsNs);
        samples++;
        if (!k.has(A4) || !k.has(A6)) aMissing++;
        await sleep(50);
      }
    })();

    await bird.gracefulStop();
    const down = await ts.waitPeer(BIRD_V4, 'session down', 10_000, (p) => p.state !== 'Established');
    const during = await fromBird(ts);
    assert.deepEqual(sorted(during.keys()), sorted([A4, B4, A6, B6]), 'routes kept while BIRD restarts');
    assert.ok([...during.values()].every((s) => s), `all marked stale: ${JSON.stringify([...during])}`);
    assert.deepEqual(sorted([...(await kernel(tsNs)).keys()].filter((p) => [A4, B4, A6, B6].includes(p))), sorted([A4, B4, A6, B6]), 'still in the kernel');
    const st = (await ts.peer(BIRD_V4)).gracefulRestart;
    assert.equal(st.helper, 'restarting');
    assert.equal(st.staleRoutes, 4);
    assert.ok(st.restartTimeRemaining !== null && st.restartTimeRemaining <= BIRD_RESTART_TIME_BACK && st.restartTimeRemaining > BIRD_RESTART_TIME_BACK - 10, `restart timer from BIRD's ${BIRD_RESTART_TIME_BACK} s: ${st.restartTimeRemaining}`);
    t.diagnostic(`BIRD down (${down.lastError}); 4 stale routes kept, restart timer ${st.restartTimeRemaining?.toFixed(1)} s`);

    // BIRD back (recovering, -R) with A only, now with a Restart Time of 5 s for the next step.
    bird.drop(B4);
    bird.drop(B6);
    bird.recover = true;
    bird.restartTime = BIRD_RESTART_TIME;
    const back = Date.now();
    await bird.start();
    await ts.waitEstablished(BIRD_V4, 15_000);
    await eventually('B swept after BIRD\'s End-of-RIB, A fresh', 15_000, async () => {
      const r = await fromBird(ts);
      return sorted(r.keys()).join() === sorted([A4, A6]).join() && ![...r.values()].some((s) => s);
    });
    await eventually('B out of the kernel', 5000, async () => {
      const k = await kernel(tsNs);
      return !k.has(B4) && !k.has(B6);
    });
    sampling = false;
    await sampler;
    const grLog = ts.logRecords().filter((r) => typeof r.msg === 'string' && /graceful|End-of-RIB|established|state change/.test(r.msg)).map((r) => `${r.msg} ${JSON.stringify({ why: r.why, family: r.family, to: r.to, gracefulRestart: r.gracefulRestart })}`);
    assert.equal(aMissing, 0, `A was missing from the kernel in ${aMissing} of ${samples} samples; tsbgpd: ${grLog.join(' | ')}`);
    assert.ok(samples > 10, `too few kernel samples (${samples})`);
    const idle = (await ts.peer(BIRD_V4)).gracefulRestart;
    assert.equal(idle.helper, 'idle');
    assert.equal(idle.staleRoutes, 0);
    const swept = ts.logRecords().filter((r) => r.msg === 'graceful restart: stale routes removed').map((r) => r.why);
    assert.ok(swept.includes('End-of-RIB'), `stale routes swept at End-of-RIB: ${JSON.stringify(swept)}`);
    t.diagnostic(`BIRD back: B gone, A kept, ${Date.now() - back} ms; A present in all ${samples} kernel samples`);

    // BIRD leaves gracefully and does not come back: everything goes after its restart time, not before.
    await bird.gracefulStop();
    const stopAt = Date.now();
    await ts.waitPeer(BIRD_V4, 'session down', 10_000, (p) => p.state !== 'Established');
    await sleep(2500);
    assert.equal((await fromBird(ts)).size, 2, 'still kept 2.5 s into a 5 s restart time');
    await eventually('stale routes removed after the restart time', 10_000, async () => (await fromBird(ts)).size === 0 && (await kernel(tsNs)).size === 0, 100);
    const gone = Date.now() - stopAt;
    assert.ok(gone >= (BIRD_RESTART_TIME - 1) * 1000, `removed after ${gone} ms, before BIRD's restart time`);
    t.diagnostic(`BIRD not back: routes removed ${gone} ms after its graceful stop (restart time ${BIRD_RESTART_TIME} s)`);

    // c. A NOTIFICATION-ended session (BIRD: Cease, Administrative Shutdown) removes the routes at once.
    bird.recover = false;
    await bird.start();
    await ts.waitEstablished(BIRD_V4, 15_000);
    await eventually('A back', 15_000, async () => (await fromBird(ts)).size === 2 && (await kernel(tsNs)).has(A4));
    const disableAt = Date.now();
    await bird.shutdownNeighbor(TS_V4, 'gr test: cease');
    await eventually('routes removed after the Cease', 3000, async () => (await fromBird(ts)).size === 0 && (await kernel(tsNs)).size === 0, 50);
    const ceaseMs = Date.now() - disableAt;
    assert.equal((await ts.peer(BIRD_V4)).gracefulRestart.helper, 'idle');
    t.diagnostic(`Cease: routes removed from RIB and kernel ${ceaseMs} ms after birdc disable`);
  } finally {
    sampling = false;
    await Promise.allSettled([bird.stop(), ts.dispose()]);
    await killNetnsProcesses(birdNs.name);
    await killNetnsProcesses(tsNs.name);
    await lab.destroy();
  }
});

test('graceful restart b: tsbgpd restarting, BIRD helper; kernel routes kept, R/F bits, deferral, no flap', { timeout: 90_000 }, async (t: TestContext) => {
  if (!requireEnvironment(t, ['bird'])) return;
  const lab = await lab2();
  const birdNs = lab.ns('bird');
  const tsNs = lab.ns('ts');
  const password = `gr-${randomBytes(12).toString('base64url')}`;
  const learned = [...Array.from({ length: 16 }, (_, i) => `203.0.113.${i * 16}/28`), ...Array.from({ length: 8 }, (_, i) => `2001:db8:${(0x300 + i).toString(16)}::/48`)];
  const BLOCK = '198.51.100.64/26';
  const spec: PeerSpec = {
    routerId: BIRD_V4, localAs: BIRD_AS, localAddresses: [BIRD_V4, BIRD_V6],
    neighbors: [{ address: TS_V4, peerAs: TS_AS, password, families: ['ipv4', 'ipv6'] }],
    prefixes: learned,
    features: { gracefulRestart: true },
  };
  const bird = new GrBird(birdNs.name, spec);
  const ts = new Tsbgpd(tsNs, { kernelRoutes: true, asNumber: TS_AS, ipv4: `${TS_V4}/24`, ipv6: `${TS_V6}/64`, blocks: [BLOCK], peers: [{ peerIP: BIRD_V4, asNumber: BIRD_AS, password }] });
  let monitor: ReturnType<Namespace['spawn']> | undefined;
  let sampling = false;
  try {
    await Promise.all([bird.start(), ts.start()]);
    await ts.waitEstablished(BIRD_V4, 15_000);
    await eventually('BIRD\'s routes in tsbgpd\'s kernel, tsbgpd\'s block at BIRD', 15_000, async () =>
      (await kernel(tsNs)).size === learned.length && (await bird.receivedPrefixes(TS_V4)).includes(BLOCK));

    // A normal start: GR advertised with neither R nor F.
    const caps0 = await bird.ctl('show', 'protocols', 'all', 'n0');
    const firstCaps = caps0.slice(caps0.indexOf('Neighbor capabilities'));
    assert.match(firstCaps, /Graceful restart/, `tsbgpd advertises GR:\n${firstCaps}`);
    assert.doesNotMatch(firstCaps, /Restart recovery|AF preserved:[ \t]*\S/, `no R or F bit on a normal start:\n${firstCaps}`);

    const out = await ts.cli('graceful-restart');
    assert.match(out, /sessions closed without NOTIFICATION/);
    assert.equal(ts.pid, undefined, 'the command returns once the daemon has exited');
    await ts.stop(); // collects its log
    const before = await kernel(tsNs);
    assert.equal(before.size, learned.length, 'kernel routes kept across the graceful stop');
    await eventually('BIRD sees the session down', 10_000, async () => (await bird.sessionState(TS_V4)) !== 'Established');
    assert.ok((await bird.receivedPrefixes(TS_V4)).includes(BLOCK), 'BIRD keeps tsbgpd\'s block (stale) meanwhile');
    assert.ok(!ts.rawLog().includes(password), 'no password in the log');
    const X = learned[3]!;
    await bird.withdraw(X);
    const wanted = new Set(learned.filter((p) => p !== X));

    monitor = tsNs.spawn('ip', ['monitor', 'route']);
    await sleep(200);
    let blockMissing = 0;
    let samples = 0;
    sampling = true;
    const sampler = (async () => {
      while (sampling) {
        if (!(await bird.receivedPrefixes(TS_V4)).includes(BLOCK)) blockMissing++;
        samples++;
        await sleep(100);
      }
    })();
    const startAt = Date.now();
    await ts.start();
    await ts.waitEstablished(BIRD_V4, 15_000);
    await eventually('kernel = BIRD\'s routes without the withdrawn one', 20_000, async () => {
      const k = await kernel(tsNs);
      return k.size === wanted.size && [...wanted].every((p) => k.has(p));
    });
    const converged = Date.now() - startAt;
    await eventually('tsbgpd\'s block re-sent to BIRD and fresh', 10_000, async () => (await bird.receivedPrefixes(TS_V4)).includes(BLOCK));
    await sleep(300);
    sampling = false;
    await sampler;
    await monitor.kill('SIGTERM');

    // The R and F bits as BIRD decoded them from our OPEN.
    const caps = await bird.ctl('show', 'protocols', 'all', 'n0');
    const neighborCaps = caps.slice(caps.indexOf('Neighbor capabilities'));
    assert.match(neighborCaps, /Graceful restart/, 'tsbgpd advertises GR');
    assert.match(neighborCaps, /Restart recovery/, `R bit in tsbgpd's OPEN after its graceful restart:\n${neighborCaps}`);
    assert.match(neighborCaps, /AF preserved:\s+ipv4 ipv6/, `F bit for both families:\n${neighborCaps}`);
    assert.match(neighborCaps, /Restart time:\s+120/, 'restart time = maxRestartTime (calico default 120)');
    t.diagnostic(`BIRD on tsbgpd's OPEN after the restart: ${neighborCaps.split('\n').filter((l) => /restart|AF /i.test(l)).map((l) => l.trim()).join('; ')}`);

    const logs = ts.logRecords();
    const done = logs.find((r) => r.msg === 'graceful restart: route selection done');
    assert.ok(logs.some((r) => r.msg === 'graceful restart: deferring route selection until End-of-RIB from every peer'), 'deferral started');
    assert.equal(done?.why, 'End-of-RIB from every peer', 'deferral ended by BIRD\'s End-of-RIB, not the timer');
    const deleted = monitor.stdout().split('\n').filter((l) => l.startsWith('Deleted')).map((l) => l.split(/\s+/)[1]!);
    assert.deepEqual(deleted.filter((p) => wanted.has(p)), [], 'no wanted kernel route deleted (no flush, no re-add)');
    assert.ok(deleted.includes(X), `the route BIRD withdrew meanwhile is removed: ${deleted.join(', ')}`);
    assert.equal(blockMissing, 0, `BIRD lost tsbgpd's block in ${blockMissing} of ${samples} samples`);
    const st1 = await ts.status();
    assert.equal(st1.gracefulRestart.restarting, false);
    assert.equal(st1.gracefulRestart.selectionDeferred, false);
    t.diagnostic(`restart: kernel = wanted ${converged} ms after start; ${deleted.length} kernel deletions (${deleted.join(', ')}); BIRD kept the block in all ${samples} samples`);

    // SIGTERM is still the full stop: Cease, kernel routes removed.
    await ts.stop('SIGTERM');
    assert.equal((await kernel(tsNs)).size, 0, 'SIGTERM removes the kernel routes');
    await eventually('BIRD drops tsbgpd\'s block after the Cease', 5000, async () => !(await bird.receivedPrefixes(TS_V4)).includes(BLOCK));
  } finally {
    sampling = false;
    await monitor?.kill('SIGKILL');
    await Promise.allSettled([bird.stop(), ts.dispose()]);
    await killNetnsProcesses(birdNs.name);
    await killNetnsProcesses(tsNs.name);
    await lab.destroy();
  }
});
