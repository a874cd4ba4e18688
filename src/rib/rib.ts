// The routing information bases of the speaker (RFC 4271 §3.2) for IPv4 and IPv6 unicast, with this node's
// own routes as the `local` pseudo-peer (index 0). The peer runtime holds a RibPeerHandle per session: it
// applies UPDATEs (Adj-RIB-In), and after `Rib.process()` takes its Adj-RIB-Out changes as UPDATE bytes.
import type { FilterConfig, PeerConfig, ResolvedConfig } from '../config/model.js';
import { Afi, Origin } from '../wire/iana.js';
import { ipv4ToString } from '../wire/addr.js';
import { forEachIPv6, parsePrefix, type PackedNlri } from '../wire/nlri.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import { MessageSink, type UpdateMessage } from '../wire/update.js';
import type { CodecContext } from '../wire/types.js';
import { AttrInterner, type AttrSet } from './attr-set.js';
import { FamilyRib, type PoolScope } from './family-rib.js';
import { RibPeer } from './rib-peer.js';
import { checkInput, InputReject } from './export.js';
import { nextHopText } from './next-hop.js';
import { endOfRibMessage, packAdjRibOut } from './adj-rib-out.js';
import { localPrefixes } from './local.js';
import { StaleMarks } from './stale.js';

export interface RibOptions {
  /** Our BGP Identifier (uint32). */
  readonly routerId: number;
  /** RFC 4456 CLUSTER_ID (uint32); defaults to the router ID, as BIRD and calico/node do. */
  readonly clusterId?: number;
  readonly alwaysCompareMed?: boolean;
  /** Queue Loc-RIB changes for the FIB (`drainLocChanges`). */
  readonly trackLocChanges?: boolean;
  /** Share an interner (e.g. the speaker's). */
  readonly interner?: AttrInterner;
}

const words6 = new Uint32Array(4);

function toWords(prefix: string): { afi: number; words: Uint32Array; len: number } | undefined {
  const p = parsePrefix(prefix);
  if (p === undefined) return undefined;
  const n = p.afi === Afi.IPv4 ? 1 : 4;
  const words = new Uint32Array(n);
  for (let k = 0; k < n; k++) words[k] = ((p.addr[k * 4]! << 24) | (p.addr[k * 4 + 1]! << 16) | (p.addr[k * 4 + 2]! << 8) | p.addr[k * 4 + 3]!) >>> 0;
  return { afi: p.afi, words, len: p.len };
}

export class Rib {
  readonly interner: AttrInterner;
  readonly v4: FamilyRib;
  readonly v6: FamilyRib;
  readonly local: RibPeer;
  readonly routerId: number;
  readonly clusterId: number;
  private readonly handles: (RibPeerHandle | undefined)[] = [];
  /** Where Adj-RIB-Out changes are packed (`takeUpdateBytes` copies them out). */
  readonly sink = new MessageSink();
  /** From the last `configure`: what RibPeer.configure needs beside the PeerConfig. */
  filters: Readonly<Record<string, FilterConfig>> = {};
  nodeV4: string | undefined;
  nodeV6: string | undefined;

  constructor(opts: RibOptions) {
    this.interner = opts.interner ?? new AttrInterner();
    this.routerId = opts.routerId >>> 0;
    this.clusterId = (opts.clusterId ?? opts.routerId) >>> 0;
    const fo = { alwaysCompareMed: opts.alwaysCompareMed ?? false, routerId: this.routerId, clusterId: this.clusterId, trackLocChanges: opts.trackLocChanges ?? false };
    this.v4 = new FamilyRib(Afi.IPv4, this.interner, fo);
    this.v6 = new FamilyRib(Afi.IPv6, this.interner, fo);
    this.local = new RibPeer(0, 'local', true);
    this.local.routerId = this.routerId;
    this.v4.addPeer(this.local);
    this.v6.addPeer(this.local);
  }

  family(afi: number): FamilyRib | undefined {
    return afi === Afi.IPv4 ? this.v4 : afi === Afi.IPv6 ? this.v6 : undefined;
  }

