// KEEPALIVE (RFC 4271 §4.4) and ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3.2 and §5).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KEEPALIVE, encodeKeepalive, encodeKeepaliveInto, keepaliveEncodingLength, type KeepaliveMessage } from '../../../src/wire/keepalive.js';
import {
  decodeRouteRefreshBody,
  encodeRouteRefresh,
  encodeRouteRefreshInto,
  routeRefreshAction,
  routeRefreshEncodingLength,
  type RouteRefreshMessage,
} from '../../../src/wire/route-refresh.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { BgpEncodeError } from '../../../src/wire/codec.js';
import { DEFAULT_CONTEXT } from '../../../src/wire/types.js';
import { bytes, checkCodec, expectFailure, expectOk, hex, MARKER_HEX, type CodecUnderTest } from '../../helpers/codec-check.js';

const keepaliveCodec: CodecUnderTest<KeepaliveMessage> = {
  encodingLength: keepaliveEncodingLength,
  encodeInto: encodeKeepaliveInto,
  decode: (buf, offset, length) => decodeMessage(buf.subarray(0, offset + length), offset, DEFAULT_CONTEXT) as ReturnType<CodecUnderTest<KeepaliveMessage>['decode']>,
};

const refreshCodec: CodecUnderTest<RouteRefreshMessage> = {
  encodingLength: routeRefreshEncodingLength,
  encodeInto: encodeRouteRefreshInto,
  decode: (buf, offset, length) => decodeRouteRefreshBody(buf, offset + 19, length - 19),
};

describe('KEEPALIVE (RFC 4271 §4.4)', () => {
  it('is the header alone, 19 bytes, type 4', () => {
    const wire = bytes(`${MARKER_HEX} 0013 04`);
    assert.equal(hex(encodeKeepalive()), hex(wire));
    assert.deepStrictEqual(expectOk(decodeMessage(wire, 0, DEFAULT_CONTEXT)), KEEPALIVE);
    checkCodec(keepaliveCodec, KEEPALIVE, { expected: wire });
  });
});

describe('ROUTE-REFRESH (RFC 2918 §3, RFC 7313)', () => {
  const rr = (body: string) => bytes(`${MARKER_HEX} 0017 05 ${body}`);

  it('normal request: AFI, reserved/subtype 0, SAFI', () => {
    const wire = rr('0001 00 01');
    const m = expectOk(decodeMessage(wire, 0, DEFAULT_CONTEXT));
    assert.deepStrictEqual(m, { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 });
    assert.equal(routeRefreshAction(m as RouteRefreshMessage), 'refresh');
    checkCodec(refreshCodec, m as RouteRefreshMessage, { expected: wire });
  });

  it('BoRR (1) and EoRR (2) demarcate a refresh (RFC 7313 §4)', () => {
    const borr = expectOk(decodeMessage(rr('0002 01 01'), 0, DEFAULT_CONTEXT)) as RouteRefreshMessage;
    const eorr = expectOk(decodeMessage(rr('0002 02 01'), 0, DEFAULT_CONTEXT)) as RouteRefreshMessage;
    assert.equal(routeRefreshAction(borr), 'begin');
    assert.equal(routeRefreshAction(eorr), 'end');
    checkCodec(refreshCodec, borr, { expected: rr('0002 01 01') });
    checkCodec(refreshCodec, eorr, { expected: rr('0002 02 01') });
  });

  it('other subtypes decode but are to be ignored (RFC 7313 §5)', () => {
    for (const st of [3, 128, 255]) {
      const m = expectOk(decodeMessage(rr(`0001 ${st.toString(16).padStart(2, '0')} 01`), 0, DEFAULT_CONTEXT)) as RouteRefreshMessage;
      assert.equal(m.subtype, st);
      assert.equal(routeRefreshAction(m), 'ignore');
    }
  });

  it('a body that is not 4 octets → ROUTE-REFRESH Message Error / Invalid Message Length with the whole message (RFC 7313 §5)', () => {
    for (const body of ['0001 01 01 00', '0001 02', '', '0001 00 01 00000000']) {
      const b = bytes(body);
      const len = 19 + b.length;
      const wire = bytes(`${MARKER_HEX} ${len.toString(16).padStart(4, '0')} 05 ${body}`);
      expectFailure(decodeMessage(wire, 0, DEFAULT_CONTEXT), 7, 1, wire);
    }
  });

  it('encoder refuses out-of-range fields', () => {
    assert.equal(encodeRouteRefresh({ type: 'ROUTE-REFRESH', afi: 2, safi: 1, subtype: 0 }).length, 23);
    assert.throws(() => encodeRouteRefresh({ type: 'ROUTE-REFRESH', afi: 65536, safi: 1, subtype: 0 }), BgpEncodeError);
    assert.throws(() => encodeRouteRefresh({ type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 256 }), BgpEncodeError);
  });
});
