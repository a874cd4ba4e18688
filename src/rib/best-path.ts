// The BGP decision process (RFC 4271 §9.1.2.2), one tie-break per clause, each keeping its reason so that
// `tsbgpd routes` can say why a route won. `comparePaths` is the hot form the Loc-RIB runs per prefix: it
// reads precomputed AS_PATH figures and returns the deciding clause as a signed number, allocating nothing.
import { AsPathSegmentType } from '../wire/iana.js';
import type { AsPathSegment, PathAttributes } from '../wire/attributes/types.js';

export interface Candidate {
  readonly attributes: PathAttributes;
  /** 'local' for routes this node originates. */
  readonly peerName: string;
  readonly peerAddress: string;
  readonly peerAs: number;
  /** The peer's BGP Identifier (uint32), or ours for local routes. */
  readonly peerRouterId: number;
  readonly ebgp: boolean;
  readonly local: boolean;
}

export interface DecisionOptions {
  /** Compare MED between routes from different neighbour ASes (BIRD's `med metric`, FRR's always-compare-med). */
  readonly alwaysCompareMed: boolean;
}

/** The clauses in the order they are tried; a comparison returns ±clause. */
export const Clause = {
  Local: 1,
  LocalPref: 2,
  AsPathLength: 3,
  Origin: 4,
  Med: 5,
  Ebgp: 6,
  RouterId: 7,
  ClusterList: 8,
  PeerAddress: 9,
} as const;
export type Clause = (typeof Clause)[keyof typeof Clause];

export const CLAUSE_REASONS: readonly string[] = [
  'equal',
  'locally originated',
  'higher LOCAL_PREF (RFC 4271 §9.1.1)',
  'shorter AS_PATH (RFC 4271 §9.1.2.2 a)',
  'lower ORIGIN (RFC 4271 §9.1.2.2 b)',
  'lower MULTI_EXIT_DISC (RFC 4271 §9.1.2.2 c)',
  'eBGP over iBGP (RFC 4271 §9.1.2.2 d)',
  'lower router ID (RFC 4271 §9.1.2.2 f)',
  'shorter CLUSTER_LIST (RFC 4456 §9)',
  'lower peer address (RFC 4271 §9.1.2.2 g)',
];

/**
 * Routes equal through this clause (the deciding clause is this one or later) form the equal-cost multipath
 * set: equal LOCAL_PREF, AS_PATH length, ORIGIN, MED (when compared) and eBGP/iBGP, as BIRD's `merge paths`
 * and calico/node's kernel ECMP routes. Router ID, CLUSTER_LIST and peer address only order the members.
 */
export const MULTIPATH_FROM: Clause = Clause.RouterId;

