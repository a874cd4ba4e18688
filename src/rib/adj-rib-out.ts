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
  // Group order: withdrawals (offset 0), then each set in order of first appearance. Queued slots come in
  // runs of one set (the prefixes of one UPDATE), so the Maps are touched once per run, not per prefix.
  const start = new Map<number, number>(); // set id → size, then first index of its group
  let withdrawn = 0;
  let runId = -1;
  let run = 0;
  for (let i = 0; i < n; i++) {
    const s = out.get(slots[i]!);
    if (s === 0) withdrawn++;
    else if (s === runId) run++;
    else {
      if (runId > 0) start.set(runId, (start.get(runId) ?? 0) + run);
      runId = s;
      run = 1;
    }
  }
  if (runId > 0) start.set(runId, (start.get(runId) ?? 0) + run);
  let at = withdrawn;
  for (const [s, count] of start) {
    start.set(s, at);
    at += count;
  }
  const addrs = new Uint32Array(n * w);
  const lens = new Uint8Array(n);
  const cursor = new Map(start);
  let wAt = 0;
  runId = -1;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const slot = slots[i]!;
    const s = out.get(slot);
    let at: number;
    if (s === 0) at = wAt++;
    else {
      if (s !== runId) {
        if (runId > 0) cursor.set(runId, k);
        runId = s;
        k = cursor.get(s)!;
      }
      at = k++;
    }
    lens[at] = t.lens[slot]!;
    if (w === 1) addrs[at] = t.addrs[slot]!;
    else for (let j = 0; j < 4; j++) addrs[at * 4 + j] = t.addrs[slot * 4 + j]!;
  }
  if (runId > 0) cursor.set(runId, k);
  release();
  const afi = fam.afi;
  const cols = (from: number, count: number): PrefixColumns => ({ afi, safi: Safi.Unicast, count, addrs: addrs.subarray(from * w, (from + count) * w), lens: lens.subarray(from, from + count) });
  if (withdrawn > 0) messages += packUpdatesInto(sink, {}, cols(0, withdrawn), ctx, { withdraw: true });
  for (const [id, from] of start) {
    const s = fam.setOf(id)!;
    const count = cursor.get(id)! - from;
    const opts = afi === Afi.IPv4 ? {} : { nextHop: parseNextHop(s.nextHop) };
    messages += packUpdatesInto(sink, s.attributes, cols(from, count), ctx, opts);
  }
  return { messages, announced: n - withdrawn, withdrawn };
}

/** End-of-RIB for the family (RFC 4724 §2), encoded. */
export function endOfRibMessage(afi: number, ctx: CodecContext): Uint8Array {
  return encodeUpdate(endOfRib(afi, Safi.Unicast), ctx);
}
