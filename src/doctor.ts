/**
 * `tsbgpd doctor`: what this kernel and build can do for authenticated BGP
 * transport. Every probe works on throw-away sockets and changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { AUTH_COUNTER_NAMES, authCountersFrom, presentAuthCounters, type AuthCounterName, type AuthCounters } from './transport/counters.js';
import { IP_MINTTL, IPPROTO_IP, IPPROTO_IPV6, IPV6_MINHOPCOUNT, isNativeError, loadNative, NATIVE_ADDON_PATH } from './transport/native.js';
import { probeAo, probeMd5 } from './transport/probe.js';

/**
 * Bytes of net.core.optmem_max one TCP-MD5 key costs. Measured (kernel-auth.md
 * §2.5): 131072 → 963 keys, 262144 → 1927 keys, independent of key length;
 * floor(optmem_max / 136) reproduces both.
 */
export const MD5_KEY_OPTMEM_BYTES = 136;

export function maxKeysForOptmem(optmemMax: number): number {
  return Math.floor(optmemMax / MD5_KEY_OPTMEM_BYTES);
}

export interface FeatureReport {
  readonly supported: boolean;
  readonly reason: string;
}

export interface DoctorReport {
  readonly kernelRelease: string;
  readonly nodeVersion: string;
  readonly native: { readonly loaded: boolean; readonly path: string; readonly error: string };
  readonly md5: FeatureReport;
  readonly ao: FeatureReport;
  readonly gtsm: FeatureReport;
  /** net.core.optmem_max of this network namespace, null if unreadable. */
  readonly optmemMax: number | null;
  /** TCP-MD5 keys one socket (e.g. the listener) can hold before ENOMEM. */
  readonly maxKeysPerSocket: number | null;
  readonly counters: { readonly present: readonly AuthCounterName[]; readonly values: AuthCounters | null };
}

function gtsmProbe(): FeatureReport {
  const n = loadNative();
  const tries: Array<[4 | 6, number, number, string]> = [
    [4, IPPROTO_IP, IP_MINTTL, 'IP_MINTTL'],
    [6, IPPROTO_IPV6, IPV6_MINHOPCOUNT, 'IPV6_MINHOPCOUNT'],
  ];
  const missing: string[] = [];
  for (const [fam, level, opt, name] of tries) {
    let fd = -1;
    try {
      fd = n.socket(fam);
      n.setsockoptInt(fd, level, opt, 255);
    } catch (e) {
      // An IPv6-less kernel only loses the v6 half.
      missing.push(`${name}: ${isNativeError(e) ? e.code : String(e)}`);
    } finally {
      if (fd >= 0) n.close(fd);
    }
  }
  if (missing.length === 0) return { supported: true, reason: '' };
  return { supported: missing.length < tries.length, reason: missing.join('; ') };
}

async function readNumber(path: string): Promise<number | null> {
  try {
    const v = Number((await readFile(path, 'utf8')).trim());
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

export async function doctor(): Promise<DoctorReport> {
  const optmemMax = await readNumber('/proc/sys/net/core/optmem_max');
  let netstat: string | null = null;
  try {
    netstat = await readFile('/proc/net/netstat', 'utf8');
  } catch {
    netstat = null;
  }
  const counters = {
    present: netstat === null ? [] : presentAuthCounters(netstat),
    values: netstat === null ? null : authCountersFrom(netstat),
  };
  const base = {
    kernelRelease: release(),
    nodeVersion: process.version,
    optmemMax,
    maxKeysPerSocket: optmemMax === null ? null : maxKeysForOptmem(optmemMax),
    counters,
  };
  try {
    loadNative();
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    const no = { supported: false, reason: 'native addon not loaded' };
    return { ...base, native: { loaded: false, path: NATIVE_ADDON_PATH, error }, md5: no, ao: no, gtsm: no };
  }
  const md5 = probeMd5();
  const ao = probeAo();
  return {
    ...base,
    native: { loaded: true, path: NATIVE_ADDON_PATH, error: '' },
    md5: { supported: md5.supported, reason: md5.reason },
    ao: { supported: ao.supported, reason: ao.reason },
    gtsm: gtsmProbe(),
  };
}

function yesNo(f: FeatureReport): string {
  return f.supported ? (f.reason === '' ? 'yes' : `yes (${f.reason})`) : `no (${f.reason})`;
}

export function formatDoctor(r: DoctorReport): string {
  const lines = [
    `kernel:             ${r.kernelRelease}`,
    `node:               ${r.nodeVersion}`,
    `native addon:       ${r.native.loaded ? 'loaded' : `NOT loaded: ${r.native.error}`}`,
    `TCP-MD5 (RFC 2385): ${yesNo(r.md5)}`,
    `TCP-AO (RFC 5925):  ${yesNo(r.ao)}`,
    `GTSM (RFC 5082):    ${yesNo(r.gtsm)}`,
    `optmem_max:         ${r.optmemMax ?? 'unknown'} bytes` +
      (r.maxKeysPerSocket === null ? '' : ` → about ${r.maxKeysPerSocket} TCP-MD5 keys per listening socket`),
    `auth counters:      ${r.counters.present.length}/${AUTH_COUNTER_NAMES.length} present in /proc/net/netstat` +
      (r.counters.values === null
        ? ''
        : ` (${AUTH_COUNTER_NAMES.filter((n) => (r.counters.values?.[n] ?? 0) !== 0)
            .map((n) => `${n}=${r.counters.values?.[n] ?? 0}`)
            .join(', ') || 'all zero'})`),
  ];
  return lines.join('\n');
}
