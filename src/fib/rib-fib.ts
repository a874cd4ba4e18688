/**
 * RibFib: the kernel FIB kept equal to the RIB's Loc-RIB, with state per prefix slot instead of per prefix
 * string. What we installed for a slot is one int (`installed`: a next-hop set id; 0 nothing; -1 ours with
 * next hops we did not write), next-hop sets are interned and encoded once (nexthop-sets.ts), and requests
 * are written straight from the RIB's packed prefix (table.addrs/lens) into one reusable batch buffer
 * (requests.ts). No string, object or promise per route on the way to the kernel.
 *
 * Same guarantees as KernelFib (fib.ts): every request carries our rtm_protocol and deletes name it; a prefix
 * we do not own yet is created with NLM_F_EXCL (a foreign route at the same prefix and metric is reported as
 * ERR_FIB_EXISTS and left alone); reconcile() reads our routes back and sends only the difference.
 *
 * Pipelining (`follow`): Loc-RIB changes are drained whenever the previous batch is acknowledged, so routes
 * reach the kernel while UPDATEs still arrive. One batch is in flight at a time; the kernel works through it
 * on the threadpool while the event loop decides the next UPDATEs.
 */
import type { FamilyRib } from '../rib/family-rib.js';
import { IntColumn } from '../rib/column.js';
import { RouteScan } from './route-scan.js';
import { encodeRouteDump, RTM_NEWROUTE, RTN_UNICAST, RT_TABLE_MAIN, NLMSG_HDRLEN, RTMSG_LEN } from './netlink.js';
import { NetlinkSocket, NO_REPLY, type SocketStats } from './socket.js';
import { NextHopSets, NO_SET, UNKNOWN_SET } from './nexthop-sets.js';
import { RequestBuffer, ReqKind } from './requests.js';
import { formatAddress } from './prefix.js';
import { errnoName } from './errno.js';
import { DEFAULT_METRIC, RTPROT_TSBGPD, type FibRouteError, type KernelFibOptions } from './fib.js';

/**
 * A batch is everything queued, up to BATCH_BYTES (~280 k IPv4 routes), sent as slices of SLICE_BYTES, one
 * sendto each, all handed to the threadpool at once: the kernel works through them (~3 µs a route) while the
 * event loop goes on deciding UPDATEs. A batch's end is seen one event-loop turn later, and a turn can hold
 * megabytes of UPDATEs, so each batch takes all that accumulated meanwhile rather than a fixed few thousand.
 */
const SLICE_BYTES = 8 << 20;
const BATCH_BYTES = 2 * SLICE_BYTES;
/** SO_SNDBUF(FORCE): one sendto may carry up to sk_sndbuf (the kernel doubles the value set). */
const SNDBUF = SLICE_BYTES;
/** Route errors kept per result (the count is exact; each error is an object, so a storm is capped). */
const MAX_ERRORS = 1000;

export interface RibFibResult {
  /** Requests the kernel accepted. */
  readonly applied: number;
  /** Requests refused or unanswered (errors holds the first MAX_ERRORS of them). */
  readonly failed: number;
  readonly errors: readonly FibRouteError[];
}

export interface RibFibReconcile extends RibFibResult {
  /** Requests sent (accepted or not) to add, change and remove routes. */
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
  /** Of those, the ones the kernel accepted (a re-sync reports these; refused ones are in `errors`). */
  readonly done: { readonly added: number; readonly changed: number; readonly removed: number };
}

/** Outcomes gathered over the batches of one operation; `done` counts accepted requests by ReqKind. */
interface Acc {
  applied: number;
  failed: number;
  errors: FibRouteError[];
  readonly done: Int32Array;
}

const newAcc = (): Acc => ({ applied: 0, failed: 0, errors: [], done: new Int32Array(4) });

interface FamilyState {
  readonly family: 4 | 6;
  readonly rib: FamilyRib;
  /** Per slot: the next-hop set id our route there has, 0 none, -1 ours but not as we would write it. */
  readonly installed: IntColumn;
  /** Slots with an installed route. */
  count: number;
  /** Changes drained from the Loc-RIB, waiting for a batch: [slot, len, words…]; slot < 0 = ~slot removed. */
  pend: Uint32Array;
  pendLen: number;
}

/** Prefixes of ours the kernel has that no slot wants: [family, len, priority, w0..w3] per route. */
const STRAY_REC = 7;