  /**
   * Take what the RIB needs from the configuration: node addresses (next hop self), filters, this node's
   * blocks (calico_aggr), `ipPools` for the default export policy (undefined: every learned route is treated
   * as inside a pool, see README), and this node's own routes.
   */
  configure(config: ResolvedConfig, ipPools?: readonly string[]): void {
    this.filters = config.filters;
    this.nodeV4 = config.node.ipv4?.address;
    this.nodeV6 = config.node.ipv6?.address;
    const scope = (afi: number): PoolScope => {
      const conv = (list: readonly string[]): { words: Uint32Array; len: number }[] =>
        list.map(toWords).filter((x): x is NonNullable<typeof x> => x !== undefined && x.afi === afi);
      return { pools: ipPools === undefined ? undefined : conv(ipPools), blocks: conv(config.blocks) };
    };
    this.v4.scope = scope(Afi.IPv4);
    this.v6.scope = scope(Afi.IPv6);
    for (const h of this.handles) if (h !== undefined) {
      const c = config.peers.find((p) => p.id === h.config.id);
      if (c !== undefined) h.reconfigure(c);
    }
    this.setLocalRoutes(config);
  }

  /** This node's routes (its blocks and service ranges with prefixAdvertisements communities, local.ts). */
  setLocalRoutes(config: ResolvedConfig): void {
    const keep4 = new Set<number>();
    const keep6 = new Set<number>();
    for (const lp of localPrefixes(config)) {
      const w = toWords(lp.prefix);
      if (w === undefined) continue;
      const attributes: PathAttributes = {
        origin: Origin.IGP,
        asPath: [],
        ...(lp.communities.length > 0 ? { communities: lp.communities } : {}),
        ...(lp.largeCommunities.length > 0 ? { largeCommunities: lp.largeCommunities } : {}),
      };
      const set = this.interner.intern(attributes, '');
      const fam = w.afi === Afi.IPv4 ? this.v4 : this.v6;
      const slot = w.afi === Afi.IPv4 ? fam.table.intern4(w.words[0]!, w.len) : fam.table.intern6(w.words, 0, w.len);
      fam.storeIn(0, slot, set, InputReject.None);
      (w.afi === Afi.IPv4 ? keep4 : keep6).add(slot);
    }
    for (const [fam, keep] of [[this.v4, keep4], [this.v6, keep6]] as const) {
      const gone: number[] = [];
      fam.ribIn(0)!.forEach((_s, slot) => { if (!keep.has(slot)) gone.push(slot); });
      for (const slot of gone) fam.storeIn(0, slot, undefined, InputReject.None);
    }
  }

  /** Register a peer session; its handle replaces the per-peer AdjRibIn. */
  addPeer(config: PeerConfig): RibPeerHandle {
    let index = 1;
    while (this.handles[index] !== undefined) index++;
    const p = new RibPeer(index, config.name, false);
    p.configure(config, this.filters, this.nodeV4, this.nodeV6);
    this.v4.addPeer(p);
    this.v6.addPeer(p);
    const h = new RibPeerHandle(this, p, config);
    this.handles[index] = h;
    return h;
  }

  /** Remove a peer (deleted from the configuration): its routes are withdrawn at the next `process`. */
  removePeer(h: RibPeerHandle): void {
    this.v4.removePeer(h.peer.index);
    this.v6.removePeer(h.peer.index);
    this.handles[h.peer.index] = undefined;
  }

  /** Forget every remembered export result (a peer's router ID or settings changed). */
  invalidateExports(): void {
    for (const h of this.handles) if (h !== undefined) h.peer.outCache.length = 0;
    this.v4.forgetMemo();
    this.v6.forgetMemo();
  }

  /** Re-evaluate every Adj-RIB-Out (a peer's role changed, which changes what others may be sent). */
  reexportAll(): void {
    for (const h of this.handles) {
      if (h === undefined) continue;
      this.v4.reexport(h.peer.index);
      this.v6.reexport(h.peer.index);
    }
  }

  /** Run the decision process for every prefix touched since the last call; returns Loc-RIB changes. */
  process(): number {
    return this.v4.process() + this.v6.process();
  }

  /** Prefixes whose decision is pending. */
  get pending(): number {
    return this.v4.pending + this.v6.pending;
  }

  private readonly nh4 = new Map<number, string>();

  /** Next hop text, one string per address (kept by every set with that next hop). */
  nextHopText4(addr: number): string {
    let t = this.nh4.get(addr);
    if (t === undefined) {
      if (this.nh4.size > 65536) this.nh4.clear();
      this.nh4.set(addr, (t = ipv4ToString(addr)));
    }
    return t;
  }

  /** Whether the route of peer `index` at `slot` is stale (RFC 4724 §4.2; `tsbgpd routes`). */
  isStale(afi: number, index: number, slot: number): boolean {
    return this.handles[index]?.isStale(afi, slot) ?? false;
  }

