// Packing prefix columns into UPDATE messages (RFC 4271 §4.3, RFC 4760 §3-4) written one after another into a
// MessageSink: a full table is ~100,000 messages, so no buffer, view or array is made per message, and the
// attribute set is encoded once per call and copied into each message it heads.
import { Afi, AttrType, HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType, Safi } from './iana.js';
import { afiSafiKey, type CodecContext } from './types.js';
import { writeU16 } from './addr.js';
import { attributesLength, encodeAttributes } from './attributes/encode.js';
import type { MpNextHop, PathAttributes } from './attributes/types.js';

/** Prefixes as columns, the form a RIB can hand over without one object per prefix. */
export interface PrefixColumns {
  readonly afi: number;
  readonly safi: number;
  readonly count: number;
  /** IPv4: one uint32 per prefix. IPv6: four uint32 per prefix, most significant word first. */
  readonly addrs: Uint32Array;
  readonly lens: Uint8Array;
  /** RFC 7911 path identifiers, written when `ctx.addPathSend` has the family (0 when absent). */
  readonly pathIds?: Uint32Array;
}

export interface PackOptions {
  /** Withdraw the prefixes instead of announcing them (attributes are then ignored). */
  readonly withdraw?: boolean;
  /** Next hop for MP_REACH_NLRI: needed for every family but IPv4 unicast, and for RFC 8950 IPv6 next hops. */
  readonly nextHop?: MpNextHop;
  /** Message size limit; defaults to 4096, or 65535 with RFC 8654 extended messages. */
  readonly maxLength?: number;
}

const IPV4_UNICAST = afiSafiKey(Afi.IPv4, Safi.Unicast);

function encodeError(code: `ERR_BGP_${string}`, message: string): RangeError {
  return Object.assign(new RangeError(message), { code });
}

/** Whole messages written back to back into one growing buffer. */
export class MessageSink {
  buf: Uint8Array;
  /** Octets written. */
  length = 0;
  /** Messages written. */
  messages = 0;

  constructor(initial = 65536) {
    this.buf = new Uint8Array(initial);
  }

  /** Room for `n` more octets. */
  reserve(n: number): Uint8Array {
    if (this.length + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.length + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    return this.buf;
  }

  /** A copy of what was written (its own memory: the sink can be reused), leaving the sink empty. */
  take(): Uint8Array {
    const out = Buffer.allocUnsafe(this.length);
    out.set(this.buf.subarray(0, this.length));
    this.length = 0;
    this.messages = 0;
    if (this.buf.length > 4 << 20) this.buf = new Uint8Array(65536); // a whole table went through: let it go
    return out;
  }

  /** Each message written since `from` (an earlier `length`) as a view. */
  views(from = 0): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let p = from; p < this.length; ) {
      const len = (this.buf[p + 16]! << 8) | this.buf[p + 17]!;
      out.push(this.buf.subarray(p, p + len));
      p += len;
    }
    return out;
  }
}

const maxLength = (ctx: CodecContext): number => (ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH);

// The attribute set of the call being packed; a set larger than this is encoded into its own buffer.
let template = new Uint8Array(65536);

/**
 * Pack all `prefixes` (from index `first` on) into as few UPDATEs as fit `maxLength`, sharing one attribute
 * set, appended to `sink`:
 * IPv4 unicast in the body, every other family (or an IPv6 next hop) in MP_REACH_NLRI / MP_UNREACH_NLRI,
 * which then comes first (RFC 7606 §5.1) with the Extended Length bit. Returns the number of messages.
 */
