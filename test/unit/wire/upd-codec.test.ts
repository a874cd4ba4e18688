// UPDATE codec as a whole: builder, round trips at offsets, size limits, and packing prefix columns.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildUpdate, decodeUpdateBody, encodeUpdate, encodeUpdateInto, packUpdates, updateEncodingLength, type PrefixColumns } from '../../../src/wire/update.js';
import { toPrefixEntries, toPrefixStrings } from '../../../src/wire/nlri.js';
import { checkCodec, message } from '../../helpers/codec-check.js';
import { BASE_ATTRS, NLRI_2, body, ctx, decode, expectSuccess, hex, normalize, updateCodec } from './upd-fixtures.js';
import type { PathAttributes } from '../../../src/wire/attributes/types.js';

const ATTRS: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65000, 70000] }], nextHop: 0xc0000201 };

describe('buildUpdate and the codec trio', () => {
  it('builds the same octets as hand assembly', () => {
    const u = buildUpdate({ attributes: ATTRS, nlri: ['198.51.100.0/24', '203.0.113.128/25'] }, ctx());
    checkCodec(updateCodec(ctx()), u, { expected: message(2, body([], BASE_ATTRS, NLRI_2)), normalize });
  });

  it('round trips a message with withdrawals, attributes, NLRI and both MP attributes, with ADD-PATH', () => {
    const c = ctx({ addPath: [[1, 1], [2, 1]] });
    const u = buildUpdate({
      withdrawn: [{ prefix: '192.0.2.0/24', pathId: 3 }],
      attributes: { ...ATTRS, med: 5, communities: [0xfde80001], largeCommunities: [{ globalAdmin: 70000, localData1: 1, localData2: 2 }], otc: 65000 },
      nlri: [{ prefix: '198.51.100.0/24', pathId: 1 }],
      mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'], nlri: [{ prefix: '2001:db8:1::/48', pathId: 2 }] },
      mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8:2::/48', pathId: 4 }] },
    }, c);
    checkCodec(updateCodec(c), u, { normalize });
    const d = expectSuccess(decodeUpdateBody(encodeUpdate(u, c), 19, updateEncodingLength(u, c) - 19, c)).value;
    assert.deepEqual(toPrefixEntries(d.withdrawn), [{ prefix: '192.0.2.0/24', pathId: 3 }]);
    assert.deepEqual(toPrefixEntries(d.mpReach!.nlri), [{ prefix: '2001:db8:1::/48', pathId: 2 }]);
  });

  it('rawAttributes is a view of the received attribute field', () => {
    const b = body([], BASE_ATTRS, NLRI_2);
    const m = expectSuccess(decode(b)).value;
    assert.equal(hex(m.rawAttributes), hex(BASE_ATTRS));
    assert.equal(m.rawAttributes.buffer, b.buffer, 'zero-copy');
    assert.equal(m.nlri.bytes.buffer, b.buffer, 'zero-copy');
  });

  it('refuses to encode past 4096 octets without RFC 8654, and past the buffer', () => {
    const many = Array.from({ length: 1100 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const u = buildUpdate({ attributes: ATTRS, nlri: many }, ctx());
    assert.ok(updateEncodingLength(u, ctx()) > 4096);
    assert.throws(() => encodeUpdate(u, ctx()), { code: 'ERR_BGP_UPDATE_TOO_LONG' });
    assert.equal(encodeUpdate(u, ctx({ extendedMessage: true })).length, updateEncodingLength(u, ctx()));
    const small = buildUpdate({ attributes: ATTRS, nlri: ['198.51.100.0/24'] });
    assert.throws(() => encodeUpdateInto(small, ctx(), new Uint8Array(20), 0), { code: 'ERR_BGP_BUFFER_TOO_SMALL' });
  });
});

function columnsV4(n: number): PrefixColumns {
  const addrs = new Uint32Array(n);
  const lens = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    addrs[i] = (0x0a000000 + i * 256) >>> 0;
    lens[i] = i % 7 === 0 ? 16 : 24;
    if (lens[i] === 16) addrs[i] = addrs[i]! & 0xffff0000;
  }
  return { afi: 1, safi: 1, count: n, addrs, lens };
}

describe('packUpdates', () => {
  it('IPv4 announcements fill 4096-octet messages, every prefix once, in order', () => {
    const cols = columnsV4(3000);
    const msgs = packUpdates(ATTRS, cols, ctx());
    assert.ok(msgs.length > 1);
    const got: string[] = [];
    for (const m of msgs) {
      assert.ok(m.length <= 4096);
      assert.equal((m[16]! << 8) | m[17]!, m.length);
      const r = expectSuccess(decodeUpdateBody(m, 19, m.length - 19, ctx()));
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.value.attributes.asPath, ATTRS.asPath);
      got.push(...toPrefixStrings(r.value.nlri));
    }
    assert.equal(got.length, 3000);
    assert.equal(got[1], '10.0.1.0/24');
    assert.equal(got[7], '10.0.0.0/16');
    // Nearly full: all messages but the last leave less room than one more prefix.
    for (const m of msgs.slice(0, -1)) assert.ok(m.length > 4096 - 5);
  });

  it('IPv4 withdrawals go in Withdrawn Routes with no attributes', () => {
    const msgs = packUpdates(ATTRS, columnsV4(10), ctx(), { withdraw: true });
    assert.equal(msgs.length, 1);
    const r = expectSuccess(decodeUpdateBody(msgs[0]!, 19, msgs[0]!.length - 19, ctx()));
    assert.equal(r.value.withdrawn.count, 10);
    assert.equal(r.value.rawAttributes.length, 0);
  });

  it('IPv6 goes in MP_REACH_NLRI (first attribute) and MP_UNREACH_NLRI, with ADD-PATH ids', () => {
    const c = ctx({ addPath: [[2, 1]] });
    const n = 700;
    const addrs = new Uint32Array(n * 4);
    const lens = new Uint8Array(n).fill(64);
    const pathIds = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      addrs[i * 4] = 0x20010db8;
      addrs[i * 4 + 1] = i;
      pathIds[i] = i + 1;
    }
    const cols = { afi: 2, safi: 1, count: n, addrs, lens, pathIds };
    const msgs = packUpdates({ origin: 0, asPath: [] }, cols, c, { nextHop: { kind: 'ipv6', global: new Uint8Array(16).fill(1) } });
    assert.ok(msgs.length >= 2);
    let total = 0;
    for (const m of msgs) {
      assert.equal(m[23], 0x90, 'MP_REACH_NLRI first, extended length');
      assert.equal(m[24], 14);
      const r = expectSuccess(decodeUpdateBody(m, 19, m.length - 19, c));
      assert.deepEqual(r.errors, []);
      total += r.value.mpReach!.nlri.count;
      if (total === r.value.mpReach!.nlri.count) assert.deepEqual(toPrefixEntries(r.value.mpReach!.nlri)[1], { prefix: '2001:db8:0:1::/64', pathId: 2 });
    }
    assert.equal(total, n);
    const w = packUpdates({}, cols, c, { withdraw: true });
    const r = expectSuccess(decodeUpdateBody(w[0]!, 19, w[0]!.length - 19, c));
    assert.equal(r.value.mpUnreach!.nlri.afi, 2);
  });

  it('refuses a prefix length above the address size and an MP family without next hop', () => {
    assert.throws(() => packUpdates(ATTRS, { afi: 1, safi: 1, count: 1, addrs: Uint32Array.of(0), lens: Uint8Array.of(33) }, ctx()), { code: 'ERR_BGP_BAD_PREFIX' });
    assert.throws(() => packUpdates(ATTRS, { afi: 2, safi: 1, count: 0, addrs: new Uint32Array(0), lens: new Uint8Array(0) }, ctx()), { code: 'ERR_BGP_BAD_NEXT_HOP' });
  });
});

