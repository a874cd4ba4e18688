// Parsing the Path Attributes field of an UPDATE (RFC 4271 §4.3) into a typed set, with every problem
// turned into an RFC 7606 note. Meaning (is the next hop reachable, is there an AS loop) is not decided here.

import { AttrFlag, AttrType, UpdateSubcode } from '../iana.js';
import { Rfc7606Action, updateNote, type Rfc7606Note } from '../rfc7606.js';
import { readU16 } from '../addr.js';
import { reconstructAs4 } from '../as4.js';
import type { CodecContext } from '../types.js';
import { AttrFault, type AttrWireInfo, type MpReach, type MpUnreach, type PathAttributes, type RawAttribute } from './types.js';
import { encodeRank, rowForCode } from './registry.js';

export interface AttributeList {
  readonly attributes: PathAttributes;
  readonly mpReach: MpReach | undefined;
  readonly mpUnreach: MpUnreach | undefined;
  /** Problems found, in order; a shared empty array when there were none. */
  readonly notes: readonly Rfc7606Note[];
  /** Set when parsing had to stop with a session reset. */
  readonly fatal: Rfc7606Note | undefined;
}

const NO_NOTES: readonly Rfc7606Note[] = Object.freeze([]);
const NO_DATA = new Uint8Array(0);

// Duplicate detection without a per-message allocation: seen[code] === epoch means "seen in this call".
const seen = new Uint32Array(256);
let epoch = 0;

const isMp = (code: number): boolean => code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI;

