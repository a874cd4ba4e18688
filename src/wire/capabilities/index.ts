// The capability registry (one row per code) and the codec for a sequence of capabilities inside one
// Capabilities optional parameter (RFC 5492 §4): Capability Code (1), Capability Length (1), Value.
import { ErrorCode } from '../iana.js';
import { BgpEncodeError, checkUint, encodeWith, toHex } from '../codec.js';
import { fail, ok, type DecodeResult } from '../types.js';
import { addPathRow } from './add-path.js';
import { ciscoRouteRefreshRow, enhancedRouteRefreshRow, extendedMessageRow, routeRefreshRow } from './empty.js';
import { extendedNextHopRow } from './extended-next-hop.js';
import { fourOctetAsRow } from './four-octet-as.js';
import { fqdnRow } from './fqdn.js';
import { gracefulRestartRow } from './graceful-restart.js';
import { longLivedGracefulRestartRow } from './long-lived-graceful-restart.js';
import { multiprotocolRow } from './multiprotocol.js';
import { roleRow } from './role.js';
import type { Capability, CapabilityRow, KnownCapability } from './types.js';

export * from './types.js';
export { roleName } from './role.js';

/** RFC 4271 §6.2: "recognized, but malformed" optional parameter → OPEN Message Error, subcode 0. */
export const OPEN_UNSPECIFIC_SUBCODE = 0;

// Row methods are declared with method syntax, so a row typed for one capability is a CapabilityRow.
const ROWS: readonly CapabilityRow[] = [
  multiprotocolRow,
  routeRefreshRow,
  extendedNextHopRow,
  extendedMessageRow,
  roleRow,
  gracefulRestartRow,
  fourOctetAsRow,
  addPathRow,
  enhancedRouteRefreshRow,
  longLivedGracefulRestartRow,
  fqdnRow,
  ciscoRouteRefreshRow,
];

const BY_CODE: ReadonlyMap<number, CapabilityRow> = new Map(ROWS.map((r) => [r.code as number, r]));

/** The registry row for a code, if the code is known. */
export const capabilityRow = (code: number): CapabilityRow | undefined => BY_CODE.get(code);

export const isKnownCapabilityCode = (code: number): boolean => BY_CODE.has(code);

export const capabilityName = (code: number): string => BY_CODE.get(code)?.name ?? `Unknown(${code})`;

const MAX_VALUE_LENGTH = 255; // RFC 5492 §4: Capability Length is one octet

/** Decode one value whose code and length were already read. */
export function decodeCapabilityValue(code: number, buf: Uint8Array, offset: number, length: number): DecodeResult<Capability> {
  const row = BY_CODE.get(code);
  if (row === undefined) {
    // RFC 5492 §3: an unrecognized capability is ignored by the receiver; we keep it (as a view) so it can
    // be shown and re-encoded identically.
    return ok({ kind: 'unknown', code, value: buf.subarray(offset, offset + length) });
  }
  const decoded = row.decode(buf, offset, length);
  if (typeof decoded === 'string') {
    // RFC 5492 defines no error for a malformed value of a known capability. The Capabilities parameter is
    // "recognized, but malformed", so RFC 4271 §6.2 applies: OPEN Message Error / subcode 0 (Unspecific).
    return fail(ErrorCode.OpenMessage, OPEN_UNSPECIFIC_SUBCODE, decoded);
  }
  return ok(decoded);
}

/** Decode the capabilities in one Capabilities optional parameter value `buf[offset, offset + length)`. */
export function decodeCapabilities(buf: Uint8Array, offset: number, length: number): DecodeResult<Capability[]> {
  const end = offset + length;
  const caps: Capability[] = [];
  let o = offset;
  while (o < end) {
    if (o + 2 > end) {
      return fail(ErrorCode.OpenMessage, OPEN_UNSPECIFIC_SUBCODE, 'capability header overruns the Capabilities parameter');
    }
    const code = buf[o]!;
    const len = buf[o + 1]!;
    if (o + 2 + len > end) {
      return fail(ErrorCode.OpenMessage, OPEN_UNSPECIFIC_SUBCODE, `capability ${code} length ${len} overruns the Capabilities parameter`);
    }
    const cap = decodeCapabilityValue(code, buf, o + 2, len);
    if (!cap.ok) return cap;
    caps.push(cap.value);
    o += 2 + len;
  }
  return ok(caps);
}

function valueLength(cap: Capability): number {
  if (cap.kind === 'unknown') return cap.value.length;
  const row = rowFor(cap);
  return row.encodingLength(cap);
}

function rowFor(cap: KnownCapability): CapabilityRow {
  const row = BY_CODE.get(cap.code);
  if (row === undefined) throw new BgpEncodeError('ERR_BGP_CAPABILITY_CODE', `no registry row for capability code ${cap.code}`);
  return row;
}

/** Bytes of one capability TLV (code, length, value). */
export function capabilityEncodingLength(cap: Capability): number {
  const len = valueLength(cap);
  if (len > MAX_VALUE_LENGTH) {
    throw new BgpEncodeError('ERR_BGP_CAPABILITY_TOO_LONG', `capability ${cap.code} value is ${len} bytes, at most ${MAX_VALUE_LENGTH}`);
  }
  return 2 + len;
}

/** Write one capability TLV at `offset`; returns bytes written. */
export function encodeCapabilityInto(cap: Capability, buf: Uint8Array, offset: number): number {
  checkUint('capability code', cap.code, 0xff);
  const total = capabilityEncodingLength(cap);
  buf[offset] = cap.code;
  buf[offset + 1] = total - 2;
  if (cap.kind === 'unknown') buf.set(cap.value, offset + 2);
  else rowFor(cap).encodeInto(cap, buf, offset + 2);
  return total;
}

/** One capability TLV as new bytes. */
export const encodeCapability = (cap: Capability): Uint8Array => encodeWith(cap, capabilityEncodingLength(cap), encodeCapabilityInto);

/** Decode one capability TLV occupying exactly `buf[offset, offset + length)`. */
export function decodeCapability(buf: Uint8Array, offset: number, length: number): DecodeResult<Capability> {
  const caps = decodeCapabilities(buf, offset, length);
  if (!caps.ok) return caps;
  if (caps.value.length !== 1) {
    return fail(ErrorCode.OpenMessage, OPEN_UNSPECIFIC_SUBCODE, `expected one capability, found ${caps.value.length}`);
  }
  return ok(caps.value[0]!);
}

export function capabilitiesEncodingLength(caps: readonly Capability[]): number {
  let n = 0;
  for (const c of caps) n += capabilityEncodingLength(c);
  return n;
}

export function encodeCapabilitiesInto(caps: readonly Capability[], buf: Uint8Array, offset: number): number {
  let o = offset;
  for (const c of caps) o += encodeCapabilityInto(c, buf, o);
  return o - offset;
}

/** JSON-safe rendering: code, name, then the row's fields (unknown values as hex). */
export function capabilityToJSON(cap: Capability): Record<string, unknown> {
  if (cap.kind === 'unknown') {
    return { code: cap.code, name: capabilityName(cap.code), value: toHex(cap.value) };
  }
  return { code: cap.code, name: capabilityName(cap.code), ...rowFor(cap).toJSON(cap) };
}
