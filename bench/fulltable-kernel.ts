/**
 * Full-table benchmark with kernel routes on (prints figures, no pass/fail; needs root, iproute2, TCP-MD5, frr).
 *   node dist/bench/fulltable-kernel.js [--prefixes 100000] [--only tsbgpd|frr] [--timeout-s 300] [--count events|dump]
 *                                       [--poll-ms 500|1000] [--at-once] [--cpu-prof] [--show-log]
 * The table of fulltable.ts (lib/fulltable-table.ts) goes from our injector over MD5 eBGP into a middle router that
 * programs its namespace's kernel, and on over MD5 eBGP to our monitor. Middles, one after the other in the same
 * run: tsbgpd (`main.js run`, kernel routes on, protocol 200 in table main) and FRR 8.4 bgpd + zebra (protocol bgp,
 * 186, in table main). Per middle: seconds from the injector's first UPDATE until the middle's kernel holds all N
 * routes of its protocol, install rate (overall and best 1-s window), CPU seconds and peak RSS of the middle's
 * processes (summed), the monitor's time, and the time until the kernel holds none after the withdrawal.
 * The kernel count follows the kernel's route notifications in the middle namespace (lib/kernel-watch.ts) and is
 * confirmed by one rtnetlink dump when it reaches the target; `--count dump` (or lost notifications) counts by a
 * periodic dump instead (lib/kernel-count.ts), whose resolution is the poll interval and whose cost is printed.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NetnsLab } from '../test/netns/harness.js';
import { BenchPeer, BENCH_CTX, PrefixCounter } from './lib/fulltable-peer.js';
import { buildFullTable } from './lib/fulltable-table.js';
import { KERNEL_PROTOCOL, MAIN_TABLE, startKernelMiddle, type KernelMiddle, type KernelMiddleKind } from './lib/kernel-middle.js';
import { bestWindowRate, KernelRouteCounter, KernelRoutePoller, type CountSample } from './lib/kernel-count.js';
import { cpuSample, memory, mib } from './lib/procstat.js';
import { arg, INJ, INJ_AS, ipv4, MID_AS, MID_INJ, MID_MON, MON, MON_AS } from './lib/fulltable-lab.js';
import { monotonicUs, summarizeProfile } from './lib/cpuprofile.js';
import { endOfRib, waitForLine } from './lib/kernel-bench.js';
import { KernelRouteWatcher } from './lib/kernel-watch.js';

const N = Number(arg('prefixes', '100000'));
const ONLY = arg('only', 'all');
const TIMEOUT_MS = Number(arg('timeout-s', '300')) * 1000;
const POLL_MS = Number(arg('poll-ms', N > 300_000 ? '1000' : '500'));
const CPU_PROF = process.argv.includes('--cpu-prof');
const COUNT = arg('count', 'events');
const AT_ONCE = process.argv.includes('--at-once');
if (COUNT !== 'events' && COUNT !== 'dump') throw new Error('--count: events|dump');
const KINDS: readonly KernelMiddleKind[] = ONLY === 'all' ? ['tsbgpd', 'frr'] : [ONLY as KernelMiddleKind];
if (!Number.isInteger(N) || N < 1 || N > 4_000_000) throw new Error('--prefixes: 1..4000000');
if (!KINDS.every((k) => k === 'tsbgpd' || k === 'frr')) throw new Error('--only: tsbgpd|frr');
if (!Number.isFinite(POLL_MS) || POLL_MS < 100) throw new Error('--poll-ms: at least 100');

interface Phase {
  /**
   * First UPDATE sent → the kernel holds the target count: the notification that made it so, or (dumps) the end
   * of the first dump that saw it; kernelLowerS is the start of the last dump that did not (= kernelS for events).
   */
  readonly kernelS: number;
  readonly kernelLowerS: number;
  /** How the kernel figure was taken ('events', 'dump', or why it fell back to dumps). */
  readonly how: string;
  /** First UPDATE sent → the first of our routes added (load) or removed (withdrawal); NaN with dumps. */
  readonly firstS: number;
  /** CPU seconds of this process (injector, monitor, kernel counting) over the phase. */
  readonly benchCpuS: number;
  readonly monitorS: number;
  /** Our routes in the kernel when the monitor held the target (events only). */
  readonly kernelAtMonitor: number;
  readonly sendS: number;
  readonly cpuS: number;
  readonly sysS: number;
  readonly bestRate: number;
}

