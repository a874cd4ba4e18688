// Byte-level helpers shared by the message codecs, and the codec trio shape (dns-packet style):
// `encodingLength` computes the size, the caller allocates once, `encodeInto` writes at an offset.

/** The trio every codec in `wire/` offers for its unit (a message, a capability, ...). */
export interface Codec<T, D> {
  /** Bytes `value` occupies on the wire. */
  encodingLength(value: T): number;
  /** Write `value` at `offset`; returns bytes written (always `encodingLength(value)`). */
  encodeInto(value: T, buf: Uint8Array, offset: number): number;
  /** Decode `buf[offset, offset + length)`. */
  decode(buf: Uint8Array, offset: number, length: number): D;
}

/**
 * Thrown only by *encoders* handed a value that cannot be put on the wire (a field out of range).
 * That is a programming error in the caller, never a reaction to received bytes: decoders return values.
 */
export class BgpEncodeError extends RangeError {
  readonly code: string;
  constructor(code: `ERR_BGP_${string}`, message: string) {
    super(message);
    this.name = 'BgpEncodeError';
    this.code = code;
  }
}

/** Allocate exactly `length` bytes and let `write` fill them from offset 0. */
export function encodeWith<T>(value: T, length: number, write: (value: T, buf: Uint8Array, offset: number) => number): Uint8Array {
  const out = new Uint8Array(length);
  const written = write(value, out, 0);
  if (written !== length) {
    throw new BgpEncodeError('ERR_BGP_ENCODE_LENGTH', `encoder wrote ${written} bytes, expected ${length}`);
  }
  return out;
}

export const readU16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
export const readU24 = (b: Uint8Array, o: number): number => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
export const readU32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

export function writeU16(b: Uint8Array, o: number, v: number): number {
  b[o] = v >>> 8;
  b[o + 1] = v;
  return 2;
}

export function writeU24(b: Uint8Array, o: number, v: number): number {
  b[o] = v >>> 16;
  b[o + 1] = v >>> 8;
  b[o + 2] = v;
  return 3;
}

export function writeU32(b: Uint8Array, o: number, v: number): number {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
  return 4;
}

/** Throw if `v` is not an integer in [0, max]: guards encoders against silently wrapping a field. */
export function checkUint(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new BgpEncodeError('ERR_BGP_FIELD_RANGE', `${field} must be an integer in 0..${max}, got ${v}`);
  }
}

/** A copy (not a view): for NOTIFICATION data that must outlive the receive buffer. */
export const copyBytes = (b: Uint8Array, start: number, end: number): Uint8Array => Uint8Array.prototype.slice.call(b, start, end);

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Strict UTF-8 decode; `undefined` when the bytes are not valid UTF-8. */
export function decodeUtf8(b: Uint8Array): string | undefined {
  try {
    return utf8Fatal.decode(b);
  } catch {
    return undefined;
  }
}

export const encodeUtf8 = (s: string): Uint8Array => utf8Encoder.encode(s);

/**
 * The longest prefix of `bytes` that is at most `max` bytes and does not end inside a UTF-8 sequence
 * (assumes `bytes` is valid UTF-8).
 */
export function truncateUtf8(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  // bytes[end] is the first byte cut off; while it is a continuation byte, the character it belongs to
  // started before `end` and would be split, so cut before that character's lead byte.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
