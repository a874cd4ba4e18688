// Adj-RIB-Out → UPDATE messages: a peer's queued changes grouped by attribute set (one counting sort, no
// object per prefix) and packed with `packUpdates`: IPv4 unicast in the message body, IPv6 in
// MP_REACH_NLRI / MP_UNREACH_NLRI; withdrawals first, then one run of messages per attribute set.
import { Afi, Safi } from '../wire/iana.js';
import { endOfRib, encodeUpdate, packUpdatesInto, parseNextHop, type MessageSink, type PrefixColumns } from '../wire/update.js';
import type { CodecContext } from '../wire/types.js';
import type { FamilyRib } from './family-rib.js';

export interface PackedOut {
  /** Messages appended to the sink. */
  readonly messages: number;
  readonly announced: number;
  readonly withdrawn: number;
}

const NO_OPTIONS = {};
// Scratch: per attribute set id (zero between calls), per queued slot.
let perSet = new Int32Array(1024);
let setOf = new Int32Array(1024);

/** Pack (and dequeue) every queued Adj-RIB-Out change of peer `index` in one family, appended to `sink`. */
export function packAdjRibOut(fam: FamilyRib, index: number, ctx: CodecContext, sink: MessageSink): PackedOut {
  const { slots, release } = fam.takeOut(index);
  let messages = 0;
  const out = fam.ribOut(index);
  if (slots.length === 0 || out === undefined) {
    release();
    return { messages, announced: 0, withdrawn: 0 };
  }
  const t = fam.table;
  const w = t.words;
  const n = slots.length;
  // Group order: withdrawals first, then each set in order of first appearance. Per set id a count, then the
  // next free index of its group, in scratch arrays indexed by id (no Map, nothing per prefix).
  const limit = fam.setIdLimit;
  if (perSet.length < limit) perSet = new Int32Array(Math.max(limit, perSet.length * 2));
  if (setOf.length < n) setOf = new Int32Array(Math.max(n, setOf.length * 2));
  const order: number[] = [];
  let withdrawn = 0;
  for (let i = 0; i < n; i++) {
    const s = out.get(slots[i]!);
    setOf[i] = s;
    if (s === 0) withdrawn++;
    else if (perSet[s]++ === 0) order.push(s);
  }
  const firsts = new Int32Array(order.length + 1);
  let at = withdrawn;
  for (let k = 0; k < order.length; k++) {
    const s = order[k]!;
    firsts[k] = at;
    const c = perSet[s]!;
    perSet[s] = at;
    at += c;
  }
  firsts[order.length] = n;
  const addrs = new Uint32Array(n * w);
  const lens = new Uint8Array(n);
  let wAt = 0;
  for (let i = 0; i < n; i++) {
    const slot = slots[i]!;
    const s = setOf[i]!;
    const to = s === 0 ? wAt++ : perSet[s]!++;
    lens[to] = t.lens[slot]!;
    if (w === 1) addrs[to] = t.addrs[slot]!;
    else for (let j = 0; j < 4; j++) addrs[to * 4 + j] = t.addrs[slot * 4 + j]!;
  }
  for (let k = 0; k < order.length; k++) perSet[order[k]!] = 0;
  release();
  const afi = fam.afi;
  const cols: PrefixColumns = { afi, safi: Safi.Unicast, count: withdrawn, addrs, lens };
  if (withdrawn > 0) messages += packUpdatesInto(sink, {}, cols, ctx, { withdraw: true });
  const v4 = afi === Afi.IPv4;
  for (let k = 0; k < order.length; k++) {
    const s = fam.setOf(order[k]!)!;
    const from = firsts[k]!;
    messages += packUpdatesInto(sink, s.attributes, { afi, safi: Safi.Unicast, count: firsts[k + 1]! - from, addrs, lens }, ctx, v4 ? NO_OPTIONS : { nextHop: parseNextHop(s.nextHop) }, from);
  }
  return { messages, announced: n - withdrawn, withdrawn };
}

/** End-of-RIB for the family (RFC 4724 §2), encoded. */
export function endOfRibMessage(afi: number, ctx: CodecContext): Uint8Array {
  return encodeUpdate(endOfRib(afi, Safi.Unicast), ctx);
}
