// The capture tool's hand-assembled messages against bytes written out from the RFCs, and its decoder against them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wire from './bgpbytes.js';
import { decodeMessage, ipv6Text } from './decode.js';

const NO_CTX = { fourOctetAs: false, addPath: new Set<string>() };
const FOUR = { fourOctetAs: true, addPath: new Set<string>() };
const M = 'ff'.repeat(16);

test('KEEPALIVE is the bare 19-octet header (RFC 4271 §4.4)', () => {
  assert.equal(wire.keepalive().toString('hex'), `${M}001304`);
});

test('ROUTE-REFRESH: AFI, subtype, SAFI (RFC 2918 §3, RFC 7313 §3.2)', () => {
  assert.equal(wire.routeRefresh(2, 1, 1).toString('hex'), `${M}0017050002` + '01' + '01');
  assert.deepEqual(decodeMessage(wire.routeRefresh(1, 1, 2), NO_CTX), { type: 'ROUTE_REFRESH', afi: 1, safi: 1, subtype: 2 });
});

test('End-of-RIB: empty UPDATE for IPv4, empty MP_UNREACH for IPv6 (RFC 4724 §2)', () => {
  assert.equal(wire.endOfRib(1, 1).toString('hex'), `${M}00170200000000`);
  assert.equal(wire.endOfRib(2, 1).toString('hex'), `${M}001d0200000006800f03000201`);
  assert.deepEqual(decodeMessage(wire.endOfRib(2, 1), NO_CTX).endOfRib, { afi: 2, safi: 1 });
});

test('OPEN with a 4-octet AS carries AS_TRANS and the real AS in capability 65 (RFC 6793 §4.1)', () => {
  const bytes = wire.open({ myAs: 4200000001, holdTime: 90, bgpIdentifier: '192.0.2.2', capabilities: [wire.capability(65, Buffer.from('fa56ea01', 'hex'))] });
  assert.equal(bytes.toString('hex'), `${M}0025` + '01' + '04' + '5ba0' + '005a' + 'c0000202' + '08' + '0206' + '4104fa56ea01');
  assert.deepEqual(decodeMessage(bytes, NO_CTX), { type: 'OPEN', version: 4, myAs: 23456, holdTime: 90, bgpIdentifier: '192.0.2.2', capabilities: [{ code: 65, asn: 4200000001 }] });
});

test('the rich capability set decodes to what the capture tool means to offer', () => {
  const e = decodeMessage(wire.open({ myAs: 65002, holdTime: 90, bgpIdentifier: '192.0.2.2', capabilities: wire.richCapabilities(65002) }), NO_CTX);
  assert.deepEqual(e.capabilities, [
    { code: 1, afi: 1, safi: 1 },
    { code: 1, afi: 2, safi: 1 },
    { code: 2 },
    { code: 70 },
    { code: 65, asn: 65002 },
    { code: 64, restartState: false, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingState: false }, { afi: 2, safi: 1, forwardingState: false }] },
    { code: 69, families: [{ afi: 1, safi: 1, sendReceive: 1 }, { afi: 2, safi: 1, sendReceive: 1 }] },
    { code: 6 },
  ]);
});

test('UPDATE: IPv4 route and IPv6 MP_REACH (RFC 4271 §4.3, RFC 4760 §3)', () => {
  const v4 = wire.update([], { asPath: [65002], nextHop: '192.0.2.2', communities: [[65002, 1]] }, ['198.51.100.0/24']);
  assert.equal(
    v4.toString('hex'),
    `${M}0036` + '02' + '0000' + '001b' + '40010100' + '400206' + '0201' + '0000fdea' + '400304c0000202' + 'c00804fdea0001' + '18c63364',
  );
  assert.deepEqual(decodeMessage(v4, FOUR), {
    type: 'UPDATE',
    withdrawn: [],
    nlri: ['198.51.100.0/24'],
    attributes: { origin: 'IGP', asPath: [{ type: 'AS_SEQUENCE', asns: [65002] }], nextHop: '192.0.2.2', communities: ['65002:1'] },
    endOfRib: null,
  });
  const v6 = decodeMessage(wire.update([], { asPath: [], mpReach: { nextHop: '2001:db8::2', nlri: ['2001:db8:ff::/48'] } }, []), FOUR);
  assert.deepEqual((v6.attributes as Record<string, unknown>).mpReach, { afi: 2, safi: 1, nextHop: ['2001:db8::2'], nlri: ['2001:db8:ff::/48'] });
});

test('ADD-PATH NLRI carry a path identifier before each prefix (RFC 7911 §3)', () => {
  const body = Buffer.from('0000' + '0000' + '00000007' + '19cb007180', 'hex');
  const msg = Buffer.concat([Buffer.from(M, 'hex'), Buffer.from([0, 19 + body.length, 2]), body]);
  assert.deepEqual(decodeMessage(msg, { fourOctetAs: true, addPath: new Set(['1/1']) }).nlri, [{ prefix: '203.0.113.128/25', pathId: 7 }]);
  assert.throws(() => decodeMessage(msg, FOUR), /prefix length|truncated|nonzero/);
});

test('the decoder refuses a wrong header length and trailing bytes', () => {
  const ka = wire.keepalive();
  ka.writeUInt16BE(20, 16);
  assert.throws(() => decodeMessage(ka, NO_CTX), /header length/);
  const rr = Buffer.concat([wire.routeRefresh(1, 1), Buffer.from([0])]);
  rr.writeUInt16BE(rr.length, 16);
  assert.throws(() => decodeMessage(rr, NO_CTX), /trailing/);
});

test('IPv6 text is RFC 5952 canonical', () => {
  assert.equal(ipv6Text(wire.ipv6Bytes('2001:0db8:0000:0000:0001:0000:0000:0001')), '2001:db8::1:0:0:1');
  assert.equal(ipv6Text(wire.ipv6Bytes('fe80::a:0:0:0')), 'fe80::a:0:0:0');
});
