// The UPDATE message (RFC 4271 §4.3; RFC 4760 MP attributes; RFC 7606 error handling): decode, encode,
// End-of-RIB (RFC 4724 §2), a builder from prefix text, and a packer that fills messages from prefix columns.

import { Afi, AttrType, ErrorCode, HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageHeaderSubcode, MessageType, Safi, UpdateSubcode } from './iana.js';
import { afiSafiKey, DEFAULT_CONTEXT, type CodecContext, type DecodeFailure } from './types.js';
import { parseIPv4, parseIPv6, readU16, toHex, writeU16 } from './addr.js';
import { emptyNlri, nlriEncodedLength, nlriErrorText, packPrefixes, scanNlri, toPrefixEntries, toPrefixStrings, writeNlri, type PackedNlri, type PrefixInput } from './nlri.js';
import { formatAttribute } from './attributes/registry.js';
import { Rfc7606Action, strongestAction, updateNote, type Rfc7606Note } from './rfc7606.js';
import { decodeAttributes } from './attributes/decode.js';
import { attributesLength, encodeAttributes } from './attributes/encode.js';
import type { AttrKey, MpNextHop, MpReach, MpUnreach, PathAttributes, RawAttribute } from './attributes/types.js';

export interface UpdateMessage {
  readonly type: 'UPDATE';
  /** Withdrawn Routes (IPv4 unicast). */
  readonly withdrawn: PackedNlri;
  /** Decoded path attributes, MP_REACH_NLRI / MP_UNREACH_NLRI excepted. */
  readonly attributes: PathAttributes;
  /** The Path Attributes field as received (a view; empty for built messages): for interning and forwarding. */
  readonly rawAttributes: Uint8Array;
  /** Network Layer Reachability Information (IPv4 unicast). */
  readonly nlri: PackedNlri;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
}

export interface UpdateDecodeSuccess {
  readonly ok: true;
  readonly value: UpdateMessage;
  /** RFC 7606 notes, empty when the UPDATE was clean. */
  readonly errors: readonly Rfc7606Note[];
  /** The strongest action among `errors` (RFC 7606 §3(h)); None when clean. */
  readonly action: Rfc7606Action;
}

export interface UpdateDecodeFailure extends DecodeFailure {
  /** Every note found up to the one that forced the reset. */
  readonly errors: readonly Rfc7606Note[];
}

export type UpdateDecodeResult = UpdateDecodeFailure | UpdateDecodeSuccess;

const IPV4_UNICAST = afiSafiKey(Afi.IPv4, Safi.Unicast);
const NO_BYTES = new Uint8Array(0);
const NO_NOTES: readonly Rfc7606Note[] = Object.freeze([]);

const reset = (note: Rfc7606Note, errors: readonly Rfc7606Note[]): UpdateDecodeFailure => ({
  ok: false,
  notification: note.notification,
  reason: note.reason,
  errors,
});