export class RibFib {
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
  readonly sets = new NextHopSets();
  /** Called with the route errors of each batch `follow` sent (never for reconcile/stop: they return them). */
  onErrors: (errors: readonly FibRouteError[], failed: number) => void = () => undefined;
  private readonly sock: NetlinkSocket;
  private readonly fams: FamilyState[];
  /** fams by family number (4, 6). */
  private readonly byFamily: (FamilyState | undefined)[] = [];
  private readonly req = new RequestBuffer();
  private readonly scan = new RouteScan();
  private readonly texts: string[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private following = false;
  private pumping = false;
  /** Replies went missing: the next pump re-reads the kernel (reconcile) instead of trusting `installed`. */
  private uncertain = false;
  private routeRequests = 0;
  private strays = new Uint32Array(STRAY_REC * 64);
  private strayLen = 0;
  /** Operations queued on `chain` and not finished. */
  private outstanding = 0;

  private constructor(families: readonly FamilyRib[], opts: KernelFibOptions) {
    this.table = opts.table ?? RT_TABLE_MAIN;
    this.protocol = opts.protocol ?? RTPROT_TSBGPD;
    this.metric = opts.metric ?? DEFAULT_METRIC;
    if (!Number.isInteger(this.table) || this.table < 1 || this.table > 0xffffffff) throw new RangeError('table');
    if (!Number.isInteger(this.protocol) || this.protocol < 5 || this.protocol > 255) throw new RangeError('protocol must be 5..255');
    if (!Number.isInteger(this.metric) || this.metric < 0 || this.metric > 0xffffffff) throw new RangeError('metric');
    this.fams = families.map((rib) => ({ family: rib.v6 ? 6 : 4, rib, installed: new IntColumn(), count: 0, pend: new Uint32Array(1024), pendLen: 0 }));
    this.sock = new NetlinkSocket({
      ...(opts.netns !== undefined ? { netns: opts.netns } : {}),
      ...(opts.rcvbuf !== undefined ? { rcvbuf: opts.rcvbuf } : {}),
      sndbuf: SNDBUF,
    });
    for (const st of this.fams) this.byFamily[st.family] = st;
  }

  /** Open rtnetlink for these families of a RIB (their FamilyRib must track Loc-RIB changes). */
  static open(families: readonly FamilyRib[], opts: KernelFibOptions = {}): RibFib {
    return new RibFib(families, opts);
  }

  get stats(): Readonly<SocketStats & { routeRequests: number; installed: number; nextHopSets: number }> {
    return { ...this.sock.stats, routeRequests: this.routeRequests, installed: this.fams.reduce((n, f) => n + f.count, 0), nextHopSets: this.sets.size };
  }

  /** The next hops (canonical text) our route for `slot` of `rib` has, as acks tell; undefined when none. */
  installedAt(rib: FamilyRib, slot: number): string | undefined {
    const st = this.fams.find((f) => f.rib === rib);
    const id = st === undefined ? 0 : st.installed.get(slot);
    return id === NO_SET ? undefined : id === UNKNOWN_SET ? '?' : this.sets.key(id);
  }

  /** Resolves when every batch started so far (follow, reconcile, stop) is done. */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /**
   * A batch, reconcile or stop is queued or under way. A re-sync started now would wait behind it (and a
   * Loc-RIB burst keeps it busy), so KernelRoutes waits for a quiet moment instead.
   */
  get busy(): boolean {
    return this.outstanding > 0 || this.pumping;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    this.outstanding++;
    const run = this.chain.then(fn, fn).finally(() => void this.outstanding--);
    this.chain = run.catch(() => undefined);
    return run;
  }

  // --- reconcile -----------------------------------------------------------------------------------------------

  /**
   * Read our protocol's routes in the table, then make them the Loc-RIB's best routes (learned ones; this
   * node's own are not installed): only the difference is sent, routes already right are not touched.
   * Loc-RIB changes queued so far are dropped (the walk reads the Loc-RIB itself); after it, `follow()`
   * sends every change as it comes.
   */
  reconcile(): Promise<RibFibReconcile> {
    return this.serial(async () => {
      const r = await this.reconcileNow(false);
      this.following = true;
      return r;
    });
  }

  private async reconcileNow(wantNone: boolean): Promise<RibFibReconcile> {
    this.uncertain = false;
    for (const st of this.fams) {
      st.rib.drainLocChanges(() => undefined);
      st.pendLen = 0;
      st.installed.clear();
      st.count = 0;
    }
    this.strayLen = 0;
    const acc = newAcc();
    let removed = 0;
    for (const family of [4, 6] as const) {
      const st = this.byFamily[family];
      await this.sock.dump(
        (seq) => encodeRouteDump(family, this.table, this.protocol, seq),
        (buf, view, m) => {
          if (m.type === RTM_NEWROUTE) this.readDumped(st, wantNone, buf, view, m.offset, m.length);
        },
        () => {
          // Interrupted by a change: start the family over.
          if (st !== undefined) {
            st.installed.clear();
            st.count = 0;
          }
          this.strayLen = 0;
        },
      );
      // Ours that nothing wants (or at another metric, or not a gateway route): removed.
      for (let i = 0; i < this.strayLen; i += STRAY_REC) {
        const s = this.strays;
        this.req.add(ReqKind.Delete, s[i] as 4 | 6, s, i + 3, s[i + 1]!, this.table, this.protocol, s[i + 2]!, null, -1, 0);
        removed++;
        if (this.req.bytes >= BATCH_BYTES - 512) await this.send(acc);
      }
      this.strayLen = 0;
    }
    let added = 0;
    let changed = 0;
    let unchanged = 0;
    for (const st of this.fams) {
      const t = st.rib.table;
      const w = t.words;
      for (let slot = 0; slot < t.slotLimit; slot++) {
        const have = st.installed.get(slot);
        const want = wantNone ? NO_SET : this.wanted(st, slot);
        if (want === have) {
          if (have !== NO_SET) unchanged++;
          continue;
        }
        if (want === NO_SET) {
          this.forget(st, slot);
          this.req.add(ReqKind.Delete, st.family, t.addrs, slot * w, t.lens[slot]!, this.table, this.protocol, this.metric, null, slot, 0);
          removed++;
        } else if (!this.addRoute(st, slot, want, have, acc)) {
          continue;
        } else if (have === NO_SET) added++;
        else changed++;
        if (this.req.bytes >= BATCH_BYTES - 512) await this.send(acc);
      }
    }
    await this.send(acc);
    const { applied, failed, errors, done } = acc;
    return {
      applied, failed, errors, added, changed, removed, unchanged,
      done: { added: done[ReqKind.New]!, changed: done[ReqKind.Replace]!, removed: done[ReqKind.Delete]! },
    };
  }

  /** One dumped route: note it against its slot, or queue its removal. */
  private readDumped(st: FamilyState | undefined, wantNone: boolean, buf: Uint8Array, view: DataView, offset: number, length: number): void {
    const sc = this.scan;
    if (!sc.read(buf, view, offset, length)) return;
    if (sc.table !== this.table || sc.protocol !== this.protocol || sc.type !== RTN_UNICAST) return;
    let slot = -1;
    if (st !== undefined && sc.priority === this.metric && !wantNone) {
      const t = st.rib.table;
      slot = st.family === 4 ? t.find4(sc.dst[0]!, sc.dstLen) : t.find6(sc.dst, 0, sc.dstLen);
      if (slot >= 0 && (st.installed.get(slot) !== NO_SET || this.wanted(st, slot) === NO_SET)) slot = -1;
    }
    if (slot >= 0) {
      const id = this.sets.fromScan(sc, buf, view);
      st!.installed.set(slot, id);
      st!.count++;
      return;
    }
    if (this.strayLen + STRAY_REC > this.strays.length) {
      const g = new Uint32Array(this.strays.length * 2);
      g.set(this.strays);
      this.strays = g;
    }
    const s = this.strays;
    const i = this.strayLen;
    s[i] = sc.family;
    s[i + 1] = sc.dstLen;
    s[i + 2] = sc.priority < 0 ? 0 : sc.priority;
    for (let k = 0; k < 4; k++) s[i + 3 + k] = sc.dst[k]!;
    this.strayLen += STRAY_REC;
  }

  /** The next-hop set the Loc-RIB wants for `slot`: 0 when no learned best route; -1 when it cannot be written. */
  private wanted(st: FamilyState, slot: number): number {
    const rib = st.rib;
    if (rib.locSet.get(slot) === 0) return NO_SET;
    if (rib.peers[rib.locPeer.get(slot) - 1]?.local !== false) return NO_SET; // this node's own: not installed
    const n = rib.nextHopsInto(slot, this.texts);
    const id = this.sets.fromTexts(this.texts, n);
    if (id > 0 && this.sets.attrs(id, st.family) === null) return UNKNOWN_SET; // IPv6 via an IPv4 gateway
    return id;
  }

  /** Queue a New/Replace for `slot`; false (an error noted) when the wanted next hops cannot be written. */
  private addRoute(st: FamilyState, slot: number, want: number, have: number, acc: Acc): boolean {
    const t = st.rib.table;
    if (want === UNKNOWN_SET) {
      acc.failed++;
      if (acc.errors.length < MAX_ERRORS) {
        const n = st.rib.nextHopsInto(slot, this.texts);
        acc.errors.push({ prefix: t.text(slot), op: 'replace', code: 'ERR_FIB_BAD_ROUTE', errno: '', message: `next hops ${this.texts.slice(0, n).join(',')} cannot be written for this prefix` });
      }
      return false;
    }
    // A prefix we hold nothing at goes with NLM_F_EXCL even when unsure: never replace another protocol's route.
    this.req.add(have === NO_SET ? ReqKind.New : ReqKind.Replace, st.family, t.addrs, slot * t.words, t.lens[slot]!, this.table, this.protocol, this.metric,
      this.sets.attrs(want, st.family), slot, want);
    return true;
  }

  private forget(st: FamilyState, slot: number): void {
    if (st.installed.get(slot) !== NO_SET) {
      st.installed.set(slot, NO_SET);
      st.count--;
    }
  }

  // --- follow --------------------------------------------------------------------------------------------------

  /**
   * Send the Loc-RIB's changes since the last call (call it after each RIB `process()`). When a batch is in
   * flight, this returns at once: that batch's end drains whatever accumulated meanwhile.
   */
  follow(): void {
    if (!this.following || this.pumping) return;
    this.pumping = true;
    void this.serial(() => this.pump()).catch((e: unknown) => {
      this.pumping = false;
      this.onErrors([{ prefix: '', op: 'replace', code: 'ERR_FIB_NO_REPLY', errno: '', message: `netlink: ${(e as Error).message}` }], 1);
    });
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (!this.following) break;
      if (this.uncertain) {
        const r = await this.reconcileNow(false);
        if (r.failed > 0) this.onErrors(r.errors, r.failed);
        if (this.uncertain) break; // still losing replies: the next follow() tries again, no tight loop
        continue;
      }
      let queued = 0;
      for (const st of this.fams) queued += this.drain(st);
      if (queued === 0) break;
      const acc = newAcc();
      for (const st of this.fams) {
        const t = st.rib.table;
        const w = t.words;
        const rec = 2 + w;
        for (let i = 0; i < st.pendLen; i += rec) {
          const p = st.pend;
          const s = p[i]! | 0;
          if (s < 0) {
            this.req.add(ReqKind.Delete, st.family, p, i + 2, p[i + 1]!, this.table, this.protocol, this.metric, null, ~s, 0);
          } else {
            const want = this.wanted(st, s);
            // Withdrawn since the drain: its removal is queued in the Loc-RIB and comes with the next one.
            if (want === NO_SET) continue;
            const have = st.installed.get(s);
            if (want === have) continue;
            this.addRoute(st, s, want, have, acc);
          }
          if (this.req.bytes >= BATCH_BYTES - 512) await this.send(acc);
        }
        st.pendLen = 0;
      }
      await this.send(acc);
      if (acc.failed > 0) this.onErrors(acc.errors, acc.failed);
    }
    this.pumping = false;
  }

