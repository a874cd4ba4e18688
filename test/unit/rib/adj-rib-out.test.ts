// Adj-RIB-Out → UPDATE bytes: decoding what was produced gives back exactly the intended routes, for many
// prefixes over several attribute sets (IPv4 body, IPv6 MP_REACH), withdrawals, a full re-send for
// ROUTE-REFRESH, End-of-RIB, and a 2-octet AS session (AS4_PATH).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { announce, announce6, CTX, peerConfig, readOut, ribWith, seq, withdraw, LOCAL_AS } from './helpers.js';
import { Afi, HEADER_LENGTH } from '../../../src/wire/iana.js';
import { decodeUpdateBody } from '../../../src/wire/update.js';
import { PrefixTable } from '../../../src/rib/prefix-table.js';

const ext = (name: string, ip: string, as: number) => peerConfig(name, ip, as, { localAddress: '192.0.2.1' });

// Every prefix of length 24..32 inside the three IPv4 TEST-NETs: 1,533 distinct prefixes.
const TEST_NET_PREFIXES: string[] = [];
for (const net of [0xc0000200, 0xc6336400, 0xcb007100]) {
  for (let len = 24; len <= 32; len++) {
    for (let k = 0; k < 1 << (len - 24); k++) {
      const a = (net + (k << (32 - len))) >>> 0;
      TEST_NET_PREFIXES.push(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${len}`);
    }
  }
}
const v4 = (i: number, _len?: number): string => TEST_NET_PREFIXES[i]!;

describe('Adj-RIB-Out packing', () => {
  it('round trip: 1500 prefixes over 3 attribute sets and IPv6 decode to exactly the intended routes', () => {
    const { rib, h } = ribWith([ext('A', '198.51.100.1', 65001), ext('B', '203.0.113.1', 65002)]);
    const intended = new Map<string, string>();
    for (let s = 0; s < 3; s++) {
      const prefixes: string[] = [];
      for (let i = s * 500; i < (s + 1) * 500; i++) prefixes.push(v4(i, 24));
      for (let k = 0; k < prefixes.length; k += 250) h.A!.apply(announce('198.51.100.1', prefixes.slice(k, k + 250), { asPath: seq(65001, 100 + s), communities: s === 1 ? [0xfde90064] : undefined }), false);
      for (const p of prefixes) intended.set(p, `${LOCAL_AS} 65001 ${100 + s}|${s === 1 ? 'c' : ''}`);
    }
    h.A!.apply(announce6('2001:db8::a', ['2001:db8:1::/48', '2001:db8:2::/48'], { asPath: seq(65001) }), false);
    rib.process();
    const msgs = h.B!.takeUpdates(CTX);
    for (const m of msgs) assert.ok(m.length <= 4096, 'every message fits 4096 octets');
    const { routes } = readOut(msgs);
    assert.equal(routes.size, 1502);
    for (const [p, want] of intended) {
      const r = routes.get(p);
      assert.ok(r, p);
      assert.equal(`${r.attributes.asPath![0]!.asns.join(' ')}|${r.attributes.communities ? 'c' : ''}`, want, p);
      assert.equal(r.nextHop, '192.0.2.1');
    }
    assert.equal(routes.get('2001:db8:2::/48')!.nextHop, '2001:db8::1');
    assert.ok(msgs.length <= 3 * 2 + 1, `grouped by attribute set (${msgs.length} messages)`);
    assert.equal(h.B!.advertised, 1502);

    // Withdraw a third: the messages carry exactly those withdrawals.
    const gone: string[] = [];
    for (let i = 0; i < 500; i += 1) gone.push(v4(i * 3, 24));
    for (let k = 0; k < gone.length; k += 300) h.A!.apply(withdraw(gone.slice(k, k + 300)), false);
    rib.process();
    const w = readOut(h.B!.takeUpdates(CTX)).routes;
    assert.equal(w.size, 500);
    for (const p of gone) assert.equal(w.get(p), null, p);
    assert.equal(h.B!.advertised, 1002);
  });

  it('ROUTE-REFRESH re-sends the whole Adj-RIB-Out of the family; End-of-RIB decodes as such', () => {
    const { rib, h } = ribWith([ext('A', '198.51.100.1', 65001), ext('B', '203.0.113.1', 65002)]);
    h.A!.apply(announce('198.51.100.1', [v4(1, 24), v4(2, 24)], { asPath: seq(65001) }), false);
    h.A!.apply(announce6('2001:db8::a', ['2001:db8:1::/48'], { asPath: seq(65001) }), false);
    rib.process();
    assert.equal(readOut(h.B!.takeUpdates(CTX)).routes.size, 3);
    assert.equal(h.B!.takeUpdates(CTX).length, 0, 'nothing queued twice');
    h.B!.refresh(Afi.IPv4);
    const again = readOut([...h.B!.takeUpdates(CTX), h.B!.endOfRib(Afi.IPv4, CTX), h.B!.endOfRib(Afi.IPv6, CTX)]);
    assert.deepEqual([...again.routes.keys()].sort(), [v4(1, 24), v4(2, 24)]);
    assert.equal(again.eor, 2);
  });

  it('a 2-octet AS session gets AS_TRANS and AS4_PATH for 4-octet ASNs (RFC 6793)', () => {
    const { rib, h } = ribWith([ext('A', '198.51.100.1', 65001), ext('B', '203.0.113.1', 65002)]);
    h.A!.apply(announce('198.51.100.1', [v4(1, 24)], { asPath: seq(65001, 4200000000) }), false);
    rib.process();
    const ctx2 = { ...CTX, fourOctetAs: false };
    const [m] = h.B!.takeUpdates(ctx2);
    const r = decodeUpdateBody(m!, HEADER_LENGTH, m!.length - HEADER_LENGTH, ctx2);
    assert.ok(r.ok);
    assert.deepEqual(r.value.attributes.asPath, seq(LOCAL_AS, 65001, 4200000000), 'AS4_PATH merged back on decode');
  });

  it('a session that goes down and comes back gets the full table again', () => {
    const { rib, h } = ribWith([ext('A', '198.51.100.1', 65001), ext('B', '203.0.113.1', 65002)]);
    h.A!.apply(announce('198.51.100.1', [v4(1, 24), v4(2, 24)], { asPath: seq(65001) }), false);
    rib.process();
    h.B!.takeUpdates(CTX);
    h.B!.down();
    rib.process();
    assert.equal(h.B!.advertised, 0);
    h.B!.established(0xcb007101, [Afi.IPv4], true);
    assert.equal(readOut(h.B!.takeUpdates(CTX)).routes.size, 2);
  });
});

describe('PrefixTable', () => {
  it('agrees with a Map under random interning and release (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 32 })), { maxLength: 600 }), (ops) => {
        const t = new PrefixTable(1, 4);
        const ref = new Map<string, number>();
        for (const [add, n, len] of ops) {
          const addr = len === 0 ? 0 : ((n * 0x01010101) & (-1 << (32 - len))) >>> 0;
          const key = `${addr}/${len}`;
          if (add) {
            const slot = t.intern4(addr, len);
            if (ref.has(key)) assert.equal(slot, ref.get(key));
            else {
              assert.ok(![...ref.values()].includes(slot), 'a live slot is never handed out twice');
              ref.set(key, slot);
            }
          } else if (ref.has(key)) {
            t.release(ref.get(key)!);
            ref.delete(key);
          }
          assert.equal(t.size, ref.size);
        }
        for (const [key, slot] of ref) {
          const [a, l] = key.split('/').map(Number) as [number, number];
          assert.equal(t.find4(a, l), slot);
          assert.equal(t.addrs[slot], a);
        }
      }),
      { numRuns: 200, interruptAfterTimeLimit: 5000 },
    );
  });

  it('IPv6 prefixes and their text form', () => {
    const t = new PrefixTable(4, 2);
    const w = (s: string) => Uint32Array.from(s.split(' ').map((x) => parseInt(x, 16)));
    const a = t.intern6(w('20010db8 00010000 0 0'), 0, 48);
    const b = t.intern6(w('20010db8 0 0 1'), 0, 128);
    const c = t.intern6(w('20010db8 00010000 0 0'), 0, 64);
    assert.equal(t.intern6(w('20010db8 00010000 0 0'), 0, 48), a);
    assert.deepEqual([t.text(a), t.text(b), t.text(c)], ['2001:db8:1::/48', '2001:db8::1/128', '2001:db8:1::/64']);
    assert.equal(t.size, 3);
  });
});