/** Decode an UPDATE body: `buf[offset, offset + length)` is everything after the 19-byte header. */
export function decodeUpdateBody(buf: Uint8Array, offset: number, length: number, ctx: CodecContext): UpdateDecodeResult {
  if (length < 4) {
    // RFC 4271 §6.1: shorter than the minimum UPDATE (23 octets); data = the erroneous Length field.
    const data = new Uint8Array(2);
    writeU16(data, 0, length + HEADER_LENGTH);
    return { ok: false, notification: { code: ErrorCode.MessageHeader, subcode: MessageHeaderSubcode.BadMessageLength, data }, reason: `UPDATE of ${length + HEADER_LENGTH} octets is below the minimum of 23`, errors: NO_NOTES };
  }
  const end = offset + length;
  const wrl = readU16(buf, offset);
  // RFC 4271 §6.3, unchanged by RFC 7606 §3(a): lengths that overrun the message are a Malformed Attribute List.
  if (4 + wrl > length) {
    const n = updateNote(Rfc7606Action.SessionReset, undefined, UpdateSubcode.MalformedAttributeList, NO_BYTES, 'RFC 7606 §3(a)', `Withdrawn Routes Length ${wrl} overruns the message`);
    return reset(n, [n]);
  }
  const addPath4 = ctx.addPathReceive.has(IPV4_UNICAST);
  const wOff = offset + 2;
  const wCount = scanNlri(buf, wOff, wrl, Afi.IPv4, addPath4);
  if (wCount < 0) {
    // RFC 7606 §5.3: a syntactically incorrect prefix field cannot be withdrawn: session reset.
    const n = updateNote(Rfc7606Action.SessionReset, undefined, UpdateSubcode.InvalidNetworkField, NO_BYTES, 'RFC 7606 §5.3', `Withdrawn Routes: ${nlriErrorText(wCount)}`);
    return reset(n, [n]);
  }
  const aLenOff = wOff + wrl;
  const tal = readU16(buf, aLenOff);
  if (4 + wrl + tal > length) {
    const n = updateNote(Rfc7606Action.SessionReset, undefined, UpdateSubcode.MalformedAttributeList, NO_BYTES, 'RFC 7606 §3(a)', `Total Path Attribute Length ${tal} overruns the message`);
    return reset(n, [n]);
  }
  const aOff = aLenOff + 2;
  const list = decodeAttributes(buf, aOff, tal, ctx);
  if (list.fatal !== undefined) return reset(list.fatal, list.notes);

  const nOff = aOff + tal;
  const nCount = scanNlri(buf, nOff, end - nOff, Afi.IPv4, addPath4);
  if (nCount < 0) {
    const n = updateNote(Rfc7606Action.SessionReset, undefined, UpdateSubcode.InvalidNetworkField, NO_BYTES, 'RFC 7606 §5.3', `NLRI: ${nlriErrorText(nCount)}`);
    return reset(n, [...list.notes, n]);
  }

  let notes = list.notes;
  const attrs = list.attributes;
  // RFC 4271 §6.3 / RFC 7606 §3(d): well-known mandatory attributes missing: treat-as-withdraw. ORIGIN and
  // AS_PATH go with any NLRI; NEXT_HOP only with NLRI in the body (RFC 4760 §3: not for MP_REACH_NLRI alone).
  const hasMpNlri = list.mpReach !== undefined && list.mpReach.nlri.bytes.length > 0;
  if (nCount > 0 || hasMpNlri) {
    const missing: number[] = [];
    if (attrs.origin === undefined) missing.push(AttrType.ORIGIN);
    if (attrs.asPath === undefined) missing.push(AttrType.AS_PATH);
    if (nCount > 0 && attrs.nextHop === undefined) missing.push(AttrType.NEXT_HOP);
    for (const code of missing) {
      if (notes.some((n) => n.attrType === code)) continue; // already reported as malformed
      notes = [...notes, updateNote(Rfc7606Action.TreatAsWithdraw, code, UpdateSubcode.MissingWellKnownAttribute, Uint8Array.of(code), 'RFC 7606 §3(d)', `missing well-known attribute ${code}`)];
    }
  }

  const value: UpdateMessage = {
    type: 'UPDATE',
    withdrawn: { afi: Afi.IPv4, safi: Safi.Unicast, addPath: addPath4, bytes: buf.subarray(wOff, wOff + wrl), count: wCount },
    attributes: attrs,
    rawAttributes: buf.subarray(aOff, aOff + tal),
    nlri: { afi: Afi.IPv4, safi: Safi.Unicast, addPath: addPath4, bytes: buf.subarray(nOff, end), count: nCount },
    ...(list.mpReach !== undefined ? { mpReach: list.mpReach } : {}),
    ...(list.mpUnreach !== undefined ? { mpUnreach: list.mpUnreach } : {}),
  };
  return { ok: true, value, errors: notes, action: notes.length === 0 ? Rfc7606Action.None : strongestAction(notes) };
}

/** For treat-as-withdraw (RFC 7606 §2): every NLRI block the UPDATE announced, body and MP_REACH_NLRI. */
export function announcedNlri(msg: UpdateMessage): PackedNlri[] {
  const out: PackedNlri[] = [];
  if (msg.nlri.count > 0) out.push(msg.nlri);
  if (msg.mpReach !== undefined && msg.mpReach.nlri.bytes.length > 0) out.push(msg.mpReach.nlri);
  return out;
}

/** Families RFC 7606 says to disable, from the notes of a decode. */
export function disabledFamilies(errors: readonly Rfc7606Note[]): { afi: number; safi: number }[] {
  const out: { afi: number; safi: number }[] = [];
  for (const n of errors) {
    if (n.action !== Rfc7606Action.AfiSafiDisable || n.afi === undefined || n.safi === undefined) continue;
    if (!out.some((f) => f.afi === n.afi && f.safi === n.safi)) out.push({ afi: n.afi, safi: n.safi! });
  }
  return out;
}

