// RFC 6793: 4-octet AS numbers over a 2-octet session: AS_TRANS, AS4_PATH, AS4_AGGREGATOR both ways.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countAsns, reconstructAs4, reconstructAsPath } from '../../../src/wire/as4.js';
import { buildUpdate, encodeUpdate } from '../../../src/wire/update.js';
import type { AsPathSegment } from '../../../src/wire/attributes/types.js';
import { message } from '../../helpers/codec-check.js';
import { NLRI_2, attr, body, bytes, concat, ctx, decode, expectSuccess, hex } from './upd-fixtures.js';

const seq = (...asns: number[]): AsPathSegment => ({ type: 2, asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 1, asns });
const confed = (...asns: number[]): AsPathSegment => ({ type: 3, asns });
const TWO = ctx({ fourOctetAs: false });

describe('RFC 6793 §4.2.3 reconstruction', () => {
  it('counts an AS_SET as one and confederation segments as none', () => {
    assert.equal(countAsns([confed(1, 2), seq(3, 4, 5), set(6, 7)]), 4);
  });

  it('AS4_PATH replaces the AS_TRANS part of AS_PATH; extra leading ASNs are prepended', () => {
    // A 2-octet speaker 65001 prepended itself after the path left the 4-octet world.
    assert.deepEqual(reconstructAsPath([seq(65001, 23456, 23456)], [seq(70000, 70001)]), [seq(65001, 70000, 70001)]);
    assert.deepEqual(reconstructAsPath([seq(23456, 23456)], [seq(70000, 70001)]), [seq(70000, 70001)]);
  });

  it('AS4_PATH longer than AS_PATH is ignored', () => {
    assert.deepEqual(reconstructAsPath([seq(23456)], [seq(70000, 70001)]), [seq(23456)]);
  });

  it('a leading confederation segment is kept', () => {
    assert.deepEqual(reconstructAsPath([confed(65010), seq(23456)], [seq(70000)]), [confed(65010), seq(70000)]);
  });

  it('an AS_SET counts one when taking leading segments', () => {
    assert.deepEqual(reconstructAsPath([set(1, 2), seq(23456)], [seq(70000)]), [set(1, 2), seq(70000)]);
  });

  it('AGGREGATOR with AS_TRANS takes AS4_AGGREGATOR; any other AS voids AS4_AGGREGATOR and AS4_PATH', () => {
    const r1 = reconstructAs4({ asPath: [seq(23456)], as4Path: [seq(70000)], aggregator: { asn: 23456, address: 1 }, as4Aggregator: { asn: 70000, address: 1 } });
    assert.deepEqual(r1, { asPath: [seq(70000)], aggregator: { asn: 70000, address: 1 } });
    const r2 = reconstructAs4({ asPath: [seq(23456)], as4Path: [seq(70000)], aggregator: { asn: 65000, address: 2 }, as4Aggregator: { asn: 70000, address: 1 } });
    assert.deepEqual(r2, { asPath: [seq(23456)], aggregator: { asn: 65000, address: 2 } });
  });
});

describe('RFC 6793 on the wire, 2-octet session', () => {
  const origin = attr(0x40, 1, [0]);
  const nh = attr(0x40, 3, [192, 0, 2, 1]);
  const asPath2 = attr(0x40, 2, bytes('02 03 fde9 5ba0 5ba0')); // 65001 AS_TRANS AS_TRANS
  const agg2 = attr(0xc0, 7, bytes('5ba0 c0000209')); // AS_TRANS, 192.0.2.9
  const as4Path = attr(0xc0, 17, bytes('02 02 00011170 00011171')); // 70000 70001
  const as4Agg = attr(0xc0, 18, bytes('00011170 c0000209'));

  it('decode merges AS4_PATH and AS4_AGGREGATOR into 4-octet values', () => {
    const m = expectSuccess(decode(body([], concat(origin, asPath2, nh, agg2, as4Path, as4Agg), NLRI_2), TWO)).value;
    assert.deepEqual(m.attributes.asPath, [seq(65001, 70000, 70001)]);
    assert.deepEqual(m.attributes.aggregator, { asn: 70000, address: 0xc0000209 });
    assert.equal(m.attributes.as4Path, undefined);
    assert.equal(m.attributes.as4Aggregator, undefined);
  });

  it('confederation segments inside AS4_PATH are dropped (RFC 6793 §3)', () => {
    const bad4 = attr(0xc0, 17, bytes('03 01 0000fdea 02 02 00011170 00011171'));
    const m = expectSuccess(decode(body([], concat(origin, asPath2, nh, bad4), NLRI_2), TWO)).value;
    assert.deepEqual(m.attributes.asPath, [seq(65001, 70000, 70001)]);
  });

  it('encode to a 2-octet peer writes AS_TRANS and derives AS4_PATH / AS4_AGGREGATOR (RFC 6793 §4.2.2)', () => {
    const u = buildUpdate({ attributes: { origin: 0, asPath: [seq(65001, 70000, 70001)], nextHop: 0xc0000201, aggregator: { asn: 70000, address: 0xc0000209 } }, nlri: ['198.51.100.0/24', '203.0.113.128/25'] }, TWO);
    // A NEW speaker puts the whole path into AS4_PATH (an OLD one in between would only prepend to AS_PATH).
    const fullAs4Path = attr(0xc0, 17, bytes('02 03 0000fde9 00011170 00011171'));
    const expected = message(2, body([], concat(origin, asPath2, nh, agg2, fullAs4Path, as4Agg), NLRI_2));
    assert.equal(hex(encodeUpdate(u, TWO)), hex(expected));
  });

  it('no AS4_PATH when every ASN fits in 2 octets; confederation segments never go into AS4_PATH', () => {
    const small = buildUpdate({ attributes: { origin: 0, asPath: [seq(65001)], nextHop: 1 }, nlri: ['198.51.100.0/24'] }, TWO);
    assert.ok(!encodeUpdate(small, TWO).includes(17, 23), 'no type 17');
    const withConfed = buildUpdate({ attributes: { origin: 0, asPath: [confed(65010), seq(70000)], nextHop: 1 }, nlri: ['198.51.100.0/24'] }, TWO);
    const out = encodeUpdate(withConfed, TWO);
    const r = expectSuccess(decode(out.subarray(19), TWO));
    assert.deepEqual(r.value.attributes.asPath, [confed(65010), seq(70000)]);
    assert.ok(hex(out).includes('c0110602010001117' + '0'), 'AS4_PATH holds only the AS_SEQUENCE');
  });
});