  /** The input checks that depend on the attribute set alone, for routes from `p`. */
  check(set: AttrSet, p: RibPeer): InputReject {
    return checkInput(set, p, this.routerId, this.clusterId);
  }
}

/** One peer's view of the RIB: its Adj-RIB-In (the API the peer runtime used on AdjRibIn) and Adj-RIB-Out. */
export class RibPeerHandle {
  /** The session's AS number size once Established: received attribute sets are then keyed by their bytes. */
  private fourOctetAs: boolean | undefined;
  /** RFC 4724 §4.2: routes kept from a restarting peer, per family (see stale.ts). */
  private readonly stale4 = new StaleMarks();
  private readonly stale6 = new StaleMarks();
  /** Sink for PrefixTable.touch4 (see there). */
  private touched = 0;

  constructor(private readonly rib: Rib, readonly peer: RibPeer, public config: PeerConfig) {}

  /** Routes received (before import policy and loop checks), both families. */
  get size(): number {
    return this.rib.v4.received(this.peer.index) + this.rib.v6.received(this.peer.index);
  }

  /** Routes accepted into the decision process. */
  get accepted(): number {
    return this.rib.v4.accepted(this.peer.index) + this.rib.v6.accepted(this.peer.index);
  }

  /** Routes in the Adj-RIB-Out. */
  get advertised(): number {
    return this.rib.v4.advertised(this.peer.index) + this.rib.v6.advertised(this.peer.index);
  }

  reconfigure(c: PeerConfig): void {
    this.config = c;
    this.peer.configure(c, this.rib.filters, this.rib.nodeV4, this.rib.nodeV6);
    this.rib.invalidateExports();
    const check = (s: AttrSet): InputReject => this.rib.check(s, this.peer);
    this.rib.v4.reimport(this.peer.index, check);
    this.rib.v6.reimport(this.peer.index, check);
    // This peer's role (eBGP/iBGP, RR client) also decides what the others are sent of its routes.
    this.rib.reexportAll();
  }

  private withdraw(nlri: PackedNlri): number {
    if (nlri.count === 0) return 0;
    let n = 0;
    const i = this.peer.index;
    if (nlri.afi === Afi.IPv4) {
      const fam = this.rib.v4;
      const col = fam.ribIn(i)!;
      const st = this.stale4;
      const b = nlri.bytes;
      const skip = nlri.addPath ? 4 : 0;
      this.touched ^= fam.table.touch4(b, 0, b.length, skip);
      for (let p = 0; p < b.length; ) {
        p += skip;
        const l = b[p]!;
        const addr = ipv4At(b, p + 1, l);
        p += 1 + ((l + 7) >> 3);
        const slot = fam.table.find4(addr, l);
        if (slot >= 0 && col.get(slot) !== 0) {
          n++;
          fam.storeIn(i, slot, undefined, InputReject.None);
          if (st.size !== 0) st.unmark(slot);
        }
      }
    } else if (nlri.afi === Afi.IPv6) {
      const fam = this.rib.v6;
      const st = this.stale6;
      forEachIPv6(nlri, (a, l) => {
        bytesToWords(a);
        const slot = fam.table.find6(words6, 0, l);
        if (slot >= 0 && fam.ribIn(i)!.get(slot) !== 0) {
          n++;
          fam.storeIn(i, slot, undefined, InputReject.None);
          if (st.size !== 0) st.unmark(slot);
        }
      });
    }
    return n;
  }

  private announce(nlri: PackedNlri, set: AttrSet): void {
    const i = this.peer.index;
    const reject = this.rib.check(set, this.peer);
    if (nlri.afi === Afi.IPv4) {
      const fam = this.rib.v4;
      const st = this.stale4;
      const b = nlri.bytes;
      const skip = nlri.addPath ? 4 : 0;
      this.touched ^= fam.table.touch4(b, 0, b.length, skip);
      for (let p = 0; p < b.length; ) {
        p += skip;
        const l = b[p]!;
        const addr = ipv4At(b, p + 1, l);
        p += 1 + ((l + 7) >> 3);
        const slot = fam.table.intern4(addr, l);
        fam.storeIn(i, slot, set, reject);
        // RFC 4724 §4.2: a route the restarted peer sends again is no longer stale.
        if (st.size !== 0) st.unmark(slot);
      }
    } else if (nlri.afi === Afi.IPv6) {
      const fam = this.rib.v6;
      const st = this.stale6;
      forEachIPv6(nlri, (a, l) => {
        bytesToWords(a);
        const slot = fam.table.intern6(words6, 0, l);
        fam.storeIn(i, slot, set, reject);
        if (st.size !== 0) st.unmark(slot);
      });
    }
    // Nothing refers to a set no route took (every prefix was already there with it): let it go.
    if (set.refs === 0) this.rib.interner.release(set, 0);
  }

