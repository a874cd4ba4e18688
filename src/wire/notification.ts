// NOTIFICATION message (RFC 4271 §4.5): Error Code (1), Error Subcode (1), Data (variable), with the
// RFC 9003 shutdown communication of Cease / Administrative Shutdown and Administrative Reset, and the
// RFC 8538 §3 encapsulated NOTIFICATION of Cease / Hard Reset.
import {
  CeaseSubcode,
  ErrorCode,
  FsmSubcode,
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageHeaderSubcode,
  MessageType,
  OpenSubcode,
  RouteRefreshSubcode,
  UpdateSubcode,
} from './iana.js';
import { BgpEncodeError, checkUint, decodeUtf8, encodeUtf8, encodeWith, toHex, truncateUtf8 } from './codec.js';
import { writeHeader } from './header.js';
import { fail, ok, type DecodeResult, type NotificationSpec } from './types.js';

/** RFC 9687 Send Hold Timer Expired (IANA error code 8); not yet in iana.ts. */
export const SEND_HOLD_TIMER_EXPIRED = 8;

export interface NotificationMessage {
  readonly type: 'NOTIFICATION';
  readonly code: number;
  readonly subcode: number;
  /** Zero-copy view of the received data; the encoder writes exactly these bytes. */
  readonly data: Uint8Array;
  /**
   * RFC 9003 §2: the shutdown communication of Cease / Administrative Shutdown (2) or Administrative
   * Reset (4), when the data is well-formed. Derived from `data`; the encoder ignores it.
   */
  readonly communication?: string;
}

const NAMES: Readonly<Record<number, readonly [string, Readonly<Record<number, string>>]>> = {
  [ErrorCode.MessageHeader]: [
    'Message Header Error',
    {
      [MessageHeaderSubcode.ConnectionNotSynchronized]: 'Connection Not Synchronized',
      [MessageHeaderSubcode.BadMessageLength]: 'Bad Message Length',
      [MessageHeaderSubcode.BadMessageType]: 'Bad Message Type',
    },
  ],
  [ErrorCode.OpenMessage]: [
    'OPEN Message Error',
    {
      [OpenSubcode.UnsupportedVersionNumber]: 'Unsupported Version Number',
      [OpenSubcode.BadPeerAs]: 'Bad Peer AS',
      [OpenSubcode.BadBgpIdentifier]: 'Bad BGP Identifier',
      [OpenSubcode.UnsupportedOptionalParameter]: 'Unsupported Optional Parameter',
      5: 'Authentication Failure (deprecated)',
      [OpenSubcode.UnacceptableHoldTime]: 'Unacceptable Hold Time',
      [OpenSubcode.UnsupportedCapability]: 'Unsupported Capability',
      8: 'Deprecated (8)',
      9: 'Deprecated (9)',
      10: 'Deprecated (10)',
      [OpenSubcode.RoleMismatch]: 'Role Mismatch',
    },
  ],
  [ErrorCode.UpdateMessage]: [
    'UPDATE Message Error',
    {
      [UpdateSubcode.MalformedAttributeList]: 'Malformed Attribute List',
      [UpdateSubcode.UnrecognizedWellKnownAttribute]: 'Unrecognized Well-known Attribute',
      [UpdateSubcode.MissingWellKnownAttribute]: 'Missing Well-known Attribute',
      [UpdateSubcode.AttributeFlagsError]: 'Attribute Flags Error',
      [UpdateSubcode.AttributeLengthError]: 'Attribute Length Error',
      [UpdateSubcode.InvalidOriginAttribute]: 'Invalid ORIGIN Attribute',
      7: 'AS Routing Loop (deprecated)',
      [UpdateSubcode.InvalidNextHopAttribute]: 'Invalid NEXT_HOP Attribute',
      [UpdateSubcode.OptionalAttributeError]: 'Optional Attribute Error',
      [UpdateSubcode.InvalidNetworkField]: 'Invalid Network Field',
      [UpdateSubcode.MalformedAsPath]: 'Malformed AS_PATH',
    },
  ],
  [ErrorCode.HoldTimerExpired]: ['Hold Timer Expired', {}],
  [ErrorCode.FiniteStateMachine]: [
    'Finite State Machine Error',
    {
      [FsmSubcode.Unspecified]: 'Unspecified Error',
      [FsmSubcode.UnexpectedMessageInOpenSent]: 'Receive Unexpected Message in OpenSent State',
      [FsmSubcode.UnexpectedMessageInOpenConfirm]: 'Receive Unexpected Message in OpenConfirm State',
      [FsmSubcode.UnexpectedMessageInEstablished]: 'Receive Unexpected Message in Established State',
    },
  ],
  [ErrorCode.Cease]: [
    'Cease',
    {
      [CeaseSubcode.MaximumNumberOfPrefixesReached]: 'Maximum Number of Prefixes Reached',
      [CeaseSubcode.AdministrativeShutdown]: 'Administrative Shutdown',
      [CeaseSubcode.PeerDeConfigured]: 'Peer De-configured',
      [CeaseSubcode.AdministrativeReset]: 'Administrative Reset',
      [CeaseSubcode.ConnectionRejected]: 'Connection Rejected',
      [CeaseSubcode.OtherConfigurationChange]: 'Other Configuration Change',
      [CeaseSubcode.ConnectionCollisionResolution]: 'Connection Collision Resolution',
      [CeaseSubcode.OutOfResources]: 'Out of Resources',
      [CeaseSubcode.HardReset]: 'Hard Reset',
      [CeaseSubcode.BfdDown]: 'BFD Down',
    },
  ],
  [ErrorCode.RouteRefresh]: ['ROUTE-REFRESH Message Error', { [RouteRefreshSubcode.InvalidMessageLength]: 'Invalid Message Length' }],
  [SEND_HOLD_TIMER_EXPIRED]: ['Send Hold Timer Expired', {}],
};

