// EXTENDED COMMUNITIES (RFC 4360, type 16) and IPv6 Address Specific Extended Communities (RFC 5701, type 25).
// Kept as typed (type, subtype, value) entries; what a given type means is for policy code.

import { AttrType } from '../iana.js';
import { Rfc7606Action } from '../rfc7606.js';
import { ipv6ToString, readU16, toHex, writeU16 } from '../addr.js';
import { OPTIONAL_TRANSITIVE, defineRow, type ExtendedCommunity, type Ipv6ExtendedCommunity } from './types.js';
import { listLengthFault } from './communities.js';

export const EXTENDED_COMMUNITIES = defineRow({
  code: AttrType.EXTENDED_COMMUNITIES,
  name: 'EXTENDED_COMMUNITIES',
  key: 'extCommunities',
  flags: OPTIONAL_TRANSITIVE,
  malformed: () => Rfc7606Action.TreatAsWithdraw, // RFC 7606 §7.14
  clause: 'RFC 7606 §7.14',
  decode(buf, off, len) {
    const fault = listLengthFault('EXTENDED_COMMUNITIES', len, 8);
    if (fault !== undefined) return fault;
    const out: ExtendedCommunity[] = [];
    for (let p = off; p < off + len; p += 8) out.push({ type: buf[p]!, subtype: buf[p + 1]!, value: buf.slice(p + 2, p + 8) });
    return out;
  },
  valueLength: (v) => v.length * 8,
  encode(v, _ctx, buf, off) {
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!;
      buf[off + i * 8] = c.type;
      buf[off + i * 8 + 1] = c.subtype;
      buf.set(c.value.subarray(0, 6), off + i * 8 + 2);
    }
  },
  format: (v) => v.map((c) => `0x${toHex(Uint8Array.of(c.type, c.subtype))}:${toHex(c.value)}`),
});

export const IPV6_EXTENDED_COMMUNITIES = defineRow({
  code: AttrType.IPV6_EXTENDED_COMMUNITIES,
  name: 'IPV6_ADDRESS_SPECIFIC_EXTENDED_COMMUNITY',
  key: 'ipv6ExtCommunities',
  flags: OPTIONAL_TRANSITIVE,
  malformed: () => Rfc7606Action.TreatAsWithdraw, // RFC 7606 §7.15
  clause: 'RFC 7606 §7.15',
  decode(buf, off, len) {
    const fault = listLengthFault('IPV6_ADDRESS_SPECIFIC_EXTENDED_COMMUNITY', len, 20);
    if (fault !== undefined) return fault;
    const out: Ipv6ExtendedCommunity[] = [];
    for (let p = off; p < off + len; p += 20) {
      out.push({ type: buf[p]!, subtype: buf[p + 1]!, globalAdmin: buf.slice(p + 2, p + 18), localAdmin: readU16(buf, p + 18) });
    }
    return out;
  },
  valueLength: (v) => v.length * 20,
  encode(v, _ctx, buf, off) {
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!;
      const p = off + i * 20;
      buf[p] = c.type;
      buf[p + 1] = c.subtype;
      buf.set(c.globalAdmin.subarray(0, 16), p + 2);
      writeU16(buf, p + 18, c.localAdmin);
    }
  },
  format: (v) => v.map((c) => `0x${toHex(Uint8Array.of(c.type, c.subtype))}:${ipv6ToString(c.globalAdmin)}:${c.localAdmin}`),
});
