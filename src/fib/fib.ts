/**
 * KernelFib: installs the RIB's best routes into one Linux routing table over rtnetlink.
 *
 * Ownership: every route we write carries our rtnetlink protocol number (rtm_protocol, default
 * RTPROT_TSBGPD = 200), and every delete names it, so the kernel itself refuses to remove a route of
 * another protocol. A prefix we do not own yet is created with NLM_F_EXCL, so a route another daemon or
 * the administrator put at the same prefix and metric is never replaced: that prefix gets an
 * ERR_FIB_EXISTS error value instead. Only prefixes we own are updated with NLM_F_REPLACE.
 *
 * Requests are batched (many per sendto; acks matched by sequence number). Calls to replace()/remove()
 * made in the same tick of the event loop go out as one batch. A route the kernel refuses is reported
 * as a value; it never throws and never stops the rest of the batch.
 */
import { encodeRouteDump, encodeRouteMessage, decodeRoute, routeMessageLength, NLM_F_ACK, NLM_F_CREATE,
  NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST, RTM_DELROUTE, RTM_NEWROUTE, RTN_UNICAST,
  RT_TABLE_MAIN, type DecodedRoute, type RouteSpec } from './netlink.js';
import { NetlinkSocket, NO_REPLY, type Batch, type SocketStats } from './socket.js';
import { formatAddress, formatPrefix, parsePrefix } from './prefix.js';
import { dumpedMatches, parseRoute, routeFromDumped, type FibRoute, type NextHop } from './route.js';
import { errnoName } from './errno.js';

/**
 * tsbgpd's rtnetlink protocol number. 200 is in none of /etc/iproute2/rt_protos (Debian), FRR's
 * rt_protos.d (186-198), linux/rtnetlink.h's RTPROT_* list, BIRD (12), zebra (11) nor Calico Felix (80).
 */
export const RTPROT_TSBGPD = 200;
/** Default route metric (RTA_PRIORITY), the one BIRD's kernel protocol uses, so calico/node looks alike. */
export const DEFAULT_METRIC = 32;

export interface KernelFibOptions {
  /** Routing table id, 1..2^32-1 (tables > 255 go as RTA_TABLE). Default 254 (main). */
  readonly table?: number;
  /** rtnetlink protocol stamped on and matched by every request. Default RTPROT_TSBGPD. */
  readonly protocol?: number;
  /** RTA_PRIORITY of our routes. Default 32. */
  readonly metric?: number;
  /** Network namespace path (/run/netns/x); default the process's own. */
  readonly netns?: string;
  /** Bytes of requests per sendto (default 64 KiB). */
  readonly maxSendBytes?: number;
  /** Socket receive buffer; must hold the acks of one send (default 8 MiB, SO_RCVBUFFORCE). */
  readonly rcvbuf?: number;
}

export type FibErrorCode =
  | 'ERR_FIB_BAD_ROUTE' // prefix or next hop did not parse
  | 'ERR_FIB_EXISTS' // a route we do not own holds this prefix and metric
  | 'ERR_FIB_REFUSED' // the kernel refused the request (errno says why)
  | 'ERR_FIB_NO_REPLY'; // no ack came (kernel dropped it): state unknown until the next reconcile

export interface FibRouteError {
  readonly prefix: string;
  readonly op: 'replace' | 'remove';
  readonly code: FibErrorCode;
  /** errno name ('ENETUNREACH') when the kernel refused; '' otherwise. */
  readonly errno: string;
  readonly message: string;
}

export type FibChange =
  | { readonly op: 'replace'; readonly prefix: string; readonly nexthops: readonly NextHop[] }
  | { readonly op: 'remove'; readonly prefix: string };

export interface FibResult {
  /** Route requests the kernel accepted. */
  readonly applied: number;
  readonly errors: readonly FibRouteError[];
}

export interface ReconcileResult extends FibResult {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
}

export type RouteOutcome = { readonly ok: true } | { readonly ok: false; readonly error: FibRouteError };

export interface FibStats extends SocketStats {
  /** RTM_NEWROUTE / RTM_DELROUTE requests sent. */
  routeRequests: number;
}

/** Route requests encoded and sent per group; plan() yields to the event loop as often. */
const OPS_PER_GROUP = 2048;
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One planned request. `route` for a replace; for a remove, the key and the metric to match. */
type Op =
  | { readonly kind: 'new' | 'replace'; readonly route: FibRoute }
  | { readonly kind: 'delete'; readonly key: string; readonly spec: RouteSpec; readonly forget: boolean };