interface Result {
  readonly kind: KernelMiddleKind;
  readonly ok: boolean;
  readonly note: string;
  readonly establishS: number;
  readonly load: Phase | null;
  readonly withdraw: Phase | null;
  readonly idleKiB: number;
  readonly hwmKiB: number;
  readonly dumps: number;
  readonly dumpMs: number;
  readonly dumpCpuMs: number;
  readonly profile: readonly string[];
}

const table = buildFullTable(N, INJ_AS, ipv4(INJ), BENCH_CTX);
console.log(`table: ${N.toLocaleString('en')} IPv4 prefixes, ${table.sets.toLocaleString('en')} attribute sets, ${table.announce.length.toLocaleString('en')} UPDATEs (${(table.announceBytes / 1e6).toFixed(1)} MB), withdrawal ${table.withdraw.length.toLocaleString('en')} UPDATEs`);
if (AT_ONCE) console.log('--at-once: the injector sends the full table as its initial table right after the OPENs, then End-of-RIB; the middle has had no time to settle');
console.log('the prefixes are table entries only (most lie outside TEST-NET, as in bench/rib.ts), next hop the injector on the veth: no traffic is sent to them');
console.log(COUNT === 'events'
  ? 'kernel count: the route notifications of the middle namespace (RTNLGRP_IPV4_ROUTE) for table main and the middle\'s protocol, confirmed by one rtnetlink dump when they reach the target'
  : `kernel count: an rtnetlink dump of the middle namespace's table main, filtered by the middle's protocol, every ${POLL_MS} ms (end of one dump to start of the next)`);

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

