// Graceful restart, receiving speaker (RFC 4724 §4.2), RIB side: stale marks per peer and family (src/rib/stale.ts)
// driven through RibPeerHandle — marking on a graceful session end, clearing on re-announcement and withdrawal,
// the sweep, families not kept, and what other peers and `tsbgpd routes` see meanwhile.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { announce, announce6, flush, loc, peerConfig, ribWith, seq, withdraw } from './helpers.js';
import { Afi } from '../../../src/wire/iana.js';
import { StaleMarks } from '../../../src/rib/stale.js';
import { ribRoutes } from '../../../src/rib/table.js';

const A = () => peerConfig('A', '198.51.100.1', 65001);
const B = () => peerConfig('B', '203.0.113.1', 65002, { localAddress: '192.0.2.1' });

describe('StaleMarks', () => {
  it('behaves as a set of slots (property, against a Set)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20_000 })), { maxLength: 300 }), (ops) => {
      const m = new StaleMarks();
      const ref = new Set<number>();
      for (const [add, slot] of ops) {
        if (add) {
          m.mark(slot);
          ref.add(slot);
        } else assert.equal(m.unmark(slot), ref.delete(slot));
      }
      assert.equal(m.size, ref.size);
      const seen: number[] = [];
      m.forEach((s) => seen.push(s));
      assert.deepEqual(seen, [...ref].sort((x, y) => x - y));
      for (const s of ref) assert.ok(m.has(s));
    }), { numRuns: 200 });
  });

  it('slot 31 and 4095 / 4096 (word and page edges) are distinct bits', () => {
    const m = new StaleMarks();
    for (const s of [31, 32, 4095, 4096]) m.mark(s);
    m.mark(31);
    assert.equal(m.size, 4);
    assert.equal(m.unmark(4095), true);
    assert.equal(m.has(4096), true);
    assert.equal(m.has(4095), false);
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.has(31), false);
  });
});

describe('RibPeerHandle stale routes (RFC 4724 §4.2)', () => {
  function setup() {
    const r = ribWith([A(), B()]);
    r.h.A!.apply(announce('198.51.100.1', ['198.51.100.0/25', '198.51.100.128/25', '203.0.113.0/26'], { asPath: seq(65001) }), false);
    r.h.A!.apply(announce6('2001:db8::a', ['2001:db8:1::/48', '2001:db8:2::/48'], { asPath: seq(65001) }), false);
    flush(r.rib, r.h.B!);
    return r;
  }

  it('a graceful end keeps the listed families stale in the Loc-RIB, removes the others, and B hears nothing', () => {
    const { rib, h } = setup();
    h.A!.downGraceful([Afi.IPv4]);
    assert.equal(h.A!.staleCount(Afi.IPv4), 3);
    assert.equal(h.A!.staleCount(Afi.IPv6), 0);
    const out = flush(rib, h.B!);
    assert.deepEqual([...out.entries()].filter(([, v]) => v !== null), [], 'nothing new announced');
    assert.deepEqual([...out.keys()].sort(), ['2001:db8:1::/48', '2001:db8:2::/48'], 'only IPv6 (not kept) is withdrawn');
    assert.equal(loc(rib, '198.51.100.0/25')!.peer, 'A', 'the stale route is still best');
    const rows = ribRoutes(rib).filter((r) => r.peer === 'A');
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.stale && r.best));
  });

  it('re-announced routes lose the mark, the sweep removes the rest, and B gets exactly that withdrawal', () => {
    const { rib, h } = setup();
    h.A!.downGraceful([Afi.IPv4, Afi.IPv6]);
    rib.process();
    h.A!.established(0xc6336401, [Afi.IPv4, Afi.IPv6], true);
    h.B!.takeUpdates({ fourOctetAs: true, extendedMessage: false, addPathReceive: new Set(), addPathSend: new Set(), extendedNextHop: new Set(), ibgp: false });
    h.A!.apply(announce('198.51.100.1', ['198.51.100.0/25'], { asPath: seq(65001) }), false); // same route again
    h.A!.apply(withdraw(['198.51.100.128/25']), false);
    assert.equal(h.A!.staleCount(Afi.IPv4), 1, 'one re-announced, one withdrawn: 203.0.113.0/26 left');
    assert.equal(h.A!.isStale(Afi.IPv4, rib.v4.table.find4(0xcb007100, 26)), true);
    assert.deepEqual([...flush(rib, h.B!)], [['198.51.100.128/25', null]], 'the unchanged re-announcement sends nothing');
    assert.equal(h.A!.sweepStale(Afi.IPv4), 1);
    assert.deepEqual([...flush(rib, h.B!)], [['203.0.113.0/26', null]]);
    assert.equal(h.A!.staleCount(), 2, 'IPv6 still waits for its own End-of-RIB');
    assert.equal(h.A!.sweepStale(Afi.IPv6), 2);
    assert.equal(h.A!.size, 1);
    assert.ok(ribRoutes(rib).every((r) => !r.stale));
  });

  it('a second graceful end marks the new routes too; a NOTIFICATION end (down) clears routes and marks', () => {
    const { rib, h } = setup();
    h.A!.downGraceful([Afi.IPv4]);
    h.A!.established(0xc6336401, [Afi.IPv4], true);
    h.A!.apply(announce('198.51.100.1', ['192.0.2.128/25'], { asPath: seq(65001) }), false);
    assert.equal(h.A!.staleCount(Afi.IPv4), 3);
    h.A!.downGraceful([Afi.IPv4]);
    assert.equal(h.A!.staleCount(Afi.IPv4), 4);
    h.A!.down();
    assert.equal(h.A!.staleCount(), 0);
    assert.equal(h.A!.size, 0);
    rib.process();
    assert.equal(loc(rib, '198.51.100.0/25'), undefined);
  });

  it('a slot freed by a sweep and reused for another prefix is not stale', () => {
    const { rib, h } = setup();
    h.A!.downGraceful([Afi.IPv4]);
    h.A!.sweepStale(Afi.IPv4);
    rib.process();
    h.A!.apply(announce('198.51.100.1', ['192.0.2.128/25', '192.0.2.0/25', '192.0.2.64/26'], { asPath: seq(65001) }), false);
    assert.equal(h.A!.staleCount(), 0);
    assert.ok(ribRoutes(rib).every((r) => !r.stale));
  });

  it('clearFamily removes one family at once', () => {
    const { rib, h } = setup();
    h.A!.downGraceful([Afi.IPv4, Afi.IPv6]);
    h.A!.clearFamily(Afi.IPv6);
    assert.equal(h.A!.staleCount(Afi.IPv6), 0);
    assert.equal(h.A!.staleCount(Afi.IPv4), 3);
    rib.process();
    assert.equal(rib.v6.locSize, 0);
    assert.equal(rib.v4.locSize, 3);
  });
});
