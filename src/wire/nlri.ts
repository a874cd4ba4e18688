// NLRI blocks (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3) kept packed: a zero-copy view of the encoded
// <length, prefix> tuples plus a count, validated once at decode. Consumers walk them with a visitor that
// hands over an IPv4 prefix as a uint32 (IPv6 as a reused 16-byte scratch), so no object exists per prefix.

import { Afi } from './iana.js';
import { ipv4ToString, ipv6ToString, parseIPv4, parseIPv6, readU32, writeU32 } from './addr.js';

export interface PackedNlri {
  readonly afi: number;
  readonly safi: number;
  /** RFC 7911: every entry starts with a 4-octet Path Identifier. */
  readonly addPath: boolean;
  /** The encoded entries: a view into the received message, valid while that buffer is. */
  readonly bytes: Uint8Array;
  readonly count: number;
}

const NO_BYTES = new Uint8Array(0);

export const emptyNlri = (afi: number, safi: number, addPath = false): PackedNlri => ({ afi, safi, addPath, bytes: NO_BYTES, count: 0 });

/** Families whose NLRI are plain <length, prefix> tuples that this codec can walk. */
export const isPrefixFamily = (afi: number, safi: number): boolean => (afi === Afi.IPv4 || afi === Afi.IPv6) && (safi === 1 || safi === 2);

export const maxPrefixLength = (afi: number): number => (afi === Afi.IPv4 ? 32 : 128);

/** Why a block failed `scanNlri`. */
export const NlriError = {
  PrefixTooLong: -1,
  Truncated: -2,
  TruncatedPathId: -3,
} as const;

export const nlriErrorText = (e: number): string =>
  e === NlriError.PrefixTooLong ? 'prefix length exceeds the address size' : e === NlriError.TruncatedPathId ? 'path identifier truncated' : 'prefix overruns the NLRI field';

/**
 * Validate `buf[off, off+len)` as NLRI of `afi` in one pass (RFC 7606 §5.3: each length within the address
 * size, each prefix inside the field). Returns the prefix count, or a negative `NlriError`.
 */
export function scanNlri(buf: Uint8Array, off: number, len: number, afi: number, addPath: boolean): number {
  const max = afi === Afi.IPv4 ? 32 : 128;
  const end = off + len;
  let p = off;
  let n = 0;
  if (addPath) {
    while (p < end) {
      if (end - p < 5) return NlriError.TruncatedPathId;
      const l = buf[p + 4]!;
      if (l > max) return NlriError.PrefixTooLong;
      p += 5 + ((l + 7) >> 3);
      n++;
    }
  } else {
    while (p < end) {
      const l = buf[p]!;
      if (l > max) return NlriError.PrefixTooLong;
      p += 1 + ((l + 7) >> 3);
      n++;
    }
  }
  return p === end ? n : NlriError.Truncated;
}

export type IPv4Visitor = (addr: number, len: number, pathId: number) => void;
export type IPv6Visitor = (addr: Uint8Array, len: number, pathId: number) => void;

/** Visit each IPv4 prefix as (uint32 with host bits cleared, length, path id or 0). */
export function forEachIPv4(nlri: PackedNlri, visit: IPv4Visitor): void {
  const b = nlri.bytes;
  const end = b.length;
  const addPath = nlri.addPath;
  let p = 0;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      pathId = readU32(b, p);
      p += 4;
    }
    const l = b[p++]!;
    let a = 0;
    switch ((l + 7) >> 3) {
      case 4:
        a = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
        p += 4;
        break;
      case 3:
        a = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8);
        p += 3;
        break;
      case 2:
        a = (b[p]! << 24) | (b[p + 1]! << 16);
        p += 2;
        break;
      case 1:
        a = b[p]! << 24;
        p += 1;
        break;
      default:
        break;
    }
    visit(l === 0 ? 0 : (a & (-1 << (32 - l))) >>> 0, l, pathId);
  }
}

const scratch6 = new Uint8Array(16);

/** Visit each IPv6 prefix; `addr` is one scratch array reused for every call: copy it to keep it. */
export function forEachIPv6(nlri: PackedNlri, visit: IPv6Visitor): void {
  const b = nlri.bytes;
  const end = b.length;
  const addPath = nlri.addPath;
  let p = 0;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      pathId = readU32(b, p);
      p += 4;
    }
    const l = b[p++]!;
    const n = (l + 7) >> 3;
    scratch6.fill(0);
    for (let i = 0; i < n; i++) scratch6[i] = b[p + i]!;
    if (l & 7) scratch6[n - 1]! &= 0xff << (8 - (l & 7));
    p += n;
    visit(scratch6, l, pathId);
  }
}

/** Visit any prefix family: IPv4 as a uint32, IPv6 as the reused scratch bytes. */
export function forEachPrefix(nlri: PackedNlri, visit: (addr: number | Uint8Array, len: number, pathId: number) => void): void {
  if (nlri.afi === Afi.IPv4) forEachIPv4(nlri, visit);
  else if (nlri.afi === Afi.IPv6) forEachIPv6(nlri, visit);
}

