// OPEN (RFC 4271 §4.2) with optional parameters (RFC 5492) and RFC 9072 extended lengths.
// Vectors are assembled by hand from the field layouts in those RFCs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildOpen,
  decodeOpenBody,
  encodeOpen,
  encodeOpenInto,
  findCapabilities,
  findCapability,
  formatBgpIdentifier,
  openCapabilities,
  openEncodingLength,
  openPeerAs,
  parseBgpIdentifier,
  type OpenMessage,
} from '../../../src/wire/open.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { BgpEncodeError } from '../../../src/wire/codec.js';
import type { Capability } from '../../../src/wire/capabilities/index.js';
import { DEFAULT_CONTEXT } from '../../../src/wire/types.js';
import { bytes, checkCodec, expectFailure, expectOk, hex, MARKER_HEX, type CodecUnderTest } from '../../helpers/codec-check.js';

/** The OPEN trio over whole messages (header included), as the session sends and receives them. */
const openCodec: CodecUnderTest<OpenMessage> = {
  encodingLength: openEncodingLength,
  encodeInto: encodeOpenInto,
  decode: (buf, offset, length) => {
    const r = decodeMessage(buf.subarray(0, offset + length), offset, DEFAULT_CONTEXT);
    if (!r.ok) return r;
    assert.equal(r.value.type, 'OPEN');
    return r as { ok: true; value: OpenMessage };
  },
};

const decode = (b: Uint8Array) => decodeMessage(b, 0, DEFAULT_CONTEXT);

const MP_V4 = '01 04 0001 00 01'; // RFC 4760 §8: AFI 1, reserved, SAFI 1
const RR = '02 00'; // RFC 2918 §2
const AS4 = '41 04 fa56ea01'; // RFC 6793 §3: AS 4200000001

const mpV4: Capability = { kind: 'multiprotocol', code: 1, afi: 1, safi: 1 };
const rr: Capability = { kind: 'route-refresh', code: 2 };
const as4: Capability = { kind: 'four-octet-as', code: 65, asn: 4200000001 };