export function packUpdatesInto(sink: MessageSink, attrs: PathAttributes, prefixes: PrefixColumns, ctx: CodecContext, opts: PackOptions = {}, first = 0): number {
  const { afi, safi, addrs, lens, pathIds } = prefixes;
  const count = first + prefixes.count; // prefixes [first, count) of the columns
  const limit = Math.min(opts.maxLength ?? maxLength(ctx), maxLength(ctx));
  const withdraw = opts.withdraw === true;
  const v6 = afi === Afi.IPv6;
  if (afi !== Afi.IPv4 && !v6) throw encodeError('ERR_BGP_UNSUPPORTED_FAMILY', `cannot pack AFI ${afi}`);
  if (lens.length < count || addrs.length < count * (v6 ? 4 : 1)) throw encodeError('ERR_BGP_BAD_PREFIX', 'prefix columns shorter than count');
  const body = afi === Afi.IPv4 && safi === Safi.Unicast && opts.nextHop?.kind !== 'ipv6';
  const nextHop = opts.nextHop;
  if (!body && !withdraw && nextHop === undefined) throw encodeError('ERR_BGP_BAD_NEXT_HOP', 'MP_REACH_NLRI needs a next hop');
  const addPath = (body ? ctx.addPathSend.has(IPV4_UNICAST) : ctx.addPathSend.has(afiSafiKey(afi, safi))) ? 4 : 0;
  const maxBits = v6 ? 128 : 32;
  for (let i = first; i < count; i++) if (lens[i]! > maxBits) throw encodeError('ERR_BGP_BAD_PREFIX', `prefix length ${lens[i]} exceeds ${maxBits}`);
  let tLen = 0;
  if (!withdraw) {
    const src = { attributes: attrs };
    tLen = encodeAttributes(src, ctx, template, 0);
    if (tLen > template.length) {
      template = new Uint8Array(attributesLength(src, ctx));
      tLen = encodeAttributes(src, ctx, template, 0);
    }
  }
  const nhLen = nextHop === undefined ? 0 : nextHop.kind === 'ipv4' ? 4 : nextHop.kind === 'raw' ? nextHop.bytes.length : nextHop.linkLocal ? 32 : 16;
  // Octets of a message before its prefixes: header, the two length fields, attributes, MP attribute head.
  const mpHead = body ? 0 : withdraw ? 4 + 3 : 4 + 5 + nhLen;
  const fixed = HEADER_LENGTH + 4 + tLen + mpHead;
  if (fixed + addPath + 1 + (maxBits >> 3) > limit) throw encodeError('ERR_BGP_UPDATE_TOO_LONG', `attributes of ${tLen} octets leave no room for a prefix`);
  const tpl = template.subarray(0, tLen);
  // Octets after the prefixes: the attributes behind MP_REACH_NLRI, or the Total Path Attribute Length behind
  // IPv4 withdrawals.
  const tail = body ? (withdraw ? 2 : 0) : withdraw ? 0 : tLen;

  let messages = 0;
  let i = first;
  while (i < count) {
    const out = sink.reserve(Math.min(limit, fixed + (count - i) * (addPath + 1 + (maxBits >> 3))));
    const begin = sink.length;
    let p = begin + HEADER_LENGTH;
    const lenAt = p; // Withdrawn Routes Length; the Total Path Attribute Length follows it or the withdrawals
    p += body && withdraw ? 2 : 4;
    let mpLenAt = -1;
    if (!body) {
      out[p] = 0x80 | 0x10; // optional, non-transitive, extended length
      out[p + 1] = withdraw ? AttrType.MP_UNREACH_NLRI : AttrType.MP_REACH_NLRI;
      mpLenAt = p + 2;
      p += 4;
      writeU16(out, p, afi);
      out[p + 2] = safi;
      p += 3;
      if (!withdraw) {
        out[p++] = nhLen;
        writeNextHopBytes(nextHop!, out, p);
        p += nhLen;
        out[p++] = 0;
      }
    } else if (!withdraw) {
      out.set(tpl, p);
      p += tLen;
    }
    const prefixesAt = p;
    const end = begin + limit - tail;
    for (; i < count; i++) {
      const l = lens[i]!;
      const n = (l + 7) >> 3;
      if (p + addPath + 1 + n > end) break;
      if (addPath) {
        const id = pathIds === undefined ? 0 : pathIds[i]!;
        out[p] = id >>> 24;
        out[p + 1] = id >>> 16;
        out[p + 2] = id >>> 8;
        out[p + 3] = id;
        p += 4;
      }
      out[p++] = l;
      if (!v6) {
        const a = addrs[i]!;
        if (n > 0) out[p] = a >>> 24;
        if (n > 1) out[p + 1] = a >>> 16;
        if (n > 2) out[p + 2] = a >>> 8;
        if (n > 3) out[p + 3] = a;
      } else {
        const w = i * 4;
        for (let j = 0; j < n; j++) out[p + j] = addrs[w + (j >> 2)]! >>> (24 - 8 * (j & 3));
      }
      p += n;
    }
    const prefixBytes = p - prefixesAt;
    if (body && withdraw) {
      writeU16(out, lenAt, prefixBytes);
      writeU16(out, p, 0);
      p += 2;
    } else if (body) {
      writeU16(out, lenAt, 0);
      writeU16(out, lenAt + 2, tLen);
    } else {
      writeU16(out, mpLenAt, p - (mpLenAt + 2));
      if (!withdraw) {
        out.set(tpl, p);
        p += tLen;
      }
      writeU16(out, lenAt, 0);
      writeU16(out, lenAt + 2, p - (lenAt + 4));
    }
    out.fill(0xff, begin, begin + 16);
    writeU16(out, begin + 16, p - begin);
    out[begin + 18] = MessageType.UPDATE;
    sink.length = p;
    sink.messages++;
    messages++;
  }
  return messages;
}

/**
 * `packUpdatesInto` a buffer of its own; returns views into one buffer, one per message.
 */
export function packUpdates(attrs: PathAttributes, prefixes: PrefixColumns, ctx: CodecContext, opts: PackOptions = {}): Uint8Array[] {
  // About the size needed (no growth for a small call, no 4 KiB buffer for a one-prefix message).
  const sink = new MessageSink(Math.min(1 << 20, 128 + prefixes.count * (prefixes.afi === Afi.IPv6 ? 21 : 9)));
  packUpdatesInto(sink, attrs, prefixes, ctx, opts);
  return sink.views();
}

function writeNextHopBytes(nh: MpNextHop, buf: Uint8Array, off: number): void {
  if (nh.kind === 'ipv4') {
    buf[off] = nh.addr >>> 24;
    buf[off + 1] = nh.addr >>> 16;
    buf[off + 2] = nh.addr >>> 8;
    buf[off + 3] = nh.addr;
  } else if (nh.kind === 'raw') buf.set(nh.bytes, off);
  else {
    buf.set(nh.global.subarray(0, 16), off);
    if (nh.linkLocal) buf.set(nh.linkLocal.subarray(0, 16), off + 16);
  }
}