/** RFC 4271 §9.1.2.2 (a): an AS_SET counts as one, confederation segments count zero (RFC 5065 §5.3). */
export function asPathLength(path: readonly AsPathSegment[] | undefined): number {
  let n = 0;
  for (const s of path ?? []) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

/** The neighbouring AS: the first AS of the first AS_SEQUENCE (RFC 4271 §9.1.2.2 (c)); 0 for local routes. */
export function neighborAs(path: readonly AsPathSegment[] | undefined): number {
  const first = path?.[0];
  return first !== undefined && first.type === AsPathSegmentType.AS_SEQUENCE ? first.asns[0] ?? 0 : 0;
}

/** What the decision reads of a route's attributes (an interned AttrSet is one). */
export interface PathView {
  readonly attributes: PathAttributes;
  readonly pathLength: number;
  readonly neighborAs: number;
}

/** What the decision reads of where a route came from. */
export interface RouteSource {
  readonly local: boolean;
  readonly ebgp: boolean;
  /** The peer's BGP Identifier (uint32); ours for local routes. */
  readonly routerId: number;
  /** The peer address in a form whose string order is numeric order (see `addressRank`). */
  readonly addressRank: string;
}

/** Sortable form of an address: IPv4 as 8 hex digits, IPv6 as 32 (so every IPv4 sorts first). */
export function addressRank(text: string): string {
  const p = text.split('.');
  if (p.length === 4 && p.every((x) => /^\d{1,3}$/.test(x))) return p.map((x) => Number(x).toString(16).padStart(2, '0')).join('');
  const [head = '', tail] = text.split('::');
  const hs = head === '' ? [] : head.split(':');
  const ts = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? hs : [...hs, ...Array<string>(Math.max(0, 8 - hs.length - ts.length)).fill('0'), ...ts];
  return groups.map((g) => g.padStart(4, '0')).join('').toLowerCase();
}

/**
 * Compare two routes for one prefix: `-clause` when `a` is preferred, `+clause` when `b` is, 0 when every
 * clause ties. No allocation.
 */
export function comparePaths(a: PathView, sa: RouteSource, b: PathView, sb: RouteSource, alwaysCompareMed: boolean): number {
  // Locally originated routes are preferred (BIRD and FRR behave alike; weight-like local preference).
  if (sa.local !== sb.local) return sa.local ? -Clause.Local : Clause.Local;
  const x = a.attributes;
  const y = b.attributes;
  // RFC 4271 §9.1.1: degree of preference = LOCAL_PREF for iBGP routes (default 100 for eBGP-learned).
  const lpA = x.localPref ?? 100;
  const lpB = y.localPref ?? 100;
  if (lpA !== lpB) return lpA > lpB ? -Clause.LocalPref : Clause.LocalPref;
  // §9.1.2.2 (a): shortest AS_PATH.
  if (a.pathLength !== b.pathLength) return a.pathLength < b.pathLength ? -Clause.AsPathLength : Clause.AsPathLength;
  // §9.1.2.2 (b): lowest ORIGIN.
  const oA = x.origin ?? 2;
  const oB = y.origin ?? 2;
  if (oA !== oB) return oA < oB ? -Clause.Origin : Clause.Origin;
  // §9.1.2.2 (c): lowest MED among routes from the same neighbour AS (missing MED = 0).
  if (alwaysCompareMed || a.neighborAs === b.neighborAs) {
    const mA = x.med ?? 0;
    const mB = y.med ?? 0;
    if (mA !== mB) return mA < mB ? -Clause.Med : Clause.Med;
  }
  // §9.1.2.2 (d): eBGP-learned over iBGP-learned.
  if (sa.ebgp !== sb.ebgp) return sa.ebgp ? -Clause.Ebgp : Clause.Ebgp;
  // §9.1.2.2 (e) interior cost: no IGP here, all next hops cost the same.
  // §9.1.2.2 (f): lowest BGP Identifier; RFC 4456 §9: ORIGINATOR_ID stands in for it when present.
  const idA = (x.originatorId ?? sa.routerId) >>> 0;
  const idB = (y.originatorId ?? sb.routerId) >>> 0;
  if (idA !== idB) return idA < idB ? -Clause.RouterId : Clause.RouterId;
  // RFC 4456 §9: shorter CLUSTER_LIST.
  const clA = x.clusterList?.length ?? 0;
  const clB = y.clusterList?.length ?? 0;
  if (clA !== clB) return clA < clB ? -Clause.ClusterList : Clause.ClusterList;
  // §9.1.2.2 (g): lowest peer address.
  if (sa.addressRank !== sb.addressRank) return sa.addressRank < sb.addressRank ? -Clause.PeerAddress : Clause.PeerAddress;
  return 0;
}

const view = (c: Candidate): [PathView, RouteSource] => [
  { attributes: c.attributes, pathLength: asPathLength(c.attributes.asPath), neighborAs: neighborAs(c.attributes.asPath) },
  { local: c.local, ebgp: c.ebgp, routerId: c.peerRouterId, addressRank: addressRank(c.peerAddress) },
];

/**
 * Compare two candidates for the same prefix. Returns < 0 when `a` is preferred, > 0 when `b` is, and the
 * clause that decided.
 */
export function compareRoutes(a: Candidate, b: Candidate, opts: DecisionOptions): { order: number; reason: string } {
  const [pa, sa] = view(a);
  const [pb, sb] = view(b);
  const c = comparePaths(pa, sa, pb, sb, opts.alwaysCompareMed);
  return { order: Math.sign(c), reason: CLAUSE_REASONS[c === 0 ? Clause.PeerAddress : Math.abs(c)]! };
}

/** Index of the best candidate and, for each candidate, why it won or lost against the best. */
export function selectBest(cands: readonly Candidate[], opts: DecisionOptions): { best: number; reasons: string[] } {
  let best = 0;
  for (let i = 1; i < cands.length; i++) {
    if (compareRoutes(cands[i]!, cands[best]!, opts).order < 0) best = i;
  }
  const reasons = cands.map((c, i) => {
    if (cands.length === 1) return 'only route';
    if (i === best) {
      // The clause that decided against the runner-up.
      let runnerUp = -1;
      for (let j = 0; j < cands.length; j++) if (j !== best && (runnerUp < 0 || compareRoutes(cands[j]!, cands[runnerUp]!, opts).order < 0)) runnerUp = j;
      return `best: ${compareRoutes(c, cands[runnerUp]!, opts).reason}`;
    }
    return `lost: ${compareRoutes(cands[best]!, c, opts).reason}`;
  });
  return { best, reasons };
}
