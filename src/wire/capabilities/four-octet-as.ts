// RFC 6793 §3: Support for 4-octet AS Number capability, code 65, length 4: the speaker's AS.
import { CapabilityCode } from '../iana.js';
import { checkUint, readU32, writeU32 } from '../codec.js';
import { defineRow, type FourOctetAsCapability } from './types.js';

export const fourOctetAsRow = defineRow<FourOctetAsCapability>({
  code: CapabilityCode.FourOctetAs,
  name: '4-octet AS number',
  decode(buf, offset, length) {
    if (length !== 4) return `4-octet AS capability length ${length}, expected 4`;
    return { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: readU32(buf, offset) };
  },
  encodingLength: () => 4,
  encodeInto(cap, buf, offset) {
    checkUint('asn', cap.asn, 0xffffffff);
    return writeU32(buf, offset, cap.asn);
  },
  toJSON: (cap) => ({ asn: cap.asn }),
});
