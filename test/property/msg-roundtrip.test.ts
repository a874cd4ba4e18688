// Properties: every valid OPEN / NOTIFICATION / KEEPALIVE / ROUTE-REFRESH round-trips through the codec
// (including at an offset in a larger buffer) and through the framer under any TCP chunking.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, encodeMessageInto, messageEncodingLength, type BgpMessage } from '../../src/wire/message.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { parseShutdownCommunication, type NotificationMessage } from '../../src/wire/notification.js';
import { DEFAULT_CONTEXT } from '../../src/wire/types.js';
import { checkCodec, concat, expectOk, type CodecUnderTest } from '../helpers/codec-check.js';
import { messageArb, normalizeMessage, notificationArb, openArb, routeRefreshArb } from '../helpers/msg-arbitraries.js';

const codec: CodecUnderTest<BgpMessage> = {
  encodingLength: (m) => messageEncodingLength(m, DEFAULT_CONTEXT),
  encodeInto: (m, buf, offset) => encodeMessageInto(m, DEFAULT_CONTEXT, buf, offset),
  decode: (buf, offset, length) => decodeMessage(buf.subarray(0, offset + length), offset, DEFAULT_CONTEXT),
};

const SEED = Number(process.env.FC_SEED ?? Date.now() & 0x7fffffff);
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED, interruptAfterTimeLimit: 8000 });

describe(`message round trips (fast-check seed ${SEED})`, () => {
  it('OPEN: encode/decode/encode is the identity on bytes; the RFC 9072 flag is honoured', () => {
    fc.assert(
      fc.property(openArb, fc.nat({ max: 40 }), (open, pad) => {
        checkCodec(codec, open, { normalize: normalizeMessage, offsets: [0, pad] });
        const back = expectOk(decodeMessage(encodeMessage(open, DEFAULT_CONTEXT), 0, DEFAULT_CONTEXT));
        assert.equal(back.type, 'OPEN');
        if (open.extendedOptionalParameters === true) assert.equal(back.type === 'OPEN' && back.extendedOptionalParameters, true);
      }),
      params(3000),
    );
  });

  it('NOTIFICATION: round trip; the communication is derived from data for Cease 2/4 only', () => {
    fc.assert(
      fc.property(notificationArb, fc.nat({ max: 40 }), (n, pad) => {
        checkCodec(codec, n, { normalize: normalizeMessage, offsets: [0, pad] });
        const back = expectOk(decodeMessage(encodeMessage(n, DEFAULT_CONTEXT), 0, DEFAULT_CONTEXT)) as NotificationMessage;
        const expected = n.code === 6 && (n.subcode === 2 || n.subcode === 4) ? parseShutdownCommunication(n.data) : undefined;
        assert.equal(back.communication, expected);
        if (n.communication !== undefined) assert.equal(back.communication, n.communication);
      }),
      params(3000),
    );
  });

  it('ROUTE-REFRESH: round trip for every AFI, SAFI and subtype', () => {
    fc.assert(
      fc.property(routeRefreshArb, fc.nat({ max: 40 }), (m, pad) => {
        checkCodec(codec, m, { offsets: [0, pad] });
      }),
      params(2000),
    );
  });

  it('a stream of messages split at arbitrary points comes out of the framer whole and in order', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (msgs, cuts) => {
        const stream = concat(...msgs.map((m) => encodeMessage(m, DEFAULT_CONTEXT)));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const f = new MessageFramer();
        const out: BgpMessage[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          f.push(stream.subarray(prev, p));
          prev = p;
          for (const r of f.drain()) out.push(expectOk(decodeMessage(expectOk(r), 0, DEFAULT_CONTEXT)));
        }
        assert.equal(f.buffered, 0);
        assert.deepStrictEqual(out.map(normalizeMessage), msgs.map(normalizeMessage));
      }),
      params(1500),
    );
  });
});
