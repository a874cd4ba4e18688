// The daemon's kernel routes: best routes learned from peers go into the kernel (tsbgpd.io/kernel-routes, table
// tsbgpd.io/kernel-table) under rtnetlink protocol RTPROT_TSBGPD, multipath for the ECMP set; routes of other
// protocols are never touched. At start it waits for the sessions to deliver their tables, then reconciles: what
// the last run left in the kernel and is still wanted stays, the rest is changed or removed (no flush). After
// that it follows each Loc-RIB change, pipelined (RibFib: a batch in flight while the next UPDATEs are decided).
// After a graceful restart (RFC 4724 §4.1) the routes of the previous run stay untouched until route selection
// is done (`after`), then the same reconcile runs: routes still wanted are never deleted and re-added.
// `stop({ keep: true })` leaves our routes in the kernel for the next run.
import type { Logger } from 'pino';
import type { Rib } from '../rib/rib.js';
import type { FibRouteError } from './fib.js';
import { RibFib } from './rib-fib.js';

/** Time the sessions get to deliver their tables before the first reconcile, unless all of them did already. */
const SETTLE_MS = 3000;
/** A session still coming up (OpenSent … End-of-RIB) holds the reconcile back this long at most. */
const SETTLE_MAX_MS = 30_000;
/** How often the start conditions are looked at. */
const CHECK_MS = 100;

export interface KernelRoutesOptions {
  /** Graceful restart: reconcile when selection deferral ends (every peer's End-of-RIB, or its timer). */
  readonly after?: Promise<void>;
  /**
   * Every configured, enabled peer is Established with End-of-RIB for all its families (RFC 4724 §2): the
   * first reconcile need not wait SETTLE_MS.
   */
  readonly settled?: () => boolean;
  /** Network namespace path of the FIB (tests); default the process's. */
  readonly netns?: string;
}

export class KernelRoutes {
  private reconciled = false;
  private stopped = false;

  private constructor(readonly fib: RibFib, private readonly rib: Rib, private readonly log: Logger) {
    fib.onErrors = (errors, failed) => this.logErrors(errors, failed);
  }

  /**
   * Open rtnetlink and schedule the first reconcile once `halfway()` (a session between OpenSent and its
   * End-of-RIB, RFC 4724 §2) is false after SETTLE_MS, as soon as `settled()` is true, or after SETTLE_MAX_MS.
   * Null when rtnetlink cannot be opened.
   */
  static open(rib: Rib, table: number, log: Logger, halfway: () => boolean, opts: KernelRoutesOptions = {}): KernelRoutes | null {
    let fib: RibFib;
    try {
      fib = RibFib.open([rib.v4, rib.v6], { table, ...(opts.netns !== undefined ? { netns: opts.netns } : {}) });
    } catch (e) {
      log.error({ err: (e as Error).message }, 'kernel routes disabled: cannot open rtnetlink');
      return null;
    }
    const k = new KernelRoutes(fib, rib, log);
    if (opts.after !== undefined) {
      void opts.after.then(() => k.reconcile());
      return k;
    }
    const started = Date.now();
    const check = (): void => {
      if (k.stopped) return;
      const age = Date.now() - started;
      const ready = (opts.settled?.() ?? false) || (age >= SETTLE_MS && !halfway()) || age >= SETTLE_MAX_MS;
      if (!ready) {
        setTimeout(check, CHECK_MS).unref();
        return;
      }
      void k.reconcile();
    };
    setTimeout(check, opts.settled !== undefined ? 0 : SETTLE_MS).unref();
    return k;
  }

  /** True once the first reconcile is done. */
  get ready(): boolean {
    return this.reconciled;
  }

  private async reconcile(): Promise<void> {
    if (this.reconciled || this.stopped) return;
    this.rib.process();
    const t0 = Date.now();
    const r = await this.fib.reconcile();
    this.reconciled = true;
    this.log.info({ added: r.added, changed: r.changed, removed: r.removed, unchanged: r.unchanged, errors: r.failed, ms: Date.now() - t0 }, 'kernel routes reconciled');
    this.logErrors(r.errors, r.failed);
    this.follow();
  }

  /** Send the Loc-RIB's changes (call after each RIB `process()`); returns at once, batches are pipelined. */
  follow(): void {
    if (!this.reconciled || this.stopped) return;
    this.fib.follow();
  }

  /**
   * Stop following the Loc-RIB. `keep: false` (SIGTERM, like BIRD) removes our routes; `keep: true` (tsbgpd
   * graceful-restart) leaves them for the next run's reconcile, so forwarding goes on meanwhile.
   */
  async stop(opts: { readonly keep: boolean } = { keep: false }): Promise<void> {
    this.stopped = true;
    this.reconciled = false;
    await this.fib.stop({ keep: opts.keep }).catch(() => undefined);
  }

  private logErrors(errors: readonly FibRouteError[], failed: number): void {
    if (failed === 0) return;
    this.log.warn({ count: failed, first: errors[0] }, 'the kernel refused some routes');
  }
}
