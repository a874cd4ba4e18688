// Header checks of RFC 4271 §4.1 / §6.1 and RFC 8654 §4, each with its NOTIFICATION outcome.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeader, markerIsValid, maxMessageLength, writeHeader } from '../../../src/wire/header.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../../../src/wire/types.js';
import { bytes, concat, expectFailure, expectOk, hex, message, MARKER_HEX } from '../../helpers/codec-check.js';

const EXT: CodecContext = { ...DEFAULT_CONTEXT, extendedMessage: true };
const header = (lengthHex: string, typeHex: string): Uint8Array => bytes(`${MARKER_HEX} ${lengthHex} ${typeHex}`);

describe('message header (RFC 4271 §4.1)', () => {
  it('writes marker, length and type', () => {
    const buf = new Uint8Array(21).fill(0xaa);
    assert.equal(writeHeader(buf, 1, 0x1234, 5), 19);
    assert.equal(hex(buf), `aa${'ff'.repeat(16)}123405aa`);
    assert.ok(markerIsValid(buf, 1));
    assert.ok(!markerIsValid(buf, 0));
  });

  it('accepts a KEEPALIVE: marker, length 19, type 4', () => {
    const h = expectOk(decodeHeader(header('0013', '04'), 0, 19, DEFAULT_CONTEXT));
    assert.deepEqual(h, { length: 19, type: 4 });
  });

  it('a marker that is not all ones → Connection Not Synchronized (1/1), no data', () => {
    const b = header('0013', '04');
    b[7] = 0xfe;
    expectFailure(decodeMessage(b, 0, DEFAULT_CONTEXT), 1, 1, new Uint8Array(0));
  });

  it('length below 19 → Bad Message Length (1/2) with the length field as data', () => {
    expectFailure(decodeMessage(concat(header('0012', '04'), new Uint8Array(4)), 0, DEFAULT_CONTEXT), 1, 2, bytes('0012'));
    expectFailure(decodeMessage(header('0000', '04'), 0, DEFAULT_CONTEXT), 1, 2, bytes('0000'));
  });

  it('length above 4096 without extended messages → 1/2', () => {
    const m = concat(header('1001', '03'), bytes('0600'), new Uint8Array(4096 - 21 + 1));
    expectFailure(decodeMessage(m, 0, DEFAULT_CONTEXT), 1, 2, bytes('1001'));
  });

  it('RFC 8654: a NOTIFICATION above 4096 is fine once extended messages are negotiated', () => {
    const m = message(3, concat(bytes('0600'), new Uint8Array(5000)));
    const n = expectOk(decodeMessage(m, 0, EXT));
    assert.equal(n.type, 'NOTIFICATION');
  });

  it('RFC 8654 §4: OPEN and KEEPALIVE stay at most 4096 even with extended messages → 1/2', () => {
    assert.equal(maxMessageLength(1, EXT), 4096);
    assert.equal(maxMessageLength(4, EXT), 4096);
    assert.equal(maxMessageLength(2, EXT), 65535);
    assert.equal(maxMessageLength(2, DEFAULT_CONTEXT), 4096);
    const open = message(1, concat(bytes('04 fde9 00b4 c0000201 00'), new Uint8Array(4100 - 29)));
    expectFailure(decodeMessage(open, 0, EXT), 1, 2, bytes('1004'));
  });

  it('unknown type → Bad Message Type (1/3) with the type octet as data', () => {
    expectFailure(decodeMessage(header('0013', '06'), 0, DEFAULT_CONTEXT), 1, 3, bytes('06'));
    expectFailure(decodeMessage(header('0013', '00'), 0, DEFAULT_CONTEXT), 1, 3, bytes('00'));
    expectFailure(decodeMessage(header('0013', 'ff'), 0, DEFAULT_CONTEXT), 1, 3, bytes('ff'));
  });

  it('per-type minimum lengths → 1/2 with the length as data', () => {
    // OPEN < 29
    expectFailure(decodeMessage(message(1, new Uint8Array(9)), 0, DEFAULT_CONTEXT), 1, 2, bytes('001c'));
    // UPDATE < 23
    expectFailure(decodeMessage(message(2, new Uint8Array(3)), 0, DEFAULT_CONTEXT), 1, 2, bytes('0016'));
    // NOTIFICATION < 21
    expectFailure(decodeMessage(message(3, new Uint8Array(1)), 0, DEFAULT_CONTEXT), 1, 2, bytes('0014'));
    // KEEPALIVE != 19
    expectFailure(decodeMessage(message(4, new Uint8Array(1)), 0, DEFAULT_CONTEXT), 1, 2, bytes('0014'));
  });

  it('ROUTE-REFRESH length errors are ROUTE-REFRESH Message Error (7/1) with the whole message (RFC 7313 §5)', () => {
    const short = message(5, bytes('0001 00'));
    expectFailure(decodeMessage(short, 0, DEFAULT_CONTEXT), 7, 1, short);
    const long = message(5, bytes('0001 00 01 00'));
    expectFailure(decodeMessage(long, 0, DEFAULT_CONTEXT), 7, 1, long);
  });

  it('a buffer shorter than the Length field says → 1/2 (stream ended mid-message)', () => {
    const m = message(1, bytes('04 fde9 00b4 c0000201 00'));
    expectFailure(decodeMessage(m.subarray(0, 25), 0, DEFAULT_CONTEXT), 1, 2, bytes('001d'));
    expectFailure(decodeMessage(m.subarray(0, 10), 0, DEFAULT_CONTEXT), 1, 2, new Uint8Array(0));
  });

  it('checks are applied at an offset inside a larger buffer', () => {
    const b = concat(bytes('00 00 00'), header('0013', '04'), bytes('ee'));
    assert.deepEqual(expectOk(decodeMessage(b, 3, DEFAULT_CONTEXT)), { type: 'KEEPALIVE' });
    const bad = concat(bytes('00 00 00'), header('0013', '09'));
    expectFailure(decodeMessage(bad, 3, DEFAULT_CONTEXT), 1, 3, bytes('09'));
  });
});
