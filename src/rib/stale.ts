// Stale marks for graceful restart (RFC 4724 §4.2): one bit per prefix slot, for one peer in one address family.
// A helper keeps a restarting peer's routes in the Adj-RIB-In (and so in the Loc-RIB and the kernel) marked
// stale; each route the peer announces again, or withdraws, clears its mark; at the peer's End-of-RIB for the
// family, or when a timer runs out, every route still marked is removed. The marks are bits in pages of 4096
// slots (128 words) allocated on first mark: no object per route, and a peer without stale routes costs nothing.

const PAGE_BITS = 12;
const PAGE_WORDS = 1 << (PAGE_BITS - 5);
const MASK = (1 << PAGE_BITS) - 1;

export class StaleMarks {
  private readonly pages: (Uint32Array | undefined)[] = [];
  /** Slots marked. */
  size = 0;

  has(slot: number): boolean {
    const p = this.pages[slot >>> PAGE_BITS];
    if (p === undefined) return false;
    const i = slot & MASK;
    return (p[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  mark(slot: number): void {
    const pi = slot >>> PAGE_BITS;
    let p = this.pages[pi];
    if (p === undefined) {
      while (this.pages.length < pi) this.pages.push(undefined);
      p = new Uint32Array(PAGE_WORDS);
      this.pages[pi] = p;
    }
    const i = slot & MASK;
    const bit = 1 << (i & 31);
    const w = p[i >>> 5]!;
    if ((w & bit) !== 0) return;
    p[i >>> 5] = w | bit;
    this.size++;
  }

  /** Clear the mark of `slot`; true when it was marked. */
  unmark(slot: number): boolean {
    const p = this.pages[slot >>> PAGE_BITS];
    if (p === undefined) return false;
    const i = slot & MASK;
    const bit = 1 << (i & 31);
    const w = p[i >>> 5]!;
    if ((w & bit) === 0) return false;
    p[i >>> 5] = w & ~bit;
    this.size--;
    return true;
  }

  /** Every marked slot, in slot order (the visitor must not mark; it may unmark the slot it is given). */
  forEach(visit: (slot: number) => void): void {
    for (let pi = 0; pi < this.pages.length && this.size > 0; pi++) {
      const p = this.pages[pi];
      if (p === undefined) continue;
      const base = pi << PAGE_BITS;
      for (let k = 0; k < PAGE_WORDS; k++) {
        let w = p[k]!;
        while (w !== 0) {
          const b = 31 - Math.clz32(w & -w);
          w &= w - 1;
          visit(base + (k << 5) + b);
        }
      }
    }
  }

  clear(): void {
    this.pages.length = 0;
    this.size = 0;
  }
}
