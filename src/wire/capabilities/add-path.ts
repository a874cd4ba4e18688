// RFC 7911 §4: ADD-PATH capability, code 69; per family: AFI (2), SAFI (1), Send/Receive (1).
import { CapabilityCode } from '../iana.js';
import { checkUint, readU16, writeU16 } from '../codec.js';
import { AddPathMode, defineRow, type AddPathCapability, type AddPathFamily } from './types.js';

const MODE_NAMES: Readonly<Record<number, string>> = {
  [AddPathMode.Receive]: 'receive',
  [AddPathMode.Send]: 'send',
  [AddPathMode.Both]: 'both',
};

export const addPathRow = defineRow<AddPathCapability>({
  code: CapabilityCode.AddPath,
  name: 'ADD-PATH',
  decode(buf, offset, length) {
    if (length % 4 !== 0) return `ADD-PATH capability length ${length}, expected 4n`;
    const families: AddPathFamily[] = [];
    for (let o = offset; o < offset + length; o += 4) {
      // Send/Receive values other than 1..3 are kept; the session layer ignores such a family.
      families.push({ afi: readU16(buf, o), safi: buf[o + 2]!, sendReceive: buf[o + 3]! });
    }
    return { kind: 'add-path', code: CapabilityCode.AddPath, families };
  },
  encodingLength: (cap) => 4 * cap.families.length,
  encodeInto(cap, buf, offset) {
    let o = offset;
    for (const f of cap.families) {
      checkUint('afi', f.afi, 0xffff);
      checkUint('safi', f.safi, 0xff);
      checkUint('sendReceive', f.sendReceive, 0xff);
      writeU16(buf, o, f.afi);
      buf[o + 2] = f.safi;
      buf[o + 3] = f.sendReceive;
      o += 4;
    }
    return o - offset;
  },
  toJSON: (cap) => ({
    families: cap.families.map((f) => ({ afi: f.afi, safi: f.safi, sendReceive: MODE_NAMES[f.sendReceive] ?? f.sendReceive })),
  }),
});
