/**
 * The FIB's view of one route: a prefix and its next hops, parsed once into rtnetlink bytes, with a
 * canonical key for the next-hop set so that "is the kernel's route what we want" is a string compare.
 *
 * Hot path: a sync of 100k routes parses 100k of these. Next-hop sets repeat (a few peers serve all
 * prefixes), so parsed sets are cached by their input text; prefixes are parsed without regexes.
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

/** A parsed, de-duplicated next-hop set; shared by every route that uses the same one. */
export interface NextHopSet {
  readonly nexthops: readonly NextHop[];
  readonly specs: readonly NextHopSpec[];
  /** Canonical, order-free text of the set. */
  readonly key: string;
  /** Family of every gateway: 4, 6, or 0 when mixed. */
  readonly gatewayFamily: 0 | 4 | 6;
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
type SetParse = { readonly ok: true; readonly set: NextHopSet } | { readonly ok: false; readonly reason: string };

function nhText(gateway: string, ifindex: number | undefined, weight: number): string {
  let s = gateway;
  if (ifindex !== undefined && ifindex > 0) s += `%${ifindex}`;
  if (weight !== 1) s += `*${weight}`;
  return s;
}

export function nextHopKey(nhs: readonly NextHop[]): string {
  if (nhs.length === 1) return nhText(nhs[0]!.gateway, nhs[0]!.ifindex, nhs[0]!.weight ?? 1);
  return nhs
    .map((n) => nhText(n.gateway, n.ifindex, n.weight ?? 1))
    .sort()
    .join(',');
}

function parseSet(nexthops: readonly NextHop[]): SetParse {
  if (nexthops.length === 0) return { ok: false, reason: 'no next hop' };
  const specs: NextHopSpec[] = [];
  const canon: NextHop[] = [];
  const seen = new Set<string>();
  let fam: 0 | 4 | 6 | undefined;
  for (const nh of nexthops) {
    const gw = parseAddress(nh.gateway);
    if (gw === undefined) return { ok: false, reason: `next hop ${nh.gateway} is not an address` };
    const weight = nh.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1 || weight > 256) return { ok: false, reason: `weight ${weight}` };
    const ifindex = nh.ifindex;
    if (ifindex !== undefined && (!Number.isInteger(ifindex) || ifindex <= 0)) return { ok: false, reason: `ifindex ${ifindex}` };
    const gateway = formatAddress(gw);
    const k = nhText(gateway, ifindex, weight);
    if (seen.has(k)) continue;
    seen.add(k);
    const f = gw.length === 4 ? 4 : 6;
    fam = fam === undefined || fam === f ? f : 0;
    const c: { gateway: string; ifindex?: number; weight?: number } = { gateway };
    const s: { gateway: Uint8Array; ifindex?: number; weight?: number } = { gateway: gw };
    if (ifindex !== undefined) c.ifindex = s.ifindex = ifindex;
    if (weight !== 1) c.weight = s.weight = weight;
    canon.push(c);
    specs.push(s);
  }
  return { ok: true, set: { nexthops: canon, specs, key: nextHopKey(canon), gatewayFamily: fam ?? 0 } };
}

/** Parsed next-hop sets by input text (bounded: cleared when it grows past a few thousand sets). */
const setCache = new Map<string, SetParse>();

function cachedSet(nexthops: readonly NextHop[]): SetParse {
  let text = '';
  for (const n of nexthops) text += `${n.gateway}%${n.ifindex ?? ''}*${n.weight ?? ''},`;
  let s = setCache.get(text);
  if (s === undefined) {
    if (setCache.size >= 4096) setCache.clear();
    s = parseSet(nexthops);
    setCache.set(text, s);
  }
  return s;
}

export function parseRoute(prefixText: string, nexthops: readonly NextHop[]): RouteParse {
  const p = parsePrefix(prefixText);
  if (!p.ok) return { ok: false, reason: `prefix ${prefixText}: ${p.reason}` };
  const s = cachedSet(nexthops);
  if (!s.ok) return s;
  // IPv6 over IPv4 is not a thing; IPv4 over IPv6 (RFC 8950) goes as RTA_VIA.
  if (p.prefix.family === 6 && s.set.gatewayFamily !== 6) return { ok: false, reason: 'IPv6 route via an IPv4 gateway' };
  return {
    ok: true,
    route: { key: p.text, prefix: p.prefix, nexthops: s.set.nexthops, specs: s.set.specs, nhKey: s.set.key },
  };
}

/**
 * A dumped route as the FIB would have written it (the kernel's resolved interface left out, since we
 * let it choose); undefined when it has a next hop without a gateway, which we never write.
 */
export function routeFromDumped(r: DecodedRoute): FibRoute | undefined {
  if (r.nexthops.length === 0) return undefined;
  const nexthops: NextHop[] = [];
  for (const nh of r.nexthops) {
    if (nh.gateway === undefined) return undefined;
    nexthops.push(nh.weight !== 1 ? { gateway: formatAddress(nh.gateway), weight: nh.weight } : { gateway: formatAddress(nh.gateway) });
  }
  const s = cachedSet(nexthops);
  if (!s.ok) return undefined;
  const addr = r.dst;
  return {
    key: `${formatAddress(addr)}/${r.dstLen}`,
    prefix: { family: r.family, addr, len: r.dstLen },
    nexthops: s.set.nexthops,
    specs: s.set.specs,
    nhKey: s.set.key,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Does the kernel's route carry exactly the wanted next hops? Gateways and weights must match; an
 * interface is compared only where the wanted next hop pins one (otherwise the kernel chose it).
 */
export function dumpedMatches(want: FibRoute, got: DecodedRoute): boolean {
  if (got.nexthops.length !== want.specs.length) return false;
  for (const w of want.specs) {
    let found = false;
    for (const g of got.nexthops) {
      if (g.gateway === undefined || !sameBytes(g.gateway, w.gateway) || g.weight !== (w.weight ?? 1)) continue;
      if (w.ifindex !== undefined && w.ifindex !== g.ifindex) continue;
      found = true;
      break;
    }
    if (!found) return false;
  }
  return true;
}
