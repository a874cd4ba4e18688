// Interned path attribute sets: the routes of one UPDATE share one object, and identical sets received in
// different UPDATEs (or from different peers, or produced by the export rules for different prefixes) share
// one too. The key is the canonical encoding of the attributes (4-octet AS form, received layout ignored)
// plus the next hop. What the decision process reads of the AS_PATH is computed once here, not per prefix.
import { attributeSetBytes, encodeAttributes } from '../wire/attributes/encode.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { CodecContext } from '../wire/types.js';
import { DEFAULT_CONTEXT } from '../wire/types.js';
import { asPathLength, neighborAs } from './best-path.js';

const CANONICAL: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };
// First octet of a key: how its attribute bytes were obtained.
const KEY_CANONICAL = 0x63;
const KEY_RAW4 = 0x34;
const KEY_RAW2 = 0x32;

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
  /** In `sets`, or (derived sets) the source's serial in `home`. */
  readonly key: string | number;
  /** Distinct for every set ever added (ids are reused). */
  readonly serial: number;
  readonly home: Map<number, StoredSet> | undefined;
}

/** Derived sets of one export variant, by their source set's serial (see `derivedTable`). */
export type DerivedTable = Map<number, AttrSet>;

export class AttrInterner {
  private readonly sets = new Map<string, StoredSet>();
  private readonly variants = new Map<string, Map<number, StoredSet>>();
  private derivedCount = 0;
  /** Live sets by id; ids of released sets are handed out again, so RIB columns stay small integers. */
  private readonly byId: (StoredSet | undefined)[] = [undefined];
  private readonly freeIds: number[] = [];
  private serials = 0;
  // Large enough for any attribute set of an extended message (RFC 8654), so no length pass is needed.
  private readonly scratch = Buffer.allocUnsafeSlow(65536);

  /** Live sets. */
  get size(): number {
    return this.sets.size + this.derivedCount;
  }

  /** Every id handed out so far is below this. */
  get idLimit(): number {
    return this.byId.length;
  }

  /** The key as one flat string (a concatenation would keep a rope of several strings per set). */
  private keyFrom(kind: number, bytes: Uint8Array, from: number, end: number, nextHop: string): string {
    const sc = this.scratch;
    if (end + nextHop.length + 2 > sc.length) return String.fromCharCode(kind) + Buffer.from(bytes.subarray(from, end)).toString('latin1') + '|' + nextHop;
    if (bytes !== sc) sc.set(bytes.subarray(from, end), 1);
    else sc.copyWithin(1, from, end);
    sc[0] = kind;
    let p = end - from + 1;
    sc[p++] = 0x7c; // '|'
    for (let i = 0; i < nextHop.length; i++) sc[p++] = nextHop.charCodeAt(i);
    return sc.toString('latin1', 0, p); // no view made per key
  }

  private keyOf(attributes: PathAttributes, nextHop: string): string {
    const src = { attributes: attributes.wire === undefined ? attributes : { ...attributes, wire: undefined } };
    // Encoded one octet in, leaving room for the kind octet.
    const end = encodeAttributes(src, CANONICAL, this.scratch, 1);
    // Writes past a typed array's end are dropped: a set larger than the scratch is encoded on its own.
    if (end > this.scratch.length) {
      const b = attributeSetBytes(src.attributes, CANONICAL);
      return this.keyFrom(KEY_CANONICAL, b, 0, b.length, nextHop);
    }
    return this.keyFrom(KEY_CANONICAL, this.scratch, 1, end, nextHop);
  }

  /** The shared set for these attributes; the caller adds one reference per route it stores. */
  intern(attributes: PathAttributes, nextHop: string): AttrSet {
    const key = this.keyOf(attributes, nextHop);
    return this.sets.get(key) ?? this.add(key, attributes, nextHop);
  }

  private add(key: string, attributes: PathAttributes, nextHop: string): AttrSet {
    const set = this.make(key, attributes, nextHop, undefined);
    this.sets.set(key, set);
    return set;
  }

  private make(key: string | number, attributes: PathAttributes, nextHop: string, home: Map<number, StoredSet> | undefined): StoredSet {
    // Unknown attributes are views into the received message: copy them so the set does not pin its buffer.
    // Otherwise the caller's (readonly) object is kept as it is: a copy costs ~200 octets per set.
    const stored: PathAttributes = attributes.wire === undefined && attributes.unknown === undefined
      ? attributes
      : { ...attributes, wire: undefined, ...(attributes.unknown === undefined ? {} : { unknown: attributes.unknown.map((u) => ({ ...u, value: u.value.slice() })) }) };
    const id = this.freeIds.pop() ?? this.byId.length;
    const set: StoredSet = { id, attributes: stored, nextHop, pathLength: asPathLength(stored.asPath), neighborAs: neighborAs(stored.asPath), refs: 0, key, serial: ++this.serials, home };
    this.byId[id] = set;
    return set;
  }

  /**
   * Intern the attributes of a received UPDATE keyed by its Path Attributes field as received (`raw`, which
   * must hold no MP_REACH_NLRI / MP_UNREACH_NLRI): no re-encoding. Equal bytes under the same AS number size
   * decode to equal attributes; a set also received in another layout is kept twice, which costs memory only.
   */
  internRaw(raw: Uint8Array, fourOctetAs: boolean, attributes: PathAttributes, nextHop: string): AttrSet {
    const key = this.keyFrom(fourOctetAs ? KEY_RAW4 : KEY_RAW2, raw, 0, raw.length, nextHop);
    return this.sets.get(key) ?? this.add(key, attributes, nextHop);
  }

  /**
   * The table of sets derived by one deterministic transformation (the export rules), named by `variant`:
   * everything the result depends on besides the source set. Derived sets are found by their source's serial
   * (never reused, unlike ids), so no key is built or hashed per set; equal results from different sources are
   * kept apart, which costs memory only.
   */
  derivedTable(variant: string): DerivedTable {
    let t = this.variants.get(variant);
    if (t === undefined) this.variants.set(variant, (t = new Map()));
    return t;
  }

  /** The live set derived from `src` in `table`, if any. */
  derivedOf(table: DerivedTable, src: AttrSet): AttrSet | undefined {
    return table.get((src as StoredSet).serial);
  }

  /** Intern the set derived from `src` in `table` (see `derivedTable`). */
  internDerived(table: DerivedTable, src: AttrSet, attributes: PathAttributes, nextHop: string): AttrSet {
    const serial = (src as StoredSet).serial;
    const have = table.get(serial);
    if (have !== undefined) return have;
    const home = table as Map<number, StoredSet>;
    const set = this.make(serial, attributes, nextHop, home);
    home.set(serial, set);
    this.derivedCount++;
    return set;
  }

  /** The live set with this id (0 and released ids give undefined). */
  get(id: number): AttrSet | undefined {
    return this.byId[id];
  }

  /** True while `set` is the live interned set for its key (not released to zero since). */
  isLive(set: AttrSet): boolean {
    return this.byId[set.id] === set;
  }

  release(set: AttrSet, n = 1): void {
    set.refs -= n;
    if (set.refs <= 0) {
      const st = set as StoredSet;
      if (st.home !== undefined) {
        if (st.home.get(st.key as number) !== st) return;
        st.home.delete(st.key as number);
        this.derivedCount--;
      } else {
        if (this.sets.get(st.key as string) !== st) return;
        this.sets.delete(st.key as string);
      }
      this.byId[set.id] = undefined;
      this.freeIds.push(set.id);
    }
  }
}
