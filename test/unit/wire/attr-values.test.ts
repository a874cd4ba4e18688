// Each path attribute from hand-assembled octets: the decoded value, and the same octets back on encode.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeUpdate, type UpdateMessage } from '../../../src/wire/update.js';
import { formatAttribute, rowForCode, ATTRIBUTE_ROWS } from '../../../src/wire/attributes/registry.js';
import type { CodecContext } from '../../../src/wire/types.js';
import { checkCodec, message } from '../../helpers/codec-check.js';
import { BASE_ATTRS, NLRI_2, attr, body, bytes, concat, ctx, decode, expectSuccess, hex, normalize, updateCodec } from './upd-fixtures.js';

/** Decode BASE_ATTRS + `extra`, return the message; assert encode gives the very same octets. */
function golden(extra: Uint8Array, c: CodecContext = ctx(), base: Uint8Array = BASE_ATTRS): UpdateMessage {
  const b = body([], concat(base, extra), NLRI_2);
  const r = expectSuccess(decode(b, c));
  assert.deepEqual(r.errors, [], 'clean decode');
  const whole = message(2, b);
  assert.equal(hex(encodeUpdate(r.value, c)), hex(whole), 'encode(decode(bytes)) === bytes');
  checkCodec(updateCodec(c), r.value, { expected: whole, normalize });
  return r.value;
}

