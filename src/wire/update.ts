// STUB (contract only): replaced by the UPDATE codec. Signatures below are the contract other modules use.
import type { CodecContext, DecodeFailure } from './types.js';

export interface UpdateMessage {
  readonly type: 'UPDATE';
}

export type UpdateDecodeResult = DecodeFailure | { readonly ok: true; readonly value: UpdateMessage };

/** Decode an UPDATE body: `buf[offset, offset + length)` is everything after the 19-byte header. */
export function decodeUpdateBody(_buf: Uint8Array, _offset: number, _length: number, _ctx: CodecContext): UpdateDecodeResult {
  throw new Error('not implemented');
}

/** Whole message length in bytes, header included. */
export function updateEncodingLength(_msg: UpdateMessage, _ctx: CodecContext): number {
  throw new Error('not implemented');
}

/** Write the whole message (header included) at `offset`; returns bytes written. */
export function encodeUpdateInto(_msg: UpdateMessage, _ctx: CodecContext, _buf: Uint8Array, _offset: number): number {
  throw new Error('not implemented');
}

export function encodeUpdate(msg: UpdateMessage, ctx: CodecContext): Uint8Array {
  const out = new Uint8Array(updateEncodingLength(msg, ctx));
  encodeUpdateInto(msg, ctx, out, 0);
  return out;
}