  /** Take the Loc-RIB's queued changes of one family into its pending list; removals keep their prefix. */
  private drain(st: FamilyState): number {
    const t = st.rib.table;
    const w = t.words;
    const rec = 2 + w;
    let n = 0;
    st.rib.drainLocChanges((slot, best) => {
      const removal = best === undefined || st.rib.peers[st.rib.locPeer.get(slot) - 1]?.local !== false;
      if (removal) {
        if (st.installed.get(slot) === NO_SET && !this.uncertain) return; // nothing of ours there
        // The slot may be handed to another prefix once drained: the request keeps this one's address.
        this.forget(st, slot);
      }
      if (st.pendLen + rec > st.pend.length) {
        const g = new Uint32Array(st.pend.length * 2);
        g.set(st.pend);
        st.pend = g;
      }
      const p = st.pend;
      const i = st.pendLen;
      p[i] = removal ? ~slot >>> 0 : slot;
      p[i + 1] = t.lens[slot]!;
      if (removal) for (let k = 0; k < w; k++) p[i + 2 + k] = t.addrs[slot * w + k]!;
      st.pendLen += rec;
      n++;
    });
    return n;
  }

  // --- sending -------------------------------------------------------------------------------------------------

  /** Send the queued requests as one quiet batch and fold the outcomes into `installed` and `acc`. */
  private async send(acc: Acc): Promise<void> {
    const q = this.req;
    const n = q.count;
    if (n === 0) return;
    const firstSeq = this.sock.reserveSeq(n);
    q.seal(firstSeq);
    this.routeRequests += n;
    const words = new Map<number, string>();
    try {
      await this.sock.transactQuiet(q.buf, q.ends, n, firstSeq, q.out, words, SLICE_BYTES);
    } catch (e) {
      q.out.fill(NO_REPLY, 0, n);
      words.set(0, (e as Error).message);
    }
    for (let i = 0; i < n; i++) {
      const e = q.out[i]!;
      const kind = q.kinds[i]!;
      const slot = q.slots[i]!;
      const st = slot >= 0 ? this.byFamily[q.families[i]!] : undefined;
      if (e === 0 || (kind === ReqKind.Delete && e === 3 /* ESRCH: gone already */)) {
        acc.applied++;
        acc.done[kind]!++;
        if (kind !== ReqKind.Delete && st !== undefined) {
          if (st.installed.get(slot) === NO_SET) st.count++;
          st.installed.set(slot, q.sets[i]!);
        }
        continue;
      }
      acc.failed++;
      if (e === NO_REPLY) this.uncertain = true;
      if (acc.errors.length < MAX_ERRORS) acc.errors.push(this.describe(i, e, words.get(i)));
    }
    q.reset();
  }

