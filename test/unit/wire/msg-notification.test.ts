// NOTIFICATION (RFC 4271 §4.5), RFC 9003 shutdown communication, RFC 8538 Hard Reset, names for display.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildShutdownNotification,
  decodeNotificationBody,
  describeNotification,
  encodeNotification,
  encodeNotificationInto,
  hardResetCause,
  notificationCodeName,
  notificationEncodingLength,
  notificationFromSpec,
  notificationSubcodeName,
  parseShutdownCommunication,
  shutdownCommunicationData,
  type NotificationMessage,
} from '../../../src/wire/notification.js';
import { decodeMessage } from '../../../src/wire/message.js';
import { BgpEncodeError, decodeUtf8 } from '../../../src/wire/codec.js';
import { CeaseSubcode, ErrorCode, FsmSubcode, MessageHeaderSubcode, OpenSubcode, RouteRefreshSubcode, UpdateSubcode } from '../../../src/wire/iana.js';
import { DEFAULT_CONTEXT, fail } from '../../../src/wire/types.js';
import { bytes, checkCodec, expectOk, hex, MARKER_HEX, type CodecUnderTest } from '../../helpers/codec-check.js';

const notificationCodec: CodecUnderTest<NotificationMessage> = {
  encodingLength: notificationEncodingLength,
  encodeInto: encodeNotificationInto,
  decode: (buf, offset, length) => decodeNotificationBody(buf, offset + 19, length - 19),
};

const decode = (b: Uint8Array): NotificationMessage => {
  const m = expectOk(decodeMessage(b, 0, DEFAULT_CONTEXT));
  assert.equal(m.type, 'NOTIFICATION');
  return m as NotificationMessage;
};