async function runOne(kind: KernelMiddleKind): Promise<Result> {
  const lab = await NetnsLab.create({
    namespaces: ['inj', 'mid', 'mon'],
    links: [
      { a: 'inj', b: 'mid', aAddrs: [`${INJ}/25`], bAddrs: [`${MID_INJ}/25`] },
      { a: 'mid', b: 'mon', aAddrs: [`${MID_MON}/25`], bAddrs: [`${MON}/25`] },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-fulltable-kernel-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const profDir = CPU_PROF && kind === 'tsbgpd' ? join(dir, 'prof') : null;
  const inj = lab.ns('inj');
  const mid = lab.ns('mid');
  const mon = lab.ns('mon');
  const injKey = randomBytes(24).toString('base64url');
  const monKey = randomBytes(24).toString('base64url');
  const injector = new BenchPeer({ netns: inj.path, address: INJ, remote: MID_INJ, key: Buffer.from(injKey), asn: INJ_AS, bgpIdentifier: ipv4(INJ), holdTime: 240 });
  const monitor = new BenchPeer({ netns: mon.path, address: MON, remote: MID_INJ, key: Buffer.from(monKey), asn: MON_AS, bgpIdentifier: ipv4(MON), holdTime: 240 });
  const counter = new PrefixCounter();
  monitor.onUpdate = counter.onUpdate;
  const kcount = new KernelRouteCounter(mid.path, MAIN_TABLE, KERNEL_PROTOCOL[kind]);
  const poller = new KernelRoutePoller(kcount, POLL_MS);
  const watcher = COUNT === 'events' ? new KernelRouteWatcher(mid.path, MAIN_TABLE, KERNEL_PROTOCOL[kind]) : null;
  watcher?.start();
  let middle: KernelMiddle | null = null;
  let ok = false;
  const fail = (note: string): Result => ({ kind, ok: false, note, establishS: NaN, load: null, withdraw: null, idleKiB: NaN, hwmKiB: NaN, dumps: poller.samples.length, dumpMs: poller.dumpMs, dumpCpuMs: NaN, profile: [] });
  try {
    await mon.exec('ip', ['route', 'add', '192.0.2.0/25', 'via', MID_MON]);
    await inj.exec('ip', ['route', 'add', '192.0.2.128/25', 'via', MID_INJ]);
    await injector.listen();
    await monitor.listen();
    const t0 = performance.now();
    if (profDir !== null) process.env['TSBGPD_BENCH_NODE_ARGS'] = `--cpu-prof --cpu-prof-dir=${profDir}`;
    middle = await startKernelMiddle({
      kind, ns: mid, dir, routerId: MID_INJ, localAddress: MID_INJ, localPrefixLength: 25, asn: MID_AS,
      neighbours: [
        { name: 'injector', address: INJ, asn: INJ_AS, password: injKey },
        { name: 'monitor', address: MON, asn: MON_AS, password: monKey },
      ],
    });
    delete process.env['TSBGPD_BENCH_NODE_ARGS'];
    const up = (await monitor.up(30_000)) && (await injector.up(30_000));
    if (!up) return fail(`sessions not Established in 30 s (injector ${injector.established}, monitor ${monitor.established})`);
    const establishS = (performance.now() - t0) / 1000;
    // Both peers end their initial tables with End-of-RIB, as a real speaker does (RFC 4724 §2): tsbgpd's first
    // kernel reconcile waits until every session has sent it (src/fib/programmer.ts), or 30 s. By default the
    // injector's initial table is empty and the full table follows once that reconcile is done; --at-once sends
    // the full table as the initial one, right after the OPENs (a middle restarting next to a full-table peer).
    await monitor.send([endOfRib()]);
    const procs = middle.processes;
    if (!AT_ONCE) {
      await injector.send([endOfRib()]);
      if (kind === 'tsbgpd') {
        const p = procs[0]!;
        if (!(await waitForLine(() => p.stdout(), 'kernel routes reconciled', 40_000))) return fail('tsbgpd logged no "kernel routes reconciled" in 40 s');
      }
      // Let the start-up settle (timers, zebra's interface scan) before the idle figures.
      await new Promise((r) => setTimeout(r, 3000));
    }
    const before = await kcount.count();
    if (before.routes !== 0 || counter.held !== 0) return fail(`kernel already holds ${before.routes} routes / monitor ${counter.held} prefixes before injection`);
    const pids = procs.map((p) => p.pid);
    const idle = sum(pids.map((p) => memory(p).rssKiB));
    const cpu = (): { cpu: number; sys: number } => {
      const s = pids.map((p) => cpuSample(p));
      return { cpu: sum(s.map((x) => x.cpuSeconds)), sys: sum(s.map((x) => x.sysSeconds)) };
    };
    if (watcher === null) poller.start();
    const window0 = monotonicUs();
    const phase = async (messages: readonly Uint8Array[], target: number): Promise<Phase | string> => {
      const c0 = cpu();
      const u0 = process.cpuUsage();
      const from = target === 0 ? N : 0;
      const watched = watcher?.until(target, TIMEOUT_MS) ?? Promise.resolve(null);
      const polled = watcher === null ? poller.until(target, TIMEOUT_MS) : null;
      const monitorDone = counter.until(target, TIMEOUT_MS);
      let monitorAt = NaN;
      let kernelAtMonitor = NaN;
      void monitorDone.then((r) => {
        if (!r) return;
        monitorAt = performance.now();
        if (watcher !== null) kernelAtMonitor = watcher.held;
      });
      watcher?.mark();
      const at0 = performance.now();
      await injector.send(messages);
      const sentAt = performance.now();
      let kernelAt: number;
      let lowerAt: number;
      let how: string;
      let best: number;
      const byDump = async (why: string): Promise<string | null> => {
        poller.start();
        const hit = await (polled ?? poller.until(target, Math.max(1, TIMEOUT_MS - (performance.now() - at0))));
        if (hit === null) return `kernel held ${poller.last?.routes ?? '?'}, not ${target}, after ${TIMEOUT_MS / 1000} s${poller.failure !== null ? ` (${poller.failure.message})` : ''}`;
        const prev: CountSample | undefined = poller.samples[poller.samples.indexOf(hit) - 1];
        kernelAt = hit.doneAt;
        lowerAt = prev === undefined || prev.startedAt < at0 ? at0 : prev.startedAt;
        how = why;
        best = bestWindowRate(poller.samples, at0, from);
        return null;
      };
      const seen = watcher === null ? null : await watched;
      let c1 = cpu();
      if (watcher === null) {
        const e = await byDump('dump');
        c1 = cpu();
        if (e !== null) return e;
      } else if (seen === null || watcher.lost > 0) {
        if (seen === null && watcher.lost === 0) return `kernel held ${watcher.held} (notifications), not ${target}, after ${TIMEOUT_MS / 1000} s`;
        const e = await byDump(`dump (the kernel dropped notifications ${watcher.lost} times)`);
        c1 = cpu();
        if (e !== null) return e;
      } else {
        const check = await kcount.count();
        if (check.routes !== target) {
          const e = await byDump(`dump (notifications said ${target}, a dump ${check.routes})`);
          c1 = cpu();
          if (e !== null) return e;
        } else {
          kernelAt = lowerAt = seen;
          how = 'events, confirmed by a dump';
          best = watcher.bestRate(at0);
        }
      }
      const u1 = process.cpuUsage(u0);
      if (!(await monitorDone)) return `monitor held ${counter.held}, not ${target}, after ${TIMEOUT_MS / 1000} s`;
      await poller.stop();
      return {
        kernelS: (kernelAt! - at0) / 1000,
        kernelLowerS: (lowerAt! - at0) / 1000,
        how: how!,
        firstS: watcher === null ? NaN : (watcher.firstChangeAt - at0) / 1000,
        benchCpuS: (u1.user + u1.system) / 1e6,
        monitorS: (monitorAt - at0) / 1000,
        kernelAtMonitor,
        sendS: (sentAt - at0) / 1000,
        cpuS: c1.cpu - c0.cpu,
        sysS: c1.sys - c0.sys,
        bestRate: best!,
      };
    };
    const load = await phase(AT_ONCE ? [...table.announce, endOfRib()] : table.announce, N);
    if (typeof load === 'string') return fail(load);
    const hwm = sum(pids.map((p) => memory(p).hwmKiB));
    // The poller's own cost: three dumps of the full table while nothing else changes, CPU of this process.
    const u0 = process.cpuUsage();
    const d0 = performance.now();
    for (let k = 0; k < 3; k++) await kcount.count();
    const dumpWallMs = (performance.now() - d0) / 3;
    const u1 = process.cpuUsage(u0);
    const dumpCpuMs = (u1.user + u1.system) / 3000;
    const withdraw = await phase(table.withdraw, 0);
    const window1 = monotonicUs();
    if (typeof withdraw === 'string') return fail(withdraw);
    await poller.stop();
    ok = true;
    let profile: string[] = [];
    if (profDir !== null) {
      await middle.stop(30_000);
      const f = readdirSync(profDir).find((x) => x.endsWith('.cpuprofile'));
      profile = f === undefined ? ['(no profile written)'] : summarizeProfile(join(profDir, f), 20, window0, window1);
    }
    return {
      kind, ok: true, note: `${counter.malformed > 0 ? `${counter.malformed} malformed UPDATEs at the monitor; ` : ''}a full dump takes ${dumpWallMs.toFixed(0)} ms wall`,
      establishS, load, withdraw, idleKiB: idle, hwmKiB: hwm, dumps: poller.samples.length, dumpMs: poller.dumpMs, dumpCpuMs, profile,
    };
  } finally {
    await poller.stop();
    await watcher?.close();
    kcount.close();
    await injector.close();
    await monitor.close();
    if (middle !== null) {
      // tsbgpd removes its routes on SIGTERM; a million take a few seconds.
      await middle.stop(15_000);
      if (process.argv.includes('--show-log') || !ok) process.stderr.write(middle.log());
    }
    await lab.destroy();
    removeDir();
    process.off('exit', removeDir);
  }
}

const rate = (r: number): string => (Number.isNaN(r) ? 'n/a (under 1 s)' : `${Math.round(r).toLocaleString('en')} routes/s`);
const results: Result[] = [];
for (const kind of KINDS) {
  const r = await runOne(kind);
  results.push(r);
  if (!r.ok || r.load === null || r.withdraw === null) {
    console.log(`${kind}: FAILED: ${r.note}`);
    continue;
  }
  const l = r.load;
  const w = r.withdraw;
  const what = kind === 'tsbgpd' ? 'tsbgpd (proto 200)' : 'FRR bgpd + zebra (proto bgp 186)';
  console.log(`${what}: sessions up ${r.establishS.toFixed(1)} s after start; injector's UPDATEs sent in ${l.sendS.toFixed(2)} s`);
  console.log(`  first UPDATE → kernel holds all ${N.toLocaleString('en')}: ${l.kernelS.toFixed(2)} s${l.kernelLowerS < l.kernelS ? ` (last dump short of it started at ${l.kernelLowerS.toFixed(2)} s)` : ''} [${l.how}${Number.isNaN(l.firstS) ? '' : `, first route in at ${l.firstS.toFixed(2)} s`}]; ${Math.round(N / l.kernelS).toLocaleString('en')} routes/s overall, best 1-s window ${rate(l.bestRate)}; monitor holds all at ${l.monitorS.toFixed(2)} s${Number.isNaN(l.kernelAtMonitor) ? '' : `, when the kernel held ${l.kernelAtMonitor.toLocaleString('en')}`}`);
  console.log(`  CPU ${l.cpuS.toFixed(2)} s (system ${l.sysS.toFixed(2)} s) until the kernel held all; this process (injector, monitor, counting) ${l.benchCpuS.toFixed(2)} s`);
  console.log(`  withdraw all → kernel holds none: ${w.kernelS.toFixed(2)} s${w.kernelLowerS < w.kernelS ? ` (≥ ${w.kernelLowerS.toFixed(2)} s)` : ''} [${w.how}${Number.isNaN(w.firstS) ? '' : `, first route out at ${w.firstS.toFixed(2)} s`}], best 1-s window ${rate(w.bestRate)}; monitor holds none at ${w.monitorS.toFixed(2)} s${Number.isNaN(w.kernelAtMonitor) ? '' : ` (kernel ${w.kernelAtMonitor.toLocaleString('en')})`}; CPU ${w.cpuS.toFixed(2)} s (system ${w.sysS.toFixed(2)} s)`);
  console.log(`  RSS idle ${mib(r.idleKiB)}, peak (VmHWM) ${mib(r.hwmKiB)}${kind === 'frr' ? ' (bgpd + zebra)' : ''}, ${(((r.hwmKiB - r.idleKiB) * 1024) / N).toFixed(0)} bytes per route`);
  console.log(`  counting: ${r.dumps} polling dumps (${(r.dumpMs / 1000).toFixed(2)} s inside them); one dump of the full table costs this process ${r.dumpCpuMs.toFixed(0)} ms CPU; ${r.note}`);
  if (r.profile.length > 0) {
    console.log('  tsbgpd main-thread profile over load + withdrawal (self time; the threadpool\'s netlink sends are not in it):');
    for (const line of r.profile) console.log(`    ${line}`);
  }
}

const ts = results.find((r) => r.kind === 'tsbgpd' && r.ok);
const frr = results.find((r) => r.kind === 'frr' && r.ok);
if (ts?.load && ts.withdraw && frr?.load && frr.withdraw) {
  const x = (a: number, b: number): string => `×${(a / b).toFixed(2)}`;
  console.log(`tsbgpd / FRR: kernel all in ${x(ts.load.kernelS, frr.load.kernelS)}, install rate ${x(N / ts.load.kernelS, N / frr.load.kernelS)}, best window ${x(ts.load.bestRate, frr.load.bestRate)}, load CPU ${x(ts.load.cpuS, frr.load.cpuS)}, kernel none after withdrawal ${x(ts.withdraw.kernelS, frr.withdraw.kernelS)}, withdraw CPU ${x(ts.withdraw.cpuS, frr.withdraw.cpuS)}, peak RSS ${x(ts.hwmKiB, frr.hwmKiB)}, monitor all in ${x(ts.load.monitorS, frr.load.monitorS)}`);
}