export const notificationCodeName = (code: number): string => NAMES[code]?.[0] ?? `Unknown Error Code ${code}`;

/** Subcode 0 is "Unspecific" for every code (RFC 4271 §6.2, RFC 7606 §3, RFC 6608 §3). */
export function notificationSubcodeName(code: number, subcode: number): string {
  const name = NAMES[code]?.[1][subcode];
  if (name !== undefined) return name;
  return subcode === 0 ? 'Unspecific' : `Unknown Subcode ${subcode}`;
}

const hasShutdownCommunication = (code: number, subcode: number): boolean =>
  code === ErrorCode.Cease && (subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset);

/**
 * RFC 9003 §2: Length (1 octet, 0..255) then that many octets of UTF-8. Returns the text when the data is
 * well-formed (length fits the data, valid UTF-8), else `undefined` (RFC 9003 §4: such a communication is
 * only logged, never acted on; the raw data stays in `data`). Octets after the communication are ignored.
 */
export function parseShutdownCommunication(data: Uint8Array): string | undefined {
  if (data.length < 1) return undefined;
  const len = data[0]!;
  if (1 + len > data.length) return undefined;
  return decodeUtf8(data.subarray(1, 1 + len));
}

/** RFC 9003 §2 data for `text`: truncated to 255 octets at a UTF-8 character boundary. */
export function shutdownCommunicationData(text: string): Uint8Array {
  const bytes = truncateUtf8(encodeUtf8(text), 255);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

/** The message for a spec (e.g. a decode failure), with data truncated so the message fits `maxLength`. */
export function notificationFromSpec(spec: NotificationSpec, maxLength: number = MAX_MESSAGE_LENGTH): NotificationMessage {
  const room = Math.max(0, Math.min(maxLength, MAX_EXTENDED_MESSAGE_LENGTH) - HEADER_LENGTH - 2);
  const data = spec.data.length > room ? spec.data.subarray(0, room) : spec.data;
  return withCommunication({ type: 'NOTIFICATION', code: spec.code, subcode: spec.subcode, data });
}

/** Cease / Administrative Shutdown or Administrative Reset with an RFC 9003 communication. */
export function buildShutdownNotification(
  subcode: typeof CeaseSubcode.AdministrativeShutdown | typeof CeaseSubcode.AdministrativeReset,
  text: string,
): NotificationMessage {
  return withCommunication({ type: 'NOTIFICATION', code: ErrorCode.Cease, subcode, data: shutdownCommunicationData(text) });
}

function withCommunication(n: NotificationMessage): NotificationMessage {
  if (!hasShutdownCommunication(n.code, n.subcode)) return n;
  const communication = parseShutdownCommunication(n.data);
  return communication === undefined ? n : { ...n, communication };
}

/** RFC 8538 §3: Cease / Hard Reset data holds the NOTIFICATION that caused it (code, subcode, data). */
export function hardResetCause(n: NotificationSpec): NotificationSpec | undefined {
  if (n.code !== ErrorCode.Cease || n.subcode !== CeaseSubcode.HardReset || n.data.length < 2) return undefined;
  return { code: n.data[0]!, subcode: n.data[1]!, data: n.data.subarray(2) };
}

/** Decode a NOTIFICATION body: `buf[offset, offset + length)` is everything after the header. */
export function decodeNotificationBody(buf: Uint8Array, offset: number, length: number): DecodeResult<NotificationMessage> {
  if (length < 2) {
    const total = length + HEADER_LENGTH;
    return fail(ErrorCode.MessageHeader, MessageHeaderSubcode.BadMessageLength, `NOTIFICATION of ${total} bytes, minimum 21`, Uint8Array.of(total >>> 8, total & 0xff));
  }
  return ok(
    withCommunication({
      type: 'NOTIFICATION',
      code: buf[offset]!,
      subcode: buf[offset + 1]!,
      data: buf.subarray(offset + 2, offset + length),
    }),
  );
}

export const notificationEncodingLength = (msg: NotificationMessage): number => HEADER_LENGTH + 2 + msg.data.length;

export function encodeNotificationInto(msg: NotificationMessage, buf: Uint8Array, offset: number): number {
  const total = notificationEncodingLength(msg);
  if (total > MAX_EXTENDED_MESSAGE_LENGTH) {
    throw new BgpEncodeError('ERR_BGP_NOTIFICATION_TOO_LONG', `NOTIFICATION would be ${total} bytes; build it with notificationFromSpec()`);
  }
  checkUint('code', msg.code, 0xff);
  checkUint('subcode', msg.subcode, 0xff);
  writeHeader(buf, offset, total, MessageType.NOTIFICATION);
  buf[offset + HEADER_LENGTH] = msg.code;
  buf[offset + HEADER_LENGTH + 1] = msg.subcode;
  buf.set(msg.data, offset + HEADER_LENGTH + 2);
  return total;
}

export const encodeNotification = (msg: NotificationMessage): Uint8Array => encodeWith(msg, notificationEncodingLength(msg), encodeNotificationInto);

const MAX_HEX_SHOWN = 32;

/** One line for logs and status, e.g. `Cease / Administrative Shutdown: "maintenance"`. */
export function describeNotification(n: NotificationSpec | NotificationMessage): string {
  const head = `${notificationCodeName(n.code)} / ${notificationSubcodeName(n.code, n.subcode)}`;
  if (hasShutdownCommunication(n.code, n.subcode)) {
    const text = 'communication' in n && n.communication !== undefined ? n.communication : parseShutdownCommunication(n.data);
    // JSON.stringify quotes and escapes control characters, so a peer's text cannot forge log lines.
    if (text !== undefined) return text.length > 0 ? `${head}: ${JSON.stringify(text)}` : head;
  }
  // Other Configuration Change with data in the RFC 9003 form (tsbgpd sends the reason so): show it as text.
  if (n.code === ErrorCode.Cease && n.subcode === CeaseSubcode.OtherConfigurationChange && n.data.length > 0) {
    const text = parseShutdownCommunication(n.data);
    if (text !== undefined && text.length > 0) return `${head}: ${JSON.stringify(text)}`;
  }
  const cause = hardResetCause(n);
  if (cause !== undefined) return `${head} (${describeNotification(cause)})`;
  if (n.data.length === 0) return head;
  const shown = toHex(n.data.subarray(0, MAX_HEX_SHOWN));
  return `${head} (data ${shown}${n.data.length > MAX_HEX_SHOWN ? `… ${n.data.length} bytes` : ''})`;
}
