/**
 * Helpers for the FIB netns tests (not a test file): a namespace with one veth whose far end holds the
 * gateways, and the kernel's own view of a table through `ip -j route show`.
 */
import type { Namespace } from './harness.js';

export const FIB_LAB = {
  namespaces: ['r', 'g'],
  links: [{ a: 'r', b: 'g', aAddrs: ['192.0.2.1/24', '2001:db8::1/64'], bAddrs: ['192.0.2.2/24', '2001:db8::2/64'] }],
};

interface IpJsonRoute {
  readonly dst: string;
  readonly gateway?: string;
  /** RTA_VIA: a gateway of the other family (IPv4 via IPv6, RFC 8950). */
  readonly via?: { readonly host: string };
  readonly protocol?: string;
  readonly metric?: number;
  readonly nexthops?: readonly { readonly gateway?: string; readonly via?: { readonly host: string }; readonly weight?: number }[];
}

/** dst (with /len always) → sorted gateways joined by ',', as `ip` reports the table. */
export async function kernelRoutes(
  ns: Namespace,
  family: 4 | 6,
  table: number,
  proto?: string | number,
): Promise<Map<string, string>> {
  const args = ['-j', `-${family}`, 'route', 'show', 'table', String(table)];
  if (proto !== undefined) args.push('proto', String(proto));
  const r = await ns.exec('ip', args, { timeoutMs: 60_000 });
  const rows = JSON.parse(r.stdout === '' ? '[]' : r.stdout) as IpJsonRoute[];
  const out = new Map<string, string>();
  for (const row of rows) {
    let dst = row.dst === 'default' ? (family === 4 ? '0.0.0.0/0' : '::/0') : row.dst;
    if (!dst.includes('/')) dst += family === 4 ? '/32' : '/128';
    const gw = (n: { gateway?: string; via?: { host: string } }): string => n.gateway ?? n.via?.host ?? '';
    const gws = row.nexthops !== undefined ? row.nexthops.map(gw) : [gw(row)];
    const key = out.has(dst) ? `${dst}#${row.metric ?? 0}` : dst;
    out.set(key, gws.sort().join(','));
  }
  return out;
}

/** Every route of the namespace (all tables, both families) as text lines, for before/after compares. */
export async function allRoutes(ns: Namespace): Promise<string[]> {
  const lines: string[] = [];
  for (const f of ['-4', '-6']) {
    const r = await ns.exec('ip', [f, 'route', 'show', 'table', 'all']);
    lines.push(...r.stdout.split('\n').filter((l) => l.trim() !== ''));
  }
  return lines.sort();
}

/** Every distinct IPv4 prefix inside TEST-NET-1/2/3 (RFC 5737): /32s first, then /31s, ... /24s: 1,533 in all. */
export const TEST_NET_V4_PREFIXES: readonly string[] = (() => {
  const bases = [[192, 0, 2], [198, 51, 100], [203, 0, 113]] as const;
  const out: string[] = [];
  for (let len = 32; len >= 24; len--) {
    const step = 2 ** (32 - len);
    for (const [a, b, c] of bases) for (let d = 0; d < 256; d += step) out.push(`${a}.${b}.${c}.${d}/${len}`);
  }
  return out;
})();

/** n distinct IPv4 prefixes from TEST-NET (at most 1,533 in all; `offset` picks a disjoint slice). */
export function v4Prefixes(n: number, offset = 0): string[] {
  if (offset + n > TEST_NET_V4_PREFIXES.length) throw new RangeError(`TEST-NET holds only ${TEST_NET_V4_PREFIXES.length} IPv4 prefixes`);
  return TEST_NET_V4_PREFIXES.slice(offset, offset + n);
}

/** n distinct IPv6 /64s under 2001:db8:1000::/36. */
export function v6Prefixes(n: number, offset = 0): string[] {
  const out: string[] = [];
  for (let i = offset; i < offset + n; i++) {
    const hi = (0x1000 + (i >> 16)).toString(16);
    const lo = i & 0xffff;
    out.push(lo === 0 ? `2001:db8:${hi}::/64` : `2001:db8:${hi}:${lo.toString(16)}::/64`); // RFC 5952 text
  }
  return out;
}
