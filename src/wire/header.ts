// The 19-byte message header (RFC 4271 §4.1) and its checks (RFC 4271 §6.1, RFC 8654 §4).
import {
  ErrorCode,
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageHeaderSubcode,
  MessageType,
} from './iana.js';
import { copyBytes, readU16, writeU16 } from './codec.js';
import { fail, ok, type CodecContext, type DecodeFailure, type DecodeResult } from './types.js';

export const MARKER_LENGTH = 16;

export interface MessageHeader {
  /** Total message length, header included. */
  readonly length: number;
  readonly type: number;
}

/** RFC 4271 §4.1: the marker is 16 octets of all ones. */
export function markerIsValid(buf: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + MARKER_LENGTH; i++) {
    if (buf[i] !== 0xff) return false;
  }
  return true;
}

/** Write marker, length and type at `offset`; returns 19. */
export function writeHeader(buf: Uint8Array, offset: number, length: number, type: number): number {
  buf.fill(0xff, offset, offset + MARKER_LENGTH);
  writeU16(buf, offset + 16, length);
  buf[offset + 18] = type;
  return HEADER_LENGTH;
}

/**
 * Smallest legal length per type (RFC 4271 §4.2-§4.5; RFC 7313 §5 for ROUTE-REFRESH, whose length errors
 * are reported as ROUTE-REFRESH Message Error by route-refresh.ts rather than here).
 */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MessageType.OPEN]: 29,
  [MessageType.UPDATE]: 23,
  [MessageType.NOTIFICATION]: 21,
  [MessageType.KEEPALIVE]: 19,
  [MessageType.ROUTE_REFRESH]: 19,
};

export const isKnownMessageType = (type: number): boolean => MIN_LENGTH[type] !== undefined;

/** RFC 8654 §4: OPEN and KEEPALIVE never exceed 4096 bytes; other types may reach 65535 once negotiated. */
export function maxMessageLength(type: number, ctx: Pick<CodecContext, 'extendedMessage'>): number {
  if (!ctx.extendedMessage || type === MessageType.OPEN || type === MessageType.KEEPALIVE) return MAX_MESSAGE_LENGTH;
  return MAX_EXTENDED_MESSAGE_LENGTH;
}

/** RFC 4271 §6.1: Bad Message Length carries the erroneous 2-octet Length field as data. */
export function badMessageLength(buf: Uint8Array, offset: number, reason: string): DecodeFailure {
  return fail(ErrorCode.MessageHeader, MessageHeaderSubcode.BadMessageLength, reason, copyBytes(buf, offset + 16, offset + 18));
}

/**
 * The framing checks that need no type knowledge: marker, then 19 <= Length <= maxLength.
 * `buf` must hold at least 19 bytes from `offset`.
 */
export function checkFraming(buf: Uint8Array, offset: number, maxLength: number): DecodeResult<MessageHeader> {
  // RFC 4271 §6.1: a marker that is not all ones is "Connection Not Synchronized" (no data).
  if (!markerIsValid(buf, offset)) {
    return fail(ErrorCode.MessageHeader, MessageHeaderSubcode.ConnectionNotSynchronized, 'marker is not all ones');
  }
  const length = readU16(buf, offset + 16);
  if (length < HEADER_LENGTH || length > maxLength) {
    return badMessageLength(buf, offset, `message length ${length} outside ${HEADER_LENGTH}..${maxLength}`);
  }
  return ok({ length, type: buf[offset + 18]! });
}

/**
 * All header checks of RFC 4271 §6.1 for a message at `offset` of which `available` bytes are present:
 * marker, length bounds (RFC 8654 for the maximum), known type, per-type minimum/exact length.
 */
export function decodeHeader(buf: Uint8Array, offset: number, available: number, ctx: Pick<CodecContext, 'extendedMessage'>): DecodeResult<MessageHeader> {
  if (available < HEADER_LENGTH) {
    // Less than a header: the peer's stream ended mid-message. Report the length we can see, if any.
    const data = available >= 18 ? copyBytes(buf, offset + 16, offset + 18) : new Uint8Array(0);
    return fail(ErrorCode.MessageHeader, MessageHeaderSubcode.BadMessageLength, `only ${available} bytes, less than a header`, data);
  }
  const framed = checkFraming(buf, offset, ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH);
  if (!framed.ok) return framed;
  const { length, type } = framed.value;
  const min = MIN_LENGTH[type];
  // RFC 4271 §6.1: an unrecognized Type is "Bad Message Type" with the Type field as data.
  if (min === undefined) {
    return fail(ErrorCode.MessageHeader, MessageHeaderSubcode.BadMessageType, `unknown message type ${type}`, Uint8Array.of(type));
  }
  if (length > maxMessageLength(type, ctx)) {
    return badMessageLength(buf, offset, `type ${type} message of ${length} bytes exceeds ${maxMessageLength(type, ctx)}`);
  }
  // RFC 4271 §6.1: shorter than the type's minimum, or KEEPALIVE not exactly 19.
  if (length < min || (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH)) {
    return badMessageLength(buf, offset, `type ${type} message length ${length} invalid (minimum ${min})`);
  }
  if (length > available) {
    return badMessageLength(buf, offset, `message length ${length} but only ${available} bytes present`);
  }
  return framed;
}