export class KernelFib {
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
  private readonly sock: NetlinkSocket;
  /** Routes of ours in the kernel, as far as acks tell. */
  private readonly installed = new Map<string, FibRoute>();
  private pending: { change: FibChange; resolve: (o: RouteOutcome) => void }[] = [];
  private flushScheduled = false;
  private routeRequests = 0;
  /** Set when acks went missing; the next sync() re-reads the kernel first. */
  private uncertain = false;
  /** apply/sync/reconcile/stop run one at a time: each plans from `installed` as the last one left it. */
  private chain: Promise<unknown> = Promise.resolve();

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private constructor(opts: KernelFibOptions) {
    this.table = opts.table ?? RT_TABLE_MAIN;
    this.protocol = opts.protocol ?? RTPROT_TSBGPD;
    this.metric = opts.metric ?? DEFAULT_METRIC;
    if (!Number.isInteger(this.table) || this.table < 1 || this.table > 0xffffffff) throw new RangeError('table');
    if (!Number.isInteger(this.protocol) || this.protocol < 5 || this.protocol > 255) {
      // 0..4 are the kernel's own (unspec, redirect, kernel, boot, static): never ours.
      throw new RangeError('protocol must be 5..255');
    }
    if (!Number.isInteger(this.metric) || this.metric < 0 || this.metric > 0xffffffff) throw new RangeError('metric');
    this.sock = new NetlinkSocket({
      ...(opts.netns !== undefined ? { netns: opts.netns } : {}),
      ...(opts.maxSendBytes !== undefined ? { maxSendBytes: opts.maxSendBytes } : {}),
      ...(opts.rcvbuf !== undefined ? { rcvbuf: opts.rcvbuf } : {}),
    });
  }

  /** Open the rtnetlink socket. Does not touch the table: call reconcile() with what the RIB wants. */
  static open(opts: KernelFibOptions = {}): KernelFib {
    return new KernelFib(opts);
  }

  get stats(): Readonly<FibStats> {
    return { ...this.sock.stats, routeRequests: this.routeRequests };
  }

  /** Our routes as acks left them: prefix → next hops. */
  routes(): ReadonlyMap<string, readonly NextHop[]> {
    const m = new Map<string, readonly NextHop[]>();
    for (const [k, r] of this.installed) m.set(k, r.nexthops);
    return m;
  }

  /** Install or update one route (ECMP: several next hops). Coalesced with the other calls of this tick. */
  replace(prefix: string, nexthops: readonly NextHop[]): Promise<RouteOutcome> {
    return this.enqueue({ op: 'replace', prefix, nexthops });
  }

  /** Remove our route for a prefix (no-op if we have none). Coalesced like replace(). */
  remove(prefix: string): Promise<RouteOutcome> {
    return this.enqueue({ op: 'remove', prefix });
  }

