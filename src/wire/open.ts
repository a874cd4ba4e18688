// OPEN message (RFC 4271 §4.2) with optional parameters (RFC 5492 capabilities) and the RFC 9072
// extended optional parameters length. Syntax only: checking version, AS, hold time and identifier,
// and negotiating capabilities, belongs to the session layer.
import {
  AS_TRANS,
  BGP_VERSION,
  CapabilityCode,
  ErrorCode,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageHeaderSubcode,
  MessageType,
  OpenSubcode,
  OptionalParameterType,
} from './iana.js';
import { BgpEncodeError, checkUint, encodeWith, readU16, readU32, writeU16, writeU32 } from './codec.js';
import { writeHeader } from './header.js';
import {
  OPEN_UNSPECIFIC_SUBCODE,
  capabilitiesEncodingLength,
  decodeCapabilities,
  encodeCapabilitiesInto,
  isKnownCapabilityCode,
  type Capability,
  type CapabilityOf,
} from './capabilities/index.js';
import { fail, ok, type DecodeFailure, type DecodeResult } from './types.js';

/** RFC 5492 §4: optional parameter type 2, holding one or more capabilities. */
export interface CapabilitiesParameter {
  readonly kind: 'capabilities';
  readonly capabilities: readonly Capability[];
}

/**
 * Any other optional parameter, as raw bytes. Decoding never yields one (RFC 4271 §6.2 requires rejecting
 * an unrecognized parameter); it exists so tests and tools can build such OPENs.
 */
export interface RawOptionalParameter {
  readonly kind: 'raw';
  readonly type: number;
  readonly value: Uint8Array;
}

export type OptionalParameter = CapabilitiesParameter | RawOptionalParameter;

export interface OpenMessage {
  readonly type: 'OPEN';
  readonly version: number;
  /** My Autonomous System: 2 octets; AS_TRANS (23456) when the real AS needs 4 octets (RFC 6793 §4.1). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as an unsigned 32-bit integer (compared as such in collision resolution, RFC 4271 §6.8). */
  readonly bgpIdentifier: number;
  /** In wire order; the grouping of capabilities into parameters is kept so encode(decode(x)) == x. */
  readonly optionalParameters: readonly OptionalParameter[];
  /** RFC 9072: encode with the extended length form even when it is not needed (decode sets it when seen). */
  readonly extendedOptionalParameters?: boolean;
}

// Offsets within the OPEN body (after the 19-byte header).
const FIXED = 10; // Version 1, My AS 2, Hold Time 2, BGP Identifier 4, Opt Parm Len 1
const EXT_FIXED = 13; // ... Non-Ext OP Len 1, Non-Ext OP Type 1, Extended Opt. Parm. Length 2 (RFC 9072 §2)

/** RFC 4271 §6.1: an OPEN whose Length disagrees with its contents has a bad length; data is the Length field. */
function badLength(bodyLength: number, reason: string): DecodeFailure {
  const total = bodyLength + HEADER_LENGTH;
  return fail(ErrorCode.MessageHeader, MessageHeaderSubcode.BadMessageLength, reason, Uint8Array.of(total >>> 8, total & 0xff));
}

const malformed = (reason: string): DecodeFailure => fail(ErrorCode.OpenMessage, OPEN_UNSPECIFIC_SUBCODE, reason);

