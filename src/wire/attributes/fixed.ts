// The fixed-size attributes: NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE, ORIGINATOR_ID and
// ONLY_TO_CUSTOMER. Each is a 4-octet value (or none), malformed exactly when its length is wrong.

import { AttrType, UpdateSubcode } from '../iana.js';
import { Rfc7606Action } from '../rfc7606.js';
import { ipv4ToString, readU32, writeU32 } from '../addr.js';
import { AttrFault, OPTIONAL_NON_TRANSITIVE, OPTIONAL_TRANSITIVE, WELL_KNOWN, defineRow } from './types.js';

const u32 = (name: string) => (buf: Uint8Array, off: number, len: number) =>
  len === 4 ? readU32(buf, off) : new AttrFault(UpdateSubcode.AttributeLengthError, `${name} length ${len}, expected 4`);

const four = (): number => 4;
const writeValue = (v: number, _ctx: unknown, buf: Uint8Array, off: number): void => writeU32(buf, off, v);

export const NEXT_HOP = defineRow({
  code: AttrType.NEXT_HOP,
  name: 'NEXT_HOP',
  key: 'nextHop',
  flags: WELL_KNOWN,
  // RFC 7606 §7.3: length other than 4 is malformed; treat-as-withdraw. Whether the address is usable
  // (martian, own address, on-link) is meaning, decided by the session layer.
  malformed: () => Rfc7606Action.TreatAsWithdraw,
  clause: 'RFC 7606 §7.3',
  decode: u32('NEXT_HOP'),
  valueLength: four,
  encode: writeValue,
  format: ipv4ToString,
});

export const MULTI_EXIT_DISC = defineRow({
  code: AttrType.MULTI_EXIT_DISC,
  name: 'MULTI_EXIT_DISC',
  key: 'med',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: () => Rfc7606Action.TreatAsWithdraw, // RFC 7606 §7.4
  clause: 'RFC 7606 §7.4',
  decode: u32('MULTI_EXIT_DISC'),
  valueLength: four,
  encode: writeValue,
  format: (v) => v,
});

export const LOCAL_PREF = defineRow({
  code: AttrType.LOCAL_PREF,
  name: 'LOCAL_PREF',
  key: 'localPref',
  flags: WELL_KNOWN,
  // RFC 7606 §7.5: from an external neighbor the attribute is discarded whatever its form; from an internal
  // one a length other than 4 is malformed and treat-as-withdraw.
  malformed: (ctx) => (ctx.ibgp ? Rfc7606Action.TreatAsWithdraw : Rfc7606Action.AttributeDiscard),
  clause: 'RFC 7606 §7.5',
  decode(buf, off, len, ctx) {
    if (!ctx.ibgp) return new AttrFault(0, 'LOCAL_PREF from an external neighbor is discarded (RFC 4271 §5.1.5)');
    return u32('LOCAL_PREF')(buf, off, len);
  },
  valueLength: four,
  encode: writeValue,
  format: (v) => v,
});

export const ATOMIC_AGGREGATE = defineRow({
  code: AttrType.ATOMIC_AGGREGATE,
  name: 'ATOMIC_AGGREGATE',
  key: 'atomicAggregate',
  flags: WELL_KNOWN,
  malformed: () => Rfc7606Action.AttributeDiscard, // RFC 7606 §7.6: length other than 0
  clause: 'RFC 7606 §7.6',
  decode: (_buf, _off, len) => (len === 0 ? true : new AttrFault(UpdateSubcode.AttributeLengthError, `ATOMIC_AGGREGATE length ${len}, expected 0`)),
  valueLength: () => 0,
  encode() {},
  format: () => true,
});

export const ORIGINATOR_ID = defineRow({
  code: AttrType.ORIGINATOR_ID,
  name: 'ORIGINATOR_ID',
  key: 'originatorId',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: () => Rfc7606Action.TreatAsWithdraw, // RFC 7606 §7.9
  clause: 'RFC 7606 §7.9',
  decode: u32('ORIGINATOR_ID'),
  valueLength: four,
  encode: writeValue,
  format: ipv4ToString,
});

export const ONLY_TO_CUSTOMER = defineRow({
  code: AttrType.ONLY_TO_CUSTOMER,
  name: 'ONLY_TO_CUSTOMER',
  key: 'otc',
  flags: OPTIONAL_TRANSITIVE,
  malformed: () => Rfc7606Action.TreatAsWithdraw, // RFC 9234 §5: length other than 4
  clause: 'RFC 9234 §5',
  decode: u32('ONLY_TO_CUSTOMER'),
  valueLength: four,
  encode: writeValue,
  format: (v) => v,
});