describe('updateToJSON', () => {
  it('renders attributes through the registry formats', async () => {
    const { updateToJSON } = await import('../../../src/wire/update.js');
    const u = buildUpdate({ attributes: { ...ATTRS, communities: [0xffffff01] }, nlri: ['198.51.100.0/24'], mpUnreach: { afi: 2, safi: 1, withdrawn: ['2001:db8::/32'] } });
    assert.deepEqual(updateToJSON(u), {
      withdrawn: [],
      attributes: { origin: 'IGP', asPath: '65000 70000', nextHop: '192.0.2.1', communities: ['NO_EXPORT'] },
      nlri: ['198.51.100.0/24'],
      mpUnreach: { afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8::/32', pathId: 0 }] },
    });
  });
});

describe('attributeSetBytes', () => {
  it('gives the attribute field without MP attributes: equal sets, equal keys', async () => {
    const { attributeSetBytes } = await import('../../../src/wire/attributes/encode.js');
    const a = attributeSetBytes(ATTRS, ctx());
    assert.equal(hex(a), hex(BASE_ATTRS));
    const withMp = expectSuccess(decode(body([], BASE_ATTRS, NLRI_2))).value;
    assert.equal(hex(attributeSetBytes(withMp.attributes, ctx())), hex(a));
  });
});
