// The RIBs of one address family (IPv4 or IPv6 unicast): every peer's Adj-RIB-In, the Loc-RIB, and every
// peer's Adj-RIB-Out, as columns indexed by prefix slot (RFC 4271 §3.2). Work is incremental: changes to an
// Adj-RIB-In mark their slots dirty; `process` re-runs the decision (RFC 4271 §9.1) for those slots only and
// turns each Loc-RIB change into Adj-RIB-Out changes, queued per peer until `takeUpdates` packs them.
import { Afi } from '../wire/iana.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { CompiledPolicy } from '../policy/filter.js';
import type { AttrInterner, AttrSet } from './attr-set.js';
import { ByteColumn, IdColumn, IntColumn, SlotQueue } from './column.js';
import { PrefixTable } from './prefix-table.js';
import { CLAUSE_REASONS, comparePaths, MULTIPATH_FROM } from './best-path.js';
import { exportAttributes, exportRule, InputReject, INPUT_REJECT_REASONS, mayAdvertise } from './export.js';
import type { RibPeer } from './rib-peer.js';

/** How the default export policy treats routes learned from peers (see README "inside an IP pool"). */
export interface PoolScope {
  /** Prefixes (first word, length) of IP pools; `undefined` = every learned route counts as inside one. */
  readonly pools: readonly { readonly words: Uint32Array; readonly len: number }[] | undefined;
  /** This node's confirmed blocks: routes more specific than one of them are not re-advertised (calico_aggr). */
  readonly blocks: readonly { readonly words: Uint32Array; readonly len: number }[];
}

export interface FamilyRibOptions {
  readonly alwaysCompareMed: boolean;
  readonly routerId: number;
  readonly clusterId: number;
  /** Keep a queue of Loc-RIB changes (best or multipath set) for the FIB. */
  readonly trackLocChanges: boolean;
}

/** Per peer: its Adj-RIB-In (pre-policy, with the reason a route is not accepted) and its Adj-RIB-Out. */
interface PeerColumns {
  /** Attribute set id per slot. */
  readonly ribIn: IdColumn;
  /** InputReject per slot; 0 = accepted. */
  readonly reject: ByteColumn;
  accepted: number;
  /** Present while the peer is Established in this family. */
  ribOut: IdColumn | undefined;
  readonly outQueue: SlotQueue;
}

const scratch16 = new Uint8Array(16);

export class FamilyRib {
  readonly afi: number;
  readonly v6: boolean;
  readonly table: PrefixTable;
  readonly peers: (RibPeer | undefined)[] = [];
  private readonly cols: (PeerColumns | undefined)[] = [];
  /**
   * Loc-RIB: the best route's attribute set id (holding a reference, so the id cannot be reused while the
   * entry stands), its peer index + 1, the deciding clause, a multipath signature.
   */
  readonly locSet = new IdColumn();
  readonly locPeer = new IntColumn();
  private readonly locClause = new ByteColumn();
  private readonly locMp = new IntColumn();
  /** Routes in the Loc-RIB. */
  locSize = 0;
  /**
   * References to a slot from Adj-RIB-In and Adj-RIB-Out entries; at 0, and in no queue, the slot is freed
   * (`freeIfUnused`).
   */
  private readonly holders = new IntColumn();
  private readonly dirty = new SlotQueue();
  private readonly locChanges = new SlotQueue();
  scope: PoolScope = { pools: undefined, blocks: [] };
  private readonly memo: { src: AttrSet | undefined; from: RibPeer | undefined; to: RibPeer | undefined; out: AttrSet | undefined } = { src: undefined, from: undefined, to: undefined, out: undefined };

  constructor(afi: number, private readonly interner: AttrInterner, readonly opts: FamilyRibOptions) {
    this.afi = afi;
    this.v6 = afi === Afi.IPv6;
    this.table = new PrefixTable(this.v6 ? 4 : 1);
  }

  // --- peers ------------------------------------------------------------------------------------------------

  addPeer(p: RibPeer): void {
    this.peers[p.index] = p;
    this.cols[p.index] = { ribIn: new IdColumn(), reject: new ByteColumn(), accepted: 0, ribOut: undefined, outQueue: new SlotQueue() };
  }

  /** Forget a peer: withdraw its routes (call `process` after) and drop its Adj-RIB-Out. */
  removePeer(index: number): void {
    this.clearIn(index);
    this.stopOut(index);
    this.peers[index] = undefined;
    this.cols[index] = undefined;
  }

