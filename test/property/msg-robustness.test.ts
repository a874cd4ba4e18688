// Properties: arbitrary and mutated bytes fed to decodeMessage and to the framer give only typed outcomes
// (a message or a failure carrying a NOTIFICATION), never an exception; decoding is idempotent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, type BgpMessage } from '../../src/wire/message.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../../src/wire/types.js';
import { expectOk } from '../helpers/codec-check.js';
import { assertTypedOutcome, messageArb, normalizeMessage } from '../helpers/msg-arbitraries.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() & 0x7fffffff);
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED, interruptAfterTimeLimit: 8000 });
const EXT: CodecContext = { ...DEFAULT_CONTEXT, extendedMessage: true };

/** Bytes that often get past the first checks: a valid marker, a plausible length and type. */
const headerish = fc
  .record({
    marker: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    // Types 0..7: every known type but UPDATE (2), which has its own property below, plus unknown neighbours.
    type: fc.constantFrom(0, 1, 3, 4, 5, 6, 7, 255),
    body: fc.uint8Array({ maxLength: 120 }),
    lengthMode: fc.constantFrom('exact', 'exact', 'random'),
    randomLength: fc.integer({ min: 0, max: 0xffff }),
  })
  .map(({ marker, type, body, lengthMode, randomLength }) => {
    const b = new Uint8Array(19 + body.length);
    b.fill(0xff, 0, 16);
    if (!marker) b[3] = 0x7f;
    const len = lengthMode === 'exact' ? b.length : randomLength;
    b[16] = len >>> 8;
    b[17] = len & 0xff;
    b[18] = type;
    b.set(body, 19);
    return b;
  });

interface Mutation {
  readonly op: 'flip' | 'set' | 'truncate' | 'insert' | 'delete';
  readonly at: number;
  readonly value: number;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('flip', 'set', 'truncate', 'insert', 'delete'),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
});

function mutate(src: Uint8Array, muts: readonly Mutation[], fixLength: boolean): Uint8Array {
  let b = Array.from(src);
  for (const m of muts) {
    // Bias positions past the header, where the message-specific parsing lives.
    const at = b.length === 0 ? 0 : (m.at % 3 === 0 ? m.at : 19 + m.at) % b.length;
    switch (m.op) {
      case 'flip':
        if (b.length > 0) b[at] = b[at]! ^ (1 << (m.value & 7));
        break;
      case 'set':
        if (b.length > 0) b[at] = m.value;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'insert':
        b.splice(at, 0, m.value);
        break;
      case 'delete':
        b.splice(at, 1);
        break;
    }
  }
  if (fixLength && b.length >= 18) {
    b[16] = (b.length >>> 8) & 0xff;
    b[17] = b.length & 0xff;
  }
  return Uint8Array.from(b);
}

/** No-UPDATE restriction for the idempotence check: only our own types are re-encoded. */
function checkIdempotent(buf: Uint8Array, ctx: CodecContext): void {
  const r = decodeMessage(buf, 0, ctx);
  assertTypedOutcome(r);
  if (!r.ok || r.value.type === 'UPDATE') return;
  const again = expectOk(decodeMessage(encodeMessage(r.value, ctx), 0, ctx)) as BgpMessage;
  assert.deepStrictEqual(normalizeMessage(again), normalizeMessage(r.value));
}

describe(`decoder and framer robustness (fast-check seed ${SEED})`, () => {
  it('arbitrary bytes: decodeMessage returns a typed outcome, never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, ext) => {
        assertTypedOutcome(decodeMessage(b, 0, ext ? EXT : DEFAULT_CONTEXT));
      }),
      params(6000),
    );
  });

  it('header-shaped garbage (non-UPDATE types): typed outcome; anything decoded re-decodes identically', () => {
    fc.assert(
      fc.property(headerish, fc.boolean(), (b, ext) => checkIdempotent(b, ext ? EXT : DEFAULT_CONTEXT)),
      params(14000),
    );
  });

  it('mutated valid messages: typed outcome; anything decoded re-decodes identically', () => {
    fc.assert(
      fc.property(messageArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (m, muts, fix) => {
        checkIdempotent(mutate(encodeMessage(m, DEFAULT_CONTEXT), muts, fix), DEFAULT_CONTEXT);
      }),
      params(16000),
    );
  });

  it('UPDATE-typed garbage (exercises src/wire/update.ts): typed outcome, never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 120 }), fc.boolean(), (body, ext) => {
        const b = new Uint8Array(19 + body.length);
        b.fill(0xff, 0, 16);
        b[16] = b.length >>> 8;
        b[17] = b.length & 0xff;
        b[18] = 2;
        b.set(body, 19);
        assertTypedOutcome(decodeMessage(b, 0, ext ? EXT : DEFAULT_CONTEXT));
      }),
      params(6000),
    );
  });

  it('framer: arbitrary chunks give whole messages, or one failure that it then only repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(headerish, fc.uint8Array({ maxLength: 30 })), { maxLength: 8 }), (chunks) => {
        const f = new MessageFramer();
        let failure: unknown;
        for (const c of chunks) {
          f.push(c);
          for (const r of f.drain()) {
            if (failure !== undefined) {
              assert.equal(r, failure, 'after a failure the framer only repeats it');
              continue;
            }
            if (r.ok) {
              const len = (r.value[16]! << 8) | r.value[17]!;
              assert.equal(r.value.length, len, 'a frame is exactly its Length field long');
              assert.ok(len >= 19 && len <= 4096);
              assertTypedOutcome(decodeMessage(r.value, 0, DEFAULT_CONTEXT));
            } else {
              assertTypedOutcome(r);
              assert.equal(r.notification.code, 1);
              failure = r;
            }
          }
        }
      }),
      params(8000),
    );
  });
});
