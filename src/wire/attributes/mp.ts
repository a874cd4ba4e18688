// MP_REACH_NLRI (RFC 4760 §3, type 14) and MP_UNREACH_NLRI (RFC 4760 §4, type 15), with IPv6 next hops
// (RFC 2545 §3: global, or global + link-local) and IPv6 next hops for IPv4 NLRI (RFC 8950 §3).
// Families other than IPv4/IPv6 unicast/multicast are kept opaque (raw next hop and NLRI bytes).

import { Afi, AttrType, UpdateSubcode } from '../iana.js';
import { Rfc7606Action } from '../rfc7606.js';
import { afiSafiKey, type CodecContext } from '../types.js';
import { ipv4ToString, ipv6ToString, readU16, readU32, toHex, writeU16, writeU32 } from '../addr.js';
import { isPrefixFamily, nlriEncodedLength, nlriErrorText, scanNlri, toPrefixEntries, writeNlri, type PackedNlri } from '../nlri.js';
import { AttrFault, OPTIONAL_NON_TRANSITIVE, defineRow, type MpNextHop } from './types.js';

// RFC 7606 §7.11 / §7.12 (RFC 4760 §7): a malformed MP attribute disables its AFI/SAFI (or resets the
// session); when not even the AFI/SAFI can be read, only a session reset is left.
const familyFault = (afi: number, safi: number, reason: string): AttrFault =>
  new AttrFault(UpdateSubcode.OptionalAttributeError, reason, true, Rfc7606Action.AfiSafiDisable, { afi, safi });
const resetFault = (reason: string): AttrFault =>
  new AttrFault(UpdateSubcode.OptionalAttributeError, reason, true, Rfc7606Action.SessionReset);

/** Bytes the next hop takes on the wire. */
export const nextHopLength = (nh: MpNextHop): number => (nh.kind === 'ipv4' ? 4 : nh.kind === 'raw' ? nh.bytes.length : nh.linkLocal ? 32 : 16);

function decodeNextHop(buf: Uint8Array, off: number, nhLen: number, afi: number, safi: number, ctx: CodecContext): MpNextHop | undefined {
  if (nhLen === 4 && afi === Afi.IPv4) return { kind: 'ipv4', addr: readU32(buf, off) };
  // RFC 2545 §3 for IPv6 NLRI; RFC 8950 §3 for IPv4 NLRI once the Extended Next Hop capability says so.
  const v6Allowed = afi === Afi.IPv6 || ctx.extendedNextHop.has(afiSafiKey(afi, safi));
  if (!v6Allowed) return undefined;
  if (nhLen === 16) return { kind: 'ipv6', global: buf.slice(off, off + 16) };
  if (nhLen === 32) return { kind: 'ipv6', global: buf.slice(off, off + 16), linkLocal: buf.slice(off + 16, off + 32) };
  return undefined;
}

function writeNextHop(nh: MpNextHop, buf: Uint8Array, off: number): void {
  if (nh.kind === 'ipv4') writeU32(buf, off, nh.addr);
  else if (nh.kind === 'raw') buf.set(nh.bytes, off);
  else {
    buf.set(nh.global.subarray(0, 16), off);
    if (nh.linkLocal) buf.set(nh.linkLocal.subarray(0, 16), off + 16);
  }
}

export const formatNextHop = (nh: MpNextHop): string | string[] =>
  nh.kind === 'ipv4' ? ipv4ToString(nh.addr) : nh.kind === 'raw' ? toHex(nh.bytes) : nh.linkLocal ? [ipv6ToString(nh.global), ipv6ToString(nh.linkLocal)] : ipv6ToString(nh.global);

/** Validate and wrap NLRI of a family; a string when malformed. */
function nlriBlock(buf: Uint8Array, off: number, len: number, afi: number, safi: number, ctx: CodecContext): PackedNlri | string {
  const bytes = buf.subarray(off, off + len);
  if (!isPrefixFamily(afi, safi)) return { afi, safi, addPath: false, bytes, count: 0 };
  const addPath = ctx.addPathReceive.has(afiSafiKey(afi, safi));
  const count = scanNlri(buf, off, len, afi, addPath);
  return count < 0 ? nlriErrorText(count) : { afi, safi, addPath, bytes, count };
}

