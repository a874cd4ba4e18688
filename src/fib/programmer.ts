// The daemon's kernel routes: best routes learned from peers go into the kernel (tsbgpd.io/kernel-routes, table
// tsbgpd.io/kernel-table) under rtnetlink protocol RTPROT_TSBGPD, multipath for the ECMP set; routes of other
// protocols are never touched. At start it waits for the sessions to deliver their tables, then reconciles: what
// the last run left in the kernel and is still wanted stays, the rest is changed or removed (no flush). After
// that it follows each Loc-RIB change, pipelined (RibFib: a batch in flight while the next UPDATEs are decided).
// After a graceful restart (RFC 4724 §4.1) the routes of the previous run stay untouched until route selection
// is done (`after`), then the same reconcile runs: routes still wanted are never deleted and re-added.
// `stop({ keep: true })` leaves our routes in the kernel for the next run.
// Once reconciled, the routes heal (as BIRD's kernel protocol): the same reconcile runs again every `scanTime`
// seconds and soon after a link comes up or an address appears (resync.ts, link-events.ts), so routes the kernel
// lost behind our back (a link down, `ip route del`, another daemon) come back.
import type { Logger } from 'pino';
import type { Rib } from '../rib/rib.js';
import type { FibRouteError } from './fib.js';
import { RibFib, type RibFibReconcile } from './rib-fib.js';
import { LinkEvents, type LinkEvent } from './link-events.js';
import { ResyncScheduler, type ResyncGate, type ResyncReason } from './resync.js';

/** Time the sessions get to deliver their tables before the first reconcile, unless all of them did already. */
const SETTLE_MS = 3000;
/** A session still coming up (OpenSent … End-of-RIB) holds the reconcile back this long at most. */
const SETTLE_MAX_MS = 30_000;
/** How often the start conditions are looked at. */
const CHECK_MS = 100;
/** BIRD's kernel protocol `scan time` default, seconds (tsbgpd.io/kernel-scan-time). */
export const DEFAULT_SCAN_TIME = 60;

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
  /** Seconds between re-syncs with the kernel (tsbgpd.io/kernel-scan-time); 0 = no periodic scan. Default 60. */
  readonly scanTime?: number;
  /** Re-sync soon after a link comes up or an address appears (default true). */
  readonly linkEvents?: boolean;
  /** Delay from the first link event of a burst to its re-sync, ms (default 1000). */
  readonly debounceMs?: number;
}

export class KernelRoutes {
  private reconciled = false;
  private stopped = false;
  private resyncs: ResyncScheduler;
  private links: LinkEvents | null = null;
  /** The refusals of the last re-sync, summarized: the same ones again (a link still down) are not warned again. */
  private lastRefused = '';

  private constructor(readonly fib: RibFib, private readonly rib: Rib, private readonly log: Logger, private readonly opts: KernelRoutesOptions) {
    fib.onErrors = (errors, failed) => this.logErrors(errors, failed);
    this.resyncs = this.scheduler(opts.scanTime ?? DEFAULT_SCAN_TIME);
    if (opts.linkEvents !== false) {
      try {
        this.links = LinkEvents.open(opts.netns, (e) => this.onLinkEvent(e));
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'kernel routes: cannot follow link events; lost routes come back at the next scan');
      }
    }
  }

  private scheduler(scanTime: number): ResyncScheduler {
    return new ResyncScheduler(() => this.gate(), (why) => this.resync(why), {
      scanMs: scanTime * 1000,
      ...(this.opts.debounceMs !== undefined ? { debounceMs: this.opts.debounceMs } : {}),
    });
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
    const k = new KernelRoutes(fib, rib, log, opts);
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
    this.lastRefused = r.failed === 0 ? '' : summarize(r.errors, r.failed); // warned just now
    this.follow();
  }

  // --- healing: periodic scan and link events ------------------------------------------------------------------

  /** For `tsbgpd status`: the first reconcile done, routes installed, the scan period and re-syncs so far. */
  status(): { readonly reconciled: boolean; readonly installed: number; readonly scanSeconds: number; readonly scans: number; readonly eventResyncs: number } {
    const r = this.resyncs.stats;
    return { reconciled: this.reconciled, installed: this.fib.stats.installed, scanSeconds: this.resyncs.scanPeriodMs / 1000, scans: r.scans, eventResyncs: r.eventResyncs };
  }

  /** Re-sync stats: scans and event re-syncs started, link/address events seen, scan ticks skipped. */
  get resyncStats(): Readonly<ResyncScheduler['stats']> {
    return this.resyncs.stats;
  }

  /** Change the scan period (a reload of tsbgpd.io/kernel-scan-time); 0 turns the scan off. */
  setScanTime(seconds: number): void {
    if (this.stopped || seconds * 1000 === this.resyncs.scanPeriodMs) return;
    void this.resyncs.stop();
    this.resyncs = this.scheduler(seconds);
  }

  private gate(): ResyncGate {
    // Before the first reconcile (settling, or graceful-restart selection deferral) the kernel is left alone.
    if (!this.reconciled || this.stopped) return 'not-ready';
    return this.fib.busy ? 'busy' : 'ready';
  }

  private onLinkEvent(e: LinkEvent): void {
    this.log.debug({ event: e.kind, ifindex: e.ifindex }, 'kernel routes: link event, re-sync soon');
    this.resyncs.event();
  }

  /** The start reconcile again: dump ours, compare with the Loc-RIB, send the difference; log only what changed. */
  private async resync(reason: ResyncReason): Promise<void> {
    if (this.gate() !== 'ready') return;
    const t0 = Date.now();
    let r: RibFibReconcile;
    try {
      r = await this.fib.reconcile();
    } catch (e) {
      this.log.warn({ reason, err: (e as Error).message }, 'kernel routes: re-sync failed; trying again at the next scan or link event');
      return;
    }
    this.follow(); // Loc-RIB changes decided while it ran
    const { added, changed, removed } = r.done;
    if (added + changed + removed > 0) {
      this.log.info({ reason, added, changed, removed, unchanged: r.unchanged, ms: Date.now() - t0 },
        `kernel routes re-synced: added ${added}, changed ${changed}, removed ${removed}`);
    }
    const refused = r.failed === 0 ? '' : summarize(r.errors, r.failed);
    if (refused !== '' && refused !== this.lastRefused) {
      this.log.warn({ reason, count: r.failed, errors: refused, first: r.errors[0] }, 'kernel routes re-sync: the kernel refused some routes');
    } else if (refused !== '') {
      this.log.debug({ reason, count: r.failed, errors: refused }, 'kernel routes re-sync: the same routes refused again');
    }
    this.lastRefused = refused;
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
    await Promise.all([this.resyncs.stop(), this.links?.close()]);
    await this.fib.stop({ keep: opts.keep }).catch(() => undefined);
  }

  private logErrors(errors: readonly FibRouteError[], failed: number): void {
    if (failed === 0) return;
    this.log.warn({ count: failed, first: errors[0] }, 'the kernel refused some routes');
  }
}

/** Refusals by error, e.g. "ENETUNREACH 998, ERR_FIB_EXISTS 1" (of the first errors kept; `failed` is exact). */
function summarize(errors: readonly FibRouteError[], failed: number): string {
  const by = new Map<string, number>();
  for (const e of errors) {
    const k = e.errno !== '' ? e.errno : e.code;
    by.set(k, (by.get(k) ?? 0) + 1);
  }
  const parts = [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `${k} ${n}`);
  if (failed > errors.length) parts.push(`more ${failed - errors.length}`);
  return parts.join(', ');
}
