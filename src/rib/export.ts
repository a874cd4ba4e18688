// The rules between the Loc-RIB and a peer's Adj-RIB-Out, and the input checks between a peer's UPDATE and
// its Adj-RIB-In, as calico/node's BIRD applies them. Each runs once per attribute set, never per prefix.
import { AsPathSegmentType } from '../wire/iana.js';
import type { AsPathSegment, PathAttributes } from '../wire/attributes/types.js';
import type { AttrSet, DerivedTable } from './attr-set.js';
import type { RibPeer } from './rib-peer.js';

/** Why a received route is kept in the Adj-RIB-In but not accepted (a value, never thrown). */
export const InputReject = {
  None: 0,
  /** RFC 4271 §9.1.2: our AS in the AS_PATH more often than `numAllowedLocalASNumbers` allows. */
  AsLoop: 1,
  /** RFC 4456 §8: the ORIGINATOR_ID is our router ID. */
  OriginatorLoop: 2,
  /** RFC 4456 §8: the CLUSTER_LIST holds our CLUSTER_ID. */
  ClusterLoop: 3,
  /** The peer's import BGPFilter rejected the prefix. */
  ImportPolicy: 4,
} as const;
export type InputReject = (typeof InputReject)[keyof typeof InputReject];

export const INPUT_REJECT_REASONS: readonly string[] = [
  'accepted',
  'AS loop (RFC 4271 §9.1.2)',
  'ORIGINATOR_ID is ours (RFC 4456 §8)',
  'CLUSTER_LIST holds our CLUSTER_ID (RFC 4456 §8)',
  'rejected by import BGPFilter',
];

/** Occurrences of `asn` in every segment of the path (AS_SET members count too). */
export function countAs(path: readonly AsPathSegment[] | undefined, asn: number): number {
  let n = 0;
  for (const s of path ?? []) for (const a of s.asns) if (a === asn) n++;
  return n;
}

/** The checks that depend on the attribute set alone. */
export function checkInput(set: AttrSet, from: RibPeer, routerId: number, clusterId: number): InputReject {
  const a = set.attributes;
  // RFC 4271 §9.1.2; BIRD `allow local as N` (calico/node's numAllowedLocalASNumbers).
  if (countAs(a.asPath, from.localAs) > from.allowOwnAs) return InputReject.AsLoop;
  if (!from.ebgp) {
    // RFC 4456 §8: a reflector (and a client) ignores its own routes coming back.
    if (a.originatorId !== undefined && a.originatorId >>> 0 === routerId >>> 0) return InputReject.OriginatorLoop;
    if (a.clusterList !== undefined && a.clusterList.includes(clusterId >>> 0)) return InputReject.ClusterLoop;
  }
  return InputReject.None;
}

/**
 * May a route learned from `from` be advertised to `to` at all (before policy)?
 * - never back to the peer it came from;
 * - RFC 4271 §9.2: iBGP-learned routes are not advertised to other iBGP peers,
 * - except by a route reflector (RFC 4456 §8): from a client to all peers, from a non-client to clients.
 */
export function mayAdvertise(from: RibPeer, to: RibPeer): boolean {
  if (from === to || to.local) return false;
  if (to.ebgp || from.local || from.ebgp) return true;
  return from.rrClient || to.rrClient;
}

/** Prepend `asn` to the path as BGP does on eBGP export (RFC 4271 §5.1.2). */
export function prependAs(path: readonly AsPathSegment[] | undefined, asn: number): AsPathSegment[] {
  const segs = path ?? [];
  const first = segs[0];
  // A full segment (255 ASes) cannot take another one: start a new sequence (RFC 4271 §5.1.2 b).
  if (first !== undefined && first.type === AsPathSegmentType.AS_SEQUENCE && first.asns.length < 255) {
    return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn, ...first.asns] }, ...segs.slice(1)];
  }
  return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn] }, ...segs];
}

