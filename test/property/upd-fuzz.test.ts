// Hostile input: arbitrary and mutated octets give only typed outcomes (never a throw or a hang), and what
// decodes cleanly enough to keep re-encodes into something that decodes again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeUpdateBody, encodeUpdate, type UpdateDecodeResult, type UpdateMessage } from '../../src/wire/update.js';
import { forEachPrefix, isPrefixFamily } from '../../src/wire/nlri.js';
import { Rfc7606Action } from '../../src/wire/rfc7606.js';
import type { CodecContext } from '../../src/wire/types.js';
import { scenarioArb } from './upd-arbitraries.js';

const ARBITRARY_RUNS = 30_000;
const MUTATED_RUNS = 32_000;

/** The outcome is one of the typed shapes, with sane fields. */
function checkTyped(r: UpdateDecodeResult): void {
  if (r.ok) {
    assert.equal(r.value.type, 'UPDATE');
    assert.ok(r.action >= Rfc7606Action.None && r.action <= Rfc7606Action.AfiSafiDisable, `action ${r.action}`);
    assert.equal(r.action === Rfc7606Action.None, r.errors.length === 0);
    for (const e of r.errors) assert.ok(e.notification.data instanceof Uint8Array && e.reason.length > 0);
    visitAll(r.value);
  } else {
    assert.ok(r.notification.code === 1 || r.notification.code === 3, `code ${r.notification.code}`);
    assert.ok(r.notification.subcode >= 1 && r.notification.subcode <= 11, `subcode ${r.notification.subcode}`);
    assert.ok(r.notification.data instanceof Uint8Array);
    assert.ok(typeof r.reason === 'string' && r.reason.length > 0);
  }
}

function visitAll(m: UpdateMessage): void {
  const blocks = [m.withdrawn, m.nlri];
  if (m.mpReach) blocks.push(m.mpReach.nlri);
  if (m.mpUnreach) blocks.push(m.mpUnreach.nlri);
  for (const b of blocks) {
    if (!isPrefixFamily(b.afi, b.safi)) continue;
    let n = 0;
    forEachPrefix(b, (_a, len) => {
      assert.ok(len <= (b.afi === 1 ? 32 : 128));
      n++;
    });
    assert.equal(n, b.count);
  }
}

/** Re-encoding a decoded message must work and decode again without a reset. */
function reencode(m: UpdateMessage, ctx: CodecContext): void {
  const out = encodeUpdate(m, ctx);
  const again = decodeUpdateBody(out, 19, out.length - 19, ctx);
  if (!again.ok) assert.fail(`re-encoded message fails: ${again.reason}`);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
);

function mutate(b: Uint8Array, ms: readonly { kind: string; at: number; value: number }[]): Uint8Array {
  let arr = Array.from(b);
  for (const m of ms) {
    if (arr.length === 0) break;
    const at = m.at % arr.length;
    if (m.kind === 'set') arr[at] = m.value;
    else if (m.kind === 'cut') arr = arr.slice(0, at);
    else if (m.kind === 'insert') arr.splice(at, 0, m.value);
    else arr.splice(at, 1);
  }
  return Uint8Array.from(arr);
}

describe('UPDATE decode on hostile input (fast-check)', () => {
  it(`${ARBITRARY_RUNS} arbitrary octet strings give typed outcomes`, () => {
    const ctxArb = scenarioArb.map((s) => s.ctx);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), ctxArb, fc.nat(3), (b, ctx, off) => {
        const buf = new Uint8Array(off + b.length);
        buf.set(b, off);
        checkTyped(decodeUpdateBody(buf, off, b.length, ctx));
      }),
      { numRuns: ARBITRARY_RUNS },
    );
  });

  it(`${MUTATED_RUNS} mutated valid UPDATEs give typed outcomes; survivors re-encode`, () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ ctx, msg }, ms) => {
        const whole = encodeUpdate(msg, ctx);
        const b = mutate(whole.subarray(19), ms);
        const r = decodeUpdateBody(b, 0, b.length, ctx);
        checkTyped(r);
        if (r.ok) reencode(r.value, ctx);
      }),
      { numRuns: MUTATED_RUNS },
    );
  });
});
