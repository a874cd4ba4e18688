// The BGP message union and the top-level codec: check the header (RFC 4271 §6.1), dispatch by type.
import { ErrorCode, HEADER_LENGTH, MessageHeaderSubcode, MessageType } from './iana.js';
import { BgpEncodeError } from './codec.js';
import { decodeHeader, maxMessageLength } from './header.js';
import { KEEPALIVE, encodeKeepaliveInto, type KeepaliveMessage } from './keepalive.js';
import { decodeNotificationBody, encodeNotificationInto, notificationEncodingLength, type NotificationMessage } from './notification.js';
import { decodeOpenBody, encodeOpenInto, openEncodingLength, type OpenMessage } from './open.js';
import { decodeRouteRefreshBody, encodeRouteRefreshInto, routeRefreshEncodingLength, type RouteRefreshMessage } from './route-refresh.js';
import { fail, ok, type CodecContext, type DecodeResult } from './types.js';
import { decodeUpdateBody, encodeUpdateInto, updateEncodingLength, type UpdateMessage } from './update.js';

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;
export type BgpMessageType = BgpMessage['type'];

/**
 * Decode the message starting at `offset`. The buffer must hold the whole message (as the framer yields
 * it); bytes after it are ignored. Every malformed input yields a failure carrying its NOTIFICATION.
 */
export function decodeMessage(buf: Uint8Array, offset: number, ctx: CodecContext): DecodeResult<BgpMessage> {
  const header = decodeHeader(buf, offset, buf.length - offset, ctx);
  if (!header.ok) return header;
  const { length, type } = header.value;
  const body = offset + HEADER_LENGTH;
  const bodyLength = length - HEADER_LENGTH;
  switch (type) {
    case MessageType.OPEN:
      return decodeOpenBody(buf, body, bodyLength);
    case MessageType.UPDATE:
      return decodeUpdateBody(buf, body, bodyLength, ctx);
    case MessageType.NOTIFICATION:
      return decodeNotificationBody(buf, body, bodyLength);
    case MessageType.KEEPALIVE:
      return ok(KEEPALIVE);
    case MessageType.ROUTE_REFRESH:
      return decodeRouteRefreshBody(buf, body, bodyLength);
    default:
      // decodeHeader already rejects unknown types; kept so no input can ever make this function throw.
      return fail(ErrorCode.MessageHeader, MessageHeaderSubcode.BadMessageType, `unknown message type ${type}`, Uint8Array.of(type));
  }
}

/** Whole message length in bytes, header included. */
export function messageEncodingLength(msg: BgpMessage, ctx: CodecContext): number {
  switch (msg.type) {
    case 'OPEN':
      return openEncodingLength(msg);
    case 'UPDATE':
      return updateEncodingLength(msg, ctx);
    case 'NOTIFICATION':
      return notificationEncodingLength(msg);
    case 'KEEPALIVE':
      return HEADER_LENGTH;
    case 'ROUTE-REFRESH':
      return routeRefreshEncodingLength(msg);
  }
}

const TYPE_CODE: Readonly<Record<BgpMessageType, number>> = {
  OPEN: MessageType.OPEN,
  UPDATE: MessageType.UPDATE,
  NOTIFICATION: MessageType.NOTIFICATION,
  KEEPALIVE: MessageType.KEEPALIVE,
  'ROUTE-REFRESH': MessageType.ROUTE_REFRESH,
};

/** Write the whole message at `offset`; returns bytes written. Refuses messages over the negotiated size. */
export function encodeMessageInto(msg: BgpMessage, ctx: CodecContext, buf: Uint8Array, offset: number): number {
  return writeMessage(msg, ctx, buf, offset, messageEncodingLength(msg, ctx));
}

function writeMessage(msg: BgpMessage, ctx: CodecContext, buf: Uint8Array, offset: number, length: number): number {
  const max = maxMessageLength(TYPE_CODE[msg.type], ctx);
  if (length > max) {
    throw new BgpEncodeError('ERR_BGP_MESSAGE_TOO_LONG', `${msg.type} of ${length} bytes exceeds the ${max}-byte limit of this session`);
  }
  switch (msg.type) {
    case 'OPEN':
      return encodeOpenInto(msg, buf, offset);
    case 'UPDATE':
      return encodeUpdateInto(msg, ctx, buf, offset);
    case 'NOTIFICATION':
      return encodeNotificationInto(msg, buf, offset);
    case 'KEEPALIVE':
      return encodeKeepaliveInto(msg, buf, offset);
    case 'ROUTE-REFRESH':
      return encodeRouteRefreshInto(msg, buf, offset);
  }
}

export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  const length = messageEncodingLength(msg, ctx);
  const out = new Uint8Array(length);
  const written = writeMessage(msg, ctx, out, 0, length);
  if (written !== out.length) throw new BgpEncodeError('ERR_BGP_ENCODE_LENGTH', `${msg.type} encoder wrote ${written} of ${out.length} bytes`);
  return out;
}