/**
 * What the export of routes from `from` to `to` depends on besides the route's own set: computed once per
 * (source peer, destination peer, family) and kept in `to.outCache` (see FamilyRib.exportedSet).
 */
export interface ExportRule {
  /** Next hop self (see below). */
  readonly self: boolean;
  /** The next hop text when self ('' when none is known for the family). */
  readonly selfText: string;
  /**
   * Names everything the result depends on besides the source set: the rules applied and, with next hop self,
   * the next hop (AttrInterner.derivedTable).
   */
  readonly variant: string;
  /** The interner's table of results for `variant`, once looked up. */
  table: DerivedTable | undefined;
}

export function exportRule(from: RibPeer, to: RibPeer, v6: boolean, clusterId: number): ExportRule {
  const self = to.nextHopMode === 'Self' || from.local || (to.nextHopMode === 'Auto' && to.ebgp);
  const selfText = v6 ? to.selfNextHop6 : to.selfNextHop4 < 0 ? '' : ipv4Text(to.selfNextHop4);
  const tag = `${to.ebgp ? `e${to.localAs}` : 'i'}${from.local ? 'l' : from.ebgp ? 'e' : `r${from.routerId}c${clusterId}`}${v6 ? '6' : '4'}`;
  // Keep: the next hop is the source's (routes of `local` always take next hop self).
  return { self, selfText, variant: self ? `${tag}s${selfText}` : `${tag}k`, table: undefined };
}

/**
 * The attributes `to` receives for a route of `from` (undefined when no next hop can be set for the family):
 * - eBGP (RFC 4271 §5.1.2-5.1.5): prepend `to.localAs`; drop LOCAL_PREF, MED learned from another AS,
 *   ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8: they stay inside the AS);
 * - iBGP: LOCAL_PREF always (default 100); reflecting an iBGP route sets ORIGINATOR_ID if absent and
 *   prepends our CLUSTER_ID to the CLUSTER_LIST (RFC 4456 §8);
 * - next hop by `to.nextHopMode`: Self; Keep; Auto = self towards eBGP peers and for our own routes, kept
 *   towards iBGP peers (BIRD's defaults; calico/node's reflectors keep the client's next hop).
 * `rule` is `exportRule(from, to, v6, clusterId)` (computed here when not given).
 */
export function exportAttributes(set: AttrSet, from: RibPeer, to: RibPeer, v6: boolean, clusterId: number, rule = exportRule(from, to, v6, clusterId)): { attributes: PathAttributes; nextHop: string } | undefined {
  const a = set.attributes;
  const self = rule.self;
  let nextHop = set.nextHop;
  if (self || nextHop === '') nextHop = rule.selfText;
  if (nextHop === '') return undefined;
  const out: Mutable = {};
  // Copy what passes, in the source's order (same shapes for same inputs), without `delete` (which would
  // turn the object into a slow, larger dictionary).
  const ebgp = to.ebgp;
  for (const k in a) {
    const key = k as keyof PathAttributes;
    if (a[key] === undefined || key === 'wire' || key === 'nextHop' || key === 'asPath') continue;
    // eBGP: RFC 4271 §5.1.5 no LOCAL_PREF, RFC 4456 §8 no RR attributes, §5.1.4 no MED from another AS.
    if (ebgp && (key === 'localPref' || key === 'originatorId' || key === 'clusterList' || (key === 'med' && !from.local))) continue;
    (out as Record<string, unknown>)[key] = a[key];
  }
  if (!v6) out.nextHop = self ? to.selfNextHop4 >>> 0 : a.nextHop;
  if (ebgp) out.asPath = prependAs(a.asPath, to.localAs);
  else {
    out.asPath = a.asPath ?? [];
    out.localPref = a.localPref ?? 100;
    if (!from.local && !from.ebgp) {
      out.originatorId = (a.originatorId ?? from.routerId) >>> 0;
      out.clusterList = [clusterId >>> 0, ...(a.clusterList ?? [])];
    }
  }
  return { attributes: out, nextHop };
}

type Mutable = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };

const ipv4Text = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
