// AS_PATH (RFC 4271 §4.3 type 2, §5.1.2; RFC 5065 confederation segments; RFC 6793 4-octet ASNs) and
// AS4_PATH (RFC 6793 §3, type 17). One segment codec serves both, with 2- or 4-octet AS numbers.

import { AS_TRANS, AttrType, UpdateSubcode } from '../iana.js';
import { Rfc7606Action } from '../rfc7606.js';
import { readU16, readU32, writeU16, writeU32 } from '../addr.js';
import { AttrFault, OPTIONAL_TRANSITIVE, WELL_KNOWN, defineRow, type AsPathSegment, type AsPathSegmentType } from './types.js';

const SEGMENT_NAMES = ['', 'AS_SET', 'AS_SEQUENCE', 'AS_CONFED_SEQUENCE', 'AS_CONFED_SET'] as const;

const isConfed = (t: number): boolean => t === 3 || t === 4;

/**
 * Parse segments with `asSize`-octet ASNs. RFC 7606 §7.2: malformed on an unknown segment type, a segment
 * overrunning the attribute, a single trailing octet, or a zero-length segment; RFC 7607 §2: AS 0 is malformed.
 */
export function decodeSegments(buf: Uint8Array, off: number, len: number, asSize: 2 | 4): AsPathSegment[] | string {
  const end = off + len;
  const segments: AsPathSegment[] = [];
  let p = off;
  while (p < end) {
    if (end - p < 2) return 'a single octet follows the last segment';
    const type = buf[p]!;
    const count = buf[p + 1]!;
    if (type < 1 || type > 4) return `unknown segment type ${type}`;
    if (count === 0) return 'zero-length segment';
    p += 2;
    if (p + count * asSize > end) return 'segment overruns the attribute';
    const asns: number[] = new Array(count);
    for (let i = 0; i < count; i++, p += asSize) {
      const asn = asSize === 4 ? readU32(buf, p) : readU16(buf, p);
      if (asn === 0) return 'AS 0 in the path (RFC 7607)';
      asns[i] = asn;
    }
    segments.push({ type: type as AsPathSegmentType, asns });
  }
  return segments;
}

/** RFC 4271 §5.1.2: a segment holds at most 255 ASNs; longer ones go out as several segments. */
export function segmentsLength(segments: readonly AsPathSegment[], asSize: 2 | 4): number {
  let n = 0;
  for (const s of segments) n += Math.ceil(s.asns.length / 255) * 2 + s.asns.length * asSize;
  return n;
}

/** Write segments; with 2-octet ASNs, any ASN above 65535 becomes AS_TRANS (RFC 6793 §4.2.2). */
export function encodeSegments(segments: readonly AsPathSegment[], asSize: 2 | 4, buf: Uint8Array, off: number): number {
  let p = off;
  for (const s of segments) {
    for (let start = 0; start < s.asns.length; start += 255) {
      const n = Math.min(255, s.asns.length - start);
      buf[p] = s.type;
      buf[p + 1] = n;
      p += 2;
      for (let i = start; i < start + n; i++, p += asSize) {
        const asn = s.asns[i]!;
        if (asSize === 4) writeU32(buf, p, asn);
        else writeU16(buf, p, asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
  return p;
}

export const formatSegments = (segments: readonly AsPathSegment[]): string =>
  segments
    .map((s) => {
      const list = s.asns.join(' ');
      return s.type === 2 ? list : s.type === 1 ? `{${list}}` : s.type === 3 ? `(${list})` : `[${list}]`;
    })
    .join(' ');

export const segmentTypeName = (t: AsPathSegmentType): string => SEGMENT_NAMES[t];

const needsAs4 = (segments: readonly AsPathSegment[]): boolean => segments.some((s) => s.asns.some((a) => a > 0xffff));

export const AS_PATH = defineRow({
  code: AttrType.AS_PATH,
  name: 'AS_PATH',
  key: 'asPath',
  flags: WELL_KNOWN,
  malformed: () => Rfc7606Action.TreatAsWithdraw,
  clause: 'RFC 7606 §7.2',
  decode(buf, off, len, ctx) {
    const r = decodeSegments(buf, off, len, ctx.fourOctetAs ? 4 : 2);
    // RFC 4271 §6.3: Malformed AS_PATH carries no data.
    return typeof r === 'string' ? new AttrFault(UpdateSubcode.MalformedAsPath, `AS_PATH: ${r}`, false) : r;
  },
  valueLength: (v, ctx) => segmentsLength(v, ctx.fourOctetAs ? 4 : 2),
  encode(v, ctx, buf, off) {
    encodeSegments(v, ctx.fourOctetAs ? 4 : 2, buf, off);
  },
  format: formatSegments,
});

export const AS4_PATH = defineRow({
  code: AttrType.AS4_PATH,
  name: 'AS4_PATH',
  key: 'as4Path',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 6793 §6: a malformed AS4_PATH is discarded and the UPDATE goes on with AS_PATH alone.
  malformed: () => Rfc7606Action.AttributeDiscard,
  clause: 'RFC 6793 §6',
  decode(buf, off, len) {
    const r = decodeSegments(buf, off, len, 4);
    if (typeof r === 'string') return new AttrFault(UpdateSubcode.OptionalAttributeError, `AS4_PATH: ${r}`);
    // RFC 6793 §3: confederation segments must not appear in AS4_PATH; a receiver drops them and goes on.
    return r.some((s) => isConfed(s.type)) ? r.filter((s) => !isConfed(s.type)) : r;
  },
  valueLength: (v) => segmentsLength(v, 4),
  encode(v, _ctx, buf, off) {
    encodeSegments(v, 4, buf, off);
  },
  format: formatSegments,
  // RFC 6793 §4.2.2: to a 2-octet peer, send the true path in AS4_PATH (confederation segments left out)
  // whenever AS_PATH had to carry AS_TRANS.
  derive(attrs, ctx) {
    if (ctx.fourOctetAs || attrs.asPath === undefined || !needsAs4(attrs.asPath)) return undefined;
    return attrs.asPath.filter((s) => !isConfed(s.type));
  },
});
