// Interned path attribute sets: the routes of one UPDATE share one object, and identical sets received in
// different UPDATEs (or from different peers, or produced by the export rules for different prefixes) share
// one too. The key is the canonical encoding of the attributes (4-octet AS form, received layout ignored)
// plus the next hop. What the decision process reads of the AS_PATH is computed once here, not per prefix.
import { encodeAttributes, attributesLength } from '../wire/attributes/encode.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { CodecContext } from '../wire/types.js';
import { DEFAULT_CONTEXT } from '../wire/types.js';
import { asPathLength, neighborAs } from './best-path.js';

const CANONICAL: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };

export interface AttrSet {
  readonly id: number;
  readonly attributes: PathAttributes;
  /** Next hop as text (IPv4 NEXT_HOP or the MP_REACH_NLRI global address; '' for our own routes). */
  readonly nextHop: string;
  /** RFC 4271 §9.1.2.2 (a) length of the AS_PATH. */
  readonly pathLength: number;
  /** RFC 4271 §9.1.2.2 (c) neighbouring AS (0 when the path is empty). */
  readonly neighborAs: number;
  /** Number of routes (in all RIBs) holding this set. */
  refs: number;
}

interface StoredSet extends AttrSet {
  readonly key: string;
}

export class AttrInterner {
  private readonly sets = new Map<string, StoredSet>();
  private nextId = 1;
  private scratch = new Uint8Array(4096);

  /** Live sets. */
  get size(): number {
    return this.sets.size;
  }

  private keyOf(attributes: PathAttributes, nextHop: string): string {
    const src = { attributes: attributes.wire === undefined ? attributes : { ...attributes, wire: undefined } };
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
      const own: PathAttributes = { ...attributes, wire: undefined };
      // Unknown attributes are views into the received message: copy them so the set does not pin its buffer.
      const stored: PathAttributes = own.unknown === undefined ? own : { ...own, unknown: own.unknown.map((u) => ({ ...u, value: u.value.slice() })) };
      set = { id: this.nextId++, attributes: stored, nextHop, pathLength: asPathLength(stored.asPath), neighborAs: neighborAs(stored.asPath), refs: 0, key };
      this.sets.set(key, set);
    }
    return set;
  }

  /** True while `set` is the live interned set for its key (not released to zero since). */
  isLive(set: AttrSet): boolean {
    return this.sets.get((set as StoredSet).key) === set;
  }

  release(set: AttrSet, n = 1): void {
    set.refs -= n;
    if (set.refs <= 0) {
      const key = (set as StoredSet).key;
      if (this.sets.get(key) === set) this.sets.delete(key);
    }
  }
}
