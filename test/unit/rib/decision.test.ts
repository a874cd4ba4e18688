// The decision process over the Loc-RIB: each RFC 4271 §9.1.2.2 / RFC 4456 §9 clause decides with its
// reason, and the equal-cost multipath set holds the routes equal through the eBGP/iBGP clause.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { announce, loc, peerConfig, ribWith, seq, withdraw, LOCAL_AS } from './helpers.js';
import { Rib } from '../../../src/rib/rib.js';
import { comparePaths, Clause, CLAUSE_REASONS, addressRank, compareRoutes } from '../../../src/rib/best-path.js';
import type { PathAttributes } from '../../../src/wire/attributes/types.js';
import { AsPathSegmentType } from '../../../src/wire/iana.js';

const P = '203.0.113.0/24';

/** Two eBGP peers from different ASes (unless `sameAs`) send P; returns the Loc-RIB entry. */
function race(a: PathAttributes, b: PathAttributes, opts: { sameAs?: boolean; ibgpB?: boolean; ibgpA?: boolean } = {}) {
  const pa = peerConfig('A', '198.51.100.1', opts.ibgpA ? LOCAL_AS : 65001);
  const pb = peerConfig('B', '198.51.100.2', opts.ibgpB ? LOCAL_AS : opts.sameAs ? 65001 : 65002);
  const { rib, h } = ribWith([pa, pb]);
  h.A!.apply(announce('198.51.100.1', [P], a), false);
  h.B!.apply(announce('198.51.100.2', [P], b), false);
  rib.process();
  return loc(rib, P)!;
}

describe('decision process clauses (RFC 4271 §9.1.2.2)', () => {
  it('higher LOCAL_PREF wins', () => {
    const r = race({ asPath: seq(65001, 1), localPref: 100 }, { asPath: seq(65002, 1, 2), localPref: 200 }, { ibgpA: true, ibgpB: true });
    assert.equal(r.peer, 'B');
    assert.equal(r.reason, CLAUSE_REASONS[Clause.LocalPref]);
  });
  it('shorter AS_PATH wins; an AS_SET counts one, confederation segments zero', () => {
    const r = race({ asPath: seq(65001, 1, 2) }, { asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [65002] }, { type: AsPathSegmentType.AS_SET, asns: [7, 8, 9] }] });
    assert.equal(r.peer, 'B');
    assert.equal(r.reason, CLAUSE_REASONS[Clause.AsPathLength]);
    const c = race({ asPath: [{ type: AsPathSegmentType.AS_CONFED_SEQUENCE, asns: [64600, 64601, 64602] }, ...seq(65001)!] }, { asPath: seq(65002, 1) });
    assert.equal(c.peer, 'A');
  });
  it('lower ORIGIN wins', () => {
    const r = race({ asPath: seq(65001), origin: 2 }, { asPath: seq(65002), origin: 1 });
    assert.equal(r.peer, 'B');
    assert.equal(r.reason, CLAUSE_REASONS[Clause.Origin]);
  });
  it('lower MED wins between routes from the same neighbour AS only', () => {
    const same = race({ asPath: seq(65001), med: 50 }, { asPath: seq(65001), med: 10 }, { sameAs: true });
    assert.equal(same.peer, 'B');
    assert.equal(same.reason, CLAUSE_REASONS[Clause.Med]);
    // Different neighbour ASes: MED is skipped and the router ID decides (A has the lower one).
    const diff = race({ asPath: seq(65001), med: 50 }, { asPath: seq(65002), med: 10 });
    assert.equal(diff.peer, 'A');
    assert.equal(diff.reason, CLAUSE_REASONS[Clause.RouterId]);
  });
  it('always-compare-MED compares across neighbour ASes', () => {
    const a = { attributes: { asPath: seq(65001), med: 50 } as PathAttributes, pathLength: 1, neighborAs: 65001 };
    const b = { attributes: { asPath: seq(65002), med: 10 } as PathAttributes, pathLength: 1, neighborAs: 65002 };
    const s = { local: false, ebgp: true, routerId: 1, addressRank: addressRank('198.51.100.1') };
    const t = { ...s, routerId: 2, addressRank: addressRank('198.51.100.2') };
    assert.equal(comparePaths(a, s, b, t, false), -Clause.RouterId);
    assert.equal(comparePaths(a, s, b, t, true), Clause.Med);
  });
  it('eBGP over iBGP', () => {
    const r = race({ asPath: seq(65001) }, { asPath: seq(65002) }, { ibgpA: true });
    assert.equal(r.peer, 'B');
    assert.equal(r.reason, CLAUSE_REASONS[Clause.Ebgp]);
  });
  it('lower router ID, with ORIGINATOR_ID standing in for it (RFC 4456 §9)', () => {
    const r = race({ asPath: seq(65001) }, { asPath: seq(65002) });
    assert.equal(r.peer, 'A'); // ribWith gives A the lower BGP Identifier
    assert.equal(r.reason, CLAUSE_REASONS[Clause.RouterId]);
    const o = race({ asPath: seq(65001), originatorId: 0xffffff00 }, { asPath: seq(65002), originatorId: 0x01000000 }, { ibgpA: true, ibgpB: true });
    assert.equal(o.peer, 'B');
  });
  it('shorter CLUSTER_LIST, then lower peer address', () => {
    const r = race({ asPath: seq(65001), originatorId: 7, clusterList: [1, 2] }, { asPath: seq(65002), originatorId: 7, clusterList: [1] }, { ibgpA: true, ibgpB: true });
    assert.equal(r.peer, 'B');
    assert.equal(r.reason, CLAUSE_REASONS[Clause.ClusterList]);
    const a = { attributes: { asPath: seq(65001) } as PathAttributes, pathLength: 1, neighborAs: 65001 };
    const s = { local: false, ebgp: true, routerId: 1, addressRank: addressRank('198.51.100.10') };
    const t = { ...s, addressRank: addressRank('198.51.100.9') };
    assert.equal(comparePaths(a, s, a, t, false), Clause.PeerAddress);
    assert.ok(addressRank('10.0.0.2') < addressRank('10.0.0.10'));
    assert.ok(addressRank('2001:db8::2') < addressRank('2001:db8::10'));
  });
  it('locally originated routes beat learned ones', () => {
    const pa = peerConfig('A', '198.51.100.1', 65001);
    const { rib, h } = ribWith([pa], { blocks: ['203.0.113.0/26'] });
    h.A!.apply(announce('198.51.100.1', ['203.0.113.0/26'], { asPath: seq(65001), localPref: 1000 }), false);
    rib.process();
    const r = loc(rib, '203.0.113.0/26')!;
    assert.equal(r.peer, 'local');
    assert.equal(r.reason, CLAUSE_REASONS[Clause.Local]);
  });
  it('compareRoutes (the display form) agrees with the clause', () => {
    const c = (peerAddress: string, attributes: PathAttributes) => ({ attributes, peerName: peerAddress, peerAddress, peerAs: 65001, peerRouterId: 1, ebgp: true, local: false });
    const r = compareRoutes(c('198.51.100.1', { asPath: seq(65001), origin: 0 }), c('198.51.100.2', { asPath: seq(65001), origin: 1 }), { alwaysCompareMed: false });
    assert.equal(r.order, -1);
    assert.equal(r.reason, CLAUSE_REASONS[Clause.Origin]);
  });
});

