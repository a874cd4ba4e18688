// Interned path attribute sets: the routes of one UPDATE share one object, and identical sets received in
// different UPDATEs (or from different peers) share one too. The key is the canonical encoding of the
// attributes (4-octet AS form, received layout ignored) plus the next hop.
import { encodeAttributes, attributesLength } from '../wire/attributes/encode.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { CodecContext } from '../wire/types.js';
import { DEFAULT_CONTEXT } from '../wire/types.js';

const CANONICAL: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };

export interface AttrSet {
  readonly id: number;
  readonly attributes: PathAttributes;
  /** Next hop as text (IPv4 NEXT_HOP or the MP_REACH_NLRI global address). */
  readonly nextHop: string;
  /** Number of routes (in all RIBs) holding this set. */
  refs: number;
}

export class AttrInterner {
  private readonly sets = new Map<string, AttrSet>();
  private nextId = 1;
  private scratch = new Uint8Array(4096);

  get size(): number {
    return this.sets.size;
  }

  private keyOf(attributes: PathAttributes, nextHop: string): string {
    const canonical: PathAttributes = { ...attributes, wire: undefined };
    const src = { attributes: canonical };
    const len = attributesLength(src, CANONICAL);
    if (len > this.scratch.length) this.scratch = new Uint8Array(len * 2);
    const end = encodeAttributes(src, CANONICAL, this.scratch, 0);
    return Buffer.from(this.scratch.buffer, this.scratch.byteOffset, end).toString('latin1') + '|' + nextHop;
  }

  /** The shared set for these attributes; the caller adds one reference per route it stores. */
  intern(attributes: PathAttributes, nextHop: string): AttrSet {
    const key = this.keyOf(attributes, nextHop);
    let set = this.sets.get(key);
    if (set === undefined) {
      set = { id: this.nextId++, attributes: { ...attributes, wire: undefined }, nextHop, refs: 0 };
      this.sets.set(key, set);
      this.keys.set(set, key);
    }
    return set;
  }
  private readonly keys = new Map<AttrSet, string>();

  release(set: AttrSet, n = 1): void {
    set.refs -= n;
    if (set.refs <= 0) {
      const key = this.keys.get(set);
      if (key !== undefined) this.sets.delete(key);
      this.keys.delete(set);
    }
  }
}
