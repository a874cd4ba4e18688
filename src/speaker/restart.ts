// Our own graceful restart, as the restarting speaker (RFC 4724 §4.1): the marker `tsbgpd graceful-restart`
// leaves for the next start (peer/restart-state.ts), the R and F bits our OPENs carry after it, and the deferral
// of route selection until End-of-RIB from every peer. The speaker does the closing and the selection itself.
import path from 'node:path';
import type { Logger } from 'pino';
import type { PeerConfig } from '../config/index.js';
import { takeRestartMarker, writeRestartMarker } from '../peer/restart-state.js';
import { MAX_RESTART_TIME } from '../peer/local-open.js';

/**
 * RFC 4724 §4.1 Selection_Deferral_Timer (seconds): after our graceful restart, route selection and our
 * advertisements wait for End-of-RIB from every GR-capable peer, at most this long (calico's default Restart
 * Time). Kernel routes of the previous run stay untouched meanwhile.
 */
export const SELECTION_DEFERRAL_TIME = 120;

export interface LocalRestartOptions {
  /** Where the marker is written and read; null: no graceful restart of our own. */
  readonly stateDir: string | null;
  readonly log: Logger;
  /**
   * RFC 4724 §4.1, when the deferral ends: run the decision, send every Established peer its table and
   * End-of-RIB. Returns the number of Loc-RIB changes (logged).
   */
  readonly select: () => number;
}

/** The default state directory: the one given, else the control socket's directory, else none. */
export function stateDirOf(o: { readonly stateDir?: string | null; readonly controlSocket: string | null }): string | null {
  if (o.stateDir !== undefined) return o.stateDir;
  return o.controlSocket === null ? null : path.dirname(o.controlSocket);
}

export class LocalRestart {
  /** Read by every peer's OPEN (PeerHost.localRestart) and by the speaker's per-turn flush. */
  readonly state = { restarting: false, forwardingPreserved: false, selectionDeferred: false };
  private deferral: { readonly deadline: number; readonly timer: ReturnType<typeof setTimeout>; readonly done: () => void } | null = null;
  private stopped = false;

  constructor(private readonly opts: LocalRestartOptions) {}

  /**
   * At start: did the previous run stop with `tsbgpd graceful-restart` within its Restart Time? Then our OPENs
   * carry the R bit (and the F bit when its kernel routes were kept) and route selection is deferred; the
   * promise resolves when the deferral ends. Undefined for an ordinary start.
   */
  begin(kernelRoutes: boolean): Promise<void> | undefined {
    const dir = this.opts.stateDir;
    if (dir === null) return undefined;
    const log = this.opts.log;
    const r = takeRestartMarker(dir, Date.now());
    if (r.kind === 'none') return undefined;
    if (r.kind !== 'graceful') {
      log.warn({ reason: r.reason }, 'graceful restart marker not used: starting normally');
      return undefined;
    }
    // F bit: our forwarding state survived when the kernel routes were kept, or when we program none at all
    // (a route reflector's restart does not touch forwarding).
    this.state.restarting = true;
    this.state.forwardingPreserved = r.marker.kernelRoutesKept || !kernelRoutes;
    this.state.selectionDeferred = true;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.end(`selection deferral timer (${SELECTION_DEFERRAL_TIME} s) expired`), SELECTION_DEFERRAL_TIME * 1000);
      timer.unref();
      this.deferral = { deadline: Date.now() + SELECTION_DEFERRAL_TIME * 1000, timer, done: resolve };
      log.info({ downSeconds: Math.round(r.ageMs / 1000), forwardingPreserved: this.state.forwardingPreserved, selectionDeferral: SELECTION_DEFERRAL_TIME }, 'graceful restart: deferring route selection until End-of-RIB from every peer');
    });
  }

  /** RFC 4724 §4.1: run the decision, send every Established peer its table and End-of-RIB, reconcile the kernel. */
  end(why: string): void {
    const d = this.deferral;
    if (d === null || this.stopped) return;
    clearTimeout(d.timer);
    this.deferral = null;
    this.state.selectionDeferred = false;
    this.state.restarting = false; // our later OPENs (a session reset) are ordinary ones
    const changed = this.opts.select();
    this.opts.log.info({ why, locRibChanges: changed }, 'graceful restart: route selection done');
    d.done(); // the kernel reconcile follows
  }

  /** Seconds left of the selection deferral, null when none is running. */
  deferralRemaining(now: number): number | null {
    return this.deferral === null ? null : Math.max(0, this.deferral.deadline - now) / 1000;
  }

  /**
   * `tsbgpd graceful-restart`: leave the marker for the next start, with the longest Restart Time we advertised.
   * Nothing secret is written. A marker that cannot be written makes the next start an ordinary one.
   */
  writeMarker(peers: readonly PeerConfig[], kernelRoutesKept: boolean): { marker: string | null; restartTime: number } {
    const restartTime = Math.min(MAX_RESTART_TIME, Math.max(0, ...peers.map((p) => p.maxRestartTime)));
    const dir = this.opts.stateDir;
    let marker: string | null = null;
    if (dir !== null) {
      try {
        marker = writeRestartMarker(dir, { stoppedAt: Date.now(), restartTime, kernelRoutesKept });
      } catch (e) {
        this.opts.log.error({ err: (e as NodeJS.ErrnoException).code ?? (e as Error).message, dir }, 'graceful restart: cannot write the marker; the next start will be an ordinary one');
      }
    }
    return { marker, restartTime };
  }

  /** The speaker is stopping: the deferral never ends now (no decision, no UPDATE, no kernel reconcile). */
  stop(): void {
    this.stopped = true;
    if (this.deferral !== null) clearTimeout(this.deferral.timer);
  }
}
