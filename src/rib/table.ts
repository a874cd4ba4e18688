// The routes table behind `tsbgpd routes`: every route of every peer's Adj-RIB-In plus our own, the best per
// prefix chosen by the decision process with its reason.
import type { RouteEntry } from '../control/status.js';
import { formatSegments } from '../wire/attributes/as-path.js';
import { formatCommunity } from '../wire/attributes/communities.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { Rib } from './rib.js';

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'] as const;

function entry(prefix: string, nextHop: string, a: PathAttributes, peer: string, best: boolean, reason: string | null, stale: boolean): RouteEntry {
  return {
    prefix,
    nextHop,
    asPath: formatSegments(a.asPath ?? []),
    origin: ORIGIN_NAMES[a.origin ?? 2] ?? 'INCOMPLETE',
    localPref: a.localPref ?? null,
    med: a.med ?? null,
    communities: (a.communities ?? []).map(formatCommunity),
    largeCommunities: (a.largeCommunities ?? []).map((l) => `${l.globalAdmin}:${l.localData1}:${l.localData2}`),
    peer,
    best,
    reason,
    stale,
  };
}

/**
 * The `tsbgpd routes` table from the Rib: every received route of every peer and our own, with the reason, and
 * whether it is kept stale from a restarting peer (RFC 4724 §4.2).
 */
export function ribRoutes(rib: Rib): RouteEntry[] {
  const rows: { prefix: string; e: RouteEntry }[] = [];
  for (const fam of [rib.v4, rib.v6]) {
    fam.forEachSlot((slot) => {
      const prefix = fam.table.text(slot);
      for (const r of fam.routesAt(slot)) {
        const stale = !r.peer.local && rib.isStale(fam.afi, r.peer.index, slot);
        rows.push({ prefix, e: entry(prefix, r.peer.local ? 'self' : r.set.nextHop, r.set.attributes, r.peer.name, r.best, r.reason, stale) });
      }
    });
  }
  rows.sort((x, y) => (x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0));
  return rows.map((r) => r.e);
}
