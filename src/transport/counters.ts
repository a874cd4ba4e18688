/**
 * Kernel authentication counters from /proc/net/netstat (TcpExt lines),
 * parsed by name because positions differ between kernels. The counters are
 * per network namespace and netns-wide, not per session: a growing
 * TCPMD5Failure says "some peer in this namespace sent a bad signature", and
 * stray FIN/RST segments of closed keyed sessions can add +1 noise
 * (kernel-auth.md §7). Only TCP-AO has per-socket counters (TCP_AO_INFO).
 */
import { readFile } from 'node:fs/promises';

export const AUTH_COUNTER_NAMES = [
  'TCPMD5NotFound', // a key exists for the peer but the segment is unsigned
  'TCPMD5Unexpected', // signed segment, no key for the peer
  'TCPMD5Failure', // wrong signature
  'TCPMinTTLDrop', // GTSM (RFC 5082) drop
  'TCPAORequired',
  'TCPAOBad',
  'TCPAOKeyNotFound',
  'TCPAOGood',
  'TCPAODroppedIcmps',
] as const;

export type AuthCounterName = (typeof AUTH_COUNTER_NAMES)[number];
export type AuthCounters = Readonly<Record<AuthCounterName, number>>;

/**
 * Parse every "Prefix: names..." / "Prefix: values..." line pair of
 * /proc/net/netstat (or /proc/net/snmp) into `Prefix.Name → value`.
 */
export function parseNetstat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i]?.trim() ?? '';
    const vals = lines[i + 1]?.trim() ?? '';
    const hc = head.indexOf(':');
    const vc = vals.indexOf(':');
    if (hc <= 0 || vc <= 0) continue;
    const prefix = head.slice(0, hc);
    if (vals.slice(0, vc) !== prefix) continue;
    const names = head.slice(hc + 1).trim().split(/\s+/);
    const values = vals.slice(vc + 1).trim().split(/\s+/);
    if (names.length !== values.length || !values.every((v) => /^-?\d+$/.test(v))) continue;
    names.forEach((n, j) => out.set(`${prefix}.${n}`, Number(values[j])));
    i++;
  }
  return out;
}

/** The authentication counters from netstat text; names this kernel lacks read as 0. */
export function authCountersFrom(text: string): AuthCounters {
  const all = parseNetstat(text);
  const out = {} as Record<AuthCounterName, number>;
  for (const n of AUTH_COUNTER_NAMES) out[n] = all.get(`TcpExt.${n}`) ?? 0;
  return out;
}

/** Which counter names the kernel actually reports. */
export function presentAuthCounters(text: string): AuthCounterName[] {
  const all = parseNetstat(text);
  return AUTH_COUNTER_NAMES.filter((n) => all.has(`TcpExt.${n}`));
}

/** Counters of the calling process's network namespace (or of `path`, e.g. /proc/<pid>/net/netstat). */
export async function readAuthCounters(path = '/proc/net/netstat'): Promise<AuthCounters> {
  return authCountersFrom(await readFile(path, 'utf8'));
}

/** after - before, per counter. */
export function diffCounters(before: AuthCounters, after: AuthCounters): AuthCounters {
  const out = {} as Record<AuthCounterName, number>;
  for (const n of AUTH_COUNTER_NAMES) out[n] = after[n] - before[n];
  return out;
}

/** Only the counters that changed, e.g. { TCPMD5Failure: 3 }. */
export function nonZero(delta: AuthCounters): Partial<Record<AuthCounterName, number>> {
  const out: Partial<Record<AuthCounterName, number>> = {};
  for (const n of AUTH_COUNTER_NAMES) if (delta[n] !== 0) out[n] = delta[n];
  return out;
}
