// How a starting tsbgpd knows that the previous run stopped for a graceful restart (RFC 4724 §4.1): `tsbgpd
// graceful-restart` writes `graceful-restart.json` into the state directory (by default the control socket's
// directory, /run/tsbgpd) just before it exits; the next start reads and deletes it. It holds no secret: the time
// of the stop, the longest Restart Time we advertised, and whether our kernel routes were left in place.
// The marker counts only within that Restart Time: later, every peer has dropped our routes anyway, so the start
// is an ordinary one (kernel routes are still reconciled, never flushed).
import { readFileSync, renameSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const RESTART_STATE_FILE = 'graceful-restart.json';

export interface RestartMarker {
  readonly version: 1;
  /** Wall-clock milliseconds of the graceful stop. */
  readonly stoppedAt: number;
  /** The longest Restart Time (seconds) we advertised to any peer. */
  readonly restartTime: number;
  /** Our kernel routes were left in the kernel (forwarding state preserved, the F bit). */
  readonly kernelRoutesKept: boolean;
}

export type RestartCheck =
  | { readonly kind: 'none' }
  | { readonly kind: 'graceful'; readonly marker: RestartMarker; readonly ageMs: number }
  | { readonly kind: 'expired' | 'invalid'; readonly reason: string };

/** Write the marker atomically (temp file + rename), mode 0600. */
export function writeRestartMarker(dir: string, m: Omit<RestartMarker, 'version'>): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, RESTART_STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, ...m }) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

/** Read and delete the marker (it is good for one start only). `now` in wall-clock milliseconds. */
export function takeRestartMarker(dir: string, now: number): RestartCheck {
  const file = join(dir, RESTART_STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'invalid', reason: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  try {
    unlinkSync(file);
  } catch {
    /* a read-only directory: the age check below still bounds its use */
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: `${file} is not JSON` };
  }
  const o = v as Partial<RestartMarker> | null;
  if (o === null || typeof o !== 'object' || o.version !== 1 || typeof o.stoppedAt !== 'number' || typeof o.restartTime !== 'number' || typeof o.kernelRoutesKept !== 'boolean') {
    return { kind: 'invalid', reason: `${file} has an unknown shape` };
  }
  const ageMs = now - o.stoppedAt;
  if (ageMs < 0 || ageMs > o.restartTime * 1000) return { kind: 'expired', reason: `stopped ${Math.round(ageMs / 1000)} s ago, restart time ${o.restartTime} s` };
  return { kind: 'graceful', marker: o as RestartMarker, ageMs };
}
