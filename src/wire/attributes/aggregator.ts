// AGGREGATOR (RFC 4271 §5.1.7, type 7; 2- or 4-octet AS per RFC 6793 §4) and AS4_AGGREGATOR (RFC 6793 §3,
// type 18, always 4-octet): an AS number and the aggregating speaker's BGP Identifier.

import { AS_TRANS, AttrType, UpdateSubcode } from '../iana.js';
import { Rfc7606Action } from '../rfc7606.js';
import { ipv4ToString, readU16, readU32, writeU16, writeU32 } from '../addr.js';
import { AttrFault, OPTIONAL_TRANSITIVE, defineRow, type Aggregator } from './types.js';

function decodeAggregator(name: string, buf: Uint8Array, off: number, len: number, asSize: 2 | 4): Aggregator | AttrFault {
  if (len !== asSize + 4) return new AttrFault(UpdateSubcode.AttributeLengthError, `${name} length ${len}, expected ${asSize + 4}`);
  const asn = asSize === 4 ? readU32(buf, off) : readU16(buf, off);
  // RFC 7607 §2: AS 0 in AGGREGATOR / AS4_AGGREGATOR is malformed (attribute discard).
  if (asn === 0) return new AttrFault(UpdateSubcode.OptionalAttributeError, `${name} carries AS 0`);
  return { asn, address: readU32(buf, off + asSize) };
}

const format = (v: Aggregator) => ({ asn: v.asn, address: ipv4ToString(v.address) });

export const AGGREGATOR = defineRow({
  code: AttrType.AGGREGATOR,
  name: 'AGGREGATOR',
  key: 'aggregator',
  flags: OPTIONAL_TRANSITIVE,
  malformed: () => Rfc7606Action.AttributeDiscard, // RFC 7606 §7.7: length not 6 (2-octet) / 8 (4-octet)
  clause: 'RFC 7606 §7.7',
  decode: (buf, off, len, ctx) => decodeAggregator('AGGREGATOR', buf, off, len, ctx.fourOctetAs ? 4 : 2),
  valueLength: (_v, ctx) => (ctx.fourOctetAs ? 8 : 6),
  encode(v, ctx, buf, off) {
    if (ctx.fourOctetAs) writeU32(buf, off, v.asn);
    else writeU16(buf, off, v.asn > 0xffff ? AS_TRANS : v.asn); // RFC 6793 §4.2.2
    writeU32(buf, off + (ctx.fourOctetAs ? 4 : 2), v.address);
  },
  format,
});

export const AS4_AGGREGATOR = defineRow({
  code: AttrType.AS4_AGGREGATOR,
  name: 'AS4_AGGREGATOR',
  key: 'as4Aggregator',
  flags: OPTIONAL_TRANSITIVE,
  malformed: () => Rfc7606Action.AttributeDiscard, // RFC 6793 §6
  clause: 'RFC 6793 §6',
  decode: (buf, off, len) => decodeAggregator('AS4_AGGREGATOR', buf, off, len, 4),
  valueLength: () => 8,
  encode(v, _ctx, buf, off) {
    writeU32(buf, off, v.asn);
    writeU32(buf, off + 4, v.address);
  },
  format,
  // RFC 6793 §4.2.2: to a 2-octet peer, an aggregator AS above 65535 goes out as AS_TRANS plus AS4_AGGREGATOR.
  derive: (attrs, ctx) => (!ctx.fourOctetAs && attrs.aggregator !== undefined && attrs.aggregator.asn > 0xffff ? attrs.aggregator : undefined),
});
