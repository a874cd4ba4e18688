/**
 * Session benchmark (prints figures, no pass/fail; needs root, iproute2 and a kernel with TCP-MD5).
 *   node dist/bench/sessions.js [--peers 200] [--idle-peers 1000] [--idle-seconds 90] [--only establish|idle]
 *                               [--no-passive]
 *                               [--cpu-prof] [--show-log]
 * 1. Establish: tsbgpd with N BGPPeers (each its own MD5 password from a Secret-volume file) against N speakers
 *    of our load generator on N TEST-NET IPv4 addresses in another namespace; both sides connect. Prints the time
 *    from tsbgpd's process spawn until every session is Established (seen from the generator), and p50/p90/max.
 * 2. Idle: M sessions (IPv6, 2001:db8:1::/64) with default timers (hold 240 s, keepalive 80 s); once all are
 *    Established, tsbgpd's CPU time (utime+stime from /proc/<pid>/stat) over the window as % of one core, and RSS.
 *    The window should cover a whole keepalive period (80 s, jittered down to 60 s) so every session's
 *    KEEPALIVEs fall in it once. --cpu-prof writes a V8 profile of tsbgpd and prints its top functions.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distUrl } from '../test/netns/harness.js';
import { fileURLToPath } from 'node:url';
import { controlRequest } from '../src/control/client.js';
import { LoadGenerator } from './lib/loadgen.js';
import { createSessionLab, type Family, type SessionLab } from './lib/session-lab.js';
import { cpuPercent, cpuSample, memory, mib, ms, percentile, type CpuSample } from './lib/procstat.js';
import { monotonicUs, summarizeProfile } from './lib/cpuprofile.js';
import type { NsProcess } from '../test/netns/harness.js';

const HOLD_TIME = 240;
/** 131072 / ~963 keys: the per-key cost of TCP-MD5 keys in a socket's option memory. */
const DEFAULT_OPTMEM = 131072;
const OPTMEM_BYTES_PER_KEY = 136;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const PEERS = Number(arg('peers', '200'));
const IDLE_PEERS = Number(arg('idle-peers', '1000'));
const IDLE_SECONDS = Number(arg('idle-seconds', '90'));
const ONLY = arg('only', 'all');
const CPU_PROF = process.argv.includes('--cpu-prof');
const SHOW_LOG = process.argv.includes('--show-log');

const mainJs = fileURLToPath(distUrl('dist/src/main.js'));

interface Run {
  readonly lab: SessionLab;
  readonly gen: LoadGenerator;
  readonly daemon: NsProcess;
  /** performance.now() and Date.now() just before the spawn. */
  readonly t0: number;
  readonly epoch0: number;
  readonly profDir: string | null;
}

/** When the speakers connect: from the spawn on, when tsbgpd's first connection arrives, or never (passive). */
type ConnectMode = 'spawn' | 'crossing' | 'passive';

async function start(family: Family, peers: number, optmemMax: number | undefined, profile: boolean, mode: ConnectMode): Promise<Run> {
  const lab = await createSessionLab({ family, peers, ...(optmemMax !== undefined ? { optmemMax } : {}) });
  try {
    return await startIn(lab, profile, mode);
  } catch (e) {
    await lab.destroy();
    throw e;
  }
}

async function startIn(lab: SessionLab, profile: boolean, mode: ConnectMode): Promise<Run> {
  const gen = new LoadGenerator({
    netns: lab.gen.path,
    dutAddress: lab.dutAddress,
    dutPort: 179,
    speakers: lab.speakers,
    holdTime: HOLD_TIME,
    connectTimeoutMs: 5000,
    connectRetryMs: 1000,
  });
  await gen.listen();
  const profDir = profile ? mkdtempSync(join(tmpdir(), 'tsbgpd-prof-')) : null;
  const nodeArgs = profDir !== null ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const t0 = performance.now();
  const epoch0 = Date.now();
  const daemon = lab.dut.spawn(process.execPath, [
    ...nodeArgs, mainJs, 'run',
    '--config', lab.configDir, '--secrets-dir', lab.secretsDir, '--node-name', lab.nodeName, '--control-socket', lab.controlSocket,
  ]);
  // The speakers are routers that are already up: they try to connect from the start, as tsbgpd does (a SYN
  // that finds no listener yet gets no RST when it is MD5-signed, so it is retransmitted after 1 s); or, when
  // 'crossing', all at once when tsbgpd's first connection arrives, so both sides' connections cross.
  if (mode === 'crossing') gen.connectOnFirstContact();
  else if (mode === 'spawn') gen.connectAll();
  return { lab, gen, daemon, t0, epoch0, profDir };
}

