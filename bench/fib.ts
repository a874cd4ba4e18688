/**
 * FIB benchmark (prints figures, no pass/fail). Needs root: runs in a throw-away network namespace.
 *   node dist/bench/fib.js [routes=100000]
 * - install, re-read (reconcile with nothing to do) and delete N IPv4 routes through KernelFib
 * - the same for N IPv6 routes, and N IPv4 two-way ECMP routes
 * - for reference, `ip -batch` adding and deleting the same IPv4 routes
 * Destinations come from 198.18.0.0/15 (RFC 2544 benchmarking range); no packet is sent anywhere.
 */
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelFib, RTPROT_TSBGPD, type NextHop } from '../src/fib/index.js';
import { withLab } from '../test/netns/harness.js';
import { FIB_LAB, v6Prefixes } from '../test/netns/fib-helpers.js';

const N = Number(process.argv[2] ?? 100_000);

function rate(label: string, n: number, ms: number, extra = ''): void {
  const perS = Math.round(n / (ms / 1000));
  console.log(`${label.padEnd(40)} ${String(perS).padStart(8)} routes/s  (${n} in ${ms.toFixed(0)} ms)${extra}`);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; lagMs: number; value: T }> {
  const h = monitorEventLoopDelay({ resolution: 2 });
  h.enable();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  h.disable();
  return { ms, lagMs: h.max / 1e6, value };
}

async function cycle(label: string, nsPath: string, desired: [string, readonly NextHop[]][]): Promise<void> {
  const fib = KernelFib.open({ netns: nsPath });
  const add = await timed(() => fib.sync(desired));
  if (add.value.errors.length > 0) throw new Error(`${label}: ${add.value.errors.length} errors, first ${add.value.errors[0]?.message}`);
  rate(`${label} install`, desired.length, add.ms, `, ${fib.stats.sends} sends, loop delay max ${add.lagMs.toFixed(1)} ms`);
  const again = KernelFib.open({ netns: nsPath });
  const rec = await timed(() => again.reconcile(desired));
  if (rec.value.applied !== 0) throw new Error(`${label}: reconcile changed ${rec.value.applied}`);
  rate(`${label} reconcile (dump, no change)`, desired.length, rec.ms);
  await again.stop({ keep: true });
  const del = await timed(() => fib.sync([]));
  rate(`${label} delete`, desired.length, del.ms, `, loop delay max ${del.lagMs.toFixed(1)} ms`);
  await fib.stop({ keep: false });
}

/**
 * n distinct IPv4 /32s from 198.18.0.0/15 (RFC 2544's benchmarking range): TEST-NET holds only 1,533 IPv4
 * prefixes. They are only entries in a table of a namespace this bench creates: no packet is sent to them.
 */
function benchV4Prefixes(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}/32`);
  return out;
}

await withLab(FIB_LAB, async (lab) => {
  const r = lab.ns('r');
  const gw4: NextHop[] = [{ gateway: '192.0.2.2' }];
  const ecmp4: NextHop[] = [{ gateway: '192.0.2.2' }, { gateway: '192.0.2.3' }];
  const gw6: NextHop[] = [{ gateway: '2001:db8::2' }];
  const p4 = benchV4Prefixes(N);
  console.log(`KernelFib, ${N} routes per run, protocol ${RTPROT_TSBGPD}, main table, namespace ${r.name}`);
  await cycle('IPv4', r.path, p4.map((p) => [p, gw4]));
  await cycle('IPv6', r.path, v6Prefixes(N).map((p) => [p, gw6]));
  await cycle('IPv4 ECMP x2', r.path, p4.map((p) => [p, ecmp4]));

  const file = join(tmpdir(), `tsbgpd-fib-bench-${process.pid}.batch`);
  try {
    writeFileSync(file, p4.map((p) => `route add ${p} via 192.0.2.2 proto ${RTPROT_TSBGPD} metric 32`).join('\n') + '\n');
    let t0 = performance.now();
    await r.exec('ip', ['-batch', file], { timeoutMs: 120_000 });
    rate('reference: ip -batch add (IPv4)', N, performance.now() - t0);
    writeFileSync(file, p4.map((p) => `route del ${p} proto ${RTPROT_TSBGPD} metric 32`).join('\n') + '\n');
    t0 = performance.now();
    await r.exec('ip', ['-batch', file], { timeoutMs: 120_000 });
    rate('reference: ip -batch del (IPv4)', N, performance.now() - t0);
  } finally {
    rmSync(file, { force: true });
  }
});
