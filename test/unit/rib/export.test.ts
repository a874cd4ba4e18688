// Export rules: eBGP prepend and next hop self, iBGP split horizon and RFC 4456 reflection, nextHopMode,
// not back to the sender, this node's own routes, and export BGPFilters over calico/node's default policy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { announce, announce6, flush, peerConfig, readOut, ribWith, seq, CTX as ctx, LOCAL_AS, resolvedConfig as resolved } from './helpers.js';
import type { RibPeerHandle } from '../../../src/rib/rib.js';
import { rule, filter } from '../policy/helpers.js';

const P = '198.51.100.0/24';
const ext = (name: string, ip: string, as: number, over = {}) => peerConfig(name, ip, as, { localAddress: '192.0.2.1', ...over });
const int = (name: string, ip: string, over = {}) => peerConfig(name, ip, LOCAL_AS, { localAddress: '192.0.2.1', ...over });

describe('eBGP export', () => {
  it('prepends the per-peer local AS, sets next hop self, drops LOCAL_PREF, MED and RR attributes', () => {
    const { rib, h } = ribWith([ext('A', '198.51.100.1', 65001), ext('B', '203.0.113.1', 65002, { localAS: 65100 })]);
    h.A!.apply(announce('198.51.100.1', [P], { asPath: seq(65001, 7), med: 5, localPref: 300, communities: [0xfde90001] }), false);
    const r = flush(rib, h.B!).get(P)!;
    assert.deepEqual(r.attributes.asPath, seq(65100, 65001, 7));
    assert.equal(r.nextHop, '192.0.2.1');
    assert.equal(r.attributes.localPref, undefined);
    assert.equal(r.attributes.med, undefined);
    assert.deepEqual(r.attributes.communities, [0xfde90001], 'transitive attributes pass');
  });

  it('never sends a route back to the peer it came from (withdrawn there if it was advertised)', () => {
    const { rib, h } = ribWith([ext('A', '198.51.100.1', 65001), ext('B', '203.0.113.1', 65002)]);
    h.B!.apply(announce('203.0.113.1', [P], { asPath: seq(65002, 5, 6) }), false);
    rib.process();
    assert.equal(flush(rib, h.A!).size, 1);
    assert.equal(h.B!.takeUpdates(ctx).length, 0, 'B gets nothing: the route is its own');
    h.A!.apply(announce('198.51.100.1', [P], { asPath: seq(65001) }), false); // A's shorter path wins
    rib.process();
    assert.deepEqual([...flush(rib, h.A!)], [[P, null]], 'A loses the route it now sends itself');
    assert.equal(flush(rib, h.B!).get(P)!.attributes.asPath![0]!.asns.join(' '), `${LOCAL_AS} 65001`);
  });

  it('nextHopMode Keep passes the received next hop to an eBGP peer', () => {
    const { rib, h } = ribWith([ext('A', '198.51.100.1', 65001), ext('B', '203.0.113.1', 65002, { nextHopMode: 'Keep' })]);
    h.A!.apply(announce('198.51.100.7', [P], { asPath: seq(65001) }), false);
    assert.equal(flush(rib, h.B!).get(P)!.nextHop, '198.51.100.7');
  });
});