/** Attribute type codes dropped by attribute discard. */
export function discardedAttributes(errors: readonly Rfc7606Note[]): number[] {
  return errors.filter((n) => n.action === Rfc7606Action.AttributeDiscard && n.attrType !== undefined).map((n) => n.attrType!);
}

/** JSON-able view of an UPDATE for status output, logs and test snapshots (allocates; not for hot paths). */
export function updateToJSON(msg: UpdateMessage): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(msg.attributes)) {
    if (key === 'wire' || value === undefined) continue;
    attributes[key] = key === 'unknown' ? (value as RawAttribute[]).map((u) => ({ code: u.code, flags: u.flags, value: toHex(u.value) })) : formatAttribute(key as AttrKey, value);
  }
  const out: Record<string, unknown> = { withdrawn: toPrefixEntriesOrStrings(msg.withdrawn), attributes, nlri: toPrefixEntriesOrStrings(msg.nlri) };
  if (msg.mpReach !== undefined) out.mpReach = formatAttribute('mpReach', msg.mpReach);
  if (msg.mpUnreach !== undefined) out.mpUnreach = formatAttribute('mpUnreach', msg.mpUnreach);
  return out;
}

const toPrefixEntriesOrStrings = (n: PackedNlri): unknown[] => (n.addPath ? toPrefixEntries(n) : toPrefixStrings(n));

// --- encode ----------------------------------------------------------------------------------------------

const maxLength = (ctx: CodecContext): number => (ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH);

function encodeError(code: `ERR_BGP_${string}`, message: string): RangeError {
  return Object.assign(new RangeError(message), { code });
}

/** Whole message length in bytes, header included. */
export function updateEncodingLength(msg: UpdateMessage, ctx: CodecContext): number {
  const addPath4 = ctx.addPathSend.has(IPV4_UNICAST);
  return HEADER_LENGTH + 4 + nlriEncodedLength(msg.withdrawn, addPath4) + attributesLength(msg, ctx) + nlriEncodedLength(msg.nlri, addPath4);
}

/** Write the header (marker, length, type 2) at `offset`. */
function writeHeader(buf: Uint8Array, offset: number, length: number): void {
  buf.fill(0xff, offset, offset + 16);
  writeU16(buf, offset + 16, length);
  buf[offset + 18] = MessageType.UPDATE;
}

/**
 * Write the whole message (header included) at `offset`; returns bytes written. Throws a RangeError with
 * code ERR_BGP_UPDATE_TOO_LONG when it exceeds the session's message size (RFC 4271 §4.1, RFC 8654).
 */
export function encodeUpdateInto(msg: UpdateMessage, ctx: CodecContext, buf: Uint8Array, offset: number): number {
  const addPath4 = ctx.addPathSend.has(IPV4_UNICAST);
  const wLen = nlriEncodedLength(msg.withdrawn, addPath4);
  const aLen = attributesLength(msg, ctx);
  const total = HEADER_LENGTH + 4 + wLen + aLen + nlriEncodedLength(msg.nlri, addPath4);
  if (total > maxLength(ctx)) throw encodeError('ERR_BGP_UPDATE_TOO_LONG', `UPDATE of ${total} octets exceeds ${maxLength(ctx)}`);
  if (total > buf.length - offset) throw encodeError('ERR_BGP_BUFFER_TOO_SMALL', `UPDATE of ${total} octets does not fit the buffer`);
  writeHeader(buf, offset, total);
  let p = offset + HEADER_LENGTH;
  writeU16(buf, p, wLen);
  p = writeNlri(msg.withdrawn, addPath4, buf, p + 2);
  writeU16(buf, p, aLen);
  p = encodeAttributes(msg, ctx, buf, p + 2);
  p = writeNlri(msg.nlri, addPath4, buf, p);
  return p - offset;
}

export function encodeUpdate(msg: UpdateMessage, ctx: CodecContext): Uint8Array {
  const out = new Uint8Array(updateEncodingLength(msg, ctx));
  encodeUpdateInto(msg, ctx, out, 0);
  return out;
}

// --- End-of-RIB (RFC 4724 §2) ---------------------------------------------------------------------------

const hasAttributes = (a: PathAttributes): boolean => Object.keys(a).some((k) => k !== 'wire' && a[k as keyof PathAttributes] !== undefined);