/** Decode an OPEN body: `buf[offset, offset + length)` is everything after the header. */
export function decodeOpenBody(buf: Uint8Array, offset: number, length: number): DecodeResult<OpenMessage> {
  if (length < FIXED) return badLength(length, `OPEN body of ${length} bytes, minimum ${FIXED}`);
  const version = buf[offset]!;
  const myAs = readU16(buf, offset + 1);
  const holdTime = readU16(buf, offset + 3);
  const bgpIdentifier = readU32(buf, offset + 5);
  const optParmLen = buf[offset + 9]!;

  // RFC 9072 §2: a nonzero Non-Ext OP Len followed by Non-Ext OP Type 255 means the extended format;
  // Non-Ext OP Len is then ignored.
  const extended = optParmLen !== 0 && length > FIXED && buf[offset + FIXED] === OptionalParameterType.ExtendedLength;
  let paramsAt: number;
  let paramsLen: number;
  if (extended) {
    if (length < EXT_FIXED) return badLength(length, 'OPEN ends inside the RFC 9072 extended parameters length');
    paramsAt = offset + EXT_FIXED;
    paramsLen = readU16(buf, offset + 11);
    if (EXT_FIXED + paramsLen !== length) {
      return badLength(length, `extended optional parameters length ${paramsLen} disagrees with OPEN length ${length + HEADER_LENGTH}`);
    }
  } else {
    paramsAt = offset + FIXED;
    paramsLen = optParmLen;
    if (FIXED + paramsLen !== length) {
      return badLength(length, `optional parameters length ${paramsLen} disagrees with OPEN length ${length + HEADER_LENGTH}`);
    }
  }

  const params: OptionalParameter[] = [];
  const end = paramsAt + paramsLen;
  const lenSize = extended ? 2 : 1; // RFC 9072 §2: Parameter Length is 2 octets in the extended format
  let o = paramsAt;
  while (o < end) {
    if (o + 1 + lenSize > end) return malformed('optional parameter header overruns the optional parameters');
    const type = buf[o]!;
    const len = extended ? readU16(buf, o + 1) : buf[o + 1]!;
    const valueAt = o + 1 + lenSize;
    if (valueAt + len > end) return malformed(`optional parameter ${type} length ${len} overruns the optional parameters`);
    if (type !== OptionalParameterType.Capabilities) {
      // RFC 4271 §6.2: an unrecognized optional parameter → Unsupported Optional Parameter.
      // (Type 1, Authentication Information, is deprecated by RFC 5492.)
      return fail(ErrorCode.OpenMessage, OpenSubcode.UnsupportedOptionalParameter, `unsupported optional parameter type ${type}`);
    }
    const caps = decodeCapabilities(buf, valueAt, len);
    if (!caps.ok) return caps;
    params.push({ kind: 'capabilities', capabilities: caps.value });
    o = valueAt + len;
  }

  const open: OpenMessage = { type: 'OPEN', version, myAs, holdTime, bgpIdentifier, optionalParameters: params };
  return ok(extended ? { ...open, extendedOptionalParameters: true } : open);
}

const paramValueLength = (p: OptionalParameter): number =>
  p.kind === 'capabilities' ? capabilitiesEncodingLength(p.capabilities) : p.value.length;

/** Layout of the optional parameters: whether the RFC 9072 form is used and the parameters' total size. */
function paramsLayout(msg: OpenMessage): { extended: boolean; paramsLength: number } {
  let short = 0;
  let long = 0;
  let fitsShort = true;
  for (const p of msg.optionalParameters) {
    const v = paramValueLength(p);
    if (v > 255) fitsShort = false;
    short += 2 + v;
    long += 3 + v;
  }
  // RFC 9072 §2: use the RFC 4271 encoding when the parameters fit in 255 octets, unless configured otherwise.
  const extended = msg.extendedOptionalParameters === true || !fitsShort || short > 255;
  return { extended, paramsLength: extended ? long : short };
}

/** Whole message length, header included. */
export function openEncodingLength(msg: OpenMessage): number {
  const { extended, paramsLength } = paramsLayout(msg);
  return HEADER_LENGTH + (extended ? EXT_FIXED : FIXED) + paramsLength;
}