/** ms from spawn to tsbgpd's "tsbgpd started" log line (listener open, every peer started). */
function startedAfter(r: Run): number {
  for (const line of r.daemon.stdout().split('\n')) {
    if (!line.includes('"tsbgpd started"')) continue;
    const t = Date.parse((JSON.parse(line) as { time: string }).time);
    return t - r.epoch0;
  }
  return NaN;
}

async function establishedInDaemon(r: Run): Promise<{ established: number; states: Record<string, number> }> {
  const s = (await controlRequest(r.lab.controlSocket, { cmd: 'status' }, 20_000)) as { peers: { state: string }[] };
  const states: Record<string, number> = {};
  for (const p of s.peers) states[p.state] = (states[p.state] ?? 0) + 1;
  return { established: states['Established'] ?? 0, states };
}

async function stop(r: Run): Promise<void> {
  await r.daemon.kill('SIGTERM', 5000); // graceful: Cease to every peer, and the profile is written
  if (SHOW_LOG) process.stderr.write(r.daemon.stdout() + r.daemon.stderr());
  await r.gen.close();
  await r.lab.destroy();
}

function printEstablish(label: string, r: Run, ok: boolean, allAt: number): void {
  const s = r.gen.summary(r.t0);
  const times = s.establishedAt.filter((t) => Number.isFinite(t));
  console.log(`${label}`);
  console.log(`  tsbgpd "started" log line after spawn   ${ms(startedAfter(r))}`);
  console.log(`  all ${s.speakers} Established after spawn${' '.repeat(Math.max(0, 7 - String(s.speakers).length))}   ${ok ? ms(allAt) : `NOT within the timeout (${s.established} of ${s.speakers})`}`);
  console.log(`  per session after spawn: min ${ms(percentile(times, 0))}, p50 ${ms(percentile(times, 50))}, p90 ${ms(percentile(times, 90))}, max ${ms(percentile(times, 100))}`);
  console.log(`  sessions on a connection opened by tsbgpd: ${s.byDutConnect}, by the speaker: ${s.bySpeakerConnect}`);
  console.log(`  generator: ${s.connectAttempts} connects (${s.connectsSucceeded} completed), ${s.collisionsResolved} collisions it resolved (RFC 4271 §6.8); from tsbgpd: ${s.notificationsIn} NOTIFICATIONs, ${s.closedSilently} closes without one; ${s.flaps} sessions dropped after Established, ${r.gen.upNow} of ${s.speakers} up now`);
}

async function benchEstablish(mode: ConnectMode, label: string): Promise<void> {
  const r = await start(4, PEERS, undefined, false, mode);
  try {
    const ok = await r.gen.allEstablished(30_000);
    const allAt = performance.now() - r.t0;
    await sleep(2000); // let the losing connections of collisions finish, and see that the sessions stay up
    printEstablish(label, r, ok, allAt);
    const d = await establishedInDaemon(r);
    console.log(`  tsbgpd status: ${d.established} of ${PEERS} Established ${JSON.stringify(d.states)}; RSS ${mib(memory(r.daemon.pid).rssKiB)}`);
  } finally {
    await stop(r);
  }
}