/** "192.0.2.0/24" / "2001:db8::/32" for display and JSON (allocates: not for hot paths). */
export function toPrefixStrings(nlri: PackedNlri): string[] {
  const out: string[] = [];
  if (nlri.afi === Afi.IPv4) forEachIPv4(nlri, (a, l) => out.push(`${ipv4ToString(a)}/${l}`));
  else if (nlri.afi === Afi.IPv6) forEachIPv6(nlri, (a, l) => out.push(`${ipv6ToString(a)}/${l}`));
  return out;
}

export interface PrefixEntry {
  readonly prefix: string;
  readonly pathId: number;
}

/** Prefixes with their RFC 7911 path identifiers (0 when the block has none). */
export function toPrefixEntries(nlri: PackedNlri): PrefixEntry[] {
  const out: PrefixEntry[] = [];
  if (nlri.afi === Afi.IPv4) forEachIPv4(nlri, (a, l, pathId) => out.push({ prefix: `${ipv4ToString(a)}/${l}`, pathId }));
  else if (nlri.afi === Afi.IPv6) forEachIPv6(nlri, (a, l, pathId) => out.push({ prefix: `${ipv6ToString(a)}/${l}`, pathId }));
  return out;
}

// --- writing -------------------------------------------------------------------------------------------

/** Write one IPv4 entry at `o`; `pathId` < 0 means no path identifier. Returns the next offset. */
export function writeIPv4Prefix(buf: Uint8Array, o: number, addr: number, len: number, pathId: number): number {
  if (pathId >= 0) {
    writeU32(buf, o, pathId);
    o += 4;
  }
  buf[o++] = len;
  const n = (len + 7) >> 3;
  if (n > 0) buf[o] = addr >>> 24;
  if (n > 1) buf[o + 1] = addr >>> 16;
  if (n > 2) buf[o + 2] = addr >>> 8;
  if (n > 3) buf[o + 3] = addr;
  return o + n;
}

/** Bytes of `nlri` when written with or without path identifiers (`addPath`). */
export function nlriEncodedLength(nlri: PackedNlri, addPath: boolean): number {
  if (nlri.addPath === addPath) return nlri.bytes.length;
  return nlri.bytes.length + (addPath ? 4 : -4) * nlri.count;
}

/**
 * Write `nlri` at `o` with or without path identifiers: a copy when the block already has the wanted
 * form, else a re-encode that drops the identifiers or adds identifier 0. Returns the next offset.
 */
export function writeNlri(nlri: PackedNlri, addPath: boolean, buf: Uint8Array, o: number): number {
  const b = nlri.bytes;
  if (nlri.addPath === addPath) {
    buf.set(b, o);
    return o + b.length;
  }
  let p = 0;
  while (p < b.length) {
    if (nlri.addPath) p += 4;
    else {
      writeU32(buf, o, 0);
      o += 4;
    }
    const n = 1 + ((b[p]! + 7) >> 3);
    for (let i = 0; i < n; i++) buf[o + i] = b[p + i]!;
    o += n;
    p += n;
  }
  return o;
}

export interface ParsedPrefix {
  readonly afi: number;
  /** 4 or 16 bytes, host bits cleared. */
  readonly addr: Uint8Array;
  readonly len: number;
}

/** Parse "192.0.2.0/24" or "2001:db8::/32"; undefined when malformed. */
export function parsePrefix(s: string): ParsedPrefix | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const text = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  let afi: number;
  let addr: Uint8Array;
  if (text.includes(':')) {
    const a = parseIPv6(text);
    if (a === undefined || len > 128) return undefined;
    afi = Afi.IPv6;
    addr = a;
  } else {
    const a = parseIPv4(text);
    if (a < 0 || len > 32) return undefined;
    afi = Afi.IPv4;
    addr = new Uint8Array(4);
    writeU32(addr, 0, a);
  }
  for (let bit = len; bit < addr.length * 8; bit++) addr[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { afi, addr, len };
}

export type PrefixInput = string | { readonly prefix: string; readonly pathId: number };

/**
 * Encode a list of prefix strings (optionally with path ids) as one packed block: for builders, tests and
 * the injector. Throws a RangeError with code ERR_BGP_BAD_PREFIX for text that is not a prefix of `afi`.
 */
export function packPrefixes(afi: number, safi: number, prefixes: readonly PrefixInput[], addPath: boolean): PackedNlri {
  const parsed = prefixes.map((input) => {
    const text = typeof input === 'string' ? input : input.prefix;
    const p = parsePrefix(text);
    if (p === undefined || p.afi !== afi) {
      throw Object.assign(new RangeError(`not an AFI ${afi} prefix: ${JSON.stringify(text)}`), { code: 'ERR_BGP_BAD_PREFIX' });
    }
    return { p, pathId: typeof input === 'string' ? 0 : input.pathId >>> 0 };
  });
  let size = 0;
  for (const { p } of parsed) size += (addPath ? 5 : 1) + ((p.len + 7) >> 3);
  const bytes = new Uint8Array(size);
  let o = 0;
  for (const { p, pathId } of parsed) {
    if (addPath) {
      writeU32(bytes, o, pathId);
      o += 4;
    }
    bytes[o++] = p.len;
    const n = (p.len + 7) >> 3;
    bytes.set(p.addr.subarray(0, n), o);
    o += n;
  }
  return { afi, safi, addPath, bytes, count: parsed.length };
}
