// Adj-RIB-In: explicit and implicit withdrawal, RFC 7606 treat-as-withdraw, received vs accepted, the AS loop
// check with numAllowedLocalASNumbers, RFC 4456 loop checks, and import BGPFilters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { announce, announce6, flush, loc, peerConfig, ribWith, seq, withdraw, LOCAL_AS, ROUTER_ID } from './helpers.js';
import { rule, filter } from '../policy/helpers.js';
import { Afi, Safi } from '../../../src/wire/iana.js';
import { buildUpdate } from '../../../src/wire/update.js';

const A = () => peerConfig('A', '198.51.100.1', 65001);
const B = () => peerConfig('B', '203.0.113.1', 65002, { localAddress: '192.0.2.1' });

describe('Adj-RIB-In', () => {
  it('explicit withdrawal removes the route and tells the other peers', () => {
    const { rib, h } = ribWith([A(), B()]);
    h.A!.apply(announce('198.51.100.1', ['198.51.100.0/25', '198.51.100.128/25'], { asPath: seq(65001) }), false);
    assert.equal(flush(rib, h.B!).size, 2);
    const r = h.A!.apply(withdraw(['198.51.100.0/25', '192.0.2.128/25']), false);
    assert.deepEqual(r, { announced: 0, withdrawn: 1 }, 'withdrawing an unknown prefix counts nothing');
    assert.deepEqual([...flush(rib, h.B!)], [['198.51.100.0/25', null]]);
    assert.equal(h.A!.size, 1);
    assert.equal(loc(rib, '198.51.100.0/25'), undefined);
  });

  it("withdrawing a prefix only another peer holds changes nothing (IPv4 and IPv6)", () => {
    const { rib, h } = ribWith([A(), B()]);
    h.B!.apply(announce('203.0.113.1', ['198.51.100.0/24'], { asPath: seq(65002) }), false);
    h.B!.apply(announce6('2001:db8::b', ['2001:db8:1::/48'], { asPath: seq(65002) }), false);
    rib.process();
    assert.deepEqual(h.A!.apply(withdraw(['198.51.100.0/24']), false), { announced: 0, withdrawn: 0 });
    const w6 = buildUpdate({ mpUnreach: { afi: Afi.IPv6, safi: Safi.Unicast, withdrawn: ['2001:db8:1::/48'] } });
    assert.deepEqual(h.A!.apply(w6, false), { announced: 0, withdrawn: 0 });
    assert.equal(rib.pending, 0, 'no decision to re-run');
    assert.equal(loc(rib, '198.51.100.0/24')!.peer, 'B');
  });

  it('implicit withdrawal: a new announcement replaces the route and releases the old attribute set', () => {
    const { rib, h } = ribWith([A(), B()]);
    h.A!.apply(announce('198.51.100.1', ['198.51.100.0/24'], { asPath: seq(65001, 1) }), false);
    flush(rib, h.B!);
    const before = rib.interner.size;
    h.A!.apply(announce('198.51.100.1', ['198.51.100.0/24'], { asPath: seq(65001, 2) }), false);
    const out = flush(rib, h.B!);
    assert.equal(h.A!.size, 1);
    assert.deepEqual(out.get('198.51.100.0/24')!.attributes.asPath, seq(LOCAL_AS, 65001, 2));
    assert.equal(rib.interner.size, before, 'the replaced sets (received and exported) are gone');
  });

  it('treat-as-withdraw (RFC 7606 §2) withdraws every NLRI of the UPDATE, IPv4 and MP_REACH', () => {
    const { rib, h } = ribWith([A(), B()]);
    h.A!.apply(announce('198.51.100.1', ['198.51.100.0/24'], { asPath: seq(65001) }), false);
    h.A!.apply(announce6('2001:db8::1', ['2001:db8:1::/48'], { asPath: seq(65001) }), false);
    rib.process();
    assert.equal(h.A!.size, 2);
    const bad = buildUpdate({ attributes: { origin: 0, asPath: seq(65001), nextHop: 1 }, nlri: ['198.51.100.0/24'], mpReach: { afi: Afi.IPv6, safi: Safi.Unicast, nextHop: '2001:db8::1', nlri: ['2001:db8:1::/48'] } });
    const r = h.A!.apply(bad, true);
    assert.deepEqual(r, { announced: 0, withdrawn: 2 });
    assert.equal(h.A!.size, 0);
    rib.process();
    assert.equal(rib.v4.locSize + rib.v6.locSize, 0);
  });

  it('clear (session down) empties the Adj-RIB-In and the routes leave the Loc-RIB', () => {
    const { rib, h } = ribWith([A(), B()]);
    h.A!.apply(announce('198.51.100.1', ['198.51.100.0/24', '203.0.113.0/24'], { asPath: seq(65001) }), false);
    flush(rib, h.B!);
    h.A!.down();
    const out = flush(rib, h.B!);
    assert.deepEqual([...out.values()], [null, null]);
    assert.equal(rib.v4.table.size, 0);
    assert.equal(rib.interner.size, 0);
  });

  it('entries() lists received prefixes with their sets', () => {
    const { h } = ribWith([A()]);
    h.A!.apply(announce('198.51.100.1', ['198.51.100.0/24'], { asPath: seq(65001) }), false);
    h.A!.apply(announce6('2001:db8::1', ['2001:db8:1::/48'], { asPath: seq(65001) }), false);
    assert.deepEqual([...h.A!.entries()].map(([p, s]) => `${p} via ${s.nextHop}`), ['198.51.100.0/24 via 198.51.100.1', '2001:db8:1::/48 via 2001:db8::1']);
  });
});