/** The family an End-of-RIB marker stands for, or undefined when `u` is not one. */
export function isEndOfRib(u: UpdateMessage): { afi: number; safi: number } | undefined {
  if (u.withdrawn.count > 0 || u.withdrawn.bytes.length > 0 || u.nlri.bytes.length > 0 || u.mpReach !== undefined || hasAttributes(u.attributes)) return undefined;
  if (u.mpUnreach === undefined) return { afi: Afi.IPv4, safi: Safi.Unicast };
  return u.mpUnreach.nlri.bytes.length === 0 ? { afi: u.mpUnreach.afi, safi: u.mpUnreach.safi } : undefined;
}

/** End-of-RIB: an empty UPDATE for IPv4 unicast, else an MP_UNREACH_NLRI with no withdrawn routes. */
export function endOfRib(afi: number, safi: number): UpdateMessage {
  const base = { type: 'UPDATE' as const, withdrawn: emptyNlri(Afi.IPv4, Safi.Unicast), attributes: {}, rawAttributes: NO_BYTES, nlri: emptyNlri(Afi.IPv4, Safi.Unicast) };
  return afi === Afi.IPv4 && safi === Safi.Unicast ? base : { ...base, mpUnreach: { afi, safi, nlri: emptyNlri(afi, safi) } };
}

// --- building from text ----------------------------------------------------------------------------------

export interface UpdateSpec {
  readonly withdrawn?: readonly PrefixInput[];
  readonly attributes?: PathAttributes;
  readonly nlri?: readonly PrefixInput[];
  /** Next hop text: an address, or [global, link-local] for IPv6. */
  readonly mpReach?: { readonly afi: number; readonly safi: number; readonly nextHop: string | readonly [string, string]; readonly nlri: readonly PrefixInput[] };
  readonly mpUnreach?: { readonly afi: number; readonly safi: number; readonly withdrawn: readonly PrefixInput[] };
}

/** Parse next hop text for MP_REACH_NLRI; throws RangeError ERR_BGP_BAD_NEXT_HOP on bad text. */
export function parseNextHop(text: string | readonly [string, string]): MpNextHop {
  const bad = (): RangeError => encodeError('ERR_BGP_BAD_NEXT_HOP', `not a next hop: ${JSON.stringify(text)}`);
  if (typeof text !== 'string') {
    const global = parseIPv6(text[0]);
    const linkLocal = parseIPv6(text[1]);
    if (global === undefined || linkLocal === undefined) throw bad();
    return { kind: 'ipv6', global, linkLocal };
  }
  if (!text.includes(':')) {
    const a = parseIPv4(text);
    if (a < 0) throw bad();
    return { kind: 'ipv4', addr: a };
  }
  const global = parseIPv6(text);
  if (global === undefined) throw bad();
  return { kind: 'ipv6', global };
}

/**
 * Build an UpdateMessage from prefix text (tests, the injector). NLRI blocks carry path identifiers when
 * `ctx.addPathSend` has their family. Throws RangeError (ERR_BGP_BAD_PREFIX / ERR_BGP_BAD_NEXT_HOP) on bad text.
 */
export function buildUpdate(spec: UpdateSpec, ctx: CodecContext = DEFAULT_CONTEXT): UpdateMessage {
  const ap = (afi: number, safi: number): boolean => ctx.addPathSend.has(afiSafiKey(afi, safi));
  const v4 = ap(Afi.IPv4, Safi.Unicast);
  const msg: { -readonly [K in keyof UpdateMessage]: UpdateMessage[K] } = {
    type: 'UPDATE',
    withdrawn: packPrefixes(Afi.IPv4, Safi.Unicast, spec.withdrawn ?? [], v4),
    attributes: spec.attributes ?? {},
    rawAttributes: NO_BYTES,
    nlri: packPrefixes(Afi.IPv4, Safi.Unicast, spec.nlri ?? [], v4),
  };
  if (spec.mpReach !== undefined) {
    const { afi, safi } = spec.mpReach;
    msg.mpReach = { afi, safi, nextHop: parseNextHop(spec.mpReach.nextHop), nlri: packPrefixes(afi, safi, spec.mpReach.nlri, ap(afi, safi)) };
  }
  if (spec.mpUnreach !== undefined) {
    const { afi, safi } = spec.mpUnreach;
    msg.mpUnreach = { afi, safi, nlri: packPrefixes(afi, safi, spec.mpUnreach.withdrawn, ap(afi, safi)) };
  }
  return msg;
}


// --- packing prefix columns into messages: src/wire/pack.ts -------------------------------------------------

export { MessageSink, packUpdates, packUpdatesInto, type PackOptions, type PrefixColumns } from './pack.js';
