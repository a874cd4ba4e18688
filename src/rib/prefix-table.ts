// The prefixes a RIB knows, each given a small integer "slot" that indexes every per-route column (Adj-RIB-In,
// Loc-RIB, Adj-RIB-Out). An open-addressing hash over typed arrays: a route costs a few bytes here and no
// JS object or Map entry. IPv4 prefixes take one 32-bit word, IPv6 four (most significant first).

/** `lens` of a slot not in use (lengths are at most 128). */
const FREE = 255;

export class PrefixTable {
  /** 1 for IPv4, 4 for IPv6. */
  readonly words: number;
  /** `words` uint32 per slot. */
  addrs: Uint32Array;
  lens: Uint8Array;
  /**
   * Hash cells of two int32: slot + 1 (0 empty, -1 deleted), then the IPv4 address or the IPv6 prefix's full
   * hash. A probe reads one cell, in one cache line, and looks at the slot's columns only on a likely match.
   */
  private cells: Int32Array;
  /** The hash cell of each slot, so `release` needs no probe. */
  private cellOf: Int32Array;
  private hashMask: number;
  private used = 0; // hash cells not empty (live + deleted)
  private nextSlot = 0;
  private free: number[] = [];
  /** Live prefixes. */
  size = 0;

  constructor(words: 1 | 4, initial = 1024) {
    this.words = words;
    this.addrs = new Uint32Array(initial * words);
    this.lens = new Uint8Array(initial);
    let cap = 16;
    while (cap < initial * 2) cap *= 2;
    this.cells = new Int32Array(cap * 2);
    this.cellOf = new Int32Array(initial);
    this.hashMask = cap - 1;
  }

  /** Highest slot number ever handed out, plus one. */
  get slotLimit(): number {
    return this.nextSlot;
  }

  // IPv4 paths kept monomorphic (number address): they run once per prefix at full-table scale.
  private static hash4(addr: number, len: number): number {
    const h = Math.imul(Math.imul(len + 1, 0x9e3779b1) ^ addr, 0x85ebca6b);
    return Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  }

  private static hash6(a: Uint32Array, o: number, len: number): number {
    let h = Math.imul(len + 1, 0x9e3779b1);
    for (let i = 0; i < 4; i++) h = Math.imul(h ^ a[o + i]!, 0x85ebca6b);
    return Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  }

  private same6(slot: number, a: Uint32Array, o: number, len: number): boolean {
    if (this.lens[slot] !== len) return false;
    for (let i = 0; i < 4; i++) if (this.addrs[slot * 4 + i] !== a[o + i]) return false;
    return true;
  }

  /** Slot of an IPv4 prefix (uint32 address, host bits clear), or -1. */
  find4(addr: number, len: number): number {
    const a = addr | 0;
    const cells = this.cells;
    const mask = this.hashMask;
    const h = PrefixTable.hash4(a, len);
    for (let i = (h ^ (h >>> 13)) & mask; ; i = (i + 1) & mask) {
      const c = cells[2 * i]!;
      if (c === 0) return -1;
      if (c > 0 && cells[2 * i + 1] === a && this.lens[c - 1] === len) return c - 1;
    }
  }

  /** Slot of an IPv6 prefix given as 4 words at `a[o]`, or -1. */
  find6(a: Uint32Array, o: number, len: number): number {
    const cells = this.cells;
    const mask = this.hashMask;
    const h = PrefixTable.hash6(a, o, len);
    for (let i = (h ^ (h >>> 13)) & mask; ; i = (i + 1) & mask) {
      const c = cells[2 * i]!;
      if (c === 0) return -1;
      if (c > 0 && cells[2 * i + 1] === h && this.same6(c - 1, a, o, len)) return c - 1;
    }
  }

  /**
   * Touch the hash cells of the packed IPv4 prefixes in `b[from, end)` (RFC 4271 §4.3 encoding, `skip` octets
   * of ADD-PATH identifier before each). The loads are independent, so the CPU overlaps their cache misses;
   * the `find4`/`intern4` calls that follow then mostly hit the cache. Returns a value only so the loads stay.
   */
  touch4(b: Uint8Array, from: number, end: number, skip: number): number {
    const cells = this.cells;
    const mask = this.hashMask;
    let sum = 0;
    for (let p = from; p < end; ) {
      p += skip;
      const l = b[p]!;
      let a = 0;
      if (l > 0) {
        a = b[p + 1]! << 24;
        if (l > 8) a |= b[p + 2]! << 16;
        if (l > 16) a |= b[p + 3]! << 8;
        if (l > 24) a |= b[p + 4]!;
        a &= -1 << (32 - l);
      }
      p += 1 + ((l + 7) >> 3);
      const h = PrefixTable.hash4(a, l);
      sum += cells[2 * ((h ^ (h >>> 13)) & mask)]!;
    }
    return sum;
  }

