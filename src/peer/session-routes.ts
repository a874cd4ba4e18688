// The routing side of an Established session: the initial table and End-of-RIB (RFC 4724 §2), flushing the
// Adj-RIB-Out, ROUTE-REFRESH both ways (RFC 2918, RFC 7313), UPDATEs received into the Adj-RIB-In, the graceful
// restart helper (RFC 4724 §4.2), and holding all advertisement back while our own route selection is deferred
// after a graceful restart (RFC 4724 §4.1). It holds what the session negotiated (both OPENs, negotiate.ts). The
// peer (peer.ts) owns one and hands it the Established connection; it knows nothing of the FSM.
import type { Logger } from 'pino';
import type { DownReason } from '../fsm/actions.js';
import { RouteRefreshSubtype, Safi } from '../wire/iana.js';
import { afiSafiKey } from '../wire/types.js';
import { isEndOfRib, type UpdateMessage } from '../wire/update.js';
import type { Rib, RibPeerHandle } from '../rib/rib.js';
import type { BgpConnection } from './connection.js';
import type { OpenSummary } from '../fsm/summary.js';
import { negotiate, type Negotiated } from './negotiate.js';
import type { LocalRestartState } from './host.js';
import type { Clock } from './timers.js';
import { GracefulRestartHelper, type HelperEvent } from './gr-helper.js';
import { familyName } from './family.js';

/** What the routing side writes to: the Established connection. */
export type SessionConnection = Pick<BgpConnection, 'send' | 'sendRaw' | 'sendMessages' | 'setContext'>;

/** What the peer gives its routing side. */
export interface SessionRoutesHost {
  /** The peer's name, for logs. */
  readonly name: string;
  readonly log: Logger;
  readonly rib: Rib;
  readonly localRestart: LocalRestartState;
  /** The RIB has work: the speaker decides and flushes soon. */
  routesChanged(): void;
  /** `count` messages were written; `updates`: they were UPDATEs (RFC 4271 §8.2.2: the KeepaliveTimer restarts). */
  sent(count: number, updates: boolean): void;
}

export class SessionRoutes {
  /** Families whose End-of-RIB (RFC 4724 §2) arrived in this session. */
  readonly endOfRibReceived = new Set<number>();
  /** RFC 4724 §4.2: this peer's routes across its restarts. */
  readonly grHelper: GracefulRestartHelper;
  /** What the session negotiated (null when it is not Established). */
  negotiated: Negotiated | null = null;
  /** Established while our route selection was deferred (RFC 4724 §4.1): the initial table is still to send. */
  private initialPending = false;

  constructor(readonly ribIn: RibPeerHandle, clock: Clock, private readonly host: SessionRoutesHost) {
    this.grHelper = new GracefulRestartHelper(ribIn, clock, (e) => this.onHelperEvent(e));
  }

  /**
   * The session is Established (RFC 4271 §8.2.2 Event 26): negotiate from both OPENs, apply the result to `conn`,
   * start the Adj-RIB-Out and send the initial table (or hold it).
   */
  established(conn: SessionConnection | undefined, ours: OpenSummary, theirs: OpenSummary, remoteRouterId: number): void {
    const n = negotiate(ours, theirs, { keepaliveTime: null });
    this.negotiated = n;
    if (conn === undefined) return;
    conn.setContext(n.codecContext);
    this.host.log.info({ peer: this.host.name, holdTime: n.holdTime, fourOctetAs: n.fourOctetAs, families: n.families.map(familyName), gracefulRestart: grLog(n) }, 'session established');
    this.grHelper.established(n.gracefulRestart, n.families);
    if (this.host.localRestart.selectionDeferred) {
      // RFC 4724 §4.1: after our own restart, no UPDATE (and no End-of-RIB) before route selection is done. The
      // Adj-RIB-Out starts now (it fills when the speaker runs the decision process at the end of the deferral).
      this.ribIn.established(remoteRouterId, n.families.map((k) => k >> 8), n.fourOctetAs);
      this.initialPending = true;
      this.host.routesChanged(); // a peer without GR (or restarting itself) is not waited for
      return;
    }
    this.host.rib.process(); // the Loc-RIB is current before this peer's Adj-RIB-Out is built from it
    this.ribIn.established(remoteRouterId, n.families.map((k) => k >> 8), n.fourOctetAs);
    this.advertiseInitial(conn, n);
  }

  /**
   * Route selection deferral is over (RFC 4724 §4.1; the speaker ran the decision): send the table and
   * End-of-RIB. `conn` is the Established connection, if there is one.
   */
  selectionDone(conn: SessionConnection | undefined): void {
    if (!this.initialPending) return;
    this.initialPending = false;
    const n = this.negotiated;
    if (n === null || conn === undefined) return;
    this.advertiseInitial(conn, n);
  }

  /**
   * Whether route selection after our restart may go ahead as far as this Established session is concerned
   * (RFC 4724 §4.1): the peer sent End-of-RIB for every family, or it is excluded (no Graceful Restart
   * capability, or its own R bit set).
   */
  get readyForSelection(): boolean {
    const n = this.negotiated;
    if (n === null) return false;
    if (n.gracefulRestart === null || n.gracefulRestart.peerRestarting) return true;
    return n.families.every((f) => this.endOfRibReceived.has(f));
  }

