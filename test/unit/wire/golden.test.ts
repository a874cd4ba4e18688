// The codec's golden test: messages captured from BIRD 2, FRR 8, GoBGP 3 and ExaBGP 4 (test/vectors/<daemon>/)
// must decode to their independently written `expect`, with no RFC 7606 notes, and re-encode to the same bytes.
// test/vectors/vectors.test.ts checks the vectors themselves; this file checks our codec against them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMessage, encodeMessage } from '../../../src/wire/message.js';
import { Rfc7606Action } from '../../../src/wire/rfc7606.js';
import type { UpdateDecodeSuccess } from '../../../src/wire/update.js';
import { decodeMessage as neutralDecode } from '../../vectors/capture/decode.js';
import { contextFromVector, senderContext, toExpectShape, type VectorFile } from '../../helpers/golden-shape.js';

// Compiled to dist/test/unit/wire/; the JSON stays in the source tree.
const ROOT = fileURLToPath(new URL('../../../../test/vectors/', import.meta.url));

const EVERY_DAEMON = [
  'open',
  'keepalive',
  'update-ipv4',
  'update-ipv6',
  'eor-ipv4',
  'eor-ipv6',
  'withdraw-ipv4',
  'withdraw-ipv6',
  'notification-bad-peer-as',
  'notification-hold-timer-expired',
  'notification-admin-shutdown',
];
const ROUTE_REFRESH = ['route-refresh-ipv4', 'route-refresh-ipv6'];
const ENHANCED_ROUTE_REFRESH = ['borr-ipv4', 'eorr-ipv4']; // RFC 7313 BoRR / EoRR

