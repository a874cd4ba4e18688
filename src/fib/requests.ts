/**
 * A reusable buffer of route requests laid out back to back, with what each one is about in typed arrays
 * (slot, family, kind, next-hop set): the slot-based FIB encodes up to a few thousand requests here, sends
 * them with NetlinkSocket.transactQuiet and folds the outcomes, then starts over in the same memory.
 */
import { encodePrefixRoute, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, RTM_DELROUTE, RTM_NEWROUTE, prefixRouteLength } from './netlink.js';

export const ReqKind = {
  /** RTM_NEWROUTE, NLM_F_CREATE|NLM_F_EXCL: a prefix we do not own yet (a foreign route there stays). */
  New: 1,
  /** RTM_NEWROUTE, NLM_F_CREATE|NLM_F_REPLACE: a prefix we own. */
  Replace: 2,
  /** RTM_DELROUTE of ours at a prefix (any next hop). */
  Delete: 3,
} as const;
export type ReqKind = (typeof ReqKind)[keyof typeof ReqKind];

export class RequestBuffer {
  buf = new Uint8Array(256 * 1024);
  view = new DataView(this.buf.buffer);
  bytes = 0;
  count = 0;
  ends = new Int32Array(1024);
  slots = new Int32Array(1024);
  sets = new Int32Array(1024);
  kinds = new Uint8Array(1024);
  families = new Uint8Array(1024);
  /** Outcome per request after sending (0, errno, NO_REPLY). */
  out = new Int32Array(1024);

  reset(): void {
    this.bytes = 0;
    this.count = 0;
  }

  /**
   * Append one request for the prefix in `words` from `wordAt` (big-endian words) / `len`. `slot` and `set`
   * are carried for the caller (-1 when the request is not about a slot).
   */
  add(
    kind: ReqKind, family: 4 | 6, words: Uint32Array, wordAt: number, len: number,
    table: number, protocol: number, priority: number, nhAttrs: Uint8Array | null, slot: number, set: number,
  ): void {
    const need = prefixRouteLength(family, nhAttrs);
    if (this.bytes + need > this.buf.length) this.growBytes(this.bytes + need);
    if (this.count === this.ends.length) this.growOps();
    const flags = NLM_F_REQUEST | (kind === ReqKind.New ? NLM_F_CREATE | NLM_F_EXCL : kind === ReqKind.Replace ? NLM_F_CREATE | NLM_F_REPLACE : 0);
    // seq is filled in by seal(); no NLM_F_ACK (see NetlinkSocket.transactQuiet).
    this.bytes += encodePrefixRoute(this.buf, this.view, this.bytes, kind === ReqKind.Delete ? RTM_DELROUTE : RTM_NEWROUTE, flags, 0,
      family, words, wordAt, len, table, protocol, priority, kind === ReqKind.Delete ? null : nhAttrs);
    const i = this.count++;
    this.ends[i] = this.bytes;
    this.slots[i] = slot;
    this.sets[i] = set;
    this.kinds[i] = kind;
    this.families[i] = family;
  }

  /** Number the requests firstSeq, firstSeq + 1, … */
  seal(firstSeq: number): void {
    for (let i = 0, at = 0; i < this.count; at = this.ends[i]!, i++) this.view.setUint32(at + 8, (firstSeq + i) >>> 0, LE);
  }

  /** Offset of request i. */
  start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  private growBytes(min: number): void {
    let n = this.buf.length * 2;
    while (n < min) n *= 2;
    const b = new Uint8Array(n);
    b.set(this.buf.subarray(0, this.bytes));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  private growOps(): void {
    const n = this.ends.length * 2;
    const g32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const g8 = (a: Uint8Array): Uint8Array<ArrayBuffer> => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    this.ends = g32(this.ends);
    this.slots = g32(this.slots);
    this.sets = g32(this.sets);
    this.out = g32(this.out);
    this.kinds = g8(this.kinds);
    this.families = g8(this.families);
  }
}

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