/** Write the whole OPEN (header included) at `offset`; returns bytes written. */
export function encodeOpenInto(msg: OpenMessage, buf: Uint8Array, offset: number): number {
  const { extended, paramsLength } = paramsLayout(msg);
  const total = HEADER_LENGTH + (extended ? EXT_FIXED : FIXED) + paramsLength;
  // RFC 8654 §4: an OPEN never exceeds 4096 bytes, even with extended messages.
  if (total > MAX_MESSAGE_LENGTH) throw new BgpEncodeError('ERR_BGP_OPEN_TOO_LONG', `OPEN would be ${total} bytes, maximum ${MAX_MESSAGE_LENGTH}`);
  checkUint('version', msg.version, 0xff);
  checkUint('myAs', msg.myAs, 0xffff);
  checkUint('holdTime', msg.holdTime, 0xffff);
  checkUint('bgpIdentifier', msg.bgpIdentifier, 0xffffffff);
  let o = offset + writeHeader(buf, offset, total, MessageType.OPEN);
  buf[o] = msg.version;
  writeU16(buf, o + 1, msg.myAs);
  writeU16(buf, o + 3, msg.holdTime);
  writeU32(buf, o + 5, msg.bgpIdentifier);
  if (extended) {
    buf[o + 9] = 255; // RFC 9072 §2: Non-Ext OP Len SHOULD be 255
    buf[o + 10] = OptionalParameterType.ExtendedLength;
    writeU16(buf, o + 11, paramsLength);
    o += EXT_FIXED;
  } else {
    buf[o + 9] = paramsLength;
    o += FIXED;
  }
  for (const p of msg.optionalParameters) {
    const type = p.kind === 'capabilities' ? OptionalParameterType.Capabilities : p.type;
    checkUint('optional parameter type', type, 0xff);
    const v = paramValueLength(p);
    buf[o++] = type;
    if (extended) o += writeU16(buf, o, v);
    else buf[o++] = v;
    if (p.kind === 'capabilities') o += encodeCapabilitiesInto(p.capabilities, buf, o);
    else {
      buf.set(p.value, o);
      o += v;
    }
  }
  return o - offset;
}

export const encodeOpen = (msg: OpenMessage): Uint8Array => encodeWith(msg, openEncodingLength(msg), encodeOpenInto);

/** All capabilities in wire order, across every Capabilities parameter. */
export function openCapabilities(open: OpenMessage): Capability[] {
  const out: Capability[] = [];
  for (const p of open.optionalParameters) if (p.kind === 'capabilities') out.push(...p.capabilities);
  return out;
}

const matches = (c: Capability, code: number): boolean =>
  c.code === code && (c.kind !== 'unknown' || !isKnownCapabilityCode(code));

/** The first capability with `code`, typed by code (e.g. 65 → FourOctetAsCapability). */
export function findCapability<C extends number>(open: OpenMessage, code: C): CapabilityOf<C> | undefined {
  for (const p of open.optionalParameters) {
    if (p.kind !== 'capabilities') continue;
    for (const c of p.capabilities) if (matches(c, code)) return c as CapabilityOf<C>;
  }
  return undefined;
}

/** Every capability with `code` (Multiprotocol appears once per AFI/SAFI). */
export function findCapabilities<C extends number>(open: OpenMessage, code: C): CapabilityOf<C>[] {
  return openCapabilities(open).filter((c) => matches(c, code)) as CapabilityOf<C>[];
}

/** RFC 6793 §4.1: the peer's AS is the one in its 4-octet AS capability when present, else My AS. */
export function openPeerAs(open: OpenMessage): number {
  const cap = findCapability(open, CapabilityCode.FourOctetAs);
  return cap !== undefined ? cap.asn : open.myAs;
}

export const formatBgpIdentifier = (id: number): string => `${id >>> 24}.${(id >>> 16) & 0xff}.${(id >>> 8) & 0xff}.${id & 0xff}`;

/** Dotted quad → uint32; `undefined` if it is not one. */
export function parseBgpIdentifier(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export interface OpenFields {
  /** The speaker's AS, 2 or 4 octets. */
  readonly asn: number;
  readonly holdTime: number;
  readonly bgpIdentifier: number;
  /** Sent in one Capabilities parameter (omitted when empty). */
  readonly capabilities: readonly Capability[];
}

/** An OPEN for `fields`: My AS is AS_TRANS when the AS needs 4 octets (RFC 6793 §4.1). */
export function buildOpen(fields: OpenFields): OpenMessage {
  return {
    type: 'OPEN',
    version: BGP_VERSION,
    myAs: fields.asn > 0xffff ? AS_TRANS : fields.asn,
    holdTime: fields.holdTime,
    bgpIdentifier: fields.bgpIdentifier,
    optionalParameters: fields.capabilities.length > 0 ? [{ kind: 'capabilities', capabilities: fields.capabilities }] : [],
  };
}