/** Decode `buf[off, off+len)`, the Path Attributes field. Never throws on any input. */
export function decodeAttributes(buf: Uint8Array, off: number, len: number, ctx: CodecContext): AttributeList {
  epoch = (epoch + 1) >>> 0;
  if (epoch === 0) {
    seen.fill(0);
    epoch = 1;
  }
  const out: Record<string, unknown> = {};
  let mpReach: MpReach | undefined;
  let mpUnreach: MpUnreach | undefined;
  let notes: Rfc7606Note[] | undefined;
  let unknown: RawAttribute[] | undefined;
  let extendedLength: number[] | undefined;
  let partial: number[] | undefined;
  let lastRank = -1;
  let reordered = false;
  const note = (n: Rfc7606Note): Rfc7606Note => {
    (notes ??= []).push(n);
    return n;
  };
  const stop = (n: Rfc7606Note): AttributeList => ({ attributes: out, mpReach, mpUnreach, notes: notes ?? NO_NOTES, fatal: note(n) });

  const end = off + len;
  let p = off;
  while (p < end) {
    const left = end - p;
    const flags = buf[p]!;
    const ext = (flags & AttrFlag.ExtendedLength) !== 0;
    // RFC 7606 §4: fewer octets left than an attribute header needs: treat-as-withdraw, the Total Attribute
    // Length locates the NLRI.
    if (left < 3 || (ext && left < 4)) {
      note(updateNote(Rfc7606Action.TreatAsWithdraw, undefined, UpdateSubcode.MalformedAttributeList, NO_DATA, 'RFC 7606 §4', `${left} octet(s) left in the attribute field, too few for an attribute`));
      break;
    }
    const code = buf[p + 1]!;
    const alen = ext ? readU16(buf, p + 2) : buf[p + 2]!;
    const vOff = p + (ext ? 4 : 3);
    const next = vOff + alen;
    if (next > end) {
      // RFC 7606 §4: the last attribute overruns the field. Treat-as-withdraw, unless it is an MP attribute:
      // treat-as-withdraw needs its NLRI, which cannot be read, so only a reset is safe (RFC 7606 §3(j)).
      const data = buf.slice(p, end);
      if (isMp(code)) return stop(updateNote(Rfc7606Action.SessionReset, code, UpdateSubcode.AttributeLengthError, data, 'RFC 7606 §4', `attribute ${code} length ${alen} overruns the attribute field`));
      note(updateNote(Rfc7606Action.TreatAsWithdraw, code, UpdateSubcode.AttributeLengthError, data, 'RFC 7606 §4', `attribute ${code} length ${alen} overruns the attribute field`));
      break;
    }
    const start = p;
    p = next;

    // RFC 7606 §3(g): a repeated MP attribute resets the session; any other repeat is dropped.
    if (seen[code] === epoch) {
      if (isMp(code)) return stop(updateNote(Rfc7606Action.SessionReset, code, UpdateSubcode.MalformedAttributeList, NO_DATA, 'RFC 7606 §3(g)', `attribute ${code} appears more than once`));
      note(updateNote(Rfc7606Action.AttributeDiscard, code, UpdateSubcode.MalformedAttributeList, NO_DATA, 'RFC 7606 §3(g)', `repeated attribute ${code} discarded`));
      continue;
    }
    seen[code] = epoch;
    const rank = encodeRank(code);
    if (rank < lastRank) reordered = true;
    lastRank = rank;

    const row = rowForCode(code);
    if (row === undefined) {
      // RFC 4271 §6.3: an unrecognized well-known attribute resets the session, data = the attribute.
      if ((flags & AttrFlag.Optional) === 0) {
        return stop(updateNote(Rfc7606Action.SessionReset, code, UpdateSubcode.UnrecognizedWellKnownAttribute, buf.slice(start, next), 'RFC 4271 §6.3', `unrecognized well-known attribute ${code}`));
      }
      // RFC 4271 §5: unrecognized optional transitive attributes pass on; non-transitive ones are ignored.
      if ((flags & AttrFlag.Transitive) !== 0) (unknown ??= []).push({ code, flags, value: buf.slice(vOff, next) });
      continue;
    }

    // RFC 7606 §3(c): Optional/Transitive bits that conflict with the type code: treat-as-withdraw.
    // An MP attribute is still parsed so that its NLRI can be withdrawn.
    let flagsBad = false;
    if ((flags & (AttrFlag.Optional | AttrFlag.Transitive)) !== row.flags) {
      note(updateNote(Rfc7606Action.TreatAsWithdraw, code, UpdateSubcode.AttributeFlagsError, buf.slice(start, next), 'RFC 7606 §3(c)', `${row.name} flags 0x${flags.toString(16)} conflict with the type code`));
      if (!isMp(code)) continue;
      flagsBad = true;
    }

    const value = row.decode(buf, vOff, alen, ctx);
    if (value instanceof AttrFault) {
      const action = value.action ?? row.malformed(ctx);
      const n = updateNote(action, code, value.subcode, value.withData ? buf.slice(start, next) : NO_DATA, row.clause, value.reason, value.family);
      if (action === Rfc7606Action.SessionReset) return stop(n);
      note(n);
      continue;
    }
    if (code === AttrType.MP_REACH_NLRI) mpReach = value as MpReach;
    else if (code === AttrType.MP_UNREACH_NLRI) mpUnreach = value as MpUnreach;
    else out[row.key] = value;
    if (flagsBad) continue;
    if (ext && alen <= 255) (extendedLength ??= []).push(code);
    if ((flags & AttrFlag.Partial) !== 0 && (row.flags & AttrFlag.Optional) !== 0 && (row.flags & AttrFlag.Transitive) !== 0) (partial ??= []).push(code);
  }

  if (ctx.fourOctetAs) {
    // RFC 6793 §4.1: between two 4-octet speakers AS4_PATH / AS4_AGGREGATOR have no business; discard them.
    for (const key of ['as4Path', 'as4Aggregator'] as const) {
      if (out[key] === undefined) continue;
      delete out[key];
      const code = key === 'as4Path' ? AttrType.AS4_PATH : AttrType.AS4_AGGREGATOR;
      note(updateNote(Rfc7606Action.AttributeDiscard, code, UpdateSubcode.OptionalAttributeError, NO_DATA, 'RFC 6793 §4.1', `${key === 'as4Path' ? 'AS4_PATH' : 'AS4_AGGREGATOR'} received from a 4-octet AS speaker discarded`));
    }
  } else if (out.as4Path !== undefined || out.as4Aggregator !== undefined) {
    const r = reconstructAs4(out as { asPath: undefined; as4Path: undefined; aggregator: undefined; as4Aggregator: undefined });
    delete out.as4Path;
    delete out.as4Aggregator;
    if (r.asPath !== undefined) out.asPath = r.asPath;
    if (r.aggregator !== undefined) out.aggregator = r.aggregator;
  }

  if (unknown !== undefined) out.unknown = unknown;
  if (reordered || extendedLength !== undefined || partial !== undefined) {
    const wire: { -readonly [K in keyof AttrWireInfo]: AttrWireInfo[K] } = {};
    if (reordered) wire.order = receivedOrder(buf, off, end);
    if (extendedLength !== undefined) wire.extendedLength = extendedLength;
    if (partial !== undefined) wire.partial = partial;
    out.wire = wire;
  }
  return { attributes: out as PathAttributes, mpReach, mpUnreach, notes: notes ?? NO_NOTES, fatal: undefined };
}

/** Type codes in received order (a second pass over the headers, taken only when the order is unusual). */
function receivedOrder(buf: Uint8Array, p: number, end: number): number[] {
  const order: number[] = [];
  while (end - p >= 3) {
    const ext = (buf[p]! & AttrFlag.ExtendedLength) !== 0;
    if (ext && end - p < 4) break;
    const code = buf[p + 1]!;
    if (!order.includes(code)) order.push(code);
    p += (ext ? 4 + readU16(buf, p + 2) : 3 + buf[p + 2]!);
  }
  return order;
}
