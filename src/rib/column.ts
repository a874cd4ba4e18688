// Per-route columns indexed by a prefix slot (see prefix-table.ts), stored in typed-array pages of 4096
// entries allocated on first write: a peer that holds a few routes touches a few pages, a full-table peer
// fills them densely, and growing never copies. No per-prefix object exists anywhere in a column, and the
// garbage collector has nothing to trace in one (attribute sets are referred to by id, see attr-set.ts).

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const MASK = PAGE - 1;

/** Attribute set ids per slot (0 = nothing), counting the slots that hold one. */
export class IdColumn {
  private readonly pages: (Int32Array | undefined)[] = [];
  /** Slots holding an id. */
  size = 0;

  get(slot: number): number {
    const p = this.pages[slot >>> PAGE_BITS];
    return p === undefined ? 0 : p[slot & MASK]!;
  }

  /** Store `id` (0 clears); returns the previous id. */
  set(slot: number, id: number): number {
    const pi = slot >>> PAGE_BITS;
    let p = this.pages[pi];
    if (p === undefined) {
      if (id === 0) return 0;
      while (this.pages.length < pi) this.pages.push(undefined);
      p = new Int32Array(PAGE);
      this.pages[pi] = p;
    }
    const i = slot & MASK;
    const old = p[i]!;
    p[i] = id;
    if (old === 0 && id !== 0) this.size++;
    else if (old !== 0 && id === 0) this.size--;
    return old;
  }

  /** Visit every slot holding an id, in slot order. */
  forEach(visit: (id: number, slot: number) => void): void {
    for (let pi = 0; pi < this.pages.length; pi++) {
      const p = this.pages[pi];
      if (p === undefined) continue;
      const base = pi << PAGE_BITS;
      for (let i = 0; i < PAGE; i++) {
        const v = p[i]!;
        if (v !== 0) visit(v, base + i);
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

  /** Is `slot` queued? */
  has(slot: number): boolean {
    return this.queued.get(slot) !== 0;
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