  /**
   * Apply one UPDATE to the Adj-RIB-In: explicit withdrawals, then announcements (implicit withdrawal of the
   * previous route for each prefix, RFC 4271 §3.1). `treatAsWithdraw` (RFC 7606 §2) withdraws every NLRI
   * the UPDATE carries instead. Call `Rib.process()` afterwards (once per batch of UPDATEs is enough).
   */
  apply(u: UpdateMessage, treatAsWithdraw: boolean): { announced: number; withdrawn: number } {
    let withdrawn = this.withdraw(u.withdrawn);
    if (u.mpUnreach !== undefined) withdrawn += this.withdraw(u.mpUnreach.nlri);
    if (treatAsWithdraw) {
      withdrawn += this.withdraw(u.nlri);
      if (u.mpReach !== undefined) withdrawn += this.withdraw(u.mpReach.nlri);
      return { announced: 0, withdrawn };
    }
    let announced = 0;
    if (u.nlri.count > 0 && u.attributes.nextHop !== undefined) {
      const nh = this.rib.nextHopText4(u.attributes.nextHop);
      const raw = u.rawAttributes;
      const set = this.fourOctetAs !== undefined && raw.length > 0 && u.mpReach === undefined && u.mpUnreach === undefined
        ? this.rib.interner.internRaw(raw, this.fourOctetAs, u.attributes, nh)
        : this.rib.interner.intern(u.attributes, nh);
      this.announce(u.nlri, set);
      announced += u.nlri.count;
    }
    const mp = u.mpReach;
    if (mp !== undefined && mp.nlri.count > 0 && (mp.afi === Afi.IPv4 || mp.afi === Afi.IPv6)) {
      const attrs: PathAttributes = u.attributes.nextHop === undefined ? u.attributes : { ...u.attributes, nextHop: undefined };
      this.announce(mp.nlri, this.rib.interner.intern(attrs, nextHopText(mp.nextHop)));
      announced += mp.nlri.count;
    }
    return { announced, withdrawn };
  }

  /** Drop every received route (session down without graceful restart). */
  clear(): void {
    this.rib.v4.clearIn(this.peer.index);
    this.rib.v6.clearIn(this.peer.index);
    this.stale4.clear();
    this.stale6.clear();
  }

  // --- graceful restart, receiving speaker (RFC 4724 §4.2) ----------------------------------------------------

  private marksOf(afi: number): StaleMarks | undefined {
    return afi === Afi.IPv4 ? this.stale4 : afi === Afi.IPv6 ? this.stale6 : undefined;
  }

  /** Stale routes of a family, or of both when `afi` is omitted. */
  staleCount(afi?: number): number {
    return afi === undefined ? this.stale4.size + this.stale6.size : this.marksOf(afi)?.size ?? 0;
  }

  isStale(afi: number, slot: number): boolean {
    const m = this.marksOf(afi);
    return m !== undefined && m.size !== 0 && m.has(slot);
  }

  /** Mark every route of the family stale (they stay in the Adj-RIB-In and the Loc-RIB); returns how many. */
  markStale(afi: number): number {
    const fam = this.rib.family(afi);
    const m = this.marksOf(afi);
    if (fam === undefined || m === undefined) return 0;
    fam.ribIn(this.peer.index)?.forEach((_id, slot) => m.mark(slot));
    return m.size;
  }

  /** Remove every route of the family still marked stale (call `Rib.process()` after); returns how many. */
  sweepStale(afi: number): number {
    const fam = this.rib.family(afi);
    const m = this.marksOf(afi);
    if (fam === undefined || m === undefined || m.size === 0) return 0;
    const i = this.peer.index;
    const n = m.size;
    m.forEach((slot) => fam.storeIn(i, slot, undefined, InputReject.None));
    m.clear();
    return n;
  }

  /** Remove every route of one family at once (not kept across the peer's restart). */
  clearFamily(afi: number): void {
    this.rib.family(afi)?.clearIn(this.peer.index);
    this.marksOf(afi)?.clear();
  }