  received(index: number): number {
    return this.cols[index]?.ribIn.size ?? 0;
  }

  accepted(index: number): number {
    return this.cols[index]?.accepted ?? 0;
  }

  advertised(index: number): number {
    return this.cols[index]?.ribOut?.size ?? 0;
  }

  ribIn(index: number): IdColumn | undefined {
    return this.cols[index]?.ribIn;
  }

  /** Attribute set ids are below this. */
  get setIdLimit(): number {
    return this.interner.idLimit;
  }

  /** The live attribute set with this id. */
  setOf(id: number): AttrSet | undefined {
    return this.interner.get(id);
  }

  rejectOf(index: number, slot: number): InputReject {
    return (this.cols[index]?.reject.get(slot) ?? 0) as InputReject;
  }

  ribOut(index: number): IdColumn | undefined {
    return this.cols[index]?.ribOut;
  }

  // --- slot references --------------------------------------------------------------------------------------

  private hold(slot: number): void {
    this.holders.set(slot, this.holders.get(slot) + 1);
  }

  private unhold(slot: number): void {
    const n = this.holders.get(slot) - 1;
    this.holders.set(slot, n);
    if (n === 0) this.freeIfUnused(slot);
  }

  /**
   * Give the slot back to the prefix table when no route holds it and no queue has it (a queued slot is read
   * after its routes are gone: a withdrawal still to decide, to send or to take out of the kernel). Queue
   * membership is checked here rather than counted in `holders`, which keeps it out of the per-prefix path.
   */
  private freeIfUnused(slot: number): void {
    if (this.holders.get(slot) !== 0 || this.dirty.has(slot) || this.locChanges.has(slot)) return;
    const cols = this.cols;
    for (let i = 0; i < cols.length; i++) if (cols[i]?.outQueue.has(slot)) return;
    this.table.release(slot);
  }

  private markDirty(slot: number): void {
    this.dirty.push(slot);
  }

  /** Slots waiting for the decision process. */
  get pending(): number {
    return this.dirty.length;
  }

  // --- Adj-RIB-In -------------------------------------------------------------------------------------------

  /**
   * Store `set` for `slot` in the peer's Adj-RIB-In (implicit withdrawal of what was there, RFC 4271 §3.1),
   * or remove the route when `set` is undefined (explicit withdrawal). `setReject` is the verdict of the
   * set-wide input checks; the import policy is evaluated here per prefix.
   */
  storeIn(index: number, slot: number, set: AttrSet | undefined, setReject: InputReject): void {
    const c = this.cols[index]!;
    const id = set === undefined ? 0 : set.id;
    const oldId = c.ribIn.get(slot);
    if (id === 0 && oldId === 0) return;
    c.ribIn.set(slot, id);
    const oldReject = oldId === 0 ? 1 : c.reject.get(slot);
    let reject: number = InputReject.None;
    if (set !== undefined) {
      const p = this.peers[index]!;
      reject = setReject !== InputReject.None ? setReject : this.importRejects(p.policy4, p.policy6, slot) ? InputReject.ImportPolicy : InputReject.None;
      if (oldId !== id) set.refs++;
      if (oldId === 0) this.hold(slot);
      c.reject.set(slot, reject);
    } else {
      c.reject.set(slot, 0);
      this.unholdLater(slot);
    }
    if (oldId !== 0 && oldId !== id) this.interner.release(this.interner.get(oldId)!);
    if (oldReject === 0 && (id === 0 || reject !== 0)) c.accepted--;
    else if (oldReject !== 0 && id !== 0 && reject === 0) c.accepted++;
    if (oldId !== id || oldReject !== reject) this.markDirty(slot);
  }

  private unholdLater(slot: number): void {
    // Mark dirty first so the slot stays held until the decision has seen the withdrawal.
    this.markDirty(slot);
    this.unhold(slot);
  }

  private importRejects(p4: CompiledPolicy | undefined, p6: CompiledPolicy | undefined, slot: number): boolean {
    const t = this.table;
    if (!this.v6) return p4 !== undefined && p4.importV4(t.addrs[slot]!, t.lens[slot]!) === 'reject';
    return p6 !== undefined && p6.importV6(t.bytes6(slot, scratch16), t.lens[slot]!) === 'reject';
  }

  /** Drop a peer's whole Adj-RIB-In (session down without graceful restart). */
  clearIn(index: number): void {
    const c = this.cols[index];
    if (c === undefined) return;
    c.ribIn.forEach((id, slot) => {
      this.interner.release(this.interner.get(id)!);
      this.markDirty(slot);
      this.unhold(slot);
    });
    c.ribIn.clear();
    c.reject.clear();
    c.accepted = 0;
  }

