// KEEPALIVE message (RFC 4271 §4.4): the header alone, length exactly 19 (checked in header.ts).
import { HEADER_LENGTH, MessageType } from './iana.js';
import { writeHeader } from './header.js';

export interface KeepaliveMessage {
  readonly type: 'KEEPALIVE';
}

export const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'KEEPALIVE' });

export const keepaliveEncodingLength = (_msg: KeepaliveMessage = KEEPALIVE): number => HEADER_LENGTH;

export const encodeKeepaliveInto = (_msg: KeepaliveMessage, buf: Uint8Array, offset: number): number =>
  writeHeader(buf, offset, HEADER_LENGTH, MessageType.KEEPALIVE);

export function encodeKeepalive(): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH);
  encodeKeepaliveInto(KEEPALIVE, out, 0);
  return out;
}
