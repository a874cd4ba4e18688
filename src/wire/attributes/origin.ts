// ORIGIN (RFC 4271 §4.3 type code 1, §5.1.1): well-known mandatory, one octet.

import { AttrType, UpdateSubcode } from '../iana.js';
import { Rfc7606Action } from '../rfc7606.js';
import { AttrFault, WELL_KNOWN, defineRow, type Origin } from './types.js';

const NAMES = ['IGP', 'EGP', 'INCOMPLETE'] as const;

export const ORIGIN = defineRow({
  code: AttrType.ORIGIN,
  name: 'ORIGIN',
  key: 'origin',
  flags: WELL_KNOWN,
  // RFC 7606 §7.1: wrong length or undefined value is malformed; treat-as-withdraw.
  malformed: () => Rfc7606Action.TreatAsWithdraw,
  clause: 'RFC 7606 §7.1',
  decode(buf, off, len) {
    if (len !== 1) return new AttrFault(UpdateSubcode.AttributeLengthError, `ORIGIN length ${len}, expected 1`);
    const v = buf[off]!;
    // RFC 4271 §6.3: an undefined ORIGIN value is "Invalid ORIGIN Attribute".
    if (v > 2) return new AttrFault(UpdateSubcode.InvalidOriginAttribute, `ORIGIN value ${v} is undefined`);
    return v as Origin;
  },
  valueLength: () => 1,
  encode(v, _ctx, buf, off) {
    buf[off] = v;
  },
  format: (v) => NAMES[v],
});