  /** Re-evaluate the import policy and input checks of every route of a peer (policy or config changed). */
  reimport(index: number, check: (set: AttrSet) => InputReject): void {
    const c = this.cols[index];
    if (c === undefined) return;
    c.ribIn.forEach((id, slot) => {
      const set = this.interner.get(id)!;
      this.storeIn(index, slot, set, check(set));
    });
  }

  // --- decision process ---------------------------------------------------------------------------------------

  /** Run the decision for every dirty slot; returns how many Loc-RIB entries changed. */
  process(): number {
    const slots = this.dirty.take();
    let changed = 0;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      if (this.decide(slot)) changed++;
      if (this.holders.get(slot) === 0) this.freeIfUnused(slot);
    }
    return changed;
  }

  private decide(slot: number): boolean {
    const peers = this.peers;
    const cols = this.cols;
    const sets = this.interner;
    const med = this.opts.alwaysCompareMed;
    let best = -1;
    let bestSet: AttrSet | undefined;
    let bestSrc: RibPeer | undefined;
    let n = 0;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i];
      if (c === undefined) continue;
      const id = c.ribIn.get(slot);
      if (id === 0 || c.reject.get(slot) !== 0) continue;
      n++;
      const s = sets.get(id)!;
      const p = peers[i]!;
      if (bestSet === undefined || comparePaths(s, p, bestSet, bestSrc!, med) < 0) {
        best = i;
        bestSet = s;
        bestSrc = p;
      }
    }
    // The deciding clause (against the runner-up, the loser that got furthest) and the multipath signature.
    let clause = 0;
    let mp = 0;
    if (n > 1) {
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i];
        if (c === undefined || i === best) continue;
        const id = c.ribIn.get(slot);
        if (id === 0 || c.reject.get(slot) !== 0) continue;
        const s = sets.get(id)!;
        const k = comparePaths(bestSet!, bestSrc!, s, peers[i]!, med);
        const abs = k < 0 ? -k : k;
        if (abs > clause) clause = abs;
        if (abs >= MULTIPATH_FROM && s.nextHop !== bestSet!.nextHop) mp = (Math.imul(mp ^ (i + 1), 0x9e3779b1) + id) | 0;
      }
    }
    const oldId = this.locSet.get(slot);
    const oldPeer = this.locPeer.get(slot) - 1;
    const bestId = bestSet === undefined ? 0 : bestSet.id;
    this.locClause.set(slot, clause);
    const oldMp = this.locMp.get(slot);
    this.locMp.set(slot, mp);
    if (oldId === bestId && oldPeer === best) {
      if (mp !== oldMp && this.opts.trackLocChanges) this.locChanges.push(slot);
      return false;
    }
    this.locSet.set(slot, bestId);
    this.locPeer.set(slot, best + 1);
    if (bestSet !== undefined) bestSet.refs++;
    if (oldId !== 0) sets.release(sets.get(oldId)!);
    if (oldId === 0) this.locSize++;
    else if (bestId === 0) this.locSize--;
    if (this.opts.trackLocChanges) this.locChanges.push(slot);
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i];
      if (c !== undefined && c.ribOut !== undefined) this.exportTo(slot, bestSet, bestSrc, peers[i]!, c);
    }
    return true;
  }

  // --- Adj-RIB-Out --------------------------------------------------------------------------------------------

  forgetMemo(): void {
    this.memo.src = undefined;
    this.memo.out = undefined;
  }

  /** Start the peer's Adj-RIB-Out (session Established): every Loc-RIB route is evaluated for it. */
  startOut(index: number): void {
    const c = this.cols[index];
    if (c === undefined || c.ribOut !== undefined) return;
    c.ribOut = new IdColumn();
    const to = this.peers[index]!;
    this.locSet.forEach((id, slot) => this.exportTo(slot, this.interner.get(id), this.peers[this.locPeer.get(slot) - 1], to, c));
  }

  /** Drop the peer's Adj-RIB-Out (session down). */
  stopOut(index: number): void {
    const c = this.cols[index];
    if (c === undefined || c.ribOut === undefined) return;
    c.ribOut.forEach((id, slot) => {
      this.interner.release(this.interner.get(id)!);
      this.unhold(slot);
    });
    c.ribOut = undefined;
    const q = c.outQueue.take();
    for (let i = 0; i < q.length; i++) this.freeIfUnused(q[i]!);
  }

  /** Re-evaluate the export of every Loc-RIB route to a peer (export policy or session settings changed). */
  reexport(index: number): void {
    const c = this.cols[index];
    if (c === undefined || c.ribOut === undefined) return;
    const to = this.peers[index]!;
    to.outCache.length = 0;
    this.memo.to = undefined;
    c.ribOut.forEach((_id, slot) => {
      if (this.locSet.get(slot) === 0) this.exportTo(slot, undefined, undefined, to, c);
    });
    this.locSet.forEach((id, slot) => this.exportTo(slot, this.interner.get(id), this.peers[this.locPeer.get(slot) - 1], to, c));
  }

  /** Queue every route of the Adj-RIB-Out again (ROUTE-REFRESH, RFC 2918 §4 / RFC 7313 §4). */
  resend(index: number): void {
    const c = this.cols[index];
    if (c === undefined || c.ribOut === undefined) return;
    c.ribOut.forEach((_id, slot) => {
      c.outQueue.push(slot);
    });
  }

  private exportTo(slot: number, set: AttrSet | undefined, from: RibPeer | undefined, to: RibPeer, c: PeerColumns): void {
    const out = set === undefined || from === undefined ? undefined : this.exportedSet(slot, set, from, to);
    const id = out === undefined ? 0 : out.id;
    const col = c.ribOut!;
    const oldId = col.get(slot);
    if (oldId === id) return;
    col.set(slot, id);
    if (out !== undefined) {
      out.refs++;
      if (oldId === 0) this.hold(slot);
    }
    c.outQueue.push(slot);
    if (oldId !== 0) {
      this.interner.release(this.interner.get(oldId)!);
      if (id === 0) this.unhold(slot);
    }
  }

  /** The set `to` gets for this route, or undefined when the rules or policy keep it from `to`. */
  private exportedSet(slot: number, set: AttrSet, from: RibPeer, to: RibPeer): AttrSet | undefined {
    if (!mayAdvertise(from, to)) return undefined;
    const t = this.table;
    const len = t.lens[slot]!;
    const policy = this.v6 ? to.policy6 : to.policy4;
    const verdict = policy === undefined ? 'default' : this.v6 ? policy.exportV6(t.bytes6(slot, scratch16), len, !from.local) : policy.exportV4(t.addrs[slot]!, len, !from.local);
    if (verdict === 'reject') return undefined;
    if (verdict === 'default' && !from.local && !this.defaultExportsLearned(slot)) return undefined;
    // Consecutive slots mostly carry the same set (one UPDATE's prefixes): a one-entry memo first.
    const m = this.memo;
    if (m.src === set && m.from === from && m.to === to && m.out !== undefined && this.interner.isLive(m.out)) return m.out;
    const ci = from.index * 2 + (this.v6 ? 1 : 0);
    let rule = to.outCache[ci];
    if (rule === undefined) to.outCache[ci] = rule = exportRule(from, to, this.v6, this.opts.clusterId);
    const table = rule.table ??= this.interner.derivedTable(rule.variant);
    const hit = this.interner.derivedOf(table, set);
    if (hit !== undefined) return this.remember(set, from, to, hit);
    const e = exportAttributes(set, from, to, this.v6, this.opts.clusterId, rule);
    if (e === undefined) return undefined;
    const out = this.interner.internDerived(table, set, e.attributes, e.nextHop);
    return this.remember(set, from, to, out);
  }

  private remember(src: AttrSet, from: RibPeer, to: RibPeer, out: AttrSet): AttrSet {
    const m = this.memo;
    m.src = src;
    m.from = from;
    m.to = to;
    m.out = out;
    return out;
  }

  /**
   * calico/node's export policy for a route learned from a peer: not when more specific than one of this
   * node's blocks (calico_aggr), else when inside an IP pool (`scope.pools`; undefined = always).
   */
  private defaultExportsLearned(slot: number): boolean {
    const { pools, blocks } = this.scope;
    const len = this.table.lens[slot]!;
    for (const b of blocks) if (len > b.len && this.covers(b.words, b.len, slot)) return false;
    if (pools === undefined) return true;
    for (const p of pools) if (len >= p.len && this.covers(p.words, p.len, slot)) return true;
    return false;
  }

  private covers(words: Uint32Array, len: number, slot: number): boolean {
    const w = this.table.words;
    const a = this.table.addrs;
    for (let k = 0; k < w && len > 0; k++, len -= 32) {
      const mask = len >= 32 ? 0xffffffff : ~(0xffffffff >>> len);
      if (((a[slot * w + k]! ^ words[k]!) & mask) !== 0) return false;
    }
    return true;
  }

  /** The queued Adj-RIB-Out changes of a peer: each slot once, with its set (undefined = withdraw). */
  takeOut(index: number): { slots: Int32Array; release: () => void } {
    const c = this.cols[index];
    const slots = c === undefined ? new Int32Array(0) : c.outQueue.take();
    return { slots, release: () => { for (let i = 0; i < slots.length; i++) if (this.holders.get(slots[i]!) === 0) this.freeIfUnused(slots[i]!); } };
  }

  /** Queued Adj-RIB-Out changes of a peer. */
  outPending(index: number): number {
    return this.cols[index]?.outQueue.length ?? 0;
  }

  /** Loc-RIB changes since the last call (for the FIB): each slot once; `best` undefined = removed. */
  drainLocChanges(visit: (slot: number, best: AttrSet | undefined) => void): void {
    const slots = this.locChanges.take();
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      visit(slot, this.interner.get(this.locSet.get(slot)));
      if (this.holders.get(slot) === 0) this.freeIfUnused(slot);
    }
  }

  // --- display (allocates) ------------------------------------------------------------------------------------

  /** Why the Loc-RIB entry of `slot` won. */
  reason(slot: number): string {
    const c = this.locClause.get(slot);
    return c === 0 ? 'only route' : CLAUSE_REASONS[c]!;
  }

  /** The equal-cost multipath set of `slot`: the best route's next hop first, then every other (see MULTIPATH_FROM). */
  nextHops(slot: number): string[] {
    const out: string[] = [];
    this.nextHopsInto(slot, out);
    return out;
  }

  /** `nextHops` into a caller's array (emptied first), for the FIB's per-route path; returns the count. */
  nextHopsInto(slot: number, out: string[]): number {
    out.length = 0;
    const best = this.interner.get(this.locSet.get(slot));
    if (best === undefined) return 0;
    const bestSrc = this.peers[this.locPeer.get(slot) - 1]!;
    out.push(best.nextHop);
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      if (c === undefined || i === bestSrc.index) continue;
      const s = this.interner.get(c.ribIn.get(slot));
      if (s === undefined || c.reject.get(slot) !== 0) continue;
      const k = Math.abs(comparePaths(best, bestSrc, s, this.peers[i]!, this.opts.alwaysCompareMed));
      if (k >= MULTIPATH_FROM && !out.includes(s.nextHop)) out.push(s.nextHop);
    }
    return out.length;
  }

  /**
   * Every route held for `slot` in any Adj-RIB-In, with whether it is the Loc-RIB's and why it won, lost or
   * was not accepted (`tsbgpd routes`; allocates).
   */
  routesAt(slot: number): { peer: RibPeer; set: AttrSet; best: boolean; reason: string }[] {
    const out: { peer: RibPeer; set: AttrSet; best: boolean; reason: string }[] = [];
    const bestIndex = this.locPeer.get(slot) - 1;
    const best = this.interner.get(this.locSet.get(slot));
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      const set = c === undefined ? undefined : this.interner.get(c.ribIn.get(slot));
      if (c === undefined || set === undefined) continue;
      const peer = this.peers[i]!;
      const reject = c.reject.get(slot);
      let reason: string;
      if (reject !== 0) reason = `not accepted: ${INPUT_REJECT_REASONS[reject]}`;
      else if (i === bestIndex) reason = `best: ${this.reason(slot)}`;
      else {
        const k = best === undefined ? 0 : comparePaths(best, this.peers[bestIndex]!, set, peer, this.opts.alwaysCompareMed);
        reason = `lost: ${CLAUSE_REASONS[k < 0 ? -k : k]}`;
      }
      out.push({ peer, set, best: i === bestIndex && reject === 0, reason });
    }
    return out;
  }

  /** Slots of every prefix the family holds, in slot order. */
  forEachSlot(visit: (slot: number) => void): void {
    const t = this.table;
    for (let slot = 0; slot < t.slotLimit; slot++) if (this.holders.get(slot) > 0) visit(slot);
  }

  /** The attributes a slot's Loc-RIB route has (tests and display). */
  best(slot: number): { peer: RibPeer; attributes: PathAttributes; nextHop: string } | undefined {
    const s = this.interner.get(this.locSet.get(slot));
    if (s === undefined) return undefined;
    return { peer: this.peers[this.locPeer.get(slot) - 1]!, attributes: s.attributes, nextHop: s.nextHop };
  }
}
