/**
 * The FIB's view of one route: a prefix and its next hops, parsed once into rtnetlink bytes, with a
 * canonical key for the next-hop set so that "is the kernel's route what we want" is a string compare.
 */
import { formatAddress, parseAddress, parsePrefix, type Prefix } from './prefix.js';
import type { DecodedRoute, NextHopSpec } from './netlink.js';

/** A next hop as the RIB gives it: a gateway address; the kernel resolves the interface. */
export interface NextHop {
  readonly gateway: string;
  /** Pin to an interface (needed for IPv6 link-local gateways). */
  readonly ifindex?: number;
  /** ECMP weight 1..256, default 1. */
  readonly weight?: number;
}

export interface FibRoute {
  /** Canonical prefix text (the key). */
  readonly key: string;
  readonly prefix: Prefix;
  readonly nexthops: readonly NextHop[];
  readonly specs: readonly NextHopSpec[];
  /** Canonical, order-free text of the next-hop set. */
  readonly nhKey: string;
}

export type RouteParse = { readonly ok: true; readonly route: FibRoute } | { readonly ok: false; readonly reason: string };

function nhText(gateway: string, ifindex: number | undefined, weight: number): string {
  return `${gateway}${ifindex !== undefined && ifindex > 0 ? `%${ifindex}` : ''}${weight !== 1 ? `*${weight}` : ''}`;
}

export function nextHopKey(nhs: readonly NextHop[]): string {
  return nhs
    .map((n) => nhText(n.gateway, n.ifindex, n.weight ?? 1))
    .sort()
    .join(',');
}

export function parseRoute(prefixText: string, nexthops: readonly NextHop[]): RouteParse {
  const p = parsePrefix(prefixText);
  if (!p.ok) return { ok: false, reason: `prefix ${prefixText}: ${p.reason}` };
  if (nexthops.length === 0) return { ok: false, reason: 'no next hop' };
  const specs: NextHopSpec[] = [];
  const canon: NextHop[] = [];
  const seen = new Set<string>();
  for (const nh of nexthops) {
    const gw = parseAddress(nh.gateway);
    if (gw === undefined) return { ok: false, reason: `next hop ${nh.gateway} is not an address` };
    const weight = nh.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 256) return { ok: false, reason: `weight ${weight}` };
    if (nh.ifindex !== undefined && (!Number.isInteger(nh.ifindex) || nh.ifindex <= 0)) {
      return { ok: false, reason: `ifindex ${nh.ifindex}` };
    }
    // IPv6 over IPv4 is not a thing; IPv4 over IPv6 (RFC 8950) goes as RTA_VIA.
    if (p.prefix.family === 6 && gw.length === 4) return { ok: false, reason: 'IPv6 route via an IPv4 gateway' };
    const c: NextHop = {
      gateway: formatAddress(gw),
      ...(nh.ifindex !== undefined ? { ifindex: nh.ifindex } : {}),
      ...(weight !== 1 ? { weight } : {}),
    };
    const k = nhText(c.gateway, c.ifindex, weight);
    if (seen.has(k)) continue;
    seen.add(k);
    canon.push(c);
    specs.push({
      gateway: gw,
      ...(nh.ifindex !== undefined ? { ifindex: nh.ifindex } : {}),
      ...(weight !== 1 ? { weight } : {}),
    });
  }
  return {
    ok: true,
    route: { key: `${formatAddress(p.prefix.addr)}/${p.prefix.len}`, prefix: p.prefix, nexthops: canon, specs, nhKey: nextHopKey(canon) },
  };
}

/** Next hops of a dumped route, as the RIB would name them (the kernel's resolved ifindex left out). */
export function nextHopsOfDumped(r: DecodedRoute): NextHop[] {
  const out: NextHop[] = [];
  for (const nh of r.nexthops) {
    if (nh.gateway === undefined) continue;
    out.push({ gateway: formatAddress(nh.gateway), ...(nh.weight !== 1 ? { weight: nh.weight } : {}) });
  }
  return out;
}

/**
 * Does the kernel's route carry exactly the wanted next hops? Gateways and weights must match; an
 * interface is compared only where the wanted next hop pins one (otherwise the kernel chose it).
 */
export function dumpedMatches(want: FibRoute, got: DecodedRoute): boolean {
  if (got.nexthops.length !== want.nexthops.length) return false;
  const have = new Map<string, number>();
  for (const nh of got.nexthops) {
    if (nh.gateway === undefined) return false;
    const k = `${formatAddress(nh.gateway)}*${nh.weight}`;
    have.set(k, nh.ifindex);
  }
  for (const w of want.nexthops) {
    const ifindex = have.get(`${w.gateway}*${w.weight ?? 1}`);
    if (ifindex === undefined) return false;
    if (w.ifindex !== undefined && w.ifindex !== ifindex) return false;
  }
  return true;
}
