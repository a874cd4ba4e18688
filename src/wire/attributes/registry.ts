// The path attribute registry: one row per attribute (BIRD's bgp_attr_table shape). Decode, encode, the
// RFC 7606 action and formatting all come from here; adding an attribute is one row (and its value's field
// in types.ts).

import { AttrType } from '../iana.js';
import type { AnyAttrRow, AttrKey } from './types.js';
import { ORIGIN } from './origin.js';
import { AS_PATH, AS4_PATH } from './as-path.js';
import { ATOMIC_AGGREGATE, LOCAL_PREF, MULTI_EXIT_DISC, NEXT_HOP, ONLY_TO_CUSTOMER, ORIGINATOR_ID } from './fixed.js';
import { AGGREGATOR, AS4_AGGREGATOR } from './aggregator.js';
import { COMMUNITIES, LARGE_COMMUNITY } from './communities.js';
import { CLUSTER_LIST } from './cluster-list.js';
import { MP_REACH_NLRI, MP_UNREACH_NLRI } from './mp.js';
import { EXTENDED_COMMUNITIES, IPV6_EXTENDED_COMMUNITIES } from './ext-communities.js';

/** Every recognized attribute, in type code order. */
export const ATTRIBUTE_ROWS: readonly AnyAttrRow[] = [
  ORIGIN,
  AS_PATH,
  NEXT_HOP,
  MULTI_EXIT_DISC,
  LOCAL_PREF,
  ATOMIC_AGGREGATE,
  AGGREGATOR,
  COMMUNITIES,
  ORIGINATOR_ID,
  CLUSTER_LIST,
  MP_REACH_NLRI,
  MP_UNREACH_NLRI,
  EXTENDED_COMMUNITIES,
  AS4_PATH,
  AS4_AGGREGATOR,
  IPV6_EXTENDED_COMMUNITIES,
  LARGE_COMMUNITY,
  ONLY_TO_CUSTOMER,
];

const byCode: (AnyAttrRow | undefined)[] = new Array(256).fill(undefined);
const byKey = new Map<AttrKey, AnyAttrRow>();
for (const row of ATTRIBUTE_ROWS) {
  byCode[row.code] = row;
  byKey.set(row.key, row);
}

/** Row for a type code, or undefined for an unrecognized attribute. */
export const rowForCode = (code: number): AnyAttrRow | undefined => byCode[code];
export const rowForKey = (key: AttrKey): AnyAttrRow | undefined => byKey.get(key);

/**
 * Sort rank of a type code in what the encoder writes: MP_REACH_NLRI and MP_UNREACH_NLRI first (RFC 7606
 * §5.1, so that a receiver can always find the NLRI), then ascending type code.
 */
export const encodeRank = (code: number): number =>
  code === AttrType.MP_REACH_NLRI ? 0 : code === AttrType.MP_UNREACH_NLRI ? 1 : code + 2;

/** Recognized rows in encoder order. */
export const ENCODE_ORDER: readonly AnyAttrRow[] = [...ATTRIBUTE_ROWS].sort((a, b) => encodeRank(a.code) - encodeRank(b.code));

/** JSON-able view of one attribute value, by key. */
export function formatAttribute(key: AttrKey, value: unknown): unknown {
  const row = byKey.get(key);
  return row === undefined ? value : row.format(value as never);
}
