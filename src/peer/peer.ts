// One BGP neighbor at run time: runs the pure FSM (src/fsm) over real connections and timers. Every input —
// a connection accepted or established, a decoded message, a timer — becomes an FSM event; the actions that
// step() returns are executed here, in order. Events are queued so that actions never re-enter step().
//
// Collision handling (RFC 4271 §6.8): a second connection gets its own FSM (forkForSecondConnection); on
// every valid OPEN resolveOpen() says which FSM survives, and a surviving second FSM is promoted.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { PeerConfig } from '../config/model.js';
import {
  createSession, forkForSecondConnection, messageSent, promote, resolveOpen, sessionConfig, step,
  type Action, type ConnectionRef, type FsmEvent, type SessionState, type State, type TimerName,
} from '../fsm/index.js';
import { connectKeyed, gtsm, setSocketMd5Key, type TtlOptions } from '../transport/index.js';
import { CeaseSubcode, ErrorCode, Afi, Safi, RouteRefreshSubtype } from '../wire/iana.js';
import { KEEPALIVE } from '../wire/keepalive.js';
import type { OpenMessage } from '../wire/open.js';
import type { OpenSummary } from '../fsm/summary.js';
import { describeNotification, notificationFromSpec, shutdownCommunicationData } from '../wire/notification.js';
import type { NotificationSpec, DecodeFailure } from '../wire/types.js';
import { afiSafiKey } from '../wire/types.js';
import { isEndOfRib, type UpdateDecodeSuccess, type UpdateMessage } from '../wire/update.js';
import type { BgpMessage } from '../wire/message.js';
import type { Rib, RibPeerHandle } from '../rib/rib.js';
import { BgpConnection, newConnectionId, type ConnectionHandler } from './connection.js';
import { negotiate, type Negotiated } from './negotiate.js';
import { validateOpen } from './open-validate.js';
import { decodeErrorEvent, notificationEvent, updateOutcome } from './inbound.js';
import { summarizeOpen } from './open-summary.js';
import { TimerSet, type Clock } from './timers.js';
import { localOpen } from './local-open.js';
import { diagnose, noEvidenceReason, type CounterSnapshot } from './auth-diagnosis.js';
import { GracefulRestartHelper, type HelperEvent } from './gr-helper.js';

/** A key as the daemon holds it: bytes plus what may be shown. Never logged. */
export interface LoadedKey {
  readonly key: Buffer;
  readonly length: number;
  readonly fingerprint: string;
}

/** One TCP-AO Master Key Tuple (RFC 5925 §3.1) as loaded. */
export interface AoMaterial {
  readonly algorithm: string;
  readonly sendId: number;
  readonly recvId: number;
  readonly key: LoadedKey;
}

/**
 * The peer's key state: none configured, loaded, or configured but unusable (the peer stays down). For TCP-AO,
 * `ao` lists every MKT and `key` is the current one (shown in status).
 */
export type PeerKeyState =
  | { readonly kind: 'none' }
  | { readonly kind: 'loaded'; readonly key: LoadedKey; readonly source: string; readonly ao?: readonly AoMaterial[] }
  | { readonly kind: 'failed'; readonly reason: string; readonly source: string };

/**
 * This speaker's graceful restart state for its OPENs (RFC 4724 §3, §4.1): `restarting` (R bit) from a graceful
 * restart until its first End-of-RIB round, `forwardingPreserved` (F bit per family) when the kernel routes of
 * the previous run were kept, and `selectionDeferred` while route selection and advertisement wait (§4.1).
 */
export interface LocalRestartState {
  readonly restarting: boolean;
  readonly forwardingPreserved: boolean;
  readonly selectionDeferred: boolean;
}

/** What the speaker provides to every peer. */
export interface PeerHost {
  readonly log: Logger;
  readonly clock: Clock;
  readonly routerId: number;
  readonly hostname: string;
  /** The RIB: this peer's Adj-RIB-In and Adj-RIB-Out live there. */
  readonly rib: Rib;
  /** The RIB has work (routes received or withdrawn, a session up or down): decide and flush soon. */
  routesChanged(peer: Peer): void;
  /** Our own graceful restart (RFC 4724 §4.1), read for every OPEN we send. */
  readonly localRestart: LocalRestartState;
  /** Network namespace for sockets (tests). */
  readonly netns?: string | undefined;
}

interface Runner {
  session: SessionState;
  readonly timers: TimerSet<TimerName>;
  /** A second FSM's connection, handed over but not yet taken (its first event is still queued). */
  handoff: number | null;
}

type Queued = { readonly runner: Runner; readonly event: FsmEvent; readonly update?: UpdateMessage; readonly treatAsWithdraw?: boolean };

