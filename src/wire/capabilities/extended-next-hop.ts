// RFC 8950 §3: Extended Next Hop Encoding capability, code 5; tuples of
//   NLRI AFI (2), NLRI SAFI (2), Nexthop AFI (2).
import { CapabilityCode } from '../iana.js';
import { checkUint, readU16, writeU16 } from '../codec.js';
import { defineRow, type ExtendedNextHopCapability, type ExtendedNextHopTuple } from './types.js';

export const extendedNextHopRow = defineRow<ExtendedNextHopCapability>({
  code: CapabilityCode.ExtendedNextHop,
  name: 'Extended Next Hop Encoding',
  decode(buf, offset, length) {
    if (length % 6 !== 0) return `Extended Next Hop capability length ${length}, expected 6n`;
    const tuples: ExtendedNextHopTuple[] = [];
    for (let o = offset; o < offset + length; o += 6) {
      tuples.push({ nlriAfi: readU16(buf, o), nlriSafi: readU16(buf, o + 2), nextHopAfi: readU16(buf, o + 4) });
    }
    return { kind: 'extended-next-hop', code: CapabilityCode.ExtendedNextHop, tuples };
  },
  encodingLength: (cap) => 6 * cap.tuples.length,
  encodeInto(cap, buf, offset) {
    let o = offset;
    for (const t of cap.tuples) {
      checkUint('nlriAfi', t.nlriAfi, 0xffff);
      checkUint('nlriSafi', t.nlriSafi, 0xffff);
      checkUint('nextHopAfi', t.nextHopAfi, 0xffff);
      writeU16(buf, o, t.nlriAfi);
      writeU16(buf, o + 2, t.nlriSafi);
      writeU16(buf, o + 4, t.nextHopAfi);
      o += 6;
    }
    return o - offset;
  },
  toJSON: (cap) => ({ tuples: cap.tuples.map((t) => ({ nlriAfi: t.nlriAfi, nlriSafi: t.nlriSafi, nextHopAfi: t.nextHopAfi })) }),
});