/** Whether NLRI of this family go out with path identifiers: per ctx for prefix families, as held otherwise. */
const sendAddPath = (nlri: PackedNlri, ctx: CodecContext): boolean =>
  isPrefixFamily(nlri.afi, nlri.safi) ? ctx.addPathSend.has(afiSafiKey(nlri.afi, nlri.safi)) : nlri.addPath;

export const MP_REACH_NLRI = defineRow({
  code: AttrType.MP_REACH_NLRI,
  name: 'MP_REACH_NLRI',
  key: 'mpReach',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: () => Rfc7606Action.AfiSafiDisable,
  clause: 'RFC 7606 §7.11',
  decode(buf, off, len, ctx) {
    if (len < 3) return resetFault(`MP_REACH_NLRI length ${len} cannot hold AFI and SAFI`);
    const afi = readU16(buf, off);
    const safi = buf[off + 2]!;
    if (len < 5) return familyFault(afi, safi, `MP_REACH_NLRI length ${len} too short`);
    const nhLen = buf[off + 3]!;
    // AFI, SAFI, next hop length, next hop, reserved octet.
    const head = 5 + nhLen;
    if (head > len) return familyFault(afi, safi, `MP_REACH_NLRI next hop length ${nhLen} overruns the attribute`);
    let nextHop: MpNextHop | undefined;
    if (isPrefixFamily(afi, safi)) {
      nextHop = decodeNextHop(buf, off + 4, nhLen, afi, safi, ctx);
      if (nextHop === undefined) return familyFault(afi, safi, `MP_REACH_NLRI next hop length ${nhLen} does not fit AFI ${afi} SAFI ${safi}`);
    } else {
      nextHop = { kind: 'raw', bytes: buf.slice(off + 4, off + 4 + nhLen) };
    }
    // RFC 4760 §3: the reserved octet is ignored on receipt.
    const nlri = nlriBlock(buf, off + head, len - head, afi, safi, ctx);
    if (typeof nlri === 'string') return familyFault(afi, safi, `MP_REACH_NLRI: ${nlri}`);
    return { afi, safi, nextHop, nlri };
  },
  valueLength: (v, ctx) => 5 + nextHopLength(v.nextHop) + nlriEncodedLength(v.nlri, sendAddPath(v.nlri, ctx)),
  encode(v, ctx, buf, off) {
    writeU16(buf, off, v.afi);
    buf[off + 2] = v.safi;
    const nhLen = nextHopLength(v.nextHop);
    buf[off + 3] = nhLen;
    writeNextHop(v.nextHop, buf, off + 4);
    buf[off + 4 + nhLen] = 0;
    writeNlri(v.nlri, sendAddPath(v.nlri, ctx), buf, off + 5 + nhLen);
  },
  format: (v) => ({ afi: v.afi, safi: v.safi, nextHop: formatNextHop(v.nextHop), nlri: toPrefixEntries(v.nlri) }),
});

export const MP_UNREACH_NLRI = defineRow({
  code: AttrType.MP_UNREACH_NLRI,
  name: 'MP_UNREACH_NLRI',
  key: 'mpUnreach',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: () => Rfc7606Action.AfiSafiDisable,
  clause: 'RFC 7606 §7.12',
  decode(buf, off, len, ctx) {
    if (len < 3) return resetFault(`MP_UNREACH_NLRI length ${len} cannot hold AFI and SAFI`);
    const afi = readU16(buf, off);
    const safi = buf[off + 2]!;
    const nlri = nlriBlock(buf, off + 3, len - 3, afi, safi, ctx);
    if (typeof nlri === 'string') return familyFault(afi, safi, `MP_UNREACH_NLRI: ${nlri}`);
    return { afi, safi, nlri };
  },
  valueLength: (v, ctx) => 3 + nlriEncodedLength(v.nlri, sendAddPath(v.nlri, ctx)),
  encode(v, ctx, buf, off) {
    writeU16(buf, off, v.afi);
    buf[off + 2] = v.safi;
    writeNlri(v.nlri, sendAddPath(v.nlri, ctx), buf, off + 3);
  },
  format: (v) => ({ afi: v.afi, safi: v.safi, withdrawn: toPrefixEntries(v.nlri) }),
});
