// COMMUNITIES (RFC 1997, type 8) and LARGE_COMMUNITY (RFC 8092, type 32): lists of fixed-size values.

import { AttrType, UpdateSubcode } from '../iana.js';
import { Rfc7606Action } from '../rfc7606.js';
import { readU32, writeU32 } from '../addr.js';
import { AttrFault, OPTIONAL_TRANSITIVE, defineRow, type LargeCommunity } from './types.js';

/** Length must be a non-zero multiple of `unit` (RFC 7606 §7.8, §7.10, §7.14; RFC 8092 §5). */
export function listLengthFault(name: string, len: number, unit: number): AttrFault | undefined {
  if (len > 0 && len % unit === 0) return undefined;
  return new AttrFault(UpdateSubcode.OptionalAttributeError, `${name} length ${len} is not a non-zero multiple of ${unit}`);
}

export function decodeU32List(buf: Uint8Array, off: number, len: number): number[] {
  const out: number[] = new Array(len >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = readU32(buf, off + i * 4);
  return out;
}

export function encodeU32List(v: readonly number[], buf: Uint8Array, off: number): void {
  for (let i = 0; i < v.length; i++) writeU32(buf, off + i * 4, v[i]!);
}

const WELL_KNOWN_NAMES: Readonly<Record<number, string>> = {
  0xffff0000: 'GRACEFUL_SHUTDOWN',
  0xffff0001: 'ACCEPT_OWN',
  0xffff0006: 'LLGR_STALE',
  0xffff0007: 'NO_LLGR',
  0xffff029a: 'BLACKHOLE',
  0xffffff01: 'NO_EXPORT',
  0xffffff02: 'NO_ADVERTISE',
  0xffffff03: 'NO_EXPORT_SUBCONFED',
  0xffffff04: 'NOPEER',
};

export const formatCommunity = (c: number): string => WELL_KNOWN_NAMES[c] ?? `${c >>> 16}:${c & 0xffff}`;

export const COMMUNITIES = defineRow({
  code: AttrType.COMMUNITIES,
  name: 'COMMUNITIES',
  key: 'communities',
  flags: OPTIONAL_TRANSITIVE,
  malformed: () => Rfc7606Action.TreatAsWithdraw, // RFC 7606 §7.8
  clause: 'RFC 7606 §7.8',
  decode: (buf, off, len) => listLengthFault('COMMUNITIES', len, 4) ?? decodeU32List(buf, off, len),
  valueLength: (v) => v.length * 4,
  encode: (v, _ctx, buf, off) => encodeU32List(v, buf, off),
  format: (v) => v.map(formatCommunity),
});

export const LARGE_COMMUNITY = defineRow({
  code: AttrType.LARGE_COMMUNITY,
  name: 'LARGE_COMMUNITY',
  key: 'largeCommunities',
  flags: OPTIONAL_TRANSITIVE,
  malformed: () => Rfc7606Action.TreatAsWithdraw, // RFC 8092 §5
  clause: 'RFC 8092 §5',
  decode(buf, off, len) {
    const fault = listLengthFault('LARGE_COMMUNITY', len, 12);
    if (fault !== undefined) return fault;
    const out: LargeCommunity[] = [];
    for (let p = off; p < off + len; p += 12) {
      out.push({ globalAdmin: readU32(buf, p), localData1: readU32(buf, p + 4), localData2: readU32(buf, p + 8) });
    }
    return out;
  },
  valueLength: (v) => v.length * 12,
  encode(v, _ctx, buf, off) {
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!;
      writeU32(buf, off + i * 12, c.globalAdmin);
      writeU32(buf, off + i * 12 + 4, c.localData1);
      writeU32(buf, off + i * 12 + 8, c.localData2);
    }
  },
  format: (v) => v.map((c) => `${c.globalAdmin}:${c.localData1}:${c.localData2}`),
});
