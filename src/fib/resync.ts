/**
 * When to re-sync the kernel routes with the Loc-RIB (BIRD's kernel protocol: `scan time`, and a scan on
 * interface events). Two triggers:
 *
 * - the scan: every `scanMs` (0 = off); a tick that finds the FIB busy (a batch or reconcile in flight) or
 *   not ready (no first reconcile yet, graceful-restart deferral) is skipped: the next tick comes anyway;
 * - an event (a link came up, an address appeared): a re-sync `debounceMs` after the first event of a burst,
 *   later if the FIB is busy then (it waits for a quiet moment, the event is not lost); dropped while not
 *   ready, as the first reconcile does the same work.
 *
 * At most one re-sync runs at a time. Event re-syncs are bounded under a storm: the next one starts no sooner
 * than DUTY times the last one's duration after it ended, so re-syncs take at most 1/(DUTY + 1) of the time
 * (a re-sync costs 2–3 ms of CPU per thousand routes; a flapping link must not turn that into a busy loop).
 */

/** Ready to re-sync, or why not. */
export type ResyncGate = 'ready' | 'busy' | 'not-ready';
export type ResyncReason = 'scan' | 'event';

export interface ResyncOptions {
  /** Scan period in ms; 0 turns the periodic scan off. */
  readonly scanMs: number;
  /** Delay from the first event of a burst to its re-sync (default 1000). */
  readonly debounceMs?: number;
}

/** An event re-sync waits at least DUTY times the previous re-sync's duration after it. */
const DUTY = 9;
export const DEFAULT_DEBOUNCE_MS = 1000;

export class ResyncScheduler {
  private readonly scanMs: number;
  private readonly debounceMs: number;
  private scanTimer: ReturnType<typeof setInterval> | undefined;
  private eventTimer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  /** Earliest time (Date.now()) the next event re-sync may start. */
  private notBefore = 0;
  private stopped = false;
  /** Re-syncs started, by reason, and events seen; ticks skipped because busy or not ready. */
  readonly stats = { scans: 0, eventResyncs: 0, events: 0, skipped: 0 };

  constructor(
    private readonly gate: () => ResyncGate,
    private readonly run: (reason: ResyncReason) => Promise<void>,
    opts: ResyncOptions,
  ) {
    if (!Number.isFinite(opts.scanMs) || opts.scanMs < 0) throw new RangeError('scanMs must be 0 or more');
    this.scanMs = opts.scanMs;
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    if (this.scanMs > 0) {
      this.scanTimer = setInterval(() => this.tick(), this.scanMs);
      this.scanTimer.unref();
    }
  }

  get scanPeriodMs(): number {
    return this.scanMs;
  }

  /** The periodic scan's tick: skipped unless ready and nothing runs. */
  private tick(): void {
    if (this.stopped) return;
    if (this.running !== undefined || this.gate() !== 'ready') {
      this.stats.skipped++;
      return;
    }
    this.stats.scans++;
    this.start('scan');
  }

  /** Something happened that may have cost us routes: re-sync soon (debounced, bounded). */
  event(): void {
    if (this.stopped) return;
    this.stats.events++;
    if (this.eventTimer !== undefined) return; // a re-sync is already coming for this burst
    this.arm(Math.max(this.debounceMs, this.notBefore - Date.now()));
  }

  private arm(ms: number): void {
    this.eventTimer = setTimeout(() => {
      this.eventTimer = undefined;
      if (this.stopped) return;
      const g = this.gate();
      if (g === 'not-ready') return; // the first reconcile (or the one after deferral) covers it
      if (g === 'busy' || this.running !== undefined) {
        this.arm(this.debounceMs); // try again when things are quieter
        return;
      }
      this.stats.eventResyncs++;
      this.start('event');
    }, ms);
    this.eventTimer.unref();
  }

  private start(reason: ResyncReason): void {
    const t0 = Date.now();
    this.running = this.run(reason)
      .catch(() => undefined) // `run` logs its own failures
      .finally(() => {
        const end = Date.now();
        this.notBefore = end + DUTY * (end - t0);
        this.running = undefined;
      });
  }

  /** Stop both triggers; resolves when a re-sync under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.scanTimer);
    clearTimeout(this.eventTimer);
    this.eventTimer = undefined;
    await this.running;
  }
}
