/**
 * Full-table benchmark (prints figures, no pass/fail; needs root, iproute2, TCP-MD5, bird2 and gobgpd).
 *   node dist/bench/fulltable.js [--prefixes 1000000] [--only tsbgpd|bird|gobgp] [--timeout-s 300] [--rounds 1]
 * Three namespaces: injector — middle — monitor, joined by two veths on TEST-NET-1 (192.0.2.0/25 and
 * 192.0.2.128/25). Our injector sends N IPv4 prefixes over an MD5 eBGP session to the middle router, which
 * advertises them over MD5 eBGP to our monitor. Per middle router: seconds from the injector's first UPDATE
 * until the monitor holds all N, the middle's CPU seconds and peak RSS (/proc), bytes per route, and the
 * time until the monitor holds none after the injector withdraws everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NetnsLab, type NsProcess } from '../test/netns/harness.js';
import { BenchPeer, BENCH_CTX, PrefixCounter } from './lib/fulltable-peer.js';
import { buildFullTable } from './lib/fulltable-table.js';
import { startMiddle, type MiddleKind } from './lib/fulltable-middle.js';
import { cpuSample, memory, mib } from './lib/procstat.js';
import { arg, INJ, INJ_AS, ipv4, MID_AS, MID_INJ, MID_MON, MON, MON_AS } from './lib/fulltable-lab.js';

const N = Number(arg('prefixes', '1000000'));
const ONLY = arg('only', 'all');
const TIMEOUT_MS = Number(arg('timeout-s', '300')) * 1000;
// Rounds of tsbgpd and BIRD, interleaved so both see the same machine; GoBGP (minutes per run) runs in the first only.
const ROUNDS = Number(arg('rounds', '1'));
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 20) throw new Error('--rounds: 1..20');
const KINDS: readonly MiddleKind[] = ONLY === 'all' ? ['tsbgpd', 'bird', 'gobgp'] : [ONLY as MiddleKind];
if (!Number.isInteger(N) || N < 1 || N > 4_000_000) throw new Error('--prefixes: 1..4000000');
if (!KINDS.every((k) => k === 'tsbgpd' || k === 'bird' || k === 'gobgp')) throw new Error('--only: tsbgpd|bird|gobgp');

interface Result {
  readonly kind: MiddleKind;
  readonly ok: boolean;
  readonly note: string;
  readonly establishS: number;
  readonly loadS: number;
  readonly withdrawS: number;
  readonly loadCpuS: number;
  readonly withdrawCpuS: number;
  /** The system (kernel) part of loadCpuS: TCP, MD5 signing and checking, socket copies. */
  readonly loadSysS: number;
  readonly idleKiB: number;
  readonly hwmKiB: number;
  readonly monitorUpdates: number;
}

const table = buildFullTable(N, INJ_AS, ipv4(INJ), BENCH_CTX);
console.log(`table: ${N.toLocaleString('en')} IPv4 prefixes, ${table.sets.toLocaleString('en')} attribute sets, ${table.announce.length.toLocaleString('en')} UPDATEs (${(table.announceBytes / 1e6).toFixed(1)} MB), withdrawal ${table.withdraw.length.toLocaleString('en')} UPDATEs`);
console.log('the prefixes are table entries only (most lie outside TEST-NET, as in bench/rib.ts): no traffic is sent to them');

