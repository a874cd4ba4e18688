// Every UPDATE error of RFC 4271 §6.3 and every case of RFC 7606 §3-§7 (plus RFC 6793 §6, RFC 8092 §5,
// RFC 9234 §5, RFC 7607 §2): code, subcode and data, or the RFC 7606 action and what it affects.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rfc7606Action as A } from '../../../src/wire/rfc7606.js';
import { UpdateSubcode as S } from '../../../src/wire/iana.js';
import { announcedNlri, disabledFamilies, discardedAttributes } from '../../../src/wire/update.js';
import { toPrefixStrings } from '../../../src/wire/nlri.js';
import { expectFailure } from '../../helpers/codec-check.js';
import {
  AS_PATH_2, AS_PATH_4, BASE_ATTRS, NEXT_HOP, NLRI_2, NLRI_2_TEXT, ORIGIN_IGP,
  attr, body, bytes, concat, ctx, decode, expectAction, expectSuccess,
} from './upd-fixtures.js';

const withBase = (...extra: Uint8Array[]) => body([], concat(BASE_ATTRS, ...extra), NLRI_2);
const affected = (r: ReturnType<typeof expectSuccess>) => announcedNlri(r.value).flatMap(toPrefixStrings);

// MP_REACH_NLRI for 2001:db8:1::/48 via 2001:db8::1.
const MP_REACH_V6 = attr(0x80, 14, bytes('0002 01 10 20010db8000000000000000000000001 00 30 20010db80001'));

describe('RFC 4271 §6.3 UPDATE message errors', () => {
  it('Withdrawn Routes Length overrunning the message: Malformed Attribute List, reset (RFC 7606 §3(a))', () => {
    const b = bytes('0010 0000');
    const r = decode(b);
    expectFailure(r, 3, S.MalformedAttributeList, new Uint8Array(0));
    assert.equal(r.ok ? undefined : r.errors[0]?.action, A.SessionReset);
  });

  it('Total Attribute Length overrunning the message: Malformed Attribute List', () => {
    const b = concat(bytes('0000 0005'), ORIGIN_IGP);
    expectFailure(decode(b), 3, S.MalformedAttributeList, new Uint8Array(0));
  });

  it('a body shorter than 4 octets: Message Header Error / Bad Message Length with the length field', () => {
    expectFailure(decode(bytes('0000')), 1, 2, bytes('0015'));
  });

  it('unrecognized well-known attribute: subcode 2, data = the attribute', () => {
    const unknown = attr(0x40, 99, [1, 2, 3]);
    expectFailure(decode(withBase(unknown)), 3, S.UnrecognizedWellKnownAttribute, unknown);
  });

  it('missing well-known attribute: treat-as-withdraw, data = the type code (RFC 7606 §3(d))', () => {
    for (const [attrs, code] of [
      [concat(AS_PATH_4, NEXT_HOP), 1],
      [concat(ORIGIN_IGP, NEXT_HOP), 2],
      [concat(ORIGIN_IGP, AS_PATH_4), 3],
    ] as const) {
      const r = expectAction(decode(body([], attrs, NLRI_2)), A.TreatAsWithdraw, code, S.MissingWellKnownAttribute, Uint8Array.of(code));
      assert.deepEqual(affected(r), NLRI_2_TEXT);
    }
  });

  it('NEXT_HOP is not required when the only NLRI is in MP_REACH_NLRI (RFC 4760 §3)', () => {
    const r = expectSuccess(decode(body([], concat(MP_REACH_V6, ORIGIN_IGP, AS_PATH_4))));
    assert.equal(r.action, A.None);
  });

  it('attributes are not required in an UPDATE that only withdraws', () => {
    const r = expectSuccess(decode(body(NLRI_2, new Uint8Array(0))));
    assert.equal(r.action, A.None);
    assert.deepEqual(toPrefixStrings(r.value.withdrawn), NLRI_2_TEXT);
  });

  it('attribute flags conflicting with the type code: Attribute Flags Error, data = the attribute, treat-as-withdraw (RFC 7606 §3(c))', () => {
    const badOrigin = attr(0xc0, 1, [0]);
    const r = expectAction(decode(body([], concat(badOrigin, AS_PATH_4, NEXT_HOP), NLRI_2)), A.TreatAsWithdraw, 1, S.AttributeFlagsError, badOrigin);
    assert.deepEqual(affected(r), NLRI_2_TEXT);
    // The low four bits are not checked; Partial on a well-known attribute is ignored by §3(c).
    expectSuccess(decode(body([], concat(attr(0x60, 1, [0]), AS_PATH_4, NEXT_HOP), NLRI_2)));
  });

  it('attribute length error: data = the attribute', () => {
    const nh = attr(0x40, 3, [192, 0, 2, 1, 0]);
    expectAction(decode(body([], concat(ORIGIN_IGP, AS_PATH_4, nh), NLRI_2)), A.TreatAsWithdraw, 3, S.AttributeLengthError, nh);
  });

  it('invalid ORIGIN value: subcode 6, data = the attribute', () => {
    const o = attr(0x40, 1, [3]);
    expectAction(decode(body([], concat(o, AS_PATH_4, NEXT_HOP), NLRI_2)), A.TreatAsWithdraw, 1, S.InvalidOriginAttribute, o);
  });

  it('malformed AS_PATH: subcode 11 with no data', () => {
    const p = attr(0x40, 2, [2, 3, 0, 0, 0, 1]);
    expectAction(decode(body([], concat(ORIGIN_IGP, p, NEXT_HOP), NLRI_2)), A.TreatAsWithdraw, 2, S.MalformedAsPath, new Uint8Array(0));
  });

  it('optional attribute error: subcode 9, data = the attribute', () => {
    const c = attr(0xc0, 8, [0, 0, 0, 1, 2]);
    expectAction(decode(withBase(c)), A.TreatAsWithdraw, 8, S.OptionalAttributeError, c);
  });

  it('invalid network field: prefix length above 32 in the NLRI resets the session (RFC 7606 §5.3)', () => {
    expectFailure(decode(body([], BASE_ATTRS, [33, 1, 2, 3, 4, 5])), 3, S.InvalidNetworkField);
    expectFailure(decode(body([], BASE_ATTRS, [24, 198, 51])), 3, S.InvalidNetworkField);
    expectFailure(decode(body([25, 1, 2, 3], new Uint8Array(0))), 3, S.InvalidNetworkField);
  });
});