describe('equal-cost multipath', () => {
  it('routes equal through the eBGP/iBGP clause share the prefix; a worse one does not', () => {
    const peers = [peerConfig('A', '198.51.100.1', 65001), peerConfig('B', '198.51.100.2', 65002), peerConfig('C', '198.51.100.3', 65003)];
    const { rib, h } = ribWith(peers);
    h.A!.apply(announce('198.51.100.1', [P], { asPath: seq(65001, 9) }), false);
    h.B!.apply(announce('198.51.100.2', [P], { asPath: seq(65002, 9) }), false);
    h.C!.apply(announce('198.51.100.3', [P], { asPath: seq(65003, 8, 9) }), false);
    rib.process();
    const r = loc(rib, P)!;
    assert.equal(r.peer, 'A');
    assert.deepEqual(r.nextHops, ['198.51.100.1', '198.51.100.2']);
    // B's path gets longer: A alone remains.
    h.B!.apply(announce('198.51.100.2', [P], { asPath: seq(65002, 7, 9) }), false);
    rib.process();
    assert.deepEqual(loc(rib, P)!.nextHops, ['198.51.100.1']);
  });
  it('Loc-RIB changes to the multipath set are reported for the FIB', () => {
    const rib = new Rib({ routerId: 1, trackLocChanges: true });
    const a = rib.addPeer(peerConfig('A', '198.51.100.1', 65001));
    const b = rib.addPeer(peerConfig('B', '198.51.100.2', 65002));
    a.established(10, [1], true);
    b.established(20, [1], true);
    a.apply(announce('198.51.100.1', [P], { asPath: seq(65001) }), false);
    rib.process();
    const seen: string[] = [];
    rib.v4.drainLocChanges((slot, best) => seen.push(`${rib.v4.table.text(slot)} ${best?.nextHop ?? '-'} ${rib.v4.nextHops(slot).length}`));
    assert.deepEqual(seen, [`${P} 198.51.100.1 1`]);
    b.apply(announce('198.51.100.2', [P], { asPath: seq(65002) }), false); // joins the multipath set, best unchanged
    rib.process();
    seen.length = 0;
    rib.v4.drainLocChanges((slot, best) => seen.push(`${rib.v4.table.text(slot)} ${best?.nextHop ?? '-'} ${rib.v4.nextHops(slot).length}`));
    assert.deepEqual(seen, [`${P} 198.51.100.1 2`]);
    a.apply(withdraw([P]), false);
    b.apply(withdraw([P]), false);
    rib.process();
    seen.length = 0;
    rib.v4.drainLocChanges((slot, best) => seen.push(`${best?.nextHop ?? '-'}`));
    assert.deepEqual(seen, ['-']);
    assert.equal(rib.v4.table.size, 0, 'the prefix slot is freed once nothing refers to it');
  });
});

describe('routes view (tsbgpd routes)', () => {
  it('lists every received route with best flag and the reason it won, lost or was not accepted', async () => {
    const { ribRoutes } = await import('../../../src/rib/table.js');
    const peers = [peerConfig('A', '198.51.100.1', 65001), peerConfig('B', '198.51.100.2', 65002)];
    const { rib, h } = ribWith(peers, { blocks: ['198.51.100.64/26'] });
    h.A!.apply(announce('198.51.100.1', [P], { asPath: seq(65001) }), false);
    h.B!.apply(announce('198.51.100.2', [P], { asPath: seq(65002, 3) }), false);
    h.B!.apply(announce('198.51.100.2', ['203.0.113.128/25'], { asPath: seq(65002, LOCAL_AS) }), false);
    rib.process();
    const rows = ribRoutes(rib).map((r) => `${r.prefix} ${r.peer} ${r.best ? '*' : ' '} ${r.reason}`);
    assert.deepEqual(rows, [
      `198.51.100.64/26 local * best: only route`,
      `${P} A * best: ${CLAUSE_REASONS[Clause.AsPathLength]}`,
      `${P} B   lost: ${CLAUSE_REASONS[Clause.AsPathLength]}`,
      `203.0.113.128/25 B   not accepted: AS loop (RFC 4271 §9.1.2)`,
    ]);
  });
});