async function runOne(kind: MiddleKind): Promise<Result> {
  const lab = await NetnsLab.create({
    namespaces: ['inj', 'mid', 'mon'],
    links: [
      { a: 'inj', b: 'mid', aAddrs: [`${INJ}/25`], bAddrs: [`${MID_INJ}/25`] },
      { a: 'mid', b: 'mon', aAddrs: [`${MID_MON}/25`], bAddrs: [`${MON}/25`] },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-fulltable-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const inj = lab.ns('inj');
  const mid = lab.ns('mid');
  const mon = lab.ns('mon');
  const injKey = randomBytes(24).toString('base64url');
  const monKey = randomBytes(24).toString('base64url');
  const injector = new BenchPeer({ netns: inj.path, address: INJ, remote: MID_INJ, key: Buffer.from(injKey), asn: INJ_AS, bgpIdentifier: ipv4(INJ), holdTime: 240 });
  const monitor = new BenchPeer({ netns: mon.path, address: MON, remote: MID_INJ, key: Buffer.from(monKey), asn: MON_AS, bgpIdentifier: ipv4(MON), holdTime: 240 });
  const counter = new PrefixCounter();
  monitor.onUpdate = counter.onUpdate;
  let daemon: NsProcess | null = null;
  let ok = false;
  const fail = (note: string): Result => ({ kind, ok: false, note, establishS: NaN, loadS: NaN, withdrawS: NaN, loadCpuS: NaN, withdrawCpuS: NaN, loadSysS: NaN, idleKiB: NaN, hwmKiB: NaN, monitorUpdates: monitor.updatesIn });
  try {
    // The monitor reaches the middle's source address (192.0.2.1) through the middle.
    await mon.exec('ip', ['route', 'add', '192.0.2.0/25', 'via', MID_MON]);
    await inj.exec('ip', ['route', 'add', '192.0.2.128/25', 'via', MID_INJ]);
    await injector.listen();
    await monitor.listen();
    const t0 = performance.now();
    daemon = startMiddle({
      kind, ns: mid, dir, routerId: MID_INJ, localAddress: MID_INJ, localPrefixLength: 25, asn: MID_AS,
      neighbours: [
        { name: 'injector', address: INJ, asn: INJ_AS, password: injKey },
        { name: 'monitor', address: MON, asn: MON_AS, password: monKey },
      ],
    });
    const up = (await monitor.up(30_000)) && (await injector.up(30_000));
    if (!up) return fail(`sessions not Established in 30 s (injector ${injector.established}, monitor ${monitor.established})`);
    const establishS = (performance.now() - t0) / 1000;
    // Let the start-up settle (End-of-RIB, first timers) before the idle figures.
    await new Promise((r) => setTimeout(r, 3000));
    if (counter.held !== 0) return fail(`monitor already holds ${counter.held} prefixes before injection`);
    const pid = daemon.pid;
    const idle = memory(pid);
    const c0 = cpuSample(pid);
    const loaded = counter.until(N, TIMEOUT_MS);
    const l0 = performance.now();
    await injector.send(table.announce);
    const allIn = await loaded;
    const l1 = performance.now();
    const c1 = cpuSample(pid);
    if (!allIn) return fail(`monitor held ${counter.held} of ${N} after ${TIMEOUT_MS / 1000} s (${monitor.updatesIn} UPDATEs received, ${counter.announced} announced)`);
    const hwm = memory(pid).hwmKiB;
    const emptied = counter.until(0, TIMEOUT_MS);
    const w0 = performance.now();
    await injector.send(table.withdraw);
    const allOut = await emptied;
    const w1 = performance.now();
    const c2 = cpuSample(pid);
    if (!allOut) return fail(`monitor still held ${counter.held} after withdrawal (${TIMEOUT_MS / 1000} s)`);
    ok = true;
    return {
      kind, ok: true, note: counter.malformed > 0 ? `${counter.malformed} malformed UPDATEs at the monitor` : '',
      establishS, loadS: (l1 - l0) / 1000, withdrawS: (w1 - w0) / 1000,
      loadCpuS: c1.cpuSeconds - c0.cpuSeconds, withdrawCpuS: c2.cpuSeconds - c1.cpuSeconds, loadSysS: c1.sysSeconds - c0.sysSeconds,
      idleKiB: idle.rssKiB, hwmKiB: hwm, monitorUpdates: monitor.updatesIn,
    };
  } finally {
    await injector.close();
    await monitor.close();
    if (daemon !== null) {
      await daemon.kill('SIGTERM', 5000);
      if (process.argv.includes('--show-log') || !ok) process.stderr.write(daemon.stdout().slice(-4000) + daemon.stderr().slice(-4000));
    }
    await lab.destroy();
    removeDir();
    process.off('exit', removeDir);
  }
}

const results: Result[] = [];
const mibOf = (kib: number): string => mib(kib);
for (let round = 1; round <= ROUNDS; round++) {
  for (const kind of KINDS) {
    if (kind === 'gobgp' && round > 1) continue;
    const r = await runOne(kind);
    results.push(r);
    const tag = ROUNDS > 1 ? `${kind} (round ${round})` : kind;
    if (!r.ok) {
      console.log(`${tag}: FAILED: ${r.note}`);
      continue;
    }
    const perRoute = ((r.hwmKiB - r.idleKiB) * 1024) / N;
    console.log(`${tag}: sessions up ${r.establishS.toFixed(1)} s after start; first UPDATE → monitor holds all ${N.toLocaleString('en')}: ${r.loadS.toFixed(2)} s (${Math.round(N / r.loadS).toLocaleString('en')} routes/s), CPU ${r.loadCpuS.toFixed(2)} s (system ${r.loadSysS.toFixed(2)} s)`);
    console.log(`  withdraw all → monitor holds 0: ${r.withdrawS.toFixed(2)} s, CPU ${r.withdrawCpuS.toFixed(2)} s; monitor received ${r.monitorUpdates.toLocaleString('en')} UPDATEs in all`);
    console.log(`  RSS idle ${mibOf(r.idleKiB)}, peak (VmHWM) ${mibOf(r.hwmKiB)}, ${perRoute.toFixed(0)} bytes per route${r.note === '' ? '' : `; ${r.note}`}`);
  }
}

/** Per figure, the median over the successful runs of a kind. */
function median(kind: MiddleKind): Result | undefined {
  const runs = results.filter((r) => r.kind === kind && r.ok);
  if (runs.length === 0) return undefined;
  const mid = (f: (r: Result) => number): number => {
    const v = runs.map(f).sort((a, b) => a - b);
    return v.length % 2 === 1 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  return {
    kind, ok: true, note: '', establishS: mid((r) => r.establishS), loadS: mid((r) => r.loadS), withdrawS: mid((r) => r.withdrawS),
    loadCpuS: mid((r) => r.loadCpuS), withdrawCpuS: mid((r) => r.withdrawCpuS), loadSysS: mid((r) => r.loadSysS), idleKiB: mid((r) => r.idleKiB), hwmKiB: mid((r) => r.hwmKiB),
    monitorUpdates: mid((r) => r.monitorUpdates),
  };
}

if (ROUNDS > 1) {
  console.log(`medians over ${ROUNDS} rounds:`);
  for (const kind of KINDS) {
    const m = median(kind);
    if (m === undefined) continue;
    const n = results.filter((r) => r.kind === kind && r.ok).length;
    console.log(`  ${kind} (${n} run${n === 1 ? '' : 's'}): load ${m.loadS.toFixed(2)} s, CPU ${m.loadCpuS.toFixed(2)} s; withdraw ${m.withdrawS.toFixed(2)} s, CPU ${m.withdrawCpuS.toFixed(2)} s; peak RSS ${mibOf(m.hwmKiB)}, ${(((m.hwmKiB - m.idleKiB) * 1024) / N).toFixed(0)} bytes per route`);
  }
}

const ts = median('tsbgpd');
if (ts !== undefined) {
  for (const kind of KINDS) {
    const o = kind === 'tsbgpd' ? undefined : median(kind);
    if (o === undefined) continue;
    const bpr = (r: Result): number => (r.hwmKiB - r.idleKiB) / N;
    console.log(`tsbgpd / ${o.kind}${ROUNDS > 1 ? ' (medians)' : ''}: load time ×${(ts.loadS / o.loadS).toFixed(2)}, load CPU ×${(ts.loadCpuS / o.loadCpuS).toFixed(2)}, withdraw time ×${(ts.withdrawS / o.withdrawS).toFixed(2)}, peak RSS ×${(ts.hwmKiB / o.hwmKiB).toFixed(2)}, bytes per route ×${(bpr(ts) / bpr(o)).toFixed(2)}`);
  }
}
