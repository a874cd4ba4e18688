// Graceful restart, receiving speaker (RFC 4724 §4.2): what happens to a peer's routes when its session ends
// and comes back. One per peer; the clock is injected, the routes live in the RIB (RibPeerHandle's stale marks).
//
//   idle ──(session ends without NOTIFICATION, peer advertised GR with Restart Time > 0)──▶ restarting
//   restarting ──(Restart Time passes)──▶ sweep all ──▶ idle
//   restarting ──(Established again)──▶ families without the F bit or not in the new capability swept ──▶ recovering
//   recovering ──(End-of-RIB of a family)──▶ sweep that family; none left ──▶ idle
//   recovering ──(STALE_PATH_TIME passes)──▶ sweep all ──▶ idle
//   any ──(session ends with a NOTIFICATION, or the peer has no GR)──▶ every route removed ──▶ idle
//
// RFC 8538 (N bit) is not implemented and not advertised: every NOTIFICATION, sent or received (Hold Timer
// Expired included), removes the routes at once, as BIRD and FRR do without it.
import type { DownReason } from '../fsm/actions.js';
import { Afi, Safi } from '../wire/iana.js';
import { afiSafiKey, type AfiSafiKey } from '../wire/types.js';
import type { GracefulRestartNegotiated } from './negotiate.js';
import { TimerSet, type Clock } from './timers.js';

/**
 * Upper bound on the wait for a restarted peer's End-of-RIB once its session is back (seconds): FRR's
 * `bgp graceful-restart stalepath-time` default. RFC 4724 §4.2 leaves this timer to the implementation.
 */
export const STALE_PATH_TIME = 360;

export type HelperState = 'idle' | 'restarting' | 'recovering';

/** The RIB side the helper drives (RibPeerHandle). */
export interface StaleRoutes {
  downGraceful(keep: readonly number[]): void;
  down(): void;
  sweepStale(afi: number): number;
  staleCount(afi?: number): number;
}

/** What `tsbgpd status` shows per peer. */
export interface HelperStatus {
  readonly state: HelperState;
  /** Seconds left until the stale routes go if the session does not come back (restarting). */
  readonly restartTimeRemaining: number | null;
  /** Seconds left to wait for End-of-RIB (recovering). */
  readonly stalePathTimeRemaining: number | null;
  /** Families whose routes are kept stale (AFI values). */
  readonly staleFamilies: readonly number[];
  readonly staleRoutes: number;
}

export type HelperEvent =
  | { readonly type: 'kept'; readonly families: readonly number[]; readonly routes: number; readonly restartTime: number }
  | { readonly type: 'swept'; readonly afi: number; readonly routes: number; readonly why: SweepReason };

export type SweepReason = 'End-of-RIB' | 'no forwarding state' | 'restart time expired' | 'stale-path time expired';

type HelperTimer = 'RestartTimer' | 'StalePathTimer';

export class GracefulRestartHelper<H = unknown> {
  private st: HelperState = 'idle';
  private readonly stale = new Set<number>();
  private readonly timers: TimerSet<HelperTimer, H>;

  constructor(
    private readonly routes: StaleRoutes,
    clock: Clock<H>,
    /** Routes were kept or removed: the RIB needs a decision run. */
    private readonly onEvent: (e: HelperEvent) => void,
    private readonly stalePathTime = STALE_PATH_TIME,
  ) {
    this.timers = new TimerSet<HelperTimer, H>(clock, (t) => this.expired(t));
  }

  get state(): HelperState {
    return this.st;
  }

  /**
   * The session left Established. RFC 4724 §4.2: when it ends without a NOTIFICATION and the peer advertised
   * Graceful Restart, its routes of the families it listed are retained and marked stale and the restart timer
   * (the peer's Restart Time) starts; the rest are removed. A second end while routes are stale marks whatever
   * the peer sent since and restarts the timer. Returns whether routes were kept.
   */
  sessionDown(gr: GracefulRestartNegotiated | null, reason: DownReason): boolean {
    const keep = gr === null || reason.sent !== null || reason.received !== null || gr.restartTime === 0 ? [] : unicastAfis(gr);
    this.timers.stopAll();
    this.stale.clear();
    if (keep.length === 0) {
      this.st = 'idle';
      this.routes.down();
      return false;
    }
    this.routes.downGraceful(keep);
    for (const afi of keep) this.stale.add(afi);
    this.st = 'restarting';
    this.timers.start('RestartTimer', gr!.restartTime);
    this.onEvent({ type: 'kept', families: keep, routes: this.routes.staleCount(), restartTime: gr!.restartTime });
    return true;
  }

  /**
   * The session is Established again. RFC 4724 §4.2: stale routes of a family the new capability does not list,
   * or lists without the Forwarding State bit, are removed at once (also when the peer no longer advertises
   * Graceful Restart, or the family is no longer negotiated); the others wait for End-of-RIB.
   */
  established(gr: GracefulRestartNegotiated | null, families: readonly AfiSafiKey[]): void {
    if (this.st === 'idle') return;
    this.timers.stop('RestartTimer');
    for (const afi of [...this.stale]) {
      const f = gr?.families.find((x) => x.afi === afi && x.safi === Safi.Unicast);
      if (f === undefined || !f.forwardingState || !families.includes(afiSafiKey(afi, Safi.Unicast))) this.sweep(afi, 'no forwarding state');
    }
    if (this.stale.size === 0) {
      this.st = 'idle';
      return;
    }
    this.st = 'recovering';
    this.timers.start('StalePathTimer', this.stalePathTime);
  }

  /** End-of-RIB received (RFC 4724 §4.2): the family's routes still stale are removed. */
  endOfRib(afi: number): void {
    if (this.st !== 'recovering' || !this.stale.has(afi)) return;
    this.sweep(afi, 'End-of-RIB');
    if (this.stale.size === 0) {
      this.timers.stopAll();
      this.st = 'idle';
    }
  }

  /** The peer is going away (removed from the configuration): stop the timers; the RIB drops its routes. */
  stop(): void {
    this.timers.stopAll();
    this.stale.clear();
    this.st = 'idle';
  }

  status(): HelperStatus {
    return {
      state: this.st,
      restartTimeRemaining: this.timers.remaining('RestartTimer'),
      stalePathTimeRemaining: this.timers.remaining('StalePathTimer'),
      staleFamilies: [...this.stale],
      staleRoutes: this.routes.staleCount(),
    };
  }

  private expired(t: HelperTimer): void {
    // RFC 4724 §4.2: no session within the Restart Time → every stale route goes; likewise after the stale-path time.
    const why: SweepReason = t === 'RestartTimer' ? 'restart time expired' : 'stale-path time expired';
    for (const afi of [...this.stale]) this.sweep(afi, why);
    this.timers.stopAll();
    this.st = 'idle';
  }

  private sweep(afi: number, why: SweepReason): void {
    this.stale.delete(afi);
    const n = this.routes.sweepStale(afi);
    this.onEvent({ type: 'swept', afi, routes: n, why });
  }
}

/** The unicast families of the peer's capability that this speaker carries (IPv4, IPv6), as AFI values. */
function unicastAfis(gr: GracefulRestartNegotiated): number[] {
  const out: number[] = [];
  for (const f of gr.families) {
    if (f.safi === Safi.Unicast && (f.afi === Afi.IPv4 || f.afi === Afi.IPv6) && !out.includes(f.afi)) out.push(f.afi);
  }
  return out;
}
