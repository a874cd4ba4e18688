// CLUSTER_LIST (RFC 4456 §8, type 10): the CLUSTER_IDs a reflected route has passed, as uint32s.

import { AttrType } from '../iana.js';
import { Rfc7606Action } from '../rfc7606.js';
import { ipv4ToString } from '../addr.js';
import { OPTIONAL_NON_TRANSITIVE, defineRow } from './types.js';
import { decodeU32List, encodeU32List, listLengthFault } from './communities.js';

export const CLUSTER_LIST = defineRow({
  code: AttrType.CLUSTER_LIST,
  name: 'CLUSTER_LIST',
  key: 'clusterList',
  flags: OPTIONAL_NON_TRANSITIVE,
  malformed: () => Rfc7606Action.TreatAsWithdraw, // RFC 7606 §7.10
  clause: 'RFC 7606 §7.10',
  decode: (buf, off, len) => listLengthFault('CLUSTER_LIST', len, 4) ?? decodeU32List(buf, off, len),
  valueLength: (v) => v.length * 4,
  encode: (v, _ctx, buf, off) => encodeU32List(v, buf, off),
  format: (v) => v.map(ipv4ToString),
});