  private advertiseInitial(conn: SessionConnection, n: Negotiated): void {
    this.flush(conn);
    this.host.routesChanged(); // other peers' queues, if process() decided anything
    // RFC 4724 §2: End-of-RIB after the initial table, per family.
    for (const k of n.families) this.sendRaw(conn, this.ribIn.endOfRib(k >> 8, n.codecContext));
  }

  private sendRaw(conn: SessionConnection, bytes: Uint8Array): void {
    conn.sendRaw(bytes);
    this.host.sent(1, false);
  }

  /**
   * Send what the RIB queued for this peer's Adj-RIB-Out (withdrawals, then announcements per attribute set) in
   * one write. Returns the number of messages sent.
   */
  flush(conn: SessionConnection): number {
    const n = this.negotiated;
    // RFC 4724 §4.1: no UPDATE before our deferred route selection is done (selectionDone sends the table).
    if (n === null || this.initialPending) return 0;
    const out = this.ribIn.takeUpdateBytes(n.codecContext);
    if (out.messages > 0) {
      conn.sendMessages(out.bytes, out.messages);
      this.host.sent(out.messages, true);
    }
    return out.messages;
  }

  /**
   * RFC 2918 §4 / RFC 7313 §4: re-advertise the Adj-RIB-Out of the family, bracketed by BoRR/EoRR when enhanced.
   * While our route selection is deferred (RFC 4724 §4.1) nothing is sent: the whole table and End-of-RIB follow
   * when selection is done, which answers the request.
   */
  answerRefresh(conn: SessionConnection, afi: number, safi: number): void {
    const n = this.negotiated;
    if (n === null || !n.routeRefresh || !n.families.includes(afiSafiKey(afi, safi))) return;
    if (this.initialPending) return;
    if (n.enhancedRouteRefresh) conn.send({ type: 'ROUTE-REFRESH', afi, safi, subtype: RouteRefreshSubtype.BoRR });
    this.ribIn.refresh(afi);
    this.flush(conn);
    if (n.enhancedRouteRefresh) conn.send({ type: 'ROUTE-REFRESH', afi, safi, subtype: RouteRefreshSubtype.EoRR });
    else this.sendRaw(conn, this.ribIn.endOfRib(afi, n.codecContext));
  }

  /** Ask the peer to send its routes again, every family (RFC 2918 §3). False when not negotiated. */
  requestRefresh(conn: SessionConnection): boolean {
    const n = this.negotiated;
    if (n === null || !n.routeRefresh) return false;
    for (const k of n.families) conn.send({ type: 'ROUTE-REFRESH', afi: k >> 8, safi: k & 0xff, subtype: RouteRefreshSubtype.Normal });
    this.host.sent(n.families.length, false);
    return true;
  }

  /** An UPDATE received in Established (RFC 4271 §9), `treatAsWithdraw` per RFC 7606. */
  update(u: UpdateMessage, treatAsWithdraw: boolean): void {
    const eor = isEndOfRib(u);
    if (eor !== undefined) {
      // RFC 4724 §2: the peer has sent its whole table for this family.
      this.endOfRibReceived.add(afiSafiKey(eor.afi, eor.safi));
      this.host.log.info({ peer: this.host.name, family: familyName(afiSafiKey(eor.afi, eor.safi)) }, 'End-of-RIB received');
      if (eor.safi === Safi.Unicast) this.grHelper.endOfRib(eor.afi);
      this.host.routesChanged(); // a deferred selection may be waiting for it
      return;
    }
    const r = this.ribIn.apply(u, treatAsWithdraw);
    if (r.announced > 0 || r.withdrawn > 0) this.host.routesChanged();
  }

  /** The session ended (RFC 4724 §4.2: without a NOTIFICATION a GR-capable peer's routes stay, stale: gr-helper.ts). */
  sessionDown(reason: DownReason): void {
    const gr = this.negotiated?.gracefulRestart ?? null;
    this.negotiated = null;
    this.endOfRibReceived.clear();
    this.initialPending = false;
    this.grHelper.sessionDown(gr, reason);
    this.host.routesChanged();
  }

  stop(): void {
    this.grHelper.stop();
  }

  private onHelperEvent(e: HelperEvent): void {
    if (e.type === 'kept') {
      this.host.log.info({ peer: this.host.name, families: e.families.map((a) => familyName(afiSafiKey(a, Safi.Unicast))), staleRoutes: e.routes, restartTime: e.restartTime }, 'graceful restart: peer routes kept as stale');
    } else {
      this.host.log.info({ peer: this.host.name, family: familyName(afiSafiKey(e.afi, Safi.Unicast)), removed: e.routes, why: e.why }, 'graceful restart: stale routes removed');
    }
    this.host.routesChanged();
  }
}

function grLog(n: Negotiated): unknown {
  const g = n.gracefulRestart;
  return g === null ? null : { restartTime: g.restartTime, restarting: g.peerRestarting, forwarding: g.families.filter((f) => f.forwardingState).map((f) => familyName(afiSafiKey(f.afi, f.safi))) };
}