// calico/node's BIRD template: "connect delay time 2; connect retry time 5; error wait time 5,30".
const CONNECT_RETRY_TIME = 5;
const IDLE_HOLD_TIME = 5;
const IDLE_HOLD_TIME_MAX = 30;
const COLLISION_GRACE_MS = 3000;

export class Peer {
  config: PeerConfig;
  key: PeerKeyState;
  enabled = true;
  readonly ribIn: RibPeerHandle;
  negotiated: Negotiated | null = null;
  remoteRouterId: number | null = null;
  lastError: string | null = null;
  authDiagnosis: string | null = null;
  since: Date;
  messagesIn = 0;
  messagesOut = 0;

  private primary: Runner;
  private secondary: Runner | null = null;
  private readonly conns = new Map<number, BgpConnection>();
  private pending: { readonly id: number; readonly abort: AbortController } | null = null;
  private readonly queue: Queued[] = [];
  private stepConnection: ConnectionRef | null = null;
  private rekeyOnCease: Buffer | null = null;
  /** Families whose End-of-RIB (RFC 4724 §2) arrived in this session. */
  readonly endOfRibReceived = new Set<number>();
  private draining = false;
  private lastState: State = 'Idle';
  private diagBase: CounterSnapshot | null = null;
  private stopped = false;
  private readonly handler: ConnectionHandler;
  /** RFC 4724 §4.2: this peer's routes across its restarts. */
  readonly grHelper: GracefulRestartHelper;
  /** Established while our route selection was deferred (RFC 4724 §4.1): the initial table is still to send. */
  private initialPending = false;

  constructor(config: PeerConfig, key: PeerKeyState, private readonly host: PeerHost) {
    this.config = config;
    this.key = key;
    this.ribIn = host.rib.addPeer(config);
    this.grHelper = new GracefulRestartHelper(this.ribIn, host.clock, (e) => this.onHelperEvent(e));
    this.since = new Date();
    this.primary = this.newRunner(this.newSession());
    this.handler = {
      message: (c, m, u) => this.onMessage(c, m, u),
      decodeError: (c, f, t) => this.onDecodeError(c, f, t),
      closed: (c, e) => this.onClosed(c, e),
    };
  }

  get name(): string {
    return this.config.name;
  }

  /** The most advanced state of the (up to two) connection FSMs. */
  get state(): State {
    const order: readonly State[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];
    const a = this.primary.session.state;
    const b = this.secondary?.session.state;
    return b !== undefined && order.indexOf(b) > order.indexOf(a) ? b : a;
  }

  get established(): boolean {
    return this.primary.session.state === 'Established';
  }

  /** Authentication configured and usable? (fail closed: a configured key that failed keeps the peer down) */
  get runnable(): boolean {
    return this.enabled && this.key.kind !== 'failed' && !this.stopped;
  }

  private newSession(): SessionState {
    const c = this.config;
    return createSession(
      sessionConfig({
        localAs: c.localAS,
        holdTime: c.holdTime,
        keepaliveTime: c.keepaliveTime > 0 && c.keepaliveTime !== Math.floor(c.holdTime / 3) ? c.keepaliveTime : null,
        connectRetryTime: CONNECT_RETRY_TIME,
        passiveTcpEstablishment: c.passive,
        idleHoldTime: IDLE_HOLD_TIME,
        dampPeerOscillations: true,
        idleHoldTimeMax: IDLE_HOLD_TIME_MAX,
        // RFC 4271 §8.1.1: resolve a collision with an Established connection by BGP Identifier too. When the
        // peer's KEEPALIVE on the losing connection arrives before its OPEN on the winning one, that connection
        // is Established here while the peer already dumps it; closing the new one instead (the default) would
        // leave neither connection, and the session would wait out the IdleHoldTimer.
        collisionDetectEstablishedState: true, // resolved with the peer's help: see onOpen()
      }),
      (Math.random() * 0x100000000) >>> 0,
    );
  }

  private newRunner(session: SessionState): Runner {
    const runner: Runner = {
      session,
      timers: new TimerSet<TimerName>(this.host.clock, (t) => this.enqueue(runner, { type: `${t}_Expires` } as FsmEvent)),
      handoff: null,
    };
    return runner;
  }

  // --- administration -------------------------------------------------------------------------------------

