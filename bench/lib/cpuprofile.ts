// Top self-time functions of a V8 .cpuprofile (written by node --cpu-prof), for the benchmark's diagnosis.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** CLOCK_MONOTONIC in microseconds: the clock of V8's profile timestamps (and of process.hrtime). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * "12.3%  1234 ms  functionName  file:line" lines, highest self time first, over the samples taken between
 * `fromUs` and `toUs` (monotonicUs() values; default: the whole profile). Idle time is left out.
 */
export function summarizeProfile(path: string, top: number, fromUs = -Infinity, toUs = Infinity): string[] {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byNode = new Map<number, ProfileNode>(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  let at = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    if (at < fromUs || at > toUs) return;
    if (byNode.get(id)?.callFrame.functionName === '(idle)') return; // not CPU time
    total += dt;
    const f = byNode.get(id)?.callFrame;
    const where = f === undefined ? '?' : `${f.functionName || '(anonymous)'}  ${f.url.replace(/^.*\/(dist|node:)/, '$1')}:${f.lineNumber + 1}`;
    self.set(where, (self.get(where) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${where}`);
}
