// RFC 4760 §8: Multiprotocol Extensions capability, code 1, length 4: AFI (2), Reserved (1), SAFI (1).
import { CapabilityCode } from '../iana.js';
import { checkUint, readU16, writeU16 } from '../codec.js';
import { defineRow, type MultiprotocolCapability } from './types.js';

export const multiprotocolRow = defineRow<MultiprotocolCapability>({
  code: CapabilityCode.Multiprotocol,
  name: 'Multiprotocol Extensions',
  decode(buf, offset, length) {
    if (length !== 4) return `Multiprotocol capability length ${length}, expected 4`;
    // The reserved octet "SHOULD be set to 0 by the sender and ignored by the receiver" (RFC 4760 §8).
    return { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: readU16(buf, offset), safi: buf[offset + 3]! };
  },
  encodingLength: () => 4,
  encodeInto(cap, buf, offset) {
    checkUint('afi', cap.afi, 0xffff);
    checkUint('safi', cap.safi, 0xff);
    writeU16(buf, offset, cap.afi);
    buf[offset + 2] = 0;
    buf[offset + 3] = cap.safi;
    return 4;
  },
  toJSON: (cap) => ({ afi: cap.afi, safi: cap.safi }),
});
