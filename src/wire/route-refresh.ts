// ROUTE-REFRESH message (RFC 2918 §3): AFI (2), Reserved (1), SAFI (1); RFC 7313 §3.2 turns the reserved
// octet into the Message Subtype: 0 normal request, 1 BoRR, 2 EoRR.
import { ErrorCode, HEADER_LENGTH, MessageType, RouteRefreshSubcode, RouteRefreshSubtype } from './iana.js';
import { checkUint, copyBytes, encodeWith, readU16, writeU16 } from './codec.js';
import { writeHeader } from './header.js';
import { fail, ok, type DecodeResult } from './types.js';

export interface RouteRefreshMessage {
  readonly type: 'ROUTE-REFRESH';
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313 §3.2 Message Subtype, kept as received (see `routeRefreshAction`). */
  readonly subtype: number;
}

/**
 * What the receiver does with a ROUTE-REFRESH (RFC 7313 §4-§5): re-advertise (`refresh`), mark the start
 * (`begin`, BoRR) or end (`end`, EoRR) of a re-advertisement, or `ignore` it (subtype 3..255, §5).
 */
export type RouteRefreshAction = 'refresh' | 'begin' | 'end' | 'ignore';

export function routeRefreshAction(msg: RouteRefreshMessage): RouteRefreshAction {
  switch (msg.subtype) {
    case RouteRefreshSubtype.Normal:
      return 'refresh';
    case RouteRefreshSubtype.BoRR:
      return 'begin';
    case RouteRefreshSubtype.EoRR:
      return 'end';
    default:
      return 'ignore';
  }
}

const BODY_LENGTH = 4;
export const ROUTE_REFRESH_LENGTH = HEADER_LENGTH + BODY_LENGTH;

/**
 * Decode a ROUTE-REFRESH body `buf[offset, offset + length)`, where `buf[offset - 19, offset)` is its header.
 * RFC 7313 §5: a ROUTE-REFRESH whose body is not 4 octets → ROUTE-REFRESH Message Error / Invalid Message
 * Length, with the complete message as data. RFC 7313 states this for subtypes 1 and 2; we apply it to
 * subtype 0 as well, since a longer subtype-0 message would carry ORF entries (RFC 5291), which we never
 * negotiate, and to unknown subtypes, since we cannot tell their layout.
 */
export function decodeRouteRefreshBody(buf: Uint8Array, offset: number, length: number): DecodeResult<RouteRefreshMessage> {
  if (length !== BODY_LENGTH) {
    return fail(
      ErrorCode.RouteRefresh,
      RouteRefreshSubcode.InvalidMessageLength,
      `ROUTE-REFRESH of ${length + HEADER_LENGTH} bytes, expected ${ROUTE_REFRESH_LENGTH}`,
      copyBytes(buf, Math.max(0, offset - HEADER_LENGTH), offset + length),
    );
  }
  return ok({ type: 'ROUTE-REFRESH', afi: readU16(buf, offset), subtype: buf[offset + 2]!, safi: buf[offset + 3]! });
}

export const routeRefreshEncodingLength = (_msg: RouteRefreshMessage): number => ROUTE_REFRESH_LENGTH;

export function encodeRouteRefreshInto(msg: RouteRefreshMessage, buf: Uint8Array, offset: number): number {
  checkUint('afi', msg.afi, 0xffff);
  checkUint('safi', msg.safi, 0xff);
  checkUint('subtype', msg.subtype, 0xff);
  writeHeader(buf, offset, ROUTE_REFRESH_LENGTH, MessageType.ROUTE_REFRESH);
  writeU16(buf, offset + HEADER_LENGTH, msg.afi);
  buf[offset + HEADER_LENGTH + 2] = msg.subtype;
  buf[offset + HEADER_LENGTH + 3] = msg.safi;
  return ROUTE_REFRESH_LENGTH;
}

export const encodeRouteRefresh = (msg: RouteRefreshMessage): Uint8Array =>
  encodeWith(msg, ROUTE_REFRESH_LENGTH, encodeRouteRefreshInto);