  start(): void {
    if (!this.runnable) {
      if (this.key.kind === 'failed') this.lastError = `${this.key.source}: ${this.key.reason}`;
      return;
    }
    this.enqueue(this.primary, { type: this.config.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' });
  }

  /** ManualStop with a Cease (RFC 4486) and, for shutdown/reset, an RFC 9003 message. */
  stop(subcode: number, message?: string): void {
    // RFC 9003 defines the Shutdown Communication for Administrative Shutdown and Reset; the same form goes with
    // Other Configuration Change (a password or setting changed), so the peer's log says why its session reset.
    const withText: readonly number[] = [CeaseSubcode.AdministrativeShutdown, CeaseSubcode.AdministrativeReset, CeaseSubcode.OtherConfigurationChange];
    const data = message !== undefined && withText.includes(subcode) ? shutdownCommunicationData(message) : undefined;
    const cease = data === undefined ? { subcode } : { subcode, data };
    if (this.secondary) this.enqueue(this.secondary, { type: 'ManualStop', cease });
    this.enqueue(this.primary, { type: 'ManualStop', cease });
  }

  disable(message?: string): void {
    this.enabled = false;
    this.stop(CeaseSubcode.AdministrativeShutdown, message ?? 'disabled by the operator');
  }

  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.start();
  }

  reset(message?: string): void {
    this.stop(CeaseSubcode.AdministrativeReset, message ?? 'reset by the operator');
    this.afterDrain(() => this.start());
  }

  /** Apply a new configuration or key: Cease "other configuration change", then come back up (if runnable). */
  reconfigure(config: PeerConfig, key: PeerKeyState, message: string): void {
    const wasUp = this.state !== 'Idle';
    // A new MD5 key also goes onto the live socket, right after the Cease is written: the Cease leaves signed
    // with the key the peer has been using, and its retransmissions and the FIN with the new one, so a peer
    // that rotated first gets them too (Linux signs each segment as it is sent).
    const old = this.key;
    const changedMd5 = key.kind === 'loaded' && key.ao === undefined && old.kind === 'loaded' && old.ao === undefined &&
      old.key.fingerprint !== key.key.fingerprint;
    this.rekeyOnCease = changedMd5 ? key.key.key : null;
    if (wasUp) this.stop(CeaseSubcode.OtherConfigurationChange, message);
    this.afterDrain(() => {
      this.rekeyOnCease = null;
      this.config = config;
      this.key = key;
      this.primary.timers.stopAll();
      this.primary = this.newRunner(this.newSession());
      this.authDiagnosis = null;
      this.lastError = key.kind === 'failed' ? `${key.source}: ${key.reason}` : null;
      this.start();
    });
  }

  /** The peer was removed from the configuration. */
  destroy(): void {
    this.stop(CeaseSubcode.PeerDeConfigured);
    this.afterDrain(() => {
      this.stopped = true;
      this.grHelper.stop();
      this.primary.timers.stopAll();
      this.secondary?.timers.stopAll();
      this.pending?.abort.abort();
      for (const c of this.conns.values()) c.close();
      this.conns.clear();
    });
  }

  // --- connections ----------------------------------------------------------------------------------------

  /** An accepted connection from this peer's address, still paused. */
  acceptIncoming(socket: Socket, remoteAddress: string): void {
    if (!this.runnable || this.primary.session.state === 'Idle') {
      // RFC 4271 §8.2.2 Idle: "any incoming connections are refused"; a peer without a usable key never
      // runs unauthenticated.
      socket.destroy();
      return;
    }
    const conn = new BgpConnection(socket, 'remote', this.handler, newConnectionId(), remoteAddress);
    this.conns.set(conn.id, conn);
    // The primary FSM takes it, or (OpenSent and later) asks for a second FSM: TrackSecondConnection.
    this.enqueue(this.primary, { type: 'TcpConnectionConfirmed', connection: conn.ref });
  }

  private initiate(runner: Runner): void {
    if (this.pending !== null || this.config.localAddress === undefined && this.config.passive) return;
    const id = newConnectionId();
    const abort = new AbortController();
    this.pending = { id, abort };
    const ttl: TtlOptions | undefined = this.config.ttlSecurity > 0 ? gtsm(this.config.ttlSecurity) : undefined;
    const md5Key = this.key.kind === 'loaded' && this.key.ao === undefined ? this.key.key.key : undefined;
    const aoKeys = this.key.kind === 'loaded' && this.key.ao !== undefined
      ? this.key.ao.map((k) => ({ peer: this.config.peerIP, algorithm: k.algorithm, sendId: k.sendId, recvId: k.recvId, key: k.key.key }))
      : undefined;
    const localAddress = this.config.localAddress ?? (this.config.family === 4 ? '0.0.0.0' : '::');
    connectKeyed({
      host: this.config.peerIP,
      port: this.config.port,
      localAddress,
      ...(md5Key !== undefined ? { md5Key } : {}),
      ...(aoKeys !== undefined ? { aoKeys } : {}),
      ...(ttl !== undefined ? { ttl } : {}),
      timeoutMs: CONNECT_RETRY_TIME * 1000,
      signal: abort.signal,
      ...(this.host.netns !== undefined ? { netns: this.host.netns } : {}),
    }).then(
      (socket) => {
        if (this.pending?.id !== id || this.stopped) {
          socket.destroy();
          return;
        }
        this.pending = null;
        const conn = new BgpConnection(socket, 'local', this.handler, id, this.config.peerIP);
        this.conns.set(id, conn);
        this.enqueue(this.primary, { type: 'Tcp_CR_Acked', connection: conn.ref });
      },
      (err: Error) => {
        if (this.pending?.id !== id) return;
        this.pending = null;
        if (!this.established) this.lastError = err.message;
        this.enqueue(runner === this.secondary ? this.primary : runner, { type: 'TcpConnectionFails', connection: { id, initiatedBy: 'local' } });
      },
    );
  }

  private runnerFor(connId: number): Runner | null {
    if (this.primary.session.connection?.id === connId) return this.primary;
    if (this.secondary?.session.connection?.id === connId) return this.secondary;
    return null;
  }

  private onMessage(conn: BgpConnection, msg: BgpMessage, update: UpdateDecodeSuccess | null): void {
    this.messagesIn++;
    const runner = this.runnerFor(conn.id);
    if (runner === null) {
      conn.destroy();
      return;
    }
    switch (msg.type) {
      case 'OPEN':
        this.onOpen(runner, msg);
        return;
      case 'KEEPALIVE':
        this.enqueue(runner, { type: 'KeepAliveMsg' });
        return;
      case 'UPDATE': {
        if (update === null) return;
        const o = updateOutcome(update);
        if (o.notes.length > 0) this.host.log.warn({ peer: this.name, notes: o.notes }, 'malformed UPDATE handled per RFC 7606');
        if (o.error !== null) this.lastError = o.error;
        if (o.event.type === 'UpdateMsg' && runner === this.primary && runner.session.state === 'Established' && !this.draining && this.queue.length === 0) {
          // RFC 4271 §8.2.2 Established, Event 27: process the UPDATE, restart the HoldTimer. The same as the
          // FSM's cell (src/fsm/table.ts), taken directly: a full table is ~100,000 UPDATEs, and a step per
          // message (transition, actions, settle) cost more than the routes themselves.
          const hold = runner.session.negotiatedHoldTime ?? 0;
          if (hold !== 0) runner.timers.start('HoldTimer', hold);
          this.processUpdate(msg, o.treatAsWithdraw);
          return;
        }
        this.enqueue(runner, o.event, msg, o.treatAsWithdraw);
        return;
      }
      case 'NOTIFICATION': {
        const n = notificationEvent(msg);
        this.lastError = n.text;
        this.enqueue(runner, n.event);
        return;
      }
      case 'ROUTE-REFRESH':
        if (runner === this.primary && this.established && this.negotiated?.routeRefresh) this.answerRouteRefresh(conn, msg.afi, msg.safi);
        return;
    }
  }

  private onOpen(runner: Runner, msg: OpenMessage): void {
    const summary = summarizeOpen(msg);
    const check = validateOpen(summary, { localAs: this.config.localAS, localBgpId: this.host.routerId, peerAs: this.config.peerAS });
    if (!check.ok) {
      this.lastError = `OPEN rejected: ${check.reason}`;
      this.enqueue(runner, { type: 'BGPOpenMsgErr', notification: check.notification });
      return;
    }
    this.remoteRouterId = summary.bgpIdentifier;
    const other = runner === this.primary ? this.secondary : this.primary;
    const d = resolveOpen(runner.session, other?.session ?? null, summary, this.host.routerId);
    if (d.outcome.kind === 'CloseExisting' && other?.session.state === 'Established' && runner === this.secondary) {
      // RFC 4271 §6.8 leaves a race: the peer may still be in OpenConfirm on the connection we see Established
      // (its KEEPALIVE overtook its OPEN on the other one) and keep the new connection, or be Established too and,
      // by the RFC's default, close the new one. Either choice made here alone can lose both connections, so let
      // the peer decide: hold this OPEN until the peer closes one connection, or for COLLISION_GRACE_MS, after which
      // the Established connection stays and the new one is closed (the default of §8.1.1).
      this.deferOpen(runner, summary);
      return;
    }
    this.enqueue(runner, d.incoming); // the FSM turns it into Event 20 while DelayOpenTimer runs
    if (d.existing !== null && other !== null) this.enqueue(other, d.existing);
  }

  /** An OPEN held back by a collision with the Established connection (by connection id: runners get promoted). */
  private deferred: { readonly connId: number; readonly open: OpenSummary; readonly timer: ReturnType<typeof setTimeout> } | null = null;

  private deferOpen(runner: Runner, open: OpenSummary): void {
    if (this.deferred !== null) clearTimeout(this.deferred.timer);
    const timer = setTimeout(() => this.resolveDeferred(), COLLISION_GRACE_MS);
    timer.unref();
    this.deferred = { connId: runner.session.connection!.id, open, timer };
    this.host.log.info({ peer: this.name }, 'connection collision with an Established session: waiting for the peer to choose');
  }

  /** The peer chose (one connection closed) or the grace time ran out. */
  private resolveDeferred(): void {
    const d = this.deferred;
    if (d === null) return;
    clearTimeout(d.timer);
    this.deferred = null;
    const r = this.runnerFor(d.connId);
    if (r === null) return; // the peer closed the new connection
    const other = r === this.primary ? this.secondary : this.primary;
    if (other !== null && other.session.state === 'Established') {
      this.enqueue(r, { type: 'OpenCollisionDump' }); // RFC 4271 §8.1.1 default: close the new connection
    } else {
      this.enqueue(r, { type: 'BGPOpen', open: d.open }); // the peer closed the old one: carry on here
    }
  }

  /** Has the peer chosen yet? (one of the two connections is gone) */
  private deferredDecided(): boolean {
    const d = this.deferred;
    if (d === null) return false;
    const r = this.runnerFor(d.connId);
    if (r === null) return true;
    const other = r === this.primary ? this.secondary : this.primary;
    return other === null || other.session.state !== 'Established';
  }

  private onDecodeError(conn: BgpConnection, failure: DecodeFailure, type: number): void {
    const runner = this.runnerFor(conn.id);
    this.lastError = `malformed message from the peer: ${failure.reason}`;
    if (runner === null) {
      conn.destroy();
      return;
    }
    this.enqueue(runner, decodeErrorEvent(failure, type));
  }

  private onClosed(conn: BgpConnection, error: Error | undefined): void {
    this.conns.delete(conn.id);
    const runner = this.runnerFor(conn.id);
    if (runner === null) return;
    if (error !== undefined && !this.lastError?.startsWith('received NOTIFICATION')) this.lastError = error.message;
    this.enqueue(runner, { type: 'TcpConnectionFails', connection: conn.ref });
  }

  // --- the event loop ---------------------------------------------------------------------------------------

  private enqueue(runner: Runner, event: FsmEvent, update?: UpdateMessage, treatAsWithdraw?: boolean): void {
    this.queue.push(update === undefined ? { runner, event } : { runner, event, update, treatAsWithdraw: treatAsWithdraw === true });
    this.drain();
  }

  private readonly drainWaiters: (() => void)[] = [];

  /** Run `fn` once every queued event has been processed. */
  private afterDrain(fn: () => void): void {
    if (!this.draining && this.queue.length === 0) fn();
    else this.drainWaiters.push(fn);
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let q = this.queue.shift(); q !== undefined; q = this.queue.shift()) {
        if (q.runner !== this.primary && q.runner !== this.secondary) continue; // a discarded FSM
        // The connection the event arrived on: a NOTIFICATION the step asks for goes out on it even though the
        // new session (now Idle) has already let go of it.
        this.stepConnection = q.runner.session.connection;
        const r = step(q.runner.session, q.event, this.host.clock.now());
        q.runner.session = r.session;
        q.runner.handoff = null;
        for (const a of r.actions) this.execute(q.runner, a, q);
        this.settle();
      }
    } finally {
      this.draining = false;
    }
    while (this.drainWaiters.length > 0 && this.queue.length === 0) this.drainWaiters.shift()!();
  }

  /** After each step: drop dead second FSMs, promote a surviving one, close orphaned connections. */
  private settle(): void {
    if (this.deferredDecided()) queueMicrotask(() => this.resolveDeferred());
    const s = this.secondary;
    if (s !== null) {
      if (s.session.state === 'Idle' || (s.session.connection === null && s.handoff === null)) {
        // A second FSM never initiates or restarts (forkForSecondConnection): without its connection it is
        // dead, even in Active (OpenSent + TcpConnectionFails), and must not block the next collision.
        s.timers.stopAll();
        this.secondary = null;
      } else if (s.session.connection !== null && this.primary.session.connection === null && this.primary.session.state !== 'Established') {
        // The primary lost the collision, or its connection failed (Idle, or Active awaiting a retry): the
        // second connection carries on as the peer's session; a dial still pending would only collide with it.
        this.primary.timers.stopAll();
        this.pending?.abort.abort();
        this.pending = null;
        this.primary = this.newRunnerFrom(promote(s.session), s);
        this.secondary = null;
      }
    }
    const owned = new Set<number>();
    if (this.primary.session.connection) owned.add(this.primary.session.connection.id);
    if (this.secondary?.session.connection) owned.add(this.secondary.session.connection.id);
    // The connection of a second FSM just forked is not in its session until its first event is processed.
    if (this.secondary?.handoff != null) owned.add(this.secondary.handoff);
    for (const [id, c] of this.conns) {
      if (!owned.has(id)) {
        c.close();
        this.conns.delete(id);
      }
    }
    const st = this.state;
    if (st !== this.lastState) {
      this.host.log.info({ peer: this.name, from: this.lastState, to: st }, 'BGP state change');
      this.lastState = st;
      this.since = new Date();
      if (st === 'Established') {
        this.authDiagnosis = null;
        this.lastError = null;
      }
    }
  }

  private newRunnerFrom(session: SessionState, old: Runner): Runner {
    old.timers.stopAll();
    const runner = this.newRunner(session);
    for (const t of ['ConnectRetryTimer', 'HoldTimer', 'KeepaliveTimer', 'DelayOpenTimer', 'IdleHoldTimer'] as const) {
      const deadline = session.timers[t];
      if (deadline !== null) runner.timers.start(t, Math.max(0, (deadline - this.host.clock.now()) / 1000));
    }
    return runner;
  }

  private connOf(runner: Runner): BgpConnection | undefined {
    const ref = runner.session.connection;
    return ref === null ? undefined : this.conns.get(ref.id);
  }

  private send(runner: Runner, msg: BgpMessage): void {
    const c = this.connOf(runner);
    if (c === undefined) return;
    c.send(msg);
    this.messagesOut++;
  }

  private execute(runner: Runner, a: Action, q: Queued): void {
    switch (a.type) {
      case 'InitializeResources':
      case 'Listen':
        return; // the shared keyed listener is always open; accepted connections are routed here by address
      case 'InitiateTcpConnection':
        this.initiate(runner);
        return;
      case 'DropTcpConnection': {
        if (a.connection === null) {
          this.pending?.abort.abort();
          this.pending = null;
          return;
        }
        const c = this.conns.get(a.connection.id);
        c?.close();
        this.conns.delete(a.connection.id);
        return;
      }
      case 'TrackSecondConnection': {
        const c = this.conns.get(a.connection.id);
        if (this.secondary !== null || c === undefined) {
          c?.close();
          this.conns.delete(a.connection.id);
          return;
        }
        const second = this.newRunner(forkForSecondConnection(this.primary.session));
        second.handoff = a.connection.id;
        this.secondary = second;
        this.enqueue(second, a.connection.initiatedBy === 'local'
          ? { type: 'Tcp_CR_Acked', connection: a.connection }
          : { type: 'TcpConnectionConfirmed', connection: a.connection });
        return;
      }
      case 'SendOpen':
        this.send(runner, this.ourOpen());
        return;
      case 'SendKeepalive':
        this.send(runner, KEEPALIVE);
        return;
      case 'SendNotification': {
        const spec: NotificationSpec = { code: a.code, subcode: a.subcode, data: a.data };
        const ref = runner.session.connection ?? this.stepConnection;
        const c = ref === null ? undefined : this.conns.get(ref.id);
        if (c !== undefined) {
          c.send(notificationFromSpec(spec));
          this.messagesOut++;
          if (this.rekeyOnCease !== null) {
            try {
              setSocketMd5Key(c.socket, this.rekeyOnCease);
            } catch (e) {
              this.host.log.warn({ peer: this.name, err: (e as Error).message }, 'could not re-key the closing connection');
            }
          }
        }
        if (!(a.code === ErrorCode.Cease)) this.lastError = `sent NOTIFICATION: ${describeNotification(spec)}`;
        this.host.log.info({ peer: this.name, notification: describeNotification(spec) }, 'sent NOTIFICATION');
        return;
      }
      case 'StartTimer':
        runner.timers.start(a.timer, a.seconds);
        return;
      case 'StopTimer':
        runner.timers.stop(a.timer);
        return;
      case 'ProcessUpdate':
        if (q.update !== undefined) this.processUpdate(q.update, q.treatAsWithdraw === true);
        return;
      case 'ReleaseResources':
        runner.timers.stopAll();
        return;
      case 'SessionEstablished':
        this.onEstablished(runner, a.peer);
        return;
      case 'SessionDown': {
        const r = a.reason;
        if (r.received) this.lastError = `received NOTIFICATION: ${describeNotification(r.received)}`;
        else if (r.sent && r.sent.code !== ErrorCode.Cease) this.lastError = `sent NOTIFICATION: ${describeNotification(r.sent)}`;
        else if (this.lastError === null) this.lastError = `session down (${r.event})`;
        // RFC 4724 §4.2: without a NOTIFICATION a GR-capable peer's routes stay, stale (gr-helper.ts).
        const gr = this.negotiated?.gracefulRestart ?? null;
        this.negotiated = null;
        this.endOfRibReceived.clear();
        this.initialPending = false;
        this.grHelper.sessionDown(gr, r);
        this.host.routesChanged(this);
        return;
      }
    }
  }

  // --- Established: OPEN, negotiation, advertisement -------------------------------------------------------

  private ourOpen(): OpenMessage {
    const lr = this.host.localRestart;
    return localOpen(this.config.localAS, this.config.holdTime, this.host.routerId, this.host.hostname, {
      restartTime: this.config.maxRestartTime,
      restarting: lr.restarting,
      forwardingPreserved: lr.forwardingPreserved,
    });
  }

  private onEstablished(runner: Runner, peerOpen: Parameters<typeof negotiate>[1]): void {
    const ours = summarizeOpen(this.ourOpen());
    const n = negotiate(ours, peerOpen, { keepaliveTime: null });
    this.negotiated = n;
    const conn = this.connOf(runner);
    if (conn === undefined) return;
    conn.setContext(n.codecContext);
    this.host.log.info({ peer: this.name, holdTime: n.holdTime, fourOctetAs: n.fourOctetAs, families: n.families.map(familyName), gracefulRestart: grLog(n) }, 'session established');
    this.grHelper.established(n.gracefulRestart, n.families);
    if (this.host.localRestart.selectionDeferred) {
      // RFC 4724 §4.1: after our own restart, no UPDATE (and no End-of-RIB) before route selection is done. The
      // Adj-RIB-Out starts now (it fills when the speaker runs the decision process at the end of the deferral).
      this.ribIn.established(this.remoteRouterId ?? 0, n.families.map((k) => k >> 8), n.fourOctetAs);
      this.initialPending = true;
      this.host.routesChanged(this); // a peer without GR (or restarting itself) is not waited for
      return;
    }
    this.host.rib.process(); // the Loc-RIB is current before this peer's Adj-RIB-Out is built from it
    this.ribIn.established(this.remoteRouterId ?? 0, n.families.map((k) => k >> 8), n.fourOctetAs);
    this.advertiseInitial(conn, n);
  }

  /** Route selection deferral is over (RFC 4724 §4.1; the speaker ran the decision): send the table and End-of-RIB. */
  selectionDone(): void {
    if (!this.initialPending) return;
    this.initialPending = false;
    const n = this.negotiated;
    const conn = this.connOf(this.primary);
    if (n === null || conn === undefined || !this.established) return;
    this.advertiseInitial(conn, n);
  }

  /**
   * Whether route selection after our restart may go ahead as far as this peer is concerned (RFC 4724 §4.1):
   * it sent End-of-RIB for every family, or it is excluded (no Graceful Restart capability, or its own R bit
   * set), or it is not running at all. A configured peer still down holds selection until the deferral timer.
   */
  get readyForSelection(): boolean {
    if (!this.runnable) return true;
    const n = this.negotiated;
    if (!this.established || n === null) return false;
    if (n.gracefulRestart === null || n.gracefulRestart.peerRestarting) return true;
    return n.families.every((f) => this.endOfRibReceived.has(f));
  }

  private advertiseInitial(conn: BgpConnection, n: Negotiated): void {
    this.flushUpdates();
    this.host.routesChanged(this); // other peers' queues, if process() decided anything
    // RFC 4724 §2: End-of-RIB after the initial table, per family.
    for (const k of n.families) this.sendRaw(conn, this.ribIn.endOfRib(k >> 8, n.codecContext));
  }

  private sendRaw(conn: BgpConnection, bytes: Uint8Array): void {
    conn.sendRaw(bytes);
    this.messagesOut++;
  }

  /**
   * Send what the RIB queued for this peer's Adj-RIB-Out (withdrawals, then announcements per attribute set).
   * The speaker calls it after each decision run; returns the number of messages sent.
   */
  flushUpdates(): number {
    const n = this.negotiated;
    if (n === null || !this.established) return 0;
    const conn = this.connOf(this.primary);
    if (conn === undefined) return 0;
    const out = this.ribIn.takeUpdateBytes(n.codecContext);
    if (out.messages > 0) {
      conn.sendMessages(out.bytes, out.messages);
      this.messagesOut += out.messages;
      // RFC 4271 §8.2.2 Established: each UPDATE sent restarts the KeepaliveTimer.
      const r = messageSent(this.primary.session, this.host.clock.now());
      this.primary.session = r.session;
      this.primary.timers.apply(r.actions);
    }
    return out.messages;
  }

  /** RFC 2918 §4 / RFC 7313 §4: re-advertise the Adj-RIB-Out of the family, bracketed by BoRR/EoRR when enhanced. */
  private answerRouteRefresh(conn: BgpConnection, afi: number, safi: number): void {
    const n = this.negotiated!;
    if (!n.families.includes(afiSafiKey(afi, safi))) return;
    if (n.enhancedRouteRefresh) conn.send({ type: 'ROUTE-REFRESH', afi, safi, subtype: RouteRefreshSubtype.BoRR });
    this.ribIn.refresh(afi);
    this.flushUpdates();
    if (n.enhancedRouteRefresh) conn.send({ type: 'ROUTE-REFRESH', afi, safi, subtype: RouteRefreshSubtype.EoRR });
    else this.sendRaw(conn, this.ribIn.endOfRib(afi, n.codecContext));
  }

  /** Ask the peer to send its routes again (import policy changed; RFC 2918). False when not negotiated. */
  requestRefresh(): boolean {
    const n = this.negotiated;
    const conn = this.connOf(this.primary);
    if (n === null || !n.routeRefresh || conn === undefined || !this.established) return false;
    for (const k of n.families) conn.send({ type: 'ROUTE-REFRESH', afi: k >> 8, safi: k & 0xff, subtype: RouteRefreshSubtype.Normal });
    this.messagesOut += n.families.length;
    return true;
  }

  private processUpdate(u: UpdateMessage, treatAsWithdraw: boolean): void {
    const eor = isEndOfRib(u);
    if (eor !== undefined) {
      // RFC 4724 §2: the peer has sent its whole table for this family.
      this.endOfRibReceived.add(afiSafiKey(eor.afi, eor.safi));
      this.host.log.info({ peer: this.name, family: familyName(afiSafiKey(eor.afi, eor.safi)) }, 'End-of-RIB received');
      if (eor.safi === Safi.Unicast) this.grHelper.endOfRib(eor.afi);
      this.host.routesChanged(this); // a deferred selection may be waiting for it
      return;
    }
    const r = this.ribIn.apply(u, treatAsWithdraw);
    if (r.announced > 0 || r.withdrawn > 0) this.host.routesChanged(this);
  }

  private onHelperEvent(e: HelperEvent): void {
    if (e.type === 'kept') {
      this.host.log.info({ peer: this.name, families: e.families.map((a) => familyName(afiSafiKey(a, Safi.Unicast))), staleRoutes: e.routes, restartTime: e.restartTime }, 'graceful restart: peer routes kept as stale');
    } else {
      this.host.log.info({ peer: this.name, family: familyName(afiSafiKey(e.afi, Safi.Unicast)), removed: e.routes, why: e.why }, 'graceful restart: stale routes removed');
    }
    this.host.routesChanged(this);
  }

  /** Close every connection without a NOTIFICATION and stop (our graceful restart, RFC 4724 §4.1). */
  closeForRestart(): void {
    this.stopped = true;
    this.primary.timers.stopAll();
    this.secondary?.timers.stopAll();
    this.grHelper.stop();
    this.pending?.abort.abort();
    this.pending = null;
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }

  // --- authentication diagnosis ----------------------------------------------------------------------------

  /**
   * The speaker reads the namespace's counters once per interval and hands every peer the snapshot; a peer
   * that is trying to connect attributes the growth since its previous snapshot to itself (see auth-diagnosis.ts).
   */
  observeCounters(now: CounterSnapshot, trying: number): void {
    const base = this.diagBase;
    this.diagBase = now;
    if (base === null || this.established || !this.runnable) return;
    const method = this.config.auth.method;
    const d = diagnose(base, now, method, Math.max(1, trying));
    if (d !== null) {
      if (d.reason !== this.authDiagnosis) this.host.log.warn({ peer: this.name, counter: d.counter, delta: d.delta }, d.reason);
      this.authDiagnosis = d.reason;
    } else if (this.authDiagnosis === null && this.state !== 'OpenSent' && this.state !== 'OpenConfirm' && method !== 'none' && Date.now() - this.since.getTime() > 10_000) {
      this.authDiagnosis = noEvidenceReason(method, this.config.passive);
    }
  }
}

function grLog(n: Negotiated): unknown {
  const g = n.gracefulRestart;
  return g === null ? null : { restartTime: g.restartTime, restarting: g.peerRestarting, forwarding: g.families.filter((f) => f.forwardingState).map((f) => familyName(afiSafiKey(f.afi, f.safi))) };
}

function familyName(k: number): string {
  const afi = k >> 8;
  const safi = k & 0xff;
  return `${afi === Afi.IPv4 ? 'ipv4' : afi === Afi.IPv6 ? 'ipv6' : `afi${afi}`}-${safi === Safi.Unicast ? 'unicast' : `safi${safi}`}`;
}

export { familyName };