describe('iBGP and route reflection (RFC 4271 §9.2, RFC 4456 §8)', () => {
  const CLUSTER = 0x0a0a0a0a;
  const setup = () => ribWith([
    int('C1', '198.51.100.11', { routeReflectorClient: true }),
    int('C2', '198.51.100.12', { routeReflectorClient: true }),
    int('N1', '198.51.100.21'),
    int('N2', '198.51.100.22'),
    ext('E', '203.0.113.1', 65002),
  ], {}, { clusterId: CLUSTER });

  it('a client route is reflected to clients and non-clients, with ORIGINATOR_ID and CLUSTER_LIST', () => {
    const { rib, h } = setup();
    h.C1!.apply(announce('198.51.100.11', [P], { localPref: 150 }), false);
    rib.process();
    for (const to of ['C2', 'N1', 'N2']) {
      const r = readOne(h[to]!, P);
      assert.equal(r.attributes.originatorId, 0xc6336401, `${to}: ORIGINATOR_ID is C1's router ID`);
      assert.deepEqual(r.attributes.clusterList, [CLUSTER]);
      assert.equal(r.attributes.localPref, 150);
      assert.equal(r.nextHop, '198.51.100.11', `${to}: Auto keeps the next hop when reflecting`);
      assert.deepEqual(r.attributes.asPath, []);
    }
    assert.equal(h.C1!.takeUpdates({ ...ctx, ibgp: true }).length, 0);
    const e = readOne(h.E!, P);
    assert.equal(e.attributes.originatorId, undefined);
    assert.equal(e.attributes.clusterList, undefined);
    assert.deepEqual(e.attributes.asPath, seq(LOCAL_AS));
  });

  it('a non-client route goes to clients only; an existing CLUSTER_LIST is prepended to', () => {
    const { rib, h } = setup();
    h.N1!.apply(announce('198.51.100.21', [P], { originatorId: 0x01020304, clusterList: [0x05050505] }), false);
    rib.process();
    for (const to of ['C1', 'C2']) {
      const r = readOne(h[to]!, P);
      assert.equal(r.attributes.originatorId, 0x01020304, 'an existing ORIGINATOR_ID is kept');
      assert.deepEqual(r.attributes.clusterList, [CLUSTER, 0x05050505]);
    }
    assert.equal(h.N2!.takeUpdates({ ...ctx, ibgp: true }).length, 0, 'non-client to non-client: not reflected');
    assert.ok(readOne(h.E!, P));
  });

  it('without route reflector clients, iBGP-learned routes go to eBGP peers only; eBGP-learned go to all', () => {
    const { rib, h } = ribWith([int('I1', '198.51.100.11'), int('I2', '198.51.100.12'), ext('E', '203.0.113.1', 65002)]);
    h.I1!.apply(announce('198.51.100.11', [P]), false);
    h.E!.apply(announce('203.0.113.1', ['203.0.113.0/24'], { asPath: seq(65002), med: 9 }), false);
    rib.process();
    const i2 = readAll(h.I2!);
    assert.equal(i2.get(P), undefined);
    const fromE = i2.get('203.0.113.0/24')!;
    assert.equal(fromE.nextHop, '203.0.113.1', 'Auto keeps the eBGP next hop towards iBGP peers');
    assert.equal(fromE.attributes.localPref, 100);
    assert.equal(fromE.attributes.med, 9, 'MED goes to internal peers');
    assert.equal(fromE.attributes.originatorId, undefined, 'not reflected: no ORIGINATOR_ID');
    assert.ok(readAll(h.E!).get(P));
  });

  it('a peer that becomes a route reflector client has its routes reflected to the others', () => {
    const peers = [int('N1', '198.51.100.21'), int('N2', '198.51.100.22')];
    const { rib, h } = ribWith(peers);
    h.N1!.apply(announce('198.51.100.21', [P]), false);
    rib.process();
    assert.equal(readAll(h.N2!).size, 0);
    const now = [int('N1', '198.51.100.21', { routeReflectorClient: true }), peers[1]!];
    rib.configure(resolved({ peers: now }));
    rib.process();
    assert.equal(readOne(h.N2!, P).attributes.originatorId, 0xc6336401);
    // The client re-establishes with another BGP Identifier: the reflected ORIGINATOR_ID follows.
    h.N1!.down();
    rib.process();
    assert.equal(readAll(h.N2!).get(P), null);
    h.N1!.established(0x0b0b0b0b, [1], true);
    h.N1!.apply(announce('198.51.100.21', [P]), false);
    rib.process();
    assert.equal(readOne(h.N2!, P).attributes.originatorId, 0x0b0b0b0b);
  });

  it('nextHopMode Self sets our address when reflecting', () => {
    const { rib, h } = ribWith([int('C1', '198.51.100.11', { routeReflectorClient: true }), int('C2', '198.51.100.12', { routeReflectorClient: true, nextHopMode: 'Self' })]);
    h.C1!.apply(announce('198.51.100.11', [P]), false);
    rib.process();
    assert.equal(readOne(h.C2!, P).nextHop, '192.0.2.1');
  });
});