describe('RFC 7606 §3 and §4', () => {
  it('§3(g): a repeated attribute is discarded and processing goes on', () => {
    const r = expectAction(decode(withBase(attr(0x40, 1, [2]))), A.AttributeDiscard, 1, S.MalformedAttributeList);
    assert.equal(r.value.attributes.origin, 0, 'the first occurrence wins');
  });

  it('§3(g): a repeated MP_REACH_NLRI or MP_UNREACH_NLRI resets the session with Malformed Attribute List', () => {
    expectFailure(decode(body([], concat(MP_REACH_V6, MP_REACH_V6, ORIGIN_IGP, AS_PATH_4))), 3, S.MalformedAttributeList, new Uint8Array(0));
    const un = attr(0x80, 15, [0, 2, 1]);
    expectFailure(decode(body([], concat(un, un))), 3, S.MalformedAttributeList);
  });

  it('§3(h): the strongest action wins', () => {
    const r = expectSuccess(decode(withBase(attr(0x40, 6, [1]), attr(0x80, 4, [0, 0, 1]))));
    assert.equal(r.action, A.TreatAsWithdraw);
    assert.deepEqual(r.errors.map((e) => e.action).sort(), [A.AttributeDiscard, A.TreatAsWithdraw]);
    assert.deepEqual(discardedAttributes(r.errors), [6]);
  });

  it('§4: an attribute overrunning Total Attribute Length: treat-as-withdraw, the NLRI still found', () => {
    // COMMUNITIES claims 8 octets, 4 remain in the attribute field.
    const attrs = concat(BASE_ATTRS, bytes('c0 08 08 00000001'));
    const r = expectAction(decode(body([], attrs, NLRI_2)), A.TreatAsWithdraw, 8, S.AttributeLengthError);
    assert.deepEqual(affected(r), NLRI_2_TEXT);
  });

  it('§4: fewer than 3 octets left in the attribute field: treat-as-withdraw', () => {
    const r = expectAction(decode(body([], concat(BASE_ATTRS, bytes('4001')), NLRI_2)), A.TreatAsWithdraw, undefined, S.MalformedAttributeList);
    assert.deepEqual(affected(r), NLRI_2_TEXT);
    // With the Extended Length bit, 3 octets are too few.
    expectAction(decode(body([], concat(BASE_ATTRS, bytes('500100')), NLRI_2)), A.TreatAsWithdraw, undefined);
  });

  it('§4: an overrunning MP_REACH_NLRI cannot be withdrawn: session reset', () => {
    expectFailure(decode(body([], concat(ORIGIN_IGP, bytes('800e 20 0002 01 10')))), 3, S.AttributeLengthError);
  });

  it('treat-as-withdraw names every NLRI, body and MP_REACH_NLRI', () => {
    const r = expectSuccess(decode(body([], concat(MP_REACH_V6, ORIGIN_IGP, AS_PATH_4, NEXT_HOP, attr(0x80, 4, [1])), NLRI_2)));
    assert.equal(r.action, A.TreatAsWithdraw);
    assert.deepEqual(affected(r), [...NLRI_2_TEXT, '2001:db8:1::/48']);
  });

  it('an MP_REACH_NLRI with wrong flags is still parsed so that its NLRI can be withdrawn', () => {
    const bad = attr(0xc0, 14, bytes('0002 01 10 20010db8000000000000000000000001 00 30 20010db80001'));
    const r = expectAction(decode(body([], concat(bad, ORIGIN_IGP, AS_PATH_4))), A.TreatAsWithdraw, 14, S.AttributeFlagsError, bad);
    assert.deepEqual(affected(r), ['2001:db8:1::/48']);
  });
});

