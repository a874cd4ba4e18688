// Reusable checks for a codec trio (dns-packet's test idea): round trip, encodingLength === bytes written,
// and encoding at an offset into a larger buffer leaves the surrounding bytes untouched.
import assert from 'node:assert/strict';
import type { DecodeResult } from '../../src/wire/types.js';

export interface CodecUnderTest<T> {
  encodingLength(value: T): number;
  encodeInto(value: T, buf: Uint8Array, offset: number): number;
  /** Decode exactly `buf[offset, offset + length)`. */
  decode(buf: Uint8Array, offset: number, length: number): DecodeResult<T>;
}

export interface CheckOptions<T> {
  /** The exact wire bytes `value` must encode to (a golden vector). */
  readonly expected?: Uint8Array;
  /** Maps a value to what must be equal after a round trip (e.g. drop fields decode derives). */
  readonly normalize?: (value: T) => unknown;
  /** Offsets to encode at; default [0, 1, 13]. */
  readonly offsets?: readonly number[];
}

const PAD_AFTER = 7;
const sentinel = (i: number): number => (i * 37 + 11) & 0xff;

/** Runs every check and returns the encoding of `value`. */
export function checkCodec<T>(codec: CodecUnderTest<T>, value: T, options: CheckOptions<T> = {}): Uint8Array {
  const normalize = options.normalize ?? ((v: T): unknown => v);
  const length = codec.encodingLength(value);
  assert.ok(Number.isInteger(length) && length >= 0, `encodingLength returned ${length}`);

  const plain = new Uint8Array(length);
  assert.equal(codec.encodeInto(value, plain, 0), length, 'bytes written at offset 0 must equal encodingLength');
  if (options.expected !== undefined) assert.deepEqual(hex(plain), hex(options.expected), 'encoding differs from the expected bytes');

  for (const offset of options.offsets ?? [0, 1, 13]) {
    const buf = new Uint8Array(offset + length + PAD_AFTER);
    for (let i = 0; i < buf.length; i++) buf[i] = sentinel(i);
    const written = codec.encodeInto(value, buf, offset);
    assert.equal(written, length, `bytes written at offset ${offset} must equal encodingLength`);
    for (let i = 0; i < offset; i++) assert.equal(buf[i], sentinel(i), `byte ${i} before offset ${offset} was overwritten`);
    for (let i = offset + length; i < buf.length; i++) assert.equal(buf[i], sentinel(i), `byte ${i} after the encoding was overwritten`);
    assert.deepEqual(hex(buf.subarray(offset, offset + length)), hex(plain), `encoding at offset ${offset} differs from offset 0`);

    const decoded = codec.decode(buf, offset, length);
    if (!decoded.ok) assert.fail(`decode at offset ${offset} failed: ${decoded.reason}`);
    assert.deepStrictEqual(normalize(decoded.value), normalize(value), `round trip at offset ${offset} changed the value`);

    const again = new Uint8Array(codec.encodingLength(decoded.value));
    codec.encodeInto(decoded.value, again, 0);
    assert.deepEqual(hex(again), hex(plain), 'encode(decode(bytes)) differs from bytes');
  }
  return plain;
}

/** Assert a decode fails with this NOTIFICATION code/subcode (and data, when given); returns the failure. */
export function expectFailure<T>(
  result: DecodeResult<T>,
  code: number,
  subcode: number,
  data?: Uint8Array,
): Extract<DecodeResult<T>, { ok: false }> {
  if (result.ok) assert.fail(`expected NOTIFICATION ${code}/${subcode}, decode succeeded`);
  assert.equal(result.notification.code, code, `code (reason: ${result.reason})`);
  assert.equal(result.notification.subcode, subcode, `subcode (reason: ${result.reason})`);
  if (data !== undefined) assert.deepEqual(hex(result.notification.data), hex(data), 'NOTIFICATION data');
  assert.ok(result.reason.length > 0, 'a failure carries a reason');
  return result;
}

/** The success value, or a test failure naming the reason. */
export function expectOk<T>(result: DecodeResult<T>): T {
  if (!result.ok) assert.fail(`decode failed: ${result.reason} (${result.notification.code}/${result.notification.subcode})`);
  return result.value;
}

/**
 * Bytes from readable hex: whitespace and `#` comments (to end of line) are ignored, e.g.
 * `bytes('ffff ffff  # marker')`. Throws on an odd digit count so a typo in a vector cannot pass silently.
 */
export function bytes(text: string): Uint8Array {
  const digits = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits) || digits.length % 2 !== 0) throw new Error(`bad hex vector: ${digits}`);
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** Concatenate byte arrays. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const MARKER_HEX = 'ffffffff ffffffff ffffffff ffffffff';

/** A whole message: marker, computed length, type, body. */
export function message(type: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const len = 19 + body.length;
  return concat(bytes(MARKER_HEX), Uint8Array.of(len >>> 8, len & 0xff, type), body);
}
