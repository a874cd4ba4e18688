// The routes this node originates, as calico/node does: its confirmed BlockAffinity CIDRs and the service
// CIDRs of BGPConfiguration, with the communities of matching `prefixAdvertisements`.
import type { ResolvedConfig } from '../config/model.js';
import { parsePrefix } from '../wire/nlri.js';
import type { LargeCommunity } from '../wire/attributes/types.js';

export interface LocalPrefix {
  readonly prefix: string;
  readonly afi: number;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
}

/** `aa:nn` (RFC 1997) or `aa:nn:mm` (RFC 8092); a name refers to BGPConfiguration `communities`. */
export function parseCommunity(value: string, named: ReadonlyMap<string, string>): { std?: number; large?: LargeCommunity } | undefined {
  const v = named.get(value) ?? value;
  const parts = v.split(':');
  if (parts.some((p) => !/^\d+$/.test(p))) return undefined;
  const n = parts.map(Number);
  if (n.length === 2 && n[0]! <= 0xffff && n[1]! <= 0xffff) return { std: ((n[0]! << 16) | n[1]!) >>> 0 };
  if (n.length === 3 && n.every((x) => x <= 0xffffffff)) return { large: { globalAdmin: n[0]!, localData1: n[1]!, localData2: n[2]! } };
  return undefined;
}

function contains(outer: string, inner: string): boolean {
  const o = parsePrefix(outer);
  const i = parsePrefix(inner);
  if (o === undefined || i === undefined || o.afi !== i.afi || i.len < o.len) return false;
  const ob = o.addr;
  const ib = i.addr;
  for (let bit = 0; bit < o.len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((ob[byte] ?? 0) & mask) !== ((ib[byte] ?? 0) & mask)) return false;
  }
  return true;
}

export function localPrefixes(config: ResolvedConfig): LocalPrefix[] {
  const g = config.global;
  const named = new Map(g.communities.map((c) => [c.name, c.value]));
  const all = [...config.blocks, ...g.serviceClusterIPs, ...g.serviceExternalIPs, ...g.serviceLoadBalancerIPs];
  const out: LocalPrefix[] = [];
  const seen = new Set<string>();
  for (const prefix of all) {
    const p = parsePrefix(prefix);
    if (p === undefined || seen.has(prefix)) continue;
    seen.add(prefix);
    const communities: number[] = [];
    const large: LargeCommunity[] = [];
    for (const pa of g.prefixAdvertisements) {
      if (!contains(pa.cidr, prefix)) continue;
      for (const c of pa.communities) {
        const v = parseCommunity(c, named);
        if (v?.std !== undefined && !communities.includes(v.std)) communities.push(v.std);
        if (v?.large !== undefined) large.push(v.large);
      }
    }
    out.push({ prefix, afi: p.afi, communities, largeCommunities: large });
  }
  return out;
}