describe("this node's routes and calico/node's export policy", () => {
  it('own blocks and service ranges go to every peer with next hop self; more specifics of a block learned from a peer do not', () => {
    const { rib, h } = ribWith([ext('E', '203.0.113.1', 65002), int('I', '198.51.100.11'), ext('F', '203.0.113.2', 65003)], { blocks: ['198.51.100.64/26', '2001:db8:7::/122'], serviceClusterIPs: ['198.51.100.192/27'] });
    h.F!.apply(announce('203.0.113.2', ['198.51.100.64/28', '198.51.100.0/26'], { asPath: seq(65003) }), false);
    rib.process();
    const e = readAll(h.E!);
    assert.deepEqual([...e.keys()].sort(), ['198.51.100.0/26', '198.51.100.192/27', '198.51.100.64/26', '2001:db8:7::/122']);
    assert.deepEqual(e.get('198.51.100.64/26')!.attributes.asPath, seq(LOCAL_AS));
    assert.equal(e.get('198.51.100.64/26')!.nextHop, '192.0.2.1');
    assert.equal(e.get('2001:db8:7::/122')!.nextHop, '2001:db8::1', 'IPv6 next hop self is the node address');
    const i = readAll(h.I!);
    assert.deepEqual(i.get('198.51.100.64/26')!.attributes.asPath, []);
    assert.equal(i.get('198.51.100.64/26')!.attributes.localPref, 100);
    assert.equal(i.get('198.51.100.64/26')!.nextHop, '192.0.2.1');
  });

  it('ipPools limits which learned routes the default policy re-advertises', () => {
    const { rib, h } = ribWith([ext('E', '203.0.113.1', 65002), ext('F', '203.0.113.2', 65003)], {}, { ipPools: ['198.51.100.0/24'] });
    h.F!.apply(announce('203.0.113.2', ['198.51.100.0/26', '203.0.113.0/25'], { asPath: seq(65003) }), false);
    rib.process();
    assert.deepEqual([...readAll(h.E!).keys()], ['198.51.100.0/26']);
  });

  it('export BGPFilter: reject wins over the default; accept exports what the default would not', () => {
    const f = filter('out', { exportV4: [rule('Reject', { cidr: '198.51.100.192/27', op: 'Equal' }), rule('Accept', { cidr: '198.51.100.64/26', op: 'In' })] });
    const { rib, h } = ribWith([ext('E', '203.0.113.1', 65002, { filters: ['out'] }), ext('F', '203.0.113.2', 65003)], { filters: { out: f }, blocks: ['198.51.100.64/26'], serviceClusterIPs: ['198.51.100.192/27'] });
    h.F!.apply(announce('203.0.113.2', ['198.51.100.64/28'], { asPath: seq(65003) }), false);
    rib.process();
    assert.deepEqual([...readAll(h.E!).keys()].sort(), ['198.51.100.64/26', '198.51.100.64/28']);
  });

  it('configure() with changed blocks withdraws the old local route and re-exports', () => {
    const peers = [ext('E', '203.0.113.1', 65002)];
    const { rib, h } = ribWith(peers, { blocks: ['198.51.100.64/26'] });
    rib.process();
    assert.deepEqual([...readAll(h.E!).keys()], ['198.51.100.64/26']);
    rib.configure(resolved({ blocks: ['198.51.100.128/26'], peers }));
    rib.process();
    assert.deepEqual([...readAll(h.E!)].map(([k, v]) => `${k} ${v === null ? 'withdrawn' : 'announced'}`).sort(), ['198.51.100.128/26 announced', '198.51.100.64/26 withdrawn']);
  });

  it('IPv6 routes learned from a peer are exported in MP_REACH_NLRI with next hop self', () => {
    const { rib, h } = ribWith([ext('A', '198.51.100.1', 65001), ext('B', '203.0.113.1', 65002)]);
    h.A!.apply(announce6('2001:db8:ffff::1', ['2001:db8:1::/48'], { asPath: seq(65001) }), false);
    rib.process();
    const r = readOne(h.B!, '2001:db8:1::/48');
    assert.equal(r.nextHop, '2001:db8::1');
    assert.deepEqual(r.attributes.asPath, seq(LOCAL_AS, 65001));
  });
});

/** Encode and decode with the session's context (iBGP sessions carry LOCAL_PREF, RFC 4271 §5.1.5). */
function readAll(h: RibPeerHandle) {
  const c = { ...ctx, ibgp: !h.peer.ebgp };
  return readOut(h.takeUpdates(c), c).routes;
}
function readOne(h: RibPeerHandle, p: string) {
  const r = readAll(h).get(p);
  assert.ok(r, `${p} was advertised`);
  return r;
}