async function benchIdle(mode: ConnectMode, label: string): Promise<void> {
  const needed = IDLE_PEERS * OPTMEM_BYTES_PER_KEY;
  const optmem = needed > DEFAULT_OPTMEM * 0.9 ? Math.max(4 * DEFAULT_OPTMEM, 2 * needed) : undefined;
  const r = await start(6, IDLE_PEERS, optmem, CPU_PROF, mode);
  const windowUs = [-Infinity, Infinity];
  try {
    console.log(label);
    if (optmem !== undefined) {
      console.log(`  net.core.optmem_max raised to ${optmem} in the tsbgpd namespace (default ${DEFAULT_OPTMEM} holds ~963 MD5 keys on one listening socket)`);
    }
    const ok = await r.gen.allEstablished(90_000);
    const allAt = performance.now() - r.t0;
    const pid = r.daemon.pid;
    const atEstablished = cpuSample(pid);
    const memEstablished = memory(pid);
    // Let the losing connections, the last End-of-RIBs and tsbgpd's log catch up before measuring.
    await sleep(3000);
    printEstablish(`  establishing (for reference):`, r, ok, allAt);
    if (!ok) return;
    const d = await establishedInDaemon(r);
    console.log(`  tsbgpd status: ${d.established} of ${IDLE_PEERS} Established; tsbgpd CPU ${atEstablished.cpuSeconds.toFixed(2)} s from spawn until all were up`);
    await sleep(2000);
    const before = r.gen.summary(r.t0);
    const samples: CpuSample[] = [cpuSample(pid)];
    windowUs[0] = monotonicUs();
    const slice = 10;
    for (let t = 0; t < IDLE_SECONDS; t += slice) {
      await sleep(Math.min(slice, IDLE_SECONDS - t) * 1000);
      samples.push(cpuSample(pid));
    }
    windowUs[1] = monotonicUs();
    const after = r.gen.summary(r.t0);
    const mem = memory(pid);
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    const slices = samples.slice(1).map((x, i) => cpuPercent(samples[i]!, x).toFixed(2));
    console.log(`  tsbgpd CPU over ${((last.at - first.at) / 1000).toFixed(0)} s idle: ${(last.cpuSeconds - first.cpuSeconds).toFixed(2)} s (${(last.sysSeconds - first.sysSeconds).toFixed(2)} s of it in the kernel) = ${cpuPercent(first, last).toFixed(2)}% of one core`);
    console.log(`  per ${slice} s slice (% of one core): ${slices.join(' ')}`);
    console.log(`  tsbgpd RSS ${mib(mem.rssKiB)} (peak ${mib(mem.hwmKiB)}; ${mib(memEstablished.rssKiB)} when all were up), ${(mem.rssKiB / IDLE_PEERS).toFixed(1)} KiB per session`);
    console.log(`  in the window: ${after.keepalivesIn - before.keepalivesIn} KEEPALIVEs from tsbgpd, ${r.gen.upNow} of ${IDLE_PEERS} sessions up at the end, ${after.flaps - before.flaps} dropped`);
  } finally {
    await stop(r);
    if (r.profDir !== null) {
      for (const f of readdirSync(r.profDir).filter((n) => n.endsWith('.cpuprofile'))) {
        console.log(`  profile ${join(r.profDir, f)}; top self time in the idle window (% of busy samples):`);
        for (const line of summarizeProfile(join(r.profDir, f), 20, windowUs[0], windowUs[1])) console.log(`    ${line}`);
      }
    }
  }
}

const sleep = (msec: number): Promise<void> => new Promise((res) => setTimeout(res, msec));

const started = performance.now();
if (ONLY === 'all' || ONLY === 'establish') {
  const what = `${PEERS} MD5 peers (IPv4, 198.51.100.0/24 + 203.0.113.0/24, one password each; goal: all within 5000 ms)`;
  await benchEstablish('spawn', `1a. Establish ${what}; speakers connect from the spawn on`);
  await benchEstablish('crossing', `1b. Establish ${what}; speakers connect when tsbgpd's first connection arrives (crossing connections)`);
}
if (ONLY === 'all' || ONLY === 'idle') {
  const what = `Idle cost of ${IDLE_PEERS} established MD5 sessions (IPv6, 2001:db8:1::/64; hold ${HOLD_TIME} s, keepalive ${HOLD_TIME / 3} s; goal: < 2% of one core)`;
  await benchIdle('spawn', `2a. ${what}; speakers connect too`);
  // The same with speakers that only listen: tsbgpd then never sees a second connection for a peer.
  if (!process.argv.includes('--no-passive')) await benchIdle('passive', `2b. ${what}; speakers only listen`);
}
console.log(`(bench ran ${((performance.now() - started) / 1000).toFixed(0)} s)`);
