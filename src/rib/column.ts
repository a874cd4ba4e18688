// Per-route columns indexed by a prefix slot (see prefix-table.ts), stored in pages of 4096 entries that are
// allocated on first write: a peer that holds a few routes touches a few pages, a full-table peer fills them
// densely, and growing never copies. No per-prefix object exists anywhere in a column.

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;

/** Object references (interned attribute sets) per slot; undefined where the column holds nothing. */
export class RefColumn<T extends object> {
  private readonly pages: ((T | undefined)[] | undefined)[] = [];
  /** Slots holding a value. */
  size = 0;

  get(slot: number): T | undefined {
    const p = this.pages[slot >>> PAGE_BITS];
    return p === undefined ? undefined : p[slot & MASK];
  }

  /** Store `v` (or clear with undefined); returns the previous value. */
  set(slot: number, v: T | undefined): T | undefined {
    const pi = slot >>> PAGE_BITS;
    let p = this.pages[pi];
    if (p === undefined) {
      if (v === undefined) return undefined;
      while (this.pages.length < pi) this.pages.push(undefined);
      // Filled with undefined up front so the array stays packed (HOLEY would still work, but slower).
      p = new Array<T | undefined>(PAGE).fill(undefined);
      this.pages[pi] = p;
    }
    const i = slot & MASK;
    const old = p[i];
    p[i] = v;
    if (old === undefined && v !== undefined) this.size++;
    else if (old !== undefined && v === undefined) this.size--;
    return old;
  }

  /** Visit every slot holding a value, in slot order. */
  forEach(visit: (v: T, slot: number) => void): void {
    for (let pi = 0; pi < this.pages.length; pi++) {
      const p = this.pages[pi];
      if (p === undefined) continue;
      const base = pi << PAGE_BITS;
      for (let i = 0; i < PAGE; i++) {
        const v = p[i];
        if (v !== undefined) visit(v, base + i);
      }
    }
  }

  clear(): void {
    this.pages.length = 0;
    this.size = 0;
  }
}

/** Small integers per slot (flags, indices); 0 where never written. */
export class IntColumn {
  private readonly pages: (Int32Array | undefined)[] = [];

  get(slot: number): number {
    const p = this.pages[slot >>> PAGE_BITS];
    return p === undefined ? 0 : p[slot & MASK]!;
  }

  set(slot: number, v: number): void {
    const pi = slot >>> PAGE_BITS;
    let p = this.pages[pi];
    if (p === undefined) {
      if (v === 0) return;
      while (this.pages.length < pi) this.pages.push(undefined);
      p = new Int32Array(PAGE);
      this.pages[pi] = p;
    }
    p[slot & MASK] = v;
  }

  clear(): void {
    this.pages.length = 0;
  }
}

/** Bytes per slot (flags); 0 where never written. */
export class ByteColumn {
  private readonly pages: (Uint8Array | undefined)[] = [];

  get(slot: number): number {
    const p = this.pages[slot >>> PAGE_BITS];
    return p === undefined ? 0 : p[slot & MASK]!;
  }

  set(slot: number, v: number): void {
    const pi = slot >>> PAGE_BITS;
    let p = this.pages[pi];
    if (p === undefined) {
      if (v === 0) return;
      while (this.pages.length < pi) this.pages.push(undefined);
      p = new Uint8Array(PAGE);
      this.pages[pi] = p;
    }
    p[slot & MASK] = v;
  }

  clear(): void {
    this.pages.length = 0;
  }
}

/** A growable list of slots (a work queue), deduplicated by a flag column. */
export class SlotQueue {
  private buf = new Int32Array(1024);
  private readonly queued = new ByteColumn();
  length = 0;

  /** Queue `slot`; false when it already was. */
  push(slot: number): boolean {
    if (this.queued.get(slot) !== 0) return false;
    this.queued.set(slot, 1);
    if (this.length === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = slot;
    return true;
  }

  /** The queued slots, in queue order, leaving the queue empty. */
  take(): Int32Array {
    const out = this.buf.slice(0, this.length);
    for (let i = 0; i < this.length; i++) this.queued.set(out[i]!, 0);
    this.length = 0;
    return out;
  }

  clear(): void {
    this.length = 0;
    this.queued.clear();
  }
}