describe('NOTIFICATION (RFC 4271 §4.5)', () => {
  it('decodes code, subcode and data (zero-copy) and encodes them back', () => {
    // Message Header Error / Bad Message Length with the offending length 0x1001 as data (RFC 4271 §6.1).
    const wire = bytes(`${MARKER_HEX} 0017 03  01 02 1001`);
    const n = decode(wire);
    assert.deepStrictEqual(n, { type: 'NOTIFICATION', code: 1, subcode: 2, data: bytes('1001') });
    assert.equal(n.data.buffer, wire.buffer, 'data is a view of the input');
    checkCodec(notificationCodec, n, { expected: wire });
  });

  it('Hold Timer Expired has no subcodes: subcode 0 reads as Unspecific', () => {
    const n = decode(bytes(`${MARKER_HEX} 0015 03  04 00`));
    assert.equal(describeNotification(n), 'Hold Timer Expired / Unspecific');
  });

  describe('RFC 9003 shutdown communication', () => {
    it('Cease / Administrative Shutdown with "maintenance"', () => {
      const wire = bytes(`${MARKER_HEX} 0021 03  06 02 0b 6d61696e74656e616e6365`);
      const n = decode(wire);
      assert.equal(n.communication, 'maintenance');
      assert.equal(describeNotification(n), 'Cease / Administrative Shutdown: "maintenance"');
      checkCodec(notificationCodec, n, { expected: wire });
      assert.deepStrictEqual(buildShutdownNotification(CeaseSubcode.AdministrativeShutdown, 'maintenance'), n);
    });

    it('Administrative Reset with UTF-8 text, and with an empty communication', () => {
      const n = decode(bytes(`${MARKER_HEX} 001a 03  06 04 04 5a c3 72 72`));
      assert.equal(n.communication, undefined, 'invalid UTF-8 is not a communication');
      const ok = buildShutdownNotification(CeaseSubcode.AdministrativeReset, 'Zürich ✓');
      assert.equal(decode(encodeNotification(ok)).communication, 'Zürich ✓');
      const empty = decode(bytes(`${MARKER_HEX} 0016 03  06 04 00`));
      assert.equal(empty.communication, '');
      assert.equal(describeNotification(empty), 'Cease / Administrative Reset');
    });

    it('a length larger than the data is not a communication; raw data is kept', () => {
      const n = decode(bytes(`${MARKER_HEX} 0018 03  06 02 14 6869`));
      assert.equal(n.communication, undefined);
      assert.equal(hex(n.data), '146869');
      assert.equal(describeNotification(n), 'Cease / Administrative Shutdown (data 146869)');
    });

    it('only subcodes 2 and 4 carry one', () => {
      const n = decode(bytes(`${MARKER_HEX} 0018 03  06 03 02 6869`));
      assert.equal(n.communication, undefined);
      assert.equal(parseShutdownCommunication(bytes('02 6869')), 'hi');
      assert.equal(parseShutdownCommunication(new Uint8Array(0)), undefined);
    });

    it('control characters in a communication are escaped in the description', () => {
      const n = buildShutdownNotification(2, 'a\nb "c"');
      assert.equal(describeNotification(n), 'Cease / Administrative Shutdown: "a\\nb \\"c\\""');
    });

    it('truncates to 255 octets at a UTF-8 boundary', () => {
      assert.equal(shutdownCommunicationData('a'.repeat(300)).length, 256);
      assert.equal(shutdownCommunicationData('a'.repeat(300))[0], 255);
      for (const [prefix, ch] of [
        [254, 'é'],
        [253, '€'],
        [254, '€'],
        [252, '😀'],
        [253, '😀'],
        [255, '😀'],
      ] as const) {
        const data = shutdownCommunicationData('a'.repeat(prefix) + ch + 'tail');
        const text = decodeUtf8(data.subarray(1));
        assert.ok(text !== undefined, `valid UTF-8 after truncating ${prefix} + ${ch}`);
        assert.equal(data[0], data.length - 1);
        assert.ok(data.length - 1 <= 255);
        const fits = prefix + Buffer.byteLength(ch) <= 255;
        assert.equal(text, 'a'.repeat(prefix) + (fits ? ch : '') + (fits ? 'tail'.slice(0, 255 - prefix - Buffer.byteLength(ch)) : ''));
      }
    });
  });

  it('RFC 8538 Hard Reset: the encapsulated cause is described', () => {
    const n = decode(bytes(`${MARKER_HEX} 001b 03  06 09  06 02 03 627965`));
    assert.deepEqual(hardResetCause(n), { code: 6, subcode: 2, data: bytes('03 627965') });
    assert.equal(describeNotification(n), 'Cease / Hard Reset (Cease / Administrative Shutdown: "bye")');
  });

  it('names every IANA code and subcode in iana.ts', () => {
    const tables: [number, Record<string, number>][] = [
      [ErrorCode.MessageHeader, MessageHeaderSubcode],
      [ErrorCode.OpenMessage, OpenSubcode],
      [ErrorCode.UpdateMessage, UpdateSubcode],
      [ErrorCode.FiniteStateMachine, FsmSubcode],
      [ErrorCode.Cease, CeaseSubcode],
      [ErrorCode.RouteRefresh, RouteRefreshSubcode],
    ];
    for (const code of Object.values(ErrorCode)) assert.ok(!notificationCodeName(code).startsWith('Unknown'), `code ${code}`);
    for (const [code, subs] of tables) {
      for (const sub of Object.values(subs)) {
        assert.ok(!notificationSubcodeName(code, sub).startsWith('Unknown'), `${code}/${sub}`);
      }
    }
    assert.equal(notificationCodeName(8), 'Send Hold Timer Expired');
    assert.equal(notificationCodeName(99), 'Unknown Error Code 99');
    assert.equal(notificationSubcodeName(6, 99), 'Unknown Subcode 99');
    assert.equal(notificationSubcodeName(2, 0), 'Unspecific');
    assert.equal(notificationSubcodeName(5, 2), 'Receive Unexpected Message in OpenConfirm State');
    assert.equal(describeNotification({ code: 99, subcode: 1, data: new Uint8Array(40).fill(0xab) }), `Unknown Error Code 99 / Unknown Subcode 1 (data ${'ab'.repeat(32)}… 40 bytes)`);
  });

  it('builds the NOTIFICATION for a decode failure, truncating data to fit the message size', () => {
    const failure = fail(ErrorCode.RouteRefresh, RouteRefreshSubcode.InvalidMessageLength, 'x', new Uint8Array(5000).fill(1));
    const n = notificationFromSpec(failure.notification);
    assert.equal(encodeNotification(n).length, 4096);
    const big = notificationFromSpec(failure.notification, 65535);
    assert.equal(big.data.length, 5000);
    const shut = notificationFromSpec({ code: 6, subcode: 2, data: shutdownCommunicationData('bye') });
    assert.equal(shut.communication, 'bye');
  });

  it('refuses to encode a NOTIFICATION over 65535 bytes or with out-of-range fields', () => {
    assert.throws(() => encodeNotification({ type: 'NOTIFICATION', code: 6, subcode: 0, data: new Uint8Array(65535) }), BgpEncodeError);
    assert.throws(() => encodeNotification({ type: 'NOTIFICATION', code: 256, subcode: 0, data: new Uint8Array(0) }), BgpEncodeError);
  });
});