describe('path attribute values (hand-assembled)', () => {
  it('ORIGIN, AS_PATH (4-octet), NEXT_HOP (RFC 4271 §4.3)', () => {
    const m = golden(new Uint8Array(0));
    assert.equal(m.attributes.origin, 0);
    assert.deepEqual(m.attributes.asPath, [{ type: 2, asns: [65000, 70000] }]);
    assert.equal(m.attributes.nextHop, 0xc0000201);
    assert.equal(formatAttribute('nextHop', m.attributes.nextHop), '192.0.2.1');
    assert.equal(formatAttribute('origin', 2), 'INCOMPLETE');
  });

  it('AS_PATH with every segment type (RFC 4271 §4.3, RFC 5065 §3), 2-octet session', () => {
    const p = attr(0x40, 2, bytes('03 01 fde9  04 02 fdea fdeb  02 02 fde8 0001  01 02 0002 0003'));
    const base = concat(attr(0x40, 1, [2]), p, attr(0x40, 3, [192, 0, 2, 1]));
    const m = golden(new Uint8Array(0), ctx({ fourOctetAs: false }), base);
    assert.deepEqual(m.attributes.asPath, [
      { type: 3, asns: [65001] },
      { type: 4, asns: [65002, 65003] },
      { type: 2, asns: [65000, 1] },
      { type: 1, asns: [2, 3] },
    ]);
    assert.equal(formatAttribute('asPath', m.attributes.asPath), '(65001) [65002 65003] 65000 1 {2 3}');
  });

  it('an empty AS_PATH (iBGP-originated) is well-formed', () => {
    const base = concat(attr(0x40, 1, [0]), attr(0x40, 2, []), attr(0x40, 3, [192, 0, 2, 1]));
    const m = golden(new Uint8Array(0), ctx({ ibgp: true }), base);
    assert.deepEqual(m.attributes.asPath, []);
  });

  it('MULTI_EXIT_DISC (RFC 4271 §5.1.4)', () => {
    assert.equal(golden(attr(0x80, 4, [0, 0, 1, 0])).attributes.med, 256);
  });

  it('LOCAL_PREF on iBGP (RFC 4271 §5.1.5)', () => {
    assert.equal(golden(attr(0x40, 5, [0, 0, 0, 200]), ctx({ ibgp: true })).attributes.localPref, 200);
  });

  it('ATOMIC_AGGREGATE and AGGREGATOR, 4-octet (RFC 4271 §5.1.6-7, RFC 6793 §3)', () => {
    const m = golden(concat(attr(0x40, 6), attr(0xc0, 7, [0, 1, 0x11, 0x70, 192, 0, 2, 9])));
    assert.equal(m.attributes.atomicAggregate, true);
    assert.deepEqual(m.attributes.aggregator, { asn: 70000, address: 0xc0000209 });
    assert.deepEqual(formatAttribute('aggregator', m.attributes.aggregator), { asn: 70000, address: '192.0.2.9' });
  });

  it('AGGREGATOR, 2-octet session (6 octets)', () => {
    const base = concat(attr(0x40, 1, [0]), attr(0x40, 2, [2, 1, 0xfd, 0xe8]), attr(0x40, 3, [192, 0, 2, 1]));
    const m = golden(attr(0xc0, 7, [0xfd, 0xe8, 192, 0, 2, 9]), ctx({ fourOctetAs: false }), base);
    assert.deepEqual(m.attributes.aggregator, { asn: 65000, address: 0xc0000209 });
  });

  it('COMMUNITIES (RFC 1997) with well-known names', () => {
    const m = golden(attr(0xc0, 8, bytes('fde80064 ffffff01 ffff029a')));
    assert.deepEqual(m.attributes.communities, [0xfde80064, 0xffffff01, 0xffff029a]);
    assert.deepEqual(formatAttribute('communities', m.attributes.communities), ['65000:100', 'NO_EXPORT', 'BLACKHOLE']);
  });

  it('ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8)', () => {
    const m = golden(concat(attr(0x80, 9, [192, 0, 2, 7]), attr(0x80, 10, [198, 51, 100, 1, 198, 51, 100, 2])), ctx({ ibgp: true }));
    assert.equal(m.attributes.originatorId, 0xc0000207);
    assert.deepEqual(formatAttribute('clusterList', m.attributes.clusterList), ['198.51.100.1', '198.51.100.2']);
  });

  it('EXTENDED COMMUNITIES (RFC 4360 §3: route target 2-octet AS)', () => {
    const m = golden(attr(0xc0, 16, bytes('0002 fde8 00000064')));
    assert.deepEqual(m.attributes.extCommunities, [{ type: 0, subtype: 2, value: bytes('fde800000064') }]);
  });

  it('IPv6 Address Specific Extended Community (RFC 5701 §2)', () => {
    const m = golden(attr(0xc0, 25, bytes('0002 20010db8000000000000000000000001 0064')));
    const c = m.attributes.ipv6ExtCommunities![0]!;
    assert.equal(c.subtype, 2);
    assert.equal(c.localAdmin, 100);
    assert.deepEqual(formatAttribute('ipv6ExtCommunities', m.attributes.ipv6ExtCommunities), ['0x0002:2001:db8::1:100']);
  });

  it('LARGE_COMMUNITY (RFC 8092 §3)', () => {
    const m = golden(attr(0xc0, 32, bytes('00011170 00000001 00000002')));
    assert.deepEqual(m.attributes.largeCommunities, [{ globalAdmin: 70000, localData1: 1, localData2: 2 }]);
    assert.deepEqual(formatAttribute('largeCommunities', m.attributes.largeCommunities), ['70000:1:2']);
  });

  it('ONLY_TO_CUSTOMER (RFC 9234 §5)', () => {
    assert.equal(golden(attr(0xc0, 35, [0, 0, 0xfd, 0xe8])).attributes.otc, 65000);
  });

  it('extended length kept when received for a short value, used when a value exceeds 255', () => {
    const m = golden(attr(0xd0, 8, [0, 0, 0, 1]));
    assert.deepEqual(m.attributes.wire?.extendedLength, [8]);
    const many = Array.from({ length: 70 }, (_, i) => i + 1);
    const long = expectSuccess(decode(body([], BASE_ATTRS, NLRI_2))).value;
    const out = encodeUpdate({ ...long, attributes: { ...long.attributes, communities: many } }, ctx());
    const at = out.indexOf(8, 19 + 4 + BASE_ATTRS.length - 1);
    assert.equal(out[at - 1], 0xd0, 'COMMUNITIES of 280 octets gets the Extended Length bit');
    assert.equal((out[at + 1]! << 8) | out[at + 2]!, 280);
  });

  it('received attribute order is kept for byte-exact forwarding', () => {
    const attrs = concat(attr(0x40, 3, [192, 0, 2, 1]), attr(0x40, 1, [0]), attr(0x40, 2, [2, 1, 0, 0, 0xfd, 0xe8]));
    const b = body([], attrs, NLRI_2);
    const m = expectSuccess(decode(b)).value;
    assert.deepEqual(m.attributes.wire?.order, [3, 1, 2]);
    assert.equal(hex(encodeUpdate(m, ctx())), hex(message(2, b)));
  });

  it('the Partial bit of a recognized optional transitive attribute is kept (RFC 4271 §5)', () => {
    const m = golden(attr(0xe0, 8, [0, 0, 0, 1]));
    assert.deepEqual(m.attributes.wire?.partial, [8]);
  });

  it('the registry has one row per type code, flags per RFC 4271 §5', () => {
    const codes = ATTRIBUTE_ROWS.map((r) => r.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(rowForCode(1)?.flags, 0x40);
    assert.equal(rowForCode(4)?.flags, 0x80);
    assert.equal(rowForCode(8)?.flags, 0xc0);
    assert.equal(rowForCode(14)?.flags, 0x80);
    assert.equal(rowForCode(99), undefined);
  });
});

describe('unrecognized attributes (RFC 4271 §5)', () => {
  it('optional transitive: kept as raw octets and passed on with the Partial bit', () => {
    const b = body([], concat(BASE_ATTRS, attr(0xc0, 99, [1, 2, 3])), NLRI_2);
    const m = expectSuccess(decode(b)).value;
    assert.deepEqual(m.attributes.unknown, [{ code: 99, flags: 0xc0, value: Uint8Array.of(1, 2, 3) }]);
    const expected = message(2, body([], concat(BASE_ATTRS, attr(0xe0, 99, [1, 2, 3])), NLRI_2));
    assert.equal(hex(encodeUpdate(m, ctx())), hex(expected));
  });

  it('optional non-transitive: dropped quietly', () => {
    const r = expectSuccess(decode(body([], concat(BASE_ATTRS, attr(0x80, 99, [1])), NLRI_2)));
    assert.equal(r.value.attributes.unknown, undefined);
    assert.deepEqual(r.errors, []);
  });

  it('unknown attributes sort among known ones by type code on encode', () => {
    const b = body([], concat(BASE_ATTRS, attr(0xe0, 30, [9]), attr(0xc0, 32, bytes('00000001 00000002 00000003'))), NLRI_2);
    const m = expectSuccess(decode(b)).value;
    assert.equal(hex(encodeUpdate(m, ctx())), hex(message(2, b)));
  });
});
