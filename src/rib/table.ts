// The routes table behind `tsbgpd routes`: every route of every peer's Adj-RIB-In plus our own, the best per
// prefix chosen by the decision process with its reason.
import type { ResolvedConfig } from '../config/model.js';
import type { Peer } from '../peer/peer.js';
import type { RouteEntry } from '../control/status.js';
import { formatSegments } from '../wire/attributes/as-path.js';
import { formatCommunity } from '../wire/attributes/communities.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { selectBest, type Candidate } from './best-path.js';
import { localPrefixes } from './local.js';
import { AsPathSegmentType, Origin } from '../wire/iana.js';
import type { Rib } from './rib.js';

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'] as const;

function entry(prefix: string, nextHop: string, a: PathAttributes, peer: string, best: boolean, reason: string | null): RouteEntry {
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
  };
}

/** The `tsbgpd routes` table from the Rib: every received route of every peer and our own, with the reason. */
export function ribRoutes(rib: Rib): RouteEntry[] {
  const rows: { prefix: string; e: RouteEntry }[] = [];
  for (const fam of [rib.v4, rib.v6]) {
    fam.forEachSlot((slot) => {
      const prefix = fam.table.text(slot);
      for (const r of fam.routesAt(slot)) rows.push({ prefix, e: entry(prefix, r.peer.local ? 'self' : r.set.nextHop, r.set.attributes, r.peer.name, r.best, r.reason) });
    });
  }
  rows.sort((x, y) => (x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0));
  return rows.map((r) => r.e);
}

interface Row {
  readonly prefix: string;
  readonly cand: Candidate;
  readonly nextHop: string;
}

export function collectRoutes(config: ResolvedConfig, peers: readonly Peer[], routerId: number): RouteEntry[] {
  const byPrefix = new Map<string, Row[]>();
  const add = (r: Row): void => {
    const list = byPrefix.get(r.prefix);
    if (list === undefined) byPrefix.set(r.prefix, [r]);
    else list.push(r);
  };
  for (const lp of localPrefixes(config)) {
    const attributes: PathAttributes = { origin: Origin.IGP, asPath: [], communities: lp.communities, largeCommunities: lp.largeCommunities };
    add({
      prefix: lp.prefix,
      nextHop: 'self',
      cand: { attributes, peerName: 'local', peerAddress: '', peerAs: config.node.asNumber, peerRouterId: routerId, ebgp: false, local: true },
    });
  }
  for (const p of peers) {
    const c = p.config;
    for (const [prefix, set] of p.ribIn.entries()) {
      add({
        prefix,
        nextHop: set.nextHop,
        cand: {
          attributes: set.attributes,
          peerName: c.name,
          peerAddress: c.peerIP,
          peerAs: c.peerAS,
          peerRouterId: p.remoteRouterId ?? 0,
          ebgp: c.peerAS !== c.localAS,
          local: false,
        },
      });
    }
  }
  const out: RouteEntry[] = [];
  const prefixes = [...byPrefix.keys()].sort();
  for (const prefix of prefixes) {
    const rows = byPrefix.get(prefix)!;
    const { best, reasons } = selectBest(rows.map((r) => r.cand), { alwaysCompareMed: false });
    rows.forEach((r, i) => {
      const a = r.cand.attributes;
      out.push({
        prefix,
        nextHop: r.nextHop,
        asPath: formatSegments(a.asPath ?? []),
        origin: ORIGIN_NAMES[a.origin ?? 2] ?? 'INCOMPLETE',
        localPref: a.localPref ?? null,
        med: a.med ?? null,
        communities: (a.communities ?? []).map(formatCommunity),
        largeCommunities: (a.largeCommunities ?? []).map((l) => `${l.globalAdmin}:${l.localData1}:${l.localData2}`),
        peer: r.cand.peerName,
        best: i === best,
        reason: reasons[i] ?? null,
      });
    });
  }
  return out;
}

void AsPathSegmentType;
