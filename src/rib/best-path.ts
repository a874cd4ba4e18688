// The BGP decision process (RFC 4271 §9.1.2.2), one tie-break per clause, each keeping its reason so that
// `tsbgpd routes` can say why a route won.
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

function ipCompare(a: string, b: string): number {
  // Numeric order for IPv4, lexicographic on the expanded form otherwise; only a final tie-break.
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compare two candidates for the same prefix. Returns < 0 when `a` is preferred, > 0 when `b` is, and the
 * clause that decided.
 */
export function compareRoutes(a: Candidate, b: Candidate, opts: DecisionOptions): { order: number; reason: string } {
  // Locally originated routes are preferred (BIRD and FRR behave alike; weight-like local preference).
  if (a.local !== b.local) return { order: a.local ? -1 : 1, reason: 'locally originated' };
  // RFC 4271 §9.1.1: degree of preference = LOCAL_PREF for iBGP routes (default 100 for eBGP-learned).
  const lpA = a.attributes.localPref ?? 100;
  const lpB = b.attributes.localPref ?? 100;
  if (lpA !== lpB) return { order: lpB - lpA, reason: 'higher LOCAL_PREF (RFC 4271 §9.1.1)' };
  // §9.1.2.2 (a): shortest AS_PATH.
  const lenA = asPathLength(a.attributes.asPath);
  const lenB = asPathLength(b.attributes.asPath);
  if (lenA !== lenB) return { order: lenA - lenB, reason: 'shorter AS_PATH (RFC 4271 §9.1.2.2 a)' };
  // §9.1.2.2 (b): lowest ORIGIN.
  const oA = a.attributes.origin ?? 2;
  const oB = b.attributes.origin ?? 2;
  if (oA !== oB) return { order: oA - oB, reason: 'lower ORIGIN (RFC 4271 §9.1.2.2 b)' };
  // §9.1.2.2 (c): lowest MED among routes from the same neighbour AS (missing MED = 0, RFC 4271 §9.1.2.2 c).
  if (opts.alwaysCompareMed || neighborAs(a.attributes.asPath) === neighborAs(b.attributes.asPath)) {
    const mA = a.attributes.med ?? 0;
    const mB = b.attributes.med ?? 0;
    if (mA !== mB) return { order: mA - mB, reason: 'lower MULTI_EXIT_DISC (RFC 4271 §9.1.2.2 c)' };
  }
  // §9.1.2.2 (d): eBGP-learned over iBGP-learned.
  if (a.ebgp !== b.ebgp) return { order: a.ebgp ? -1 : 1, reason: 'eBGP over iBGP (RFC 4271 §9.1.2.2 d)' };
  // §9.1.2.2 (e) interior cost: no IGP here, all next hops cost the same.
  // §9.1.2.2 (f): lowest BGP Identifier; RFC 4456 §9: ORIGINATOR_ID stands in for it when present.
  const idA = (a.attributes.originatorId ?? a.peerRouterId) >>> 0;
  const idB = (b.attributes.originatorId ?? b.peerRouterId) >>> 0;
  if (idA !== idB) return { order: idA < idB ? -1 : 1, reason: 'lower router ID (RFC 4271 §9.1.2.2 f)' };
  // RFC 4456 §9: shorter CLUSTER_LIST.
  const clA = a.attributes.clusterList?.length ?? 0;
  const clB = b.attributes.clusterList?.length ?? 0;
  if (clA !== clB) return { order: clA - clB, reason: 'shorter CLUSTER_LIST (RFC 4456 §9)' };
  // §9.1.2.2 (g): lowest peer address.
  const c = ipCompare(a.peerAddress, b.peerAddress);
  return { order: c, reason: 'lower peer address (RFC 4271 §9.1.2.2 g)' };
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
