// MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §3-4): next hop forms, ADD-PATH, End-of-RIB, opaque families.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildUpdate, encodeUpdate, endOfRib, isEndOfRib } from '../../../src/wire/update.js';
import { toPrefixEntries, toPrefixStrings } from '../../../src/wire/nlri.js';
import { ipv6ToString } from '../../../src/wire/addr.js';
import { checkCodec, message } from '../../helpers/codec-check.js';
import { AS_PATH_4, ORIGIN_IGP, attr, body, bytes, concat, ctx, decode, expectSuccess, hex, normalize, updateCodec } from './upd-fixtures.js';

const V6 = '20010db8000000000000000000000001';
const LL = 'fe800000000000000000000000000001';

function roundTrip(attrs: Uint8Array, c = ctx()) {
  const b = body([], attrs);
  const r = expectSuccess(decode(b, c));
  assert.deepEqual(r.errors, []);
  assert.equal(hex(encodeUpdate(r.value, c)), hex(message(2, b)));
  checkCodec(updateCodec(c), r.value, { normalize });
  return r.value;
}

describe('MP_REACH_NLRI', () => {
  it('IPv6 unicast with a global next hop (RFC 2545 §3)', () => {
    const m = roundTrip(concat(attr(0x80, 14, bytes(`0002 01 10 ${V6} 00 30 20010db80001 40 20010db800020000`)), ORIGIN_IGP, AS_PATH_4));
    const nh = m.mpReach!.nextHop;
    assert.equal(nh.kind, 'ipv6');
    assert.equal(nh.kind === 'ipv6' ? ipv6ToString(nh.global) : '', '2001:db8::1');
    assert.deepEqual(toPrefixStrings(m.mpReach!.nlri), ['2001:db8:1::/48', '2001:db8:2::/64']);
  });

  it('IPv6 with global + link-local next hop (32 octets)', () => {
    const m = roundTrip(concat(attr(0x80, 14, bytes(`0002 01 20 ${V6} ${LL} 00 30 20010db80001`)), ORIGIN_IGP, AS_PATH_4));
    const nh = m.mpReach!.nextHop;
    assert.ok(nh.kind === 'ipv6' && nh.linkLocal !== undefined && ipv6ToString(nh.linkLocal) === 'fe80::1');
  });

  it('IPv4 unicast in MP_REACH_NLRI with an IPv4 next hop', () => {
    const m = roundTrip(concat(attr(0x80, 14, bytes('0001 01 04 c0000201 00 18 c63364')), ORIGIN_IGP, AS_PATH_4));
    assert.deepEqual(m.mpReach!.nextHop, { kind: 'ipv4', addr: 0xc0000201 });
  });

  it('RFC 8950: IPv4 NLRI with an IPv6 next hop once negotiated', () => {
    const c = ctx({ extendedNextHop: [[1, 1]] });
    const m = roundTrip(concat(attr(0x80, 14, bytes(`0001 01 10 ${V6} 00 18 c63364`)), ORIGIN_IGP, AS_PATH_4), c);
    assert.equal(m.mpReach!.nextHop.kind, 'ipv6');
  });

  it('ADD-PATH (RFC 7911 §3): path identifiers in MP_REACH and MP_UNREACH when negotiated for the family', () => {
    const c = ctx({ addPath: [[2, 1]] });
    const m = roundTrip(concat(attr(0x80, 14, bytes(`0002 01 10 ${V6} 00 00000007 30 20010db80001`)), attr(0x80, 15, bytes('0002 01 00000009 30 20010db80002')), ORIGIN_IGP, AS_PATH_4), c);
    assert.deepEqual(toPrefixEntries(m.mpReach!.nlri), [{ prefix: '2001:db8:1::/48', pathId: 7 }]);
    assert.deepEqual(toPrefixEntries(m.mpUnreach!.nlri), [{ prefix: '2001:db8:2::/48', pathId: 9 }]);
    // Sent to a peer without ADD-PATH, the identifiers are dropped.
    const plain = encodeUpdate(m, ctx());
    const again = expectSuccess(decode(plain.subarray(19))).value;
    assert.deepEqual(toPrefixStrings(again.mpReach!.nlri), ['2001:db8:1::/48']);
    assert.equal(again.mpReach!.nlri.addPath, false);
  });

  it('a family the codec does not walk (VPNv4, SAFI 128) is kept opaque and re-encoded as received', () => {
    const vpn = attr(0x80, 14, bytes('0001 80 0c 0000000000000000c0000201 00 70 000001 0000fde800000001 c63364'));
    const m = roundTrip(concat(vpn, ORIGIN_IGP, AS_PATH_4));
    assert.equal(m.mpReach!.nextHop.kind, 'raw');
    assert.equal(m.mpReach!.nlri.count, 0);
  });
});

describe('MP_UNREACH_NLRI and End-of-RIB (RFC 4724 §2)', () => {
  it('withdraws IPv6 prefixes without any other attribute', () => {
    const m = roundTrip(attr(0x80, 15, bytes('0002 01 30 20010db80001')));
    assert.deepEqual(toPrefixStrings(m.mpUnreach!.nlri), ['2001:db8:1::/48']);
    assert.equal(isEndOfRib(m), undefined);
  });

  it('End-of-RIB: an empty UPDATE is IPv4 unicast; an empty MP_UNREACH_NLRI names its family', () => {
    const v4 = expectSuccess(decode(bytes('0000 0000'))).value;
    assert.deepEqual(isEndOfRib(v4), { afi: 1, safi: 1 });
    const v6 = expectSuccess(decode(body([], attr(0x80, 15, [0, 2, 1])))).value;
    assert.deepEqual(isEndOfRib(v6), { afi: 2, safi: 1 });
    assert.equal(hex(encodeUpdate(endOfRib(2, 1), ctx())), hex(message(2, body([], attr(0x80, 15, [0, 2, 1])))));
    assert.equal(hex(encodeUpdate(endOfRib(1, 1), ctx())), hex(message(2, bytes('0000 0000'))));
    const notEor = buildUpdate({ nlri: ['198.51.100.0/24'], attributes: { origin: 0, asPath: [], nextHop: 1 } });
    assert.equal(isEndOfRib(notEor), undefined);
  });
});