  /** Slot of the prefix, created when new. */
  intern4(addr: number, len: number): number {
    const a = addr | 0;
    const cells = this.cells;
    const mask = this.hashMask;
    const h = PrefixTable.hash4(a, len);
    let tomb = -1;
    let i = (h ^ (h >>> 13)) & mask;
    for (; ; i = (i + 1) & mask) {
      const c = cells[2 * i]!;
      if (c === 0) break;
      if (c < 0) {
        if (tomb < 0) tomb = i;
      } else if (cells[2 * i + 1] === a && this.lens[c - 1] === len) return c - 1;
    }
    const slot = this.newSlot();
    this.addrs[slot] = a >>> 0;
    this.lens[slot] = len;
    return this.place(tomb >= 0 ? tomb : i, tomb >= 0, slot, a);
  }

  intern6(a: Uint32Array, o: number, len: number): number {
    const cells = this.cells;
    const mask = this.hashMask;
    const h = PrefixTable.hash6(a, o, len);
    let tomb = -1;
    let i = (h ^ (h >>> 13)) & mask;
    for (; ; i = (i + 1) & mask) {
      const c = cells[2 * i]!;
      if (c === 0) break;
      if (c < 0) {
        if (tomb < 0) tomb = i;
      } else if (cells[2 * i + 1] === h && this.same6(c - 1, a, o, len)) return c - 1;
    }
    const slot = this.newSlot();
    for (let k = 0; k < 4; k++) this.addrs[slot * 4 + k] = a[o + k]!;
    this.lens[slot] = len;
    return this.place(tomb >= 0 ? tomb : i, tomb >= 0, slot, h);
  }

  /** Put a new slot into hash cell `cell` (`tag`: the IPv4 address or the IPv6 hash). */
  private place(cell: number, reusesTomb: boolean, slot: number, tag: number): number {
    this.cells[2 * cell] = slot + 1;
    this.cells[2 * cell + 1] = tag;
    this.cellOf[slot] = cell;
    if (!reusesTomb) this.used++;
    this.size++;
    const cap = this.hashMask + 1;
    // Grow (fourfold while the table is small against a full table, so a million prefixes cost few rehashes)
    // or, when deleted cells fill it, rehash at the same size.
    if (this.used * 4 > cap * 3) this.rehash(this.size * 2 > cap / 2 ? (cap < 1 << 20 ? cap * 4 : cap * 2) : cap);
    return slot;
  }

  private newSlot(): number {
    const reuse = this.free.pop();
    if (reuse !== undefined) return reuse;
    const slot = this.nextSlot++;
    if (slot >= this.lens.length) {
      const n = this.lens.length * 2;
      const addrs = new Uint32Array(n * this.words);
      addrs.set(this.addrs);
      const lens = new Uint8Array(n);
      lens.set(this.lens);
      const cellOf = new Int32Array(n);
      cellOf.set(this.cellOf);
      this.addrs = addrs;
      this.lens = lens;
      this.cellOf = cellOf;
    }
    return slot;
  }

  /** Forget the prefix in `slot`; the slot is handed out again later. */
  release(slot: number): void {
    if (slot < 0 || slot >= this.nextSlot || this.lens[slot] === FREE) return; // not present
    this.cells[2 * this.cellOf[slot]!] = -1;
    this.lens[slot] = FREE;
    this.size--;
    this.free.push(slot);
  }

  private rehash(cap: number): void {
    // By slot, not by old cell: the slots' addresses are read in order, and only the new cells at random.
    const cells = new Int32Array(cap * 2);
    const mask = cap - 1;
    this.cells = cells;
    this.hashMask = mask;
    this.used = 0;
    const lens = this.lens;
    const addrs = this.addrs;
    const v4 = this.words === 1;
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const len = lens[slot]!;
      if (len === FREE) continue;
      const h = v4 ? PrefixTable.hash4(addrs[slot]! | 0, len) : PrefixTable.hash6(addrs, slot * 4, len);
      let i = (h ^ (h >>> 13)) & mask;
      while (cells[2 * i] !== 0) i = (i + 1) & mask;
      cells[2 * i] = slot + 1;
      cells[2 * i + 1] = v4 ? addrs[slot]! | 0 : h;
      this.cellOf[slot] = i;
      this.used++;
    }
  }

  /** Text form (display and tests; allocates). */
  text(slot: number): string {
    const len = this.lens[slot]!;
    if (this.words === 1) {
      const a = this.addrs[slot]!;
      return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${len}`;
    }
    const g: string[] = [];
    for (let k = 0; k < 4; k++) {
      const v = this.addrs[slot * 4 + k]!;
      g.push((v >>> 16).toString(16), (v & 0xffff).toString(16));
    }
    return `${compressV6(g)}/${len}`;
  }

  /** The IPv6 address of `slot` as 16 bytes (for policy evaluation); `out` is filled and returned. */
  bytes6(slot: number, out: Uint8Array): Uint8Array {
    for (let k = 0; k < 4; k++) {
      const v = this.addrs[slot * 4 + k]!;
      out[k * 4] = v >>> 24;
      out[k * 4 + 1] = v >>> 16;
      out[k * 4 + 2] = v >>> 8;
      out[k * 4 + 3] = v;
    }
    return out;
  }
}

/** RFC 5952 §4.2: the longest run of two or more zero groups becomes "::". */
function compressV6(g: string[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}