  private enqueue(change: FibChange): Promise<RouteOutcome> {
    return new Promise((resolve) => {
      this.pending.push({ change, resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const items = this.pending;
    this.pending = [];
    try {
      const res = await this.apply(items.map((i) => i.change));
      const byKey = new Map<string, FibRouteError>();
      for (const e of res.errors) byKey.set(`${e.op} ${e.prefix}`, e);
      for (const it of items) {
        const e = byKey.get(`${it.change.op} ${it.change.prefix}`);
        it.resolve(e === undefined ? { ok: true } : { ok: false, error: e });
      }
    } catch (err) {
      for (const it of items) {
        it.resolve({
          ok: false,
          error: { prefix: it.change.prefix, op: it.change.op, code: 'ERR_FIB_NO_REPLY', errno: '', message: String(err) },
        });
      }
    }
  }

  /** Apply a list of changes in one batch (later changes to the same prefix win). */
  apply(changes: readonly FibChange[]): Promise<FibResult> {
    return this.serial(() => this.applyNow(changes));
  }

  private async applyNow(changes: readonly FibChange[]): Promise<FibResult> {
    const errors: FibRouteError[] = [];
    const last = new Map<string, FibChange>();
    for (const c of changes) last.set(c.prefix, c);
    const ops: Op[] = [];
    for (const c of last.values()) {
      if (c.op === 'replace') {
        const p = parseRoute(c.prefix, c.nexthops);
        if (!p.ok) {
          errors.push({ prefix: c.prefix, op: 'replace', code: 'ERR_FIB_BAD_ROUTE', errno: '', message: p.reason });
          continue;
        }
        const have = this.installed.get(p.route.key);
        if (have !== undefined && have.nhKey === p.route.nhKey) continue; // already so
        ops.push({ kind: have === undefined ? 'new' : 'replace', route: p.route });
      } else {
        const p = parsePrefix(c.prefix);
        if (!p.ok) {
          const message = `prefix ${c.prefix}: ${p.reason}`;
          errors.push({ prefix: c.prefix, op: 'remove', code: 'ERR_FIB_BAD_ROUTE', errno: '', message });
          continue;
        }
        const { family, addr, len } = p.prefix;
        const key = formatPrefix(p.prefix);
        if (!this.installed.has(key) && !this.uncertain) continue; // not ours
        ops.push({ kind: 'delete', key, spec: this.deleteSpec(family, addr, len, this.metric), forget: true });
      }
    }
    const applied = await this.run(ops, errors);
    return { applied, errors };
  }

  /**
   * Make our routes in the table exactly `desired` (prefix → next hops), from what we believe is
   * installed; only differences are sent. After lost acks, re-reads the kernel first.
   */
  sync(desired: Iterable<readonly [string, readonly NextHop[]]>): Promise<ReconcileResult> {
    return this.serial(() => (this.uncertain ? this.reconcileNow(desired) : this.plan(desired, new Map(), [])));
  }

  /**
   * Read our protocol's routes in the table from the kernel (e.g. left by a previous run that stopped
   * with keep), then apply only the difference to `desired`: no flush, no re-add of what is right.
   */
  reconcile(desired: Iterable<readonly [string, readonly NextHop[]]>): Promise<ReconcileResult> {
    return this.serial(() => this.reconcileNow(desired));
  }

  private async reconcileNow(desired: Iterable<readonly [string, readonly NextHop[]]>): Promise<ReconcileResult> {
    const { routes, strays } = await this.readKernel();
    this.installed.clear();
    this.uncertain = false;
    const dumped = new Map<string, DecodedRoute>();
    for (const [k, r] of routes) {
      const parsed = routeFromDumped(r);
      if (parsed !== undefined) {
        this.installed.set(k, parsed);
        dumped.set(k, r);
      } else {
        strays.push(r); // ours but not a gateway route: not something we would have written
      }
    }
    return this.plan(desired, dumped, strays);
  }

  private async plan(
    desired: Iterable<readonly [string, readonly NextHop[]]>,
    dumped: ReadonlyMap<string, DecodedRoute>,
    strays: readonly DecodedRoute[],
  ): Promise<ReconcileResult> {
    const errors: FibRouteError[] = [];
    const ops: Op[] = [];
    const wanted = new Set<string>();
    let added = 0;
    let changed = 0;
    let unchanged = 0;
    let seen = 0;
    for (const [prefix, nhs] of desired) {
      if (++seen % OPS_PER_GROUP === 0) await yieldToLoop();
      const p = parseRoute(prefix, nhs);
      if (!p.ok) {
        errors.push({ prefix, op: 'replace', code: 'ERR_FIB_BAD_ROUTE', errno: '', message: p.reason });
        continue;
      }
      wanted.add(p.route.key);
      const have = this.installed.get(p.route.key);
      const got = dumped.get(p.route.key);
      const same = got !== undefined ? dumpedMatches(p.route, got) : have !== undefined && have.nhKey === p.route.nhKey;
      if (same) {
        unchanged++;
        if (have !== undefined && got !== undefined) this.installed.set(p.route.key, p.route);
        continue;
      }
      if (have === undefined && got === undefined) added++;
      else changed++;
      ops.push({ kind: have === undefined && got === undefined ? 'new' : 'replace', route: p.route });
    }
    let removed = 0;
    for (const [key, r] of this.installed) {
      if (wanted.has(key)) continue;
      removed++;
      ops.push({ kind: 'delete', key, spec: this.deleteSpec(r.prefix.family, r.prefix.addr, r.prefix.len, this.metric), forget: true });
    }
    // Ours at another metric (an earlier configuration): always removed.
    for (const s of strays) {
      removed++;
      const key = `${formatAddress(s.dst)}/${s.dstLen}`;
      ops.push({ kind: 'delete', key, spec: this.deleteSpec(s.family, s.dst, s.dstLen, s.priority ?? 0), forget: false });
    }
    const applied = await this.run(ops, errors);
    return { applied, errors, added, changed, removed, unchanged };
  }

  /**
   * Graceful restart keeps our routes in the kernel (keep: true) for the next run's reconcile();
   * otherwise every route of our protocol in the table is removed, including ones we did not know of.
   */
  stop(opts: { readonly keep: boolean }): Promise<FibResult> {
    return this.serial(() => this.stopNow(opts));
  }

  private async stopNow(opts: { readonly keep: boolean }): Promise<FibResult> {
    if (this.sock.closed) return { applied: 0, errors: [] }; // stopped already
    let res: FibResult = { applied: 0, errors: [] };
    if (!opts.keep) {
      const a = await this.reconcileNow([]);
      // A second pass catches routes added while the first ran; it is a dump and nothing more if none were.
      const b = await this.reconcileNow([]);
      res = { applied: a.applied + b.applied, errors: [...a.errors, ...b.errors] };
    }
    this.sock.close();
    return res;
  }

  /** Our protocol's routes in our table, both families: at our metric by prefix, others as strays. */
  private async readKernel(): Promise<{ routes: Map<string, DecodedRoute>; strays: DecodedRoute[] }> {
    const routes = new Map<string, DecodedRoute>();
    const strays: DecodedRoute[] = [];
    for (const family of [4, 6] as const) {
      const got: DecodedRoute[] = [];
      await this.sock.dump(
        (seq) => encodeRouteDump(family, this.table, this.protocol, seq),
        (buf, view, m) => {
          if (m.type !== RTM_NEWROUTE) return;
          const r = decodeRoute(buf, view, m);
          if (r === undefined || r.table !== this.table || r.protocol !== this.protocol) return;
          if (r.type !== RTN_UNICAST) return;
          got.push(r);
        },
        () => (got.length = 0),
      );
      for (const r of got) {
        const key = `${formatAddress(r.dst)}/${r.dstLen}`;
        const metric = r.priority ?? 0;
        if (metric === this.metric && !routes.has(key)) routes.set(key, r);
        else strays.push(r);
      }
    }
    return { routes, strays };
  }

  private deleteSpec(family: 4 | 6, dst: Uint8Array, dstLen: number, metric: number): RouteSpec {
    return { family, dst, dstLen, table: this.table, protocol: this.protocol, priority: metric, nexthops: [] };
  }

  private routeSpec(r: FibRoute): RouteSpec {
    return {
      family: r.prefix.family,
      dst: r.prefix.addr,
      dstLen: r.prefix.len,
      table: this.table,
      protocol: this.protocol,
      priority: this.metric,
      nexthops: r.specs,
    };
  }

  /** Encode the ops as one batch, send, and fold each ack into `installed` and `errors`. */
  private async run(ops: readonly Op[], errors: FibRouteError[]): Promise<number> {
    // Groups keep each synchronous stretch (encode, fold acks) near a millisecond.
    let applied = 0;
    for (let g = 0; g < ops.length; g += OPS_PER_GROUP) {
      applied += await this.runGroup(ops.slice(g, g + OPS_PER_GROUP), errors);
    }
    return applied;
  }

  private async runGroup(ops: readonly Op[], errors: FibRouteError[]): Promise<number> {
    const specs = ops.map((o) => (o.kind === 'delete' ? o.spec : this.routeSpec(o.route)));
    let total = 0;
    for (const s of specs) total += routeMessageLength(s);
    const buf = new Uint8Array(total);
    const view = new DataView(buf.buffer);
    const ends: number[] = new Array<number>(ops.length);
    const firstSeq = this.sock.reserveSeq(ops.length);
    let at = 0;
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i] as Op;
      const flags =
        NLM_F_REQUEST | NLM_F_ACK |
        (o.kind === 'new' ? NLM_F_CREATE | NLM_F_EXCL : o.kind === 'replace' ? NLM_F_CREATE | NLM_F_REPLACE : 0);
      at += encodeRouteMessage(buf, view, at, o.kind === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE, flags, firstSeq + i, specs[i] as RouteSpec);
      ends[i] = at;
    }
    const batch: Batch = { buf, length: total, ends, firstSeq };
    this.routeRequests += ops.length;
    const out = await this.sock.transact(batch);
    let applied = 0;
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i] as Op;
      const e = out.errno[i] as number;
      const key = o.kind === 'delete' ? o.key : o.route.key;
      const op = o.kind === 'delete' ? 'remove' : 'replace';
      if (e === 0 || (o.kind === 'delete' && e === 3 /* ESRCH: already gone */)) {
        applied++;
        if (o.kind === 'delete') {
          if (o.forget) this.installed.delete(key);
        } else this.installed.set(key, o.route);
        continue;
      }
      if (e === NO_REPLY) {
        this.uncertain = true;
        errors.push({ prefix: key, op, code: 'ERR_FIB_NO_REPLY', errno: '', message: 'no acknowledgement from the kernel' });
        continue;
      }
      const name = errnoName(e);
      const words = out.messages.get(i);
      if (o.kind === 'new' && e === 17 /* EEXIST */) {
        errors.push({ prefix: key, op, code: 'ERR_FIB_EXISTS', errno: name, message: `another route holds ${key} at metric ${this.metric}; left alone` });
        continue;
      }
      errors.push({ prefix: key, op, code: 'ERR_FIB_REFUSED', errno: name, message: `kernel refused: ${name}${words !== undefined ? ` (${words})` : ''}` });
    }
    return applied;
  }
}