describe('OPEN (RFC 4271 §4.2)', () => {
  it('decodes and encodes an OPEN without optional parameters', () => {
    const wire = bytes(`${MARKER_HEX} 001d 01  04 fde9 00b4 c0000201 00`);
    const open: OpenMessage = { type: 'OPEN', version: 4, myAs: 65001, holdTime: 180, bgpIdentifier: 0xc0000201, optionalParameters: [] };
    assert.deepStrictEqual(expectOk(decode(wire)), open);
    checkCodec(openCodec, open, { expected: wire });
  });

  it('keeps several capabilities in one parameter (RFC 5492 §4)', () => {
    const wire = bytes(`${MARKER_HEX} 002d 01  04 5ba0 005a c6336401 10  02 0e ${MP_V4} ${RR} ${AS4}`);
    const open: OpenMessage = {
      type: 'OPEN',
      version: 4,
      myAs: 23456,
      holdTime: 90,
      bgpIdentifier: 0xc6336401,
      optionalParameters: [{ kind: 'capabilities', capabilities: [mpV4, rr, as4] }],
    };
    assert.deepStrictEqual(expectOk(decode(wire)), open);
    checkCodec(openCodec, open, { expected: wire });
  });

  it('keeps one capability per parameter when sent that way (grouping round-trips)', () => {
    const wire = bytes(`${MARKER_HEX} 0031 01  04 5ba0 005a c6336401 14  02 06 ${MP_V4}  02 02 ${RR}  02 06 ${AS4}`);
    const open = expectOk(decode(wire)) as OpenMessage;
    assert.equal(open.optionalParameters.length, 3);
    assert.deepStrictEqual(openCapabilities(open), [mpV4, rr, as4]);
    checkCodec(openCodec, open, { expected: wire });
  });

  it('accepts an empty Capabilities parameter', () => {
    const wire = bytes(`${MARKER_HEX} 001f 01  04 fde9 00b4 c0000201 02  02 00`);
    const open = expectOk(decode(wire)) as OpenMessage;
    assert.deepStrictEqual(open.optionalParameters, [{ kind: 'capabilities', capabilities: [] }]);
    checkCodec(openCodec, open, { expected: wire });
  });

  it('keeps an unknown capability as raw bytes and re-encodes it identically', () => {
    const wire = bytes(`${MARKER_HEX} 0024 01  04 fde9 00b4 c0000201 07  02 05 c8 03 010203`);
    const open = expectOk(decode(wire)) as OpenMessage;
    const cap = openCapabilities(open)[0]!;
    assert.equal(cap.kind, 'unknown');
    assert.equal(cap.code, 200);
    assert.ok(cap.kind === 'unknown' && hex(cap.value) === '010203');
    checkCodec(openCodec, open, { expected: wire });
  });

  describe('helpers', () => {
    const open = expectOk(decode(bytes(`${MARKER_HEX} 0033 01  04 5ba0 005a c6336401 16  02 14 ${MP_V4} 01 04 0002 00 01 ${RR} ${AS4}`))) as OpenMessage;

    it('openPeerAs prefers the 4-octet AS capability (RFC 6793 §4.1)', () => {
      assert.equal(openPeerAs(open), 4200000001);
      assert.equal(openPeerAs({ ...open, optionalParameters: [] }), 23456);
    });

    it('findCapability / findCapabilities are typed by code', () => {
      assert.equal(findCapability(open, 65)?.asn, 4200000001);
      assert.deepEqual(
        findCapabilities(open, 1).map((c) => [c.afi, c.safi]),
        [
          [1, 1],
          [2, 1],
        ],
      );
      assert.equal(findCapability(open, 64), undefined);
      assert.equal(findCapability(open, 2)?.kind, 'route-refresh');
    });

    it('buildOpen puts AS_TRANS in My AS for a 4-octet AS', () => {
      const built = buildOpen({ asn: 4200000001, holdTime: 90, bgpIdentifier: 0xc6336401, capabilities: [mpV4, rr, as4] });
      assert.equal(built.myAs, 23456);
      assert.equal(built.version, 4);
      assert.equal(hex(encodeOpen(built)), hex(bytes(`${MARKER_HEX} 002d 01  04 5ba0 005a c6336401 10  02 0e ${MP_V4} ${RR} ${AS4}`)));
      assert.equal(buildOpen({ asn: 65001, holdTime: 3, bgpIdentifier: 1, capabilities: [] }).myAs, 65001);
      assert.deepEqual(buildOpen({ asn: 65001, holdTime: 3, bgpIdentifier: 1, capabilities: [] }).optionalParameters, []);
    });

    it('formats and parses BGP Identifiers', () => {
      assert.equal(formatBgpIdentifier(0xc0000201), '192.0.2.1');
      assert.equal(parseBgpIdentifier('203.0.113.254'), 0xcb0071fe);
      assert.equal(parseBgpIdentifier('256.0.0.1'), undefined);
      assert.equal(parseBgpIdentifier('1.2.3'), undefined);
    });
  });

  describe('RFC 9072 extended optional parameters length', () => {
    // Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt. Parm. Length (2), parameters with 2-octet lengths.
    const wire = bytes(`${MARKER_HEX} 0031 01  04 5ba0 005a c6336401  ff ff 0011  02 000e ${MP_V4} ${RR} ${AS4}`);

    it('decodes the extended form and re-encodes it identically', () => {
      const open = expectOk(decode(wire)) as OpenMessage;
      assert.equal(open.extendedOptionalParameters, true);
      assert.deepStrictEqual(openCapabilities(open), [mpV4, rr, as4]);
      checkCodec(openCodec, open, { expected: wire });
    });

    it('ignores Non-Ext OP Len once Non-Ext OP Type is 255 (RFC 9072 §2)', () => {
      const odd = Uint8Array.from(wire);
      odd[28] = 0x01;
      const open = expectOk(decode(odd)) as OpenMessage;
      assert.deepStrictEqual(openCapabilities(open), [mpV4, rr, as4]);
    });

    it('encodes in the RFC 4271 form unless asked or needed', () => {
      const open = expectOk(decode(wire)) as OpenMessage;
      const { extendedOptionalParameters: _drop, ...plain } = open;
      const short = encodeOpen(plain);
      assert.equal(short.length, 45);
      assert.equal(short[28], 0x10);
    });

    it('switches to the extended form when parameters exceed 255 octets', () => {
      const caps: Capability[] = Array.from({ length: 60 }, (_, i) => ({ kind: 'multiprotocol', code: 1, afi: 1 + (i >> 4), safi: i & 0x0f }));
      const open: OpenMessage = {
        type: 'OPEN',
        version: 4,
        myAs: 65001,
        holdTime: 180,
        bgpIdentifier: 0xc0000201,
        optionalParameters: [{ kind: 'capabilities', capabilities: caps }],
      };
      const enc = checkCodec(openCodec, open, { normalize: ({ extendedOptionalParameters: _x, ...rest }) => rest });
      assert.equal(enc[28], 0xff);
      assert.equal(enc[29], 0xff);
      assert.equal((enc[30]! << 8) | enc[31]!, 3 + 360);
      assert.equal(enc.length, 19 + 13 + 3 + 360);
    });

    it('an empty parameter list in the extended form round-trips', () => {
      const open: OpenMessage = {
        type: 'OPEN',
        version: 4,
        myAs: 65001,
        holdTime: 0,
        bgpIdentifier: 1,
        optionalParameters: [],
        extendedOptionalParameters: true,
      };
      checkCodec(openCodec, open, { expected: bytes(`${MARKER_HEX} 0020 01 04 fde9 0000 00000001 ff ff 0000`) });
    });
  });

  describe('errors', () => {
    it('Opt Parm Len disagreeing with the message length → Bad Message Length (1/2)', () => {
      expectFailure(decode(bytes(`${MARKER_HEX} 001f 01  04 fde9 00b4 c0000201 05  02 00`)), 1, 2, bytes('001f'));
      expectFailure(decode(bytes(`${MARKER_HEX} 001f 01  04 fde9 00b4 c0000201 00  02 00`)), 1, 2, bytes('001f'));
    });

    it('an unrecognized optional parameter → Unsupported Optional Parameter (2/4), RFC 4271 §6.2', () => {
      expectFailure(decode(bytes(`${MARKER_HEX} 0021 01  04 fde9 00b4 c0000201 04  01 02 0000`)), 2, 4);
      expectFailure(decode(bytes(`${MARKER_HEX} 0023 01  04 fde9 00b4 c0000201 06  02 00 07 02 0000`)), 2, 4);
    });

    it('a parameter overrunning the optional parameters → OPEN Message Error / Unspecific (2/0)', () => {
      expectFailure(decode(bytes(`${MARKER_HEX} 0021 01  04 fde9 00b4 c0000201 04  02 05 0200`)), 2, 0);
      expectFailure(decode(bytes(`${MARKER_HEX} 001e 01  04 fde9 00b4 c0000201 01  02`)), 2, 0);
    });

    it('a capability overrunning its parameter → 2/0', () => {
      expectFailure(decode(bytes(`${MARKER_HEX} 0021 01  04 fde9 00b4 c0000201 04  02 02 4104`)), 2, 0);
      expectFailure(decode(bytes(`${MARKER_HEX} 0020 01  04 fde9 00b4 c0000201 03  02 01 41`)), 2, 0);
    });

    it('a malformed known capability → 2/0 (RFC 4271 §6.2: recognized but malformed)', () => {
      expectFailure(decode(bytes(`${MARKER_HEX} 0023 01  04 fde9 00b4 c0000201 06  02 04 4102 0001`)), 2, 0);
      expectFailure(decode(bytes(`${MARKER_HEX} 0024 01  04 fde9 00b4 c0000201 07  02 05 0103 000100`)), 2, 0);
    });

    it('RFC 9072 form errors: truncated length → 1/2; length mismatch → 1/2; parameter overrun → 2/0', () => {
      expectFailure(decode(bytes(`${MARKER_HEX} 001f 01  04 fde9 00b4 c0000201 ff ff`)), 1, 2, bytes('001f'));
      expectFailure(decode(bytes(`${MARKER_HEX} 0022 01  04 fde9 00b4 c0000201 ff ff 0005  02 00`)), 1, 2, bytes('0022'));
      expectFailure(decode(bytes(`${MARKER_HEX} 0023 01  04 fde9 00b4 c0000201 ff ff 0003  02 0005`)), 2, 0);
      expectFailure(decode(bytes(`${MARKER_HEX} 0022 01  04 fde9 00b4 c0000201 ff ff 0002  02 00`)), 2, 0);
    });

    it('decodeOpenBody alone rejects a body shorter than 10 octets', () => {
      expectFailure(decodeOpenBody(new Uint8Array(9), 0, 9), 1, 2, bytes('001c'));
    });
  });

  describe('encoder guards (programming errors throw BgpEncodeError)', () => {
    const base: OpenMessage = { type: 'OPEN', version: 4, myAs: 65001, holdTime: 180, bgpIdentifier: 1, optionalParameters: [] };

    it('refuses out-of-range fields', () => {
      assert.throws(() => encodeOpen({ ...base, myAs: 70000 }), BgpEncodeError);
      assert.throws(() => encodeOpen({ ...base, holdTime: -1 }), BgpEncodeError);
      assert.throws(() => encodeOpen({ ...base, bgpIdentifier: 2 ** 32 }), BgpEncodeError);
    });

    it('refuses an OPEN over 4096 bytes (RFC 8654 §4)', () => {
      const huge = { kind: 'raw' as const, type: 9, value: new Uint8Array(4096) };
      assert.throws(() => encodeOpen({ ...base, optionalParameters: [huge] }), (e: unknown) => e instanceof BgpEncodeError && e.code === 'ERR_BGP_OPEN_TOO_LONG');
    });

    it('can build an OPEN with a raw parameter, which decode rejects (2/4)', () => {
      const raw = encodeOpen({ ...base, optionalParameters: [{ kind: 'raw', type: 1, value: bytes('0102') }] });
      expectFailure(decode(raw), 2, 4);
    });
  });
});