describe('input checks', () => {
  it('AS loop: our AS in the path is rejected unless numAllowedLocalASNumbers allows it', () => {
    for (const [allowed, accepted] of [[0, 0], [1, 1], [2, 1]] as const) {
      const { rib, h } = ribWith([peerConfig('A', '198.51.100.1', 65001, { numAllowedLocalASNumbers: allowed })]);
      h.A!.apply(announce('198.51.100.1', ['198.51.100.0/24'], { asPath: seq(65001, LOCAL_AS, 3) }), false);
      h.A!.apply(announce('198.51.100.1', ['203.0.113.0/24'], { asPath: seq(65001, LOCAL_AS, LOCAL_AS) }), false);
      rib.process();
      assert.equal(h.A!.size, 2, 'both are received');
      assert.equal(h.A!.accepted, accepted + (allowed >= 2 ? 1 : 0), `allowed ${allowed}`);
      assert.equal(loc(rib, '198.51.100.0/24') !== undefined, allowed >= 1);
      assert.equal(loc(rib, '203.0.113.0/24') !== undefined, allowed >= 2);
    }
  });

  it('RFC 4456 §8: our ORIGINATOR_ID or our CLUSTER_ID in the CLUSTER_LIST is a loop', () => {
    const { rib, h } = ribWith([peerConfig('I', '198.51.100.9', LOCAL_AS)], {}, { clusterId: 0x0a000001 });
    h.I!.apply(announce('198.51.100.9', ['198.51.100.0/25'], { originatorId: ROUTER_ID }), false);
    h.I!.apply(announce('198.51.100.9', ['198.51.100.128/25'], { originatorId: 5, clusterList: [7, 0x0a000001] }), false);
    h.I!.apply(announce('198.51.100.9', ['203.0.113.0/24'], { originatorId: 5, clusterList: [7] }), false);
    rib.process();
    assert.equal(h.I!.size, 3);
    assert.equal(h.I!.accepted, 1);
    assert.equal(loc(rib, '198.51.100.0/25'), undefined);
    assert.equal(loc(rib, '198.51.100.128/25'), undefined);
    assert.equal(loc(rib, '203.0.113.0/24')!.peer, 'I');
  });

  it('import BGPFilter rejects per prefix; the route stays received, not accepted; a re-announcement is re-checked', () => {
    const f = filter('no-small', { importV4: [rule('Reject', { cidr: '198.51.100.0/24', op: 'In', min: 25 })] });
    const { rib, h } = ribWith([peerConfig('A', '198.51.100.1', 65001, { filters: ['no-small'] })], { filters: { 'no-small': f } });
    h.A!.apply(announce('198.51.100.1', ['198.51.100.0/24', '198.51.100.0/25', '198.51.100.128/26'], { asPath: seq(65001) }), false);
    rib.process();
    assert.equal(h.A!.size, 3);
    assert.equal(h.A!.accepted, 1);
    assert.ok(loc(rib, '198.51.100.0/24'));
    assert.equal(loc(rib, '198.51.100.0/25'), undefined);
    h.A!.apply(withdraw(['198.51.100.0/25']), false);
    assert.equal(h.A!.accepted, 1);
    assert.equal(h.A!.size, 2);
  });
});