  /** The error value of request i (prefix text read back from the request's own bytes). */
  private describe(i: number, e: number, words: string | undefined): FibRouteError {
    const q = this.req;
    const at = q.start(i);
    const family = q.families[i] as 4 | 6;
    const dstAt = at + NLMSG_HDRLEN + RTMSG_LEN + 4;
    const prefix = `${formatAddress(q.buf, dstAt, family === 4 ? 4 : 16)}/${q.buf[at + NLMSG_HDRLEN + 1]}`;
    const kind = q.kinds[i]!;
    const op = kind === ReqKind.Delete ? 'remove' : 'replace';
    if (e === NO_REPLY) return { prefix, op, code: 'ERR_FIB_NO_REPLY', errno: '', message: `no acknowledgement from the kernel${words !== undefined ? ` (${words})` : ''}` };
    const name = errnoName(e);
    if (kind === ReqKind.New && e === 17 /* EEXIST */) {
      return { prefix, op, code: 'ERR_FIB_EXISTS', errno: name, message: `another route holds ${prefix} at metric ${this.metric}; left alone` };
    }
    return { prefix, op, code: 'ERR_FIB_REFUSED', errno: name, message: `kernel refused: ${name}${words !== undefined ? ` (${words})` : ''}` };
  }

  // --- stop ----------------------------------------------------------------------------------------------------

  /**
   * Stop following. `keep: true` (graceful restart) leaves our routes for the next run's reconcile;
   * otherwise every route of our protocol in the table goes, including ones we did not know of.
   */
  stop(opts: { readonly keep: boolean }): Promise<RibFibResult> {
    this.following = false;
    return this.serial(async () => {
      if (this.sock.closed) return { applied: 0, failed: 0, errors: [] };
      let res: RibFibResult = { applied: 0, failed: 0, errors: [] };
      if (!opts.keep) {
        const a = await this.reconcileNow(true);
        // A second pass catches routes added while the first ran; a dump and nothing more if none were.
        const b = await this.reconcileNow(true);
        res = { applied: a.applied + b.applied, failed: a.failed + b.failed, errors: [...a.errors, ...b.errors] };
      }
      this.sock.close();
      return res;
    });
  }
}
