// The daemon's kernel routes: best routes learned from peers go into the kernel (tsbgpd.io/kernel-routes, table
// tsbgpd.io/kernel-table) under rtnetlink protocol RTPROT_TSBGPD, multipath for the ECMP set; routes of other
// protocols are never touched. At start it waits for the sessions to deliver their tables, then reconciles: what
// the last run left in the kernel and is still wanted stays, the rest is changed or removed (no flush). After
// that it follows each Loc-RIB change. After a graceful restart (RFC 4724 §4.1) the routes of the previous run
// stay untouched until route selection is done (`after`), then the same reconcile runs: routes still wanted are
// never deleted and re-added. `stop({ keep: true })` leaves our routes in the kernel for the next run.
import type { Logger } from 'pino';
import type { Rib } from '../rib/rib.js';
import { KernelFib, type NextHop, type RouteOutcome } from './index.js';

/** Time the sessions get to deliver their tables before the first reconcile. */
const SETTLE_MS = 3000;
/** A session still coming up (OpenSent … End-of-RIB) holds the reconcile back this long at most. */
const SETTLE_MAX_MS = 30_000;

export class KernelRoutes {
  private reconciled = false;

  private constructor(private readonly fib: KernelFib, private readonly rib: Rib, private readonly log: Logger) {}

  /**
   * Open rtnetlink and schedule the first reconcile once `halfway()` (a session between OpenSent and its
   * End-of-RIB, RFC 4724 §2) is false, or after SETTLE_MAX_MS. Null when rtnetlink cannot be opened.
   */
  static open(rib: Rib, table: number, log: Logger, halfway: () => boolean, opts: { readonly after?: Promise<void> } = {}): KernelRoutes | null {
    let fib: KernelFib;
    try {
      fib = KernelFib.open({ table });
    } catch (e) {
      log.error({ err: (e as Error).message }, 'kernel routes disabled: cannot open rtnetlink');
      return null;
    }
    const k = new KernelRoutes(fib, rib, log);
    if (opts.after !== undefined) {
      // Graceful restart: selection deferral decides when (every peer's End-of-RIB, or its timer).
      void opts.after.then(() => k.reconcile());
      return k;
    }
    const started = Date.now();
    const check = (): void => {
      if (halfway() && Date.now() - started < SETTLE_MAX_MS) {
        setTimeout(check, 250).unref();
        return;
      }
      void k.reconcile();
    };
    setTimeout(check, SETTLE_MS).unref();
    return k;
  }

  private desired(): [string, NextHop[]][] {
    const out: [string, NextHop[]][] = [];
    for (const fam of [this.rib.v4, this.rib.v6]) {
      fam.forEachSlot((slot) => {
        const b = fam.best(slot);
        if (b === undefined || b.peer.local) return;
        out.push([fam.table.text(slot), fam.nextHops(slot).map((gateway) => ({ gateway }))]);
      });
    }
    return out;
  }

  private async reconcile(): Promise<void> {
    if (this.reconciled || this.stopped) return;
    this.rib.process();
    for (const fam of [this.rib.v4, this.rib.v6]) fam.drainLocChanges(() => undefined); // the full set goes now
    const r = await this.fib.reconcile(this.desired());
    this.reconciled = true;
    this.log.info({ added: r.added, changed: r.changed, removed: r.removed, unchanged: r.unchanged, errors: r.errors.length }, 'kernel routes reconciled');
    this.logErrors(r.errors);
    this.follow();
  }

  /** Loc-RIB changes since the last call, as replace/remove requests (batched by the FIB per tick). */
  follow(): void {
    if (!this.reconciled || this.stopped) return;
    const fib = this.fib;
    const ops: Promise<RouteOutcome>[] = [];
    for (const fam of [this.rib.v4, this.rib.v6]) {
      fam.drainLocChanges((slot, best) => {
        const prefix = fam.table.text(slot);
        const b = best === undefined ? undefined : fam.best(slot);
        if (b === undefined || b.peer.local) ops.push(fib.remove(prefix));
        else ops.push(fib.replace(prefix, fam.nextHops(slot).map((gateway) => ({ gateway }))));
      });
    }
    if (ops.length > 0) void Promise.all(ops).then((outs) => this.logErrors(outs.flatMap((o) => ('ok' in o && !o.ok ? [o] : []))));
  }

  private stopped = false;

  /**
   * Stop following the Loc-RIB. `keep: false` (SIGTERM, like BIRD) removes our routes; `keep: true` (tsbgpd
   * graceful-restart) leaves them for the next run's reconcile, so forwarding goes on meanwhile.
   */
  async stop(opts: { readonly keep: boolean } = { keep: false }): Promise<void> {
    this.stopped = true;
    this.reconciled = false;
    await this.fib.stop({ keep: opts.keep }).catch(() => undefined);
  }

  private logErrors(errors: readonly unknown[]): void {
    if (errors.length === 0) return;
    this.log.warn({ count: errors.length, first: errors[0] }, 'the kernel refused some routes');
  }
}
