// The prefixes a RIB knows, each given a small integer "slot" that indexes every per-route column (Adj-RIB-In,
// Loc-RIB, Adj-RIB-Out). An open-addressing hash over typed arrays: a route costs a few bytes here and no
// JS object or Map entry. IPv4 prefixes take one 32-bit word, IPv6 four (most significant first).

export class PrefixTable {
  /** 1 for IPv4, 4 for IPv6. */
  readonly words: number;
  /** `words` uint32 per slot. */
  addrs: Uint32Array;
  lens: Uint8Array;
  private hash: Int32Array; // slot + 1; 0 empty; -1 deleted
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
    this.hash = new Int32Array(cap);
    this.hashMask = cap - 1;
  }

  /** Highest slot number ever handed out, plus one. */
  get slotLimit(): number {
    return this.nextSlot;
  }

  private hashOf(a: Uint32Array | number, o: number, len: number): number {
    if (typeof a === 'number') return this.hash4(a | 0, len);
    let h = Math.imul(len + 1, 0x9e3779b1);
    for (let i = 0; i < this.words; i++) h = Math.imul(h ^ a[o + i]!, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 13)) & this.hashMask;
  }

  private same(slot: number, a: Uint32Array | number, o: number, len: number): boolean {
    if (this.lens[slot] !== len) return false;
    if (typeof a === 'number') return this.addrs[slot] === a >>> 0;
    const w = this.words;
    for (let i = 0; i < w; i++) if (this.addrs[slot * w + i] !== a[o + i]) return false;
    return true;
  }

  // IPv4 paths kept monomorphic (number address): they run once per prefix at full-table scale.
  private hash4(addr: number, len: number): number {
    let h = Math.imul(Math.imul(len + 1, 0x9e3779b1) ^ addr, 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 13)) & this.hashMask;
  }

  /** Slot of an IPv4 prefix (uint32 address, host bits clear), or -1. */
  find4(addr: number, len: number): number {
    const a = addr | 0;
    const hash = this.hash;
    const addrs = this.addrs;
    const lens = this.lens;
    let i = this.hash4(a, len);
    for (;;) {
      const c = hash[i]!;
      if (c === 0) return -1;
      if (c > 0 && (addrs[c - 1]! | 0) === a && lens[c - 1] === len) return c - 1;
      i = (i + 1) & this.hashMask;
    }
  }

  /** Slot of an IPv6 prefix given as 4 words at `a[o]`, or -1. */
  find6(a: Uint32Array, o: number, len: number): number {
    return this.find(a, o, len);
  }

  private find(a: Uint32Array | number, o: number, len: number): number {
    let i = this.hashOf(a, o, len);
    for (;;) {
      const c = this.hash[i]!;
      if (c === 0) return -1;
      if (c > 0 && this.same(c - 1, a, o, len)) return c - 1;
      i = (i + 1) & this.hashMask;
    }
  }

  /** Slot of the prefix, created when new. */
  intern4(addr: number, len: number): number {
    const a = addr | 0;
    const hash = this.hash;
    const addrs = this.addrs;
    const lens = this.lens;
    let i = this.hash4(a, len);
    let tomb = -1;
    for (;;) {
      const c = hash[i]!;
      if (c === 0) break;
      if (c < 0) {
        if (tomb < 0) tomb = i;
      } else if ((addrs[c - 1]! | 0) === a && lens[c - 1] === len) return c - 1;
      i = (i + 1) & this.hashMask;
    }
    return this.insertAt(tomb >= 0 ? tomb : i, tomb >= 0, a, undefined, 0, len);
  }

  intern6(a: Uint32Array, o: number, len: number): number {
    return this.intern(a, o, len);
  }

  private intern(a: Uint32Array, o: number, len: number): number {
    let i = this.hashOf(a, o, len);
    let tomb = -1;
    for (;;) {
      const c = this.hash[i]!;
      if (c === 0) break;
      if (c < 0) {
        if (tomb < 0) tomb = i;
      } else if (this.same(c - 1, a, o, len)) return c - 1;
      i = (i + 1) & this.hashMask;
    }
    return this.insertAt(tomb >= 0 ? tomb : i, tomb >= 0, 0, a, o, len);
  }

  /** Put a new prefix (IPv4 `a4`, or IPv6 words at `a6[o]`) into hash cell `cell`. */
  private insertAt(cell: number, reusesTomb: boolean, a4: number, a6: Uint32Array | undefined, o: number, len: number): number {
    const slot = this.newSlot();
    const w = this.words;
    if (a6 === undefined) this.addrs[slot] = a4 >>> 0;
    else for (let k = 0; k < w; k++) this.addrs[slot * w + k] = a6[o + k]!;
    this.lens[slot] = len;
    this.hash[cell] = slot + 1;
    if (!reusesTomb) this.used++;
    this.size++;
    if (this.used * 4 > this.hash.length * 3) this.rehash(this.size * 2 > this.hash.length / 2 ? this.hash.length * 2 : this.hash.length);
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
      this.addrs = addrs;
      this.lens = lens;
    }
    return slot;
  }

  /** Forget the prefix in `slot`; the slot is handed out again later. */
  release(slot: number): void {
    const w = this.words;
    let i = w === 1 ? this.hashOf(this.addrs[slot]!, 0, this.lens[slot]!) : this.hashOf(this.addrs, slot * w, this.lens[slot]!);
    for (;;) {
      const c = this.hash[i]!;
      if (c === 0) return; // not present
      if (c === slot + 1) {
        this.hash[i] = -1;
        this.size--;
        this.free.push(slot);
        return;
      }
      i = (i + 1) & this.hashMask;
    }
  }

  private rehash(cap: number): void {
    const old = this.hash;
    this.hash = new Int32Array(cap);
    this.hashMask = cap - 1;
    this.used = 0;
    const w = this.words;
    for (let k = 0; k < old.length; k++) {
      const c = old[k]!;
      if (c <= 0) continue;
      const slot = c - 1;
      let i = w === 1 ? this.hashOf(this.addrs[slot]!, 0, this.lens[slot]!) : this.hashOf(this.addrs, slot * w, this.lens[slot]!);
      while (this.hash[i] !== 0) i = (i + 1) & this.hashMask;
      this.hash[i] = c;
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