describe('RFC 7606 §7 per attribute', () => {
  it('§7.1 ORIGIN: wrong length or undefined value → treat-as-withdraw', () => {
    const o = attr(0x40, 1, [0, 0]);
    expectAction(decode(body([], concat(o, AS_PATH_4, NEXT_HOP), NLRI_2)), A.TreatAsWithdraw, 1, S.AttributeLengthError, o);
    expectAction(decode(body([], concat(attr(0x40, 1, [7]), AS_PATH_4, NEXT_HOP), NLRI_2)), A.TreatAsWithdraw, 1, S.InvalidOriginAttribute);
  });

  it('§7.2 AS_PATH: unknown segment type, zero-length segment, overrun, lone trailing octet → treat-as-withdraw', () => {
    for (const v of [
      [5, 1, 0, 0, 0, 1],
      [2, 0],
      [2, 2, 0, 0, 0, 1],
      [2, 1, 0, 0, 0, 1, 2],
      [2, 1, 0, 0, 0, 0], // RFC 7607 §2: AS 0
    ]) {
      const r = expectAction(decode(body([], concat(ORIGIN_IGP, attr(0x40, 2, v), NEXT_HOP), NLRI_2)), A.TreatAsWithdraw, 2, S.MalformedAsPath, new Uint8Array(0));
      assert.deepEqual(affected(r), NLRI_2_TEXT);
    }
    // With 2-octet ASNs the same 4 octets are two ASNs: well-formed.
    expectSuccess(decode(body([], concat(ORIGIN_IGP, attr(0x40, 2, [2, 2, 0, 1, 0, 2]), NEXT_HOP), NLRI_2), ctx({ fourOctetAs: false })));
  });

  it('§7.3 NEXT_HOP: length other than 4 → treat-as-withdraw', () => {
    expectAction(decode(body([], concat(ORIGIN_IGP, AS_PATH_4, attr(0x40, 3, [192, 0, 2])), NLRI_2)), A.TreatAsWithdraw, 3, S.AttributeLengthError);
  });

  it('§7.4 MULTI_EXIT_DISC: length other than 4 → treat-as-withdraw', () => {
    expectAction(decode(withBase(attr(0x80, 4, [0, 0, 0, 0, 1]))), A.TreatAsWithdraw, 4, S.AttributeLengthError);
  });

  it('§7.5 LOCAL_PREF: from an external neighbor discarded; from an internal one, wrong length → treat-as-withdraw', () => {
    const lp = attr(0x40, 5, [0, 0, 0, 100]);
    const e = expectAction(decode(withBase(lp)), A.AttributeDiscard, 5);
    assert.equal(e.value.attributes.localPref, undefined);
    const i = expectSuccess(decode(withBase(lp), ctx({ ibgp: true })));
    assert.equal(i.value.attributes.localPref, 100);
    expectAction(decode(withBase(attr(0x40, 5, [0, 100])), ctx({ ibgp: true })), A.TreatAsWithdraw, 5, S.AttributeLengthError);
  });

  it('§7.6 ATOMIC_AGGREGATE: length other than 0 → attribute discard, routes kept', () => {
    const r = expectAction(decode(withBase(attr(0x40, 6, [1]))), A.AttributeDiscard, 6, S.AttributeLengthError);
    assert.equal(r.value.attributes.atomicAggregate, undefined);
    assert.equal(r.value.nlri.count, 2);
  });

  it('§7.7 AGGREGATOR: length not 8 (4-octet) / 6 (2-octet) → attribute discard', () => {
    expectAction(decode(withBase(attr(0xc0, 7, [0xfd, 0xe8, 192, 0, 2, 1]))), A.AttributeDiscard, 7, S.AttributeLengthError);
    const two = ctx({ fourOctetAs: false });
    expectAction(decode(body([], concat(ORIGIN_IGP, AS_PATH_2, NEXT_HOP, attr(0xc0, 7, [0, 0, 0xfd, 0xe8, 192, 0, 2, 1])), NLRI_2), two), A.AttributeDiscard, 7);
    // RFC 7607 §2: AS 0 in AGGREGATOR.
    expectAction(decode(withBase(attr(0xc0, 7, [0, 0, 0, 0, 192, 0, 2, 1]))), A.AttributeDiscard, 7);
  });

  it('§7.8 COMMUNITIES: length not a non-zero multiple of 4 → treat-as-withdraw', () => {
    expectAction(decode(withBase(attr(0xc0, 8, []))), A.TreatAsWithdraw, 8, S.OptionalAttributeError);
    expectAction(decode(withBase(attr(0xc0, 8, [0, 0, 0, 1, 0, 2]))), A.TreatAsWithdraw, 8);
  });

  it('§7.9 ORIGINATOR_ID: length other than 4 → treat-as-withdraw', () => {
    expectAction(decode(withBase(attr(0x80, 9, [192, 0, 2, 1, 1]))), A.TreatAsWithdraw, 9, S.AttributeLengthError);
  });

  it('§7.10 CLUSTER_LIST: length not a non-zero multiple of 4 → treat-as-withdraw', () => {
    expectAction(decode(withBase(attr(0x80, 10, [192, 0, 2, 1, 1, 1]))), A.TreatAsWithdraw, 10);
    expectAction(decode(withBase(attr(0x80, 10, []))), A.TreatAsWithdraw, 10);
  });

  it('§7.11 MP_REACH_NLRI: bad next hop length or bad NLRI → AFI/SAFI disable; no readable AFI/SAFI → reset', () => {
    const nh5 = attr(0x80, 14, bytes('0002 01 05 2001db8000 00 30 20010db80001'));
    const r = expectAction(decode(body([], concat(nh5, ORIGIN_IGP, AS_PATH_4))), A.AfiSafiDisable, 14, S.OptionalAttributeError, nh5);
    assert.deepEqual(disabledFamilies(r.errors), [{ afi: 2, safi: 1 }]);
    const badNlri = attr(0x80, 14, bytes('0002 01 10 20010db8000000000000000000000001 00 81 20010db80001'));
    expectAction(decode(body([], concat(badNlri, ORIGIN_IGP, AS_PATH_4))), A.AfiSafiDisable, 14);
    const overrun = attr(0x80, 14, bytes('0002 01 20 20010db8000000000000000000000001'));
    expectAction(decode(body([], concat(overrun, ORIGIN_IGP, AS_PATH_4))), A.AfiSafiDisable, 14);
    const tiny = attr(0x80, 14, [0, 2]);
    expectFailure(decode(body([], concat(tiny, ORIGIN_IGP, AS_PATH_4))), 3, S.OptionalAttributeError, tiny);
  });

  it('§7.11 with RFC 8950: an IPv6 next hop for IPv4 NLRI needs the Extended Next Hop capability', () => {
    const mp = attr(0x80, 14, bytes('0001 01 10 20010db8000000000000000000000001 00 18 c63364'));
    expectAction(decode(body([], concat(mp, ORIGIN_IGP, AS_PATH_4))), A.AfiSafiDisable, 14);
    const r = expectSuccess(decode(body([], concat(mp, ORIGIN_IGP, AS_PATH_4)), ctx({ extendedNextHop: [[1, 1]] })));
    assert.equal(r.value.mpReach?.nextHop.kind, 'ipv6');
    assert.deepEqual(toPrefixStrings(r.value.mpReach!.nlri), ['198.51.100.0/24']);
  });

  it('§7.12 MP_UNREACH_NLRI: bad NLRI → AFI/SAFI disable; no readable AFI/SAFI → reset', () => {
    const bad = attr(0x80, 15, bytes('0002 01 40 20010db8'));
    const r = expectAction(decode(body([], bad)), A.AfiSafiDisable, 15, S.OptionalAttributeError, bad);
    assert.deepEqual(disabledFamilies(r.errors), [{ afi: 2, safi: 1 }]);
    expectFailure(decode(body([], attr(0x80, 15, [0]))), 3, S.OptionalAttributeError);
  });

  it('§7.14 EXTENDED COMMUNITIES: length not a non-zero multiple of 8 → treat-as-withdraw', () => {
    expectAction(decode(withBase(attr(0xc0, 16, [0, 2, 0, 0, 0, 1, 0]))), A.TreatAsWithdraw, 16, S.OptionalAttributeError);
  });

  it('§7.15 IPv6 Address Specific Extended Community: length not a multiple of 20 → treat-as-withdraw', () => {
    expectAction(decode(withBase(attr(0xc0, 25, new Array(19).fill(0)))), A.TreatAsWithdraw, 25);
  });

  it('RFC 8092 §5 LARGE_COMMUNITY: length not a non-zero multiple of 12 → treat-as-withdraw', () => {
    expectAction(decode(withBase(attr(0xc0, 32, new Array(11).fill(1)))), A.TreatAsWithdraw, 32, S.OptionalAttributeError);
  });

  it('RFC 9234 §5 ONLY_TO_CUSTOMER: length other than 4 → treat-as-withdraw', () => {
    expectAction(decode(withBase(attr(0xc0, 35, [0, 0, 1]))), A.TreatAsWithdraw, 35, S.AttributeLengthError);
  });

  it('RFC 6793 §6: malformed AS4_PATH / AS4_AGGREGATOR → attribute discard, AS_PATH kept', () => {
    const two = ctx({ fourOctetAs: false });
    const base2 = concat(ORIGIN_IGP, AS_PATH_2, NEXT_HOP);
    const r = expectAction(decode(body([], concat(base2, attr(0xc0, 17, [2, 2, 0, 0, 0, 1])), NLRI_2), two), A.AttributeDiscard, 17);
    assert.deepEqual(r.value.attributes.asPath, [{ type: 2, asns: [65000] }]);
    expectAction(decode(body([], concat(base2, attr(0xc0, 18, [0, 1, 0, 0, 192, 0, 2])), NLRI_2), two), A.AttributeDiscard, 18);
  });

  it('RFC 6793 §4.1: AS4_PATH / AS4_AGGREGATOR between 4-octet speakers are discarded', () => {
    const r = expectAction(decode(withBase(attr(0xc0, 17, [2, 1, 0, 1, 0x11, 0x70]))), A.AttributeDiscard, 17);
    assert.equal(r.value.attributes.as4Path, undefined);
    assert.deepEqual(r.value.attributes.asPath, [{ type: 2, asns: [65000, 70000] }]);
  });
});