  /**
   * Session down with the peer restarting gracefully (RFC 4724 §4.2): drop the Adj-RIB-Out; keep the routes of
   * the families in `keep` (AFI values), marked stale; remove the others. Call `Rib.process()` after.
   */
  downGraceful(keep: readonly number[]): void {
    this.fourOctetAs = undefined;
    this.rib.v4.stopOut(this.peer.index);
    this.rib.v6.stopOut(this.peer.index);
    for (const afi of [Afi.IPv4, Afi.IPv6]) {
      if (keep.includes(afi)) this.markStale(afi);
      else this.clearFamily(afi);
    }
  }

  /** Every received prefix as text with its attribute set (display, tests; allocates). */
  *entries(): IterableIterator<[string, AttrSet]> {
    for (const fam of [this.rib.v4, this.rib.v6]) {
      const rows: [string, AttrSet][] = [];
      fam.ribIn(this.peer.index)?.forEach((id, slot) => rows.push([fam.table.text(slot), fam.setOf(id)!]));
      yield* rows;
    }
  }

  /**
   * Session Established: remember the peer's BGP Identifier and start the Adj-RIB-Out of each negotiated
   * family (`afis`: Afi values). Take the initial table with `takeUpdates`, then send `endOfRib` per family.
   * `fourOctetAs` (RFC 6793, negotiated) lets received attribute sets be interned by their bytes.
   */
  established(routerId: number, afis: readonly number[], fourOctetAs?: boolean): void {
    if (this.peer.routerId !== routerId >>> 0) {
      this.peer.routerId = routerId >>> 0;
      this.rib.invalidateExports(); // ORIGINATOR_ID of reflected routes comes from it
    }
    this.fourOctetAs = fourOctetAs;
    for (const afi of afis) this.rib.family(afi)?.startOut(this.peer.index);
  }

  /** Session down: drop the Adj-RIB-Out and the received routes (call `Rib.process()` after). */
  down(): void {
    this.fourOctetAs = undefined;
    this.rib.v4.stopOut(this.peer.index);
    this.rib.v6.stopOut(this.peer.index);
    this.clear();
  }

  /** Queued Adj-RIB-Out changes, both families. */
  get outPending(): number {
    return this.rib.v4.outPending(this.peer.index) + this.rib.v6.outPending(this.peer.index);
  }

  /** The queued Adj-RIB-Out changes as UPDATE messages (withdrawals, then announcements per attribute set). */
  takeUpdates(ctx: CodecContext): Uint8Array[] {
    const sink = new MessageSink(4096);
    packAdjRibOut(this.rib.v4, this.peer.index, ctx, sink);
    packAdjRibOut(this.rib.v6, this.peer.index, ctx, sink);
    return sink.views();
  }

  /**
   * The same as `takeUpdates`, as one buffer of whole messages for the socket (no object per message) and
   * their count; `bytes` is empty when nothing was queued.
   */
  takeUpdateBytes(ctx: CodecContext): { bytes: Uint8Array; messages: number } {
    const sink = this.rib.sink;
    packAdjRibOut(this.rib.v4, this.peer.index, ctx, sink);
    packAdjRibOut(this.rib.v6, this.peer.index, ctx, sink);
    const messages = sink.messages;
    return { bytes: sink.take(), messages };
  }

  /** ROUTE-REFRESH (RFC 2918 §4, RFC 7313 §4): queue the whole Adj-RIB-Out of `afi` again. */
  refresh(afi: number): void {
    this.rib.family(afi)?.resend(this.peer.index);
  }

  /** End-of-RIB for a family (RFC 4724 §2). */
  endOfRib(afi: number, ctx: CodecContext): Uint8Array {
    return endOfRibMessage(afi, ctx);
  }
}

/**
 * The IPv4 prefix of length `l` whose octets start at `b[p]`, host bits cleared, as an int32 (a Smi: no
 * heap number per prefix). The NLRI was validated by the codec (RFC 7606 §5.3). This walks NLRI here rather
 * than through `forEachIPv4` because a visitor shared by many callers is not inlined, and every address
 * above 2^31 it passes on becomes a heap allocation.
 */
function ipv4At(b: Uint8Array, p: number, l: number): number {
  if (l === 0) return 0;
  let a = b[p]! << 24;
  if (l > 8) a |= b[p + 1]! << 16;
  if (l > 16) a |= b[p + 2]! << 8;
  if (l > 24) a |= b[p + 3]!;
  return a & (-1 << (32 - l));
}

function bytesToWords(a: Uint8Array): void {
  for (let k = 0; k < 4; k++) words6[k] = ((a[k * 4]! << 24) | (a[k * 4 + 1]! << 16) | (a[k * 4 + 2]! << 8) | a[k * 4 + 3]!) >>> 0;
}