/** Exactly the vectors each daemon's capture produced (README table): a missing or unlisted file fails. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  bird2: [...EVERY_DAEMON, ...ROUTE_REFRESH, ...ENHANCED_ROUTE_REFRESH],
  frr8: [...EVERY_DAEMON, ...ROUTE_REFRESH, ...ENHANCED_ROUTE_REFRESH],
  gobgp3: EVERY_DAEMON, // no ROUTE-REFRESH from softresetin, no enhanced route refresh
  exabgp4: [...EVERY_DAEMON, ...ROUTE_REFRESH], // no enhanced route refresh
};

const NOT_VECTORS = new Set(['transcript.json']);

const load = (daemon: string, name: string): VectorFile => JSON.parse(readFileSync(join(ROOT, daemon, `${name}.json`), 'utf8')) as VectorFile;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** "first difference at octet N" for a readable failure on long hex strings. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `first difference at octet ${i >> 1} (got ${a.length / 2} octets, want ${b.length / 2})`;
}

for (const [daemon, names] of Object.entries(EXPECTED)) {
  test(`${daemon}: the expected set of vector files is present`, () => {
    const present = readdirSync(join(ROOT, daemon))
      .filter((f) => f.endsWith('.json') && !NOT_VECTORS.has(f))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
    assert.deepEqual(present, [...names].sort());
  });

  for (const name of names) {
    test(`${daemon}/${name}.json`, () => {
      const v = load(daemon, name);
      const bytes = Uint8Array.from(Buffer.from(v.hex, 'hex'));
      assert.equal(hex(bytes), v.hex, 'hex field is not clean lower-case hex');
      const ctx = contextFromVector(v.context);

      // (1) decode succeeds, with no RFC 7606 notes, and says what `expect` says.
      const decoded = decodeMessage(bytes, 0, ctx);
      if (!decoded.ok) {
        const n = decoded.notification;
        assert.fail(`decode failed: ${decoded.reason} (NOTIFICATION ${n.code}/${n.subcode}, data ${hex(n.data)})`);
      }
      const msg = decoded.value;
      if (msg.type === 'UPDATE') {
        // decodeMessage hands back decodeUpdateBody's result, which adds the RFC 7606 outcome.
        assert.ok('errors' in decoded && 'action' in decoded, 'UPDATE decode result carries no RFC 7606 outcome');
        const outcome = decoded as UpdateDecodeSuccess;
        assert.deepEqual(
          outcome.errors.map((e) => `${e.clause}: ${e.reason}`),
          [],
          'RFC 7606 notes on a clean vector',
        );
        assert.equal(outcome.action, Rfc7606Action.None, 'RFC 7606 action on a clean vector');
      }
      assert.deepStrictEqual(toExpectShape(msg, ctx), v.expect, 'decoded message differs from expect');

      // The same message inside a larger buffer: the offset is honoured and trailing octets are ignored.
      const padded = new Uint8Array(bytes.length + 10).fill(0xa5);
      padded.set(bytes, 3);
      const again = decodeMessage(padded, 3, ctx);
      assert.ok(again.ok, 'decode at offset 3 failed');
      assert.deepStrictEqual(toExpectShape(again.value, ctx), v.expect, 'decode at offset 3 differs from expect');

      // (2) re-encoding from the sender's side of the same session gives the captured octets back.
      const out = hex(encodeMessage(msg, senderContext(ctx)));
      assert.equal(out, v.hex, `encode(decode(bytes)) differs from bytes: ${firstDifference(out, v.hex)}`);
    });
  }
}

// The comparisons above can fail: a one-octet change in a vector changes the rendering and the re-encoding.
test('golden: a corrupted vector no longer matches its expect', () => {
  const v = load('bird2', 'update-ipv4');
  const bytes = Uint8Array.from(Buffer.from(v.hex, 'hex'));
  // The last octet of the second COMMUNITIES value (65001:200 → 65001:201).
  const at = Buffer.from(bytes).indexOf(Buffer.from('fde900c8', 'hex')) + 3;
  assert.ok(at > 3, 'community octets not found in the vector');
  bytes[at] = 0xc9;
  const ctx = contextFromVector(v.context);
  const decoded = decodeMessage(bytes, 0, ctx);
  assert.ok(decoded.ok);
  assert.notDeepStrictEqual(toExpectShape(decoded.value, ctx), v.expect);
  assert.notEqual(hex(encodeMessage(decoded.value, senderContext(ctx))), v.hex);
});

// The path identifiers of the re-encoding come from the sender's side: with the receiver's context (no
// ADD-PATH send) the codec would drop them, so that choice is what the byte comparison above relies on.
test('golden: re-encoding with the receiver context drops the ADD-PATH identifiers', () => {
  const v = load('bird2', 'withdraw-ipv4');
  const ctx = contextFromVector(v.context);
  const decoded = decodeMessage(Uint8Array.from(Buffer.from(v.hex, 'hex')), 0, ctx);
  assert.ok(decoded.ok);
  const asReceiver = encodeMessage(decoded.value, ctx);
  assert.equal(asReceiver.length, v.hex.length / 2 - 4, 'one 4-octet path identifier fewer');
});

// No vector carries an attribute outside the README's named set, so the adapter's `other` rendering is checked
// here against the capture tool's independent decoder on a hand-assembled UPDATE of a 2-octet AS session.
test('golden adapter: `other` attributes and a 2-octet AS_PATH render as the capture decoder reads them', () => {
  const attrs = [
    '40010100', // ORIGIN IGP
    '4002040201' + '5ba0', // AS_PATH AS_SEQUENCE [AS_TRANS]
    '400304c0000201', // NEXT_HOP 192.0.2.1
    '400600', // ATOMIC_AGGREGATE
    'c007065ba0c0000201', // AGGREGATOR AS_TRANS 192.0.2.1
    'c00804ffffff01', // COMMUNITIES NO_EXPORT
    'c010080002fde900000064', // EXTENDED_COMMUNITIES route target 65001:100
    'c011060201fa56ea01', // AS4_PATH AS_SEQUENCE [4200000001]
    'c01208fa56ea01c0000201', // AS4_AGGREGATOR 4200000001 192.0.2.1
    'e06302abcd', // unrecognized optional transitive type 99, Partial set
  ].join('');
  const nlri = '18c63364'; // 198.51.100.0/24
  const body = `0000${(attrs.length / 2).toString(16).padStart(4, '0')}${attrs}${nlri}`;
  const msgHex = `${'ff'.repeat(16)}${(19 + body.length / 2).toString(16).padStart(4, '0')}02${body}`;
  const bytes = Buffer.from(msgHex, 'hex');
  const vectorContext = { fourOctetAs: false, extendedMessage: false, addPathReceive: [], ibgp: false };
  const ctx = contextFromVector(vectorContext);

  const oracle = neutralDecode(bytes, { fourOctetAs: false, addPath: new Set<string>() });
  const decoded = decodeMessage(Uint8Array.from(bytes), 0, ctx);
  assert.ok(decoded.ok);
  assert.deepEqual((decoded as UpdateDecodeSuccess).errors, []);
  assert.equal((oracle.attributes as { other: unknown[] }).other.length, 5, 'the oracle puts five attributes in `other`');
  assert.deepStrictEqual(toExpectShape(decoded.value, ctx), oracle);
  assert.equal(hex(encodeMessage(decoded.value, senderContext(ctx))), msgHex);
});
