// CPU time and memory of a process from /proc (Linux), and the figures the benchmarks print.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Clock ticks per second for utime/stime (sysconf(_SC_CLK_TCK)); 100 on every common Linux build. */
export const CLK_TCK: number = (() => {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
})();

export interface CpuSample {
  /** utime + stime of the process, in seconds, and the system (kernel) part of it. */
  readonly cpuSeconds: number;
  readonly sysSeconds: number;
  /** When the sample was taken (performance.now(), ms). */
  readonly at: number;
}

/** proc(5) /proc/<pid>/stat: utime (14) and stime (15), counted after the parenthesised comm field. */
export function cpuSample(pid: number): CpuSample {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return { cpuSeconds: (utime + stime) / CLK_TCK, sysSeconds: stime / CLK_TCK, at: performance.now() };
}

export interface Memory {
  /** Resident set size and its peak, in KiB (VmRSS, VmHWM). */
  readonly rssKiB: number;
  readonly hwmKiB: number;
}

export function memory(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

/** CPU used between two samples as a percentage of one core. */
export function cpuPercent(a: CpuSample, b: CpuSample): number {
  return ((b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000)) * 100;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export const ms = (v: number): string => `${Number.isFinite(v) ? v.toFixed(0) : '-'} ms`;
export const mib = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
