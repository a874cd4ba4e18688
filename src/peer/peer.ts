// One BGP neighbor at run time: runs the pure FSM (src/fsm) over real connections and timers. Every input —
// a connection accepted or established, a decoded message, a timer — becomes an FSM event; the actions that
// step() returns are executed here, in order. Events are queued so that actions never re-enter step().
//
// Collision handling (RFC 4271 §6.8): a second connection gets its own FSM (forkForSecondConnection); on
// every valid OPEN resolveOpen() says which FSM survives, and a surviving second FSM is promoted. The routing
// side of the Established session is session-routes.ts; the outgoing connection dial.ts.
import type { Socket } from 'node:net';
import type { PeerConfig } from '../config/model.js';
import {
  forkForSecondConnection, messageSent, promote, resolveOpen, step,
  type Action, type ConnectionRef, type FsmEvent, type State,
} from '../fsm/index.js';
import { setSocketMd5Key } from '../transport/index.js';
import { CeaseSubcode, ErrorCode } from '../wire/iana.js';
import { KEEPALIVE } from '../wire/keepalive.js';
import type { OpenMessage } from '../wire/open.js';
import { describeNotification, notificationFromSpec, shutdownCommunicationData } from '../wire/notification.js';
import type { NotificationSpec, DecodeFailure } from '../wire/types.js';
import type { UpdateDecodeSuccess, UpdateMessage } from '../wire/update.js';
import type { BgpMessage } from '../wire/message.js';
import type { RibPeerHandle } from '../rib/rib.js';
import { BgpConnection, newConnectionId, type ConnectionHandler } from './connection.js';
import type { Negotiated } from './negotiate.js';
import type { OpenSummary } from '../fsm/summary.js';
import { validateOpen } from './open-validate.js';
import { decodeErrorEvent, notificationEvent, updateOutcome } from './inbound.js';
import { summarizeOpen } from './open-summary.js';
import { localOpen } from './local-open.js';
import { diagnose, noEvidenceReason, type CounterSnapshot } from './auth-diagnosis.js';
import type { GracefulRestartHelper } from './gr-helper.js';
import type { PeerHost, PeerKeyState } from './host.js';
import { Dialer, dialOptions } from './dial.js';
import { OpenCollision } from './open-collision.js';
import { SessionRoutes } from './session-routes.js';
import { CONNECT_RETRY_TIME, Runner, newSession } from './runner.js';

export type { AoMaterial, LoadedKey, LocalRestartState, PeerHost, PeerKeyState } from './host.js';
export { familyName } from './family.js';

type Queued = { readonly runner: Runner; readonly event: FsmEvent; readonly update?: UpdateMessage; readonly treatAsWithdraw?: boolean };

const STATE_ORDER: readonly State[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

export class Peer {
  config: PeerConfig;
  key: PeerKeyState;
  enabled = true;
  readonly ribIn: RibPeerHandle;
  remoteRouterId: number | null = null;
  lastError: string | null = null;
  authDiagnosis: string | null = null;
  since: Date;
  messagesIn = 0;
  messagesOut = 0;

  private primary: Runner;
  private secondary: Runner | null = null;
  private readonly conns = new Map<number, BgpConnection>();
  private readonly dialer = new Dialer();
  private readonly queue: Queued[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private stepConnection: ConnectionRef | null = null;
  private rekeyOnCease: Buffer | null = null;
  private draining = false;
  private lastState: State = 'Idle';
  private diagBase: CounterSnapshot | null = null;
  private stopped = false;
  private readonly handler: ConnectionHandler;
  private readonly expired = (runner: Runner, event: FsmEvent): void => this.enqueue(runner, event);
  private readonly collision: OpenCollision;
  private readonly routes: SessionRoutes;

  constructor(config: PeerConfig, key: PeerKeyState, private readonly host: PeerHost) {
    this.config = config;
    this.key = key;
    this.ribIn = host.rib.addPeer(config);
    const self = this;
    this.routes = new SessionRoutes(this.ribIn, host.clock, {
      get name() {
        return self.name;
      },
      log: host.log,
      rib: host.rib,
      localRestart: host.localRestart,
      routesChanged: () => host.routesChanged(this),
      sent: (count, updates) => this.sent(count, updates),
    });
    this.collision = new OpenCollision({
      otherEstablished: (connId) => {
        const r = this.runnerFor(connId);
        if (r === null) return null;
        const other = r === this.primary ? this.secondary : this.primary;
        return other !== null && other.session.state === 'Established';
      },
      decide: (connId, event) => {
        const r = this.runnerFor(connId);
        if (r !== null) this.enqueue(r, event);
      },
      waiting: () => host.log.info({ peer: this.name }, 'connection collision with an Established session: waiting for the peer to choose'),
    });
    this.since = new Date();
    this.primary = new Runner(newSession(config), host.clock, this.expired);
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
    const a = this.primary.session.state;
    const b = this.secondary?.session.state;
    return b !== undefined && STATE_ORDER.indexOf(b) > STATE_ORDER.indexOf(a) ? b : a;
  }

  get established(): boolean {
    return this.primary.session.state === 'Established';
  }

  /** Authentication configured and usable? (fail closed: a configured key that failed keeps the peer down) */
  get runnable(): boolean {
    return this.enabled && this.key.kind !== 'failed' && !this.stopped;
  }

  /** What the Established session negotiated (null when there is none). */
  get negotiated(): Negotiated | null {
    return this.routes.negotiated;
  }

  /** Families whose End-of-RIB (RFC 4724 §2) arrived in this session. */
  get endOfRibReceived(): ReadonlySet<number> {
    return this.routes.endOfRibReceived;
  }

  /** RFC 4724 §4.2: this peer's routes across its restarts. */
  get grHelper(): GracefulRestartHelper {
    return this.routes.grHelper;
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
      this.primary = new Runner(newSession(config), this.host.clock, this.expired);
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
      this.closeAll();
    });
  }

  /** Close every connection without a NOTIFICATION and stop (our graceful restart, RFC 4724 §4.1). */
  closeForRestart(): void {
    this.stopped = true;
    this.closeAll();
  }

  private closeAll(): void {
    this.primary.timers.stopAll();
    this.secondary?.timers.stopAll();
    this.routes.stop();
    this.dialer.abort();
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
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
    if (this.dialer.busy || this.config.localAddress === undefined && this.config.passive) return;
    const id = newConnectionId();
    const o = dialOptions(this.config, this.key, CONNECT_RETRY_TIME * 1000, this.host.netns);
    this.dialer.dial(id, o, (socket) => {
      if (this.stopped) {
        socket.destroy();
        return;
      }
      const conn = new BgpConnection(socket, 'local', this.handler, id, this.config.peerIP);
      this.conns.set(id, conn);
      this.enqueue(this.primary, { type: 'Tcp_CR_Acked', connection: conn.ref });
    }, (err) => {
      if (!this.established) this.lastError = err.message;
      this.enqueue(runner === this.secondary ? this.primary : runner, { type: 'TcpConnectionFails', connection: { id, initiatedBy: 'local' } });
    });
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
          this.routes.update(msg, o.treatAsWithdraw);
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
        if (runner === this.primary && this.established) this.routes.answerRefresh(conn, msg.afi, msg.safi);
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
      // RFC 4271 §6.8 leaves a race here; the peer decides (open-collision.ts).
      this.collision.defer(runner.session.connection!.id, summary);
      return;
    }
    this.enqueue(runner, d.incoming); // the FSM turns it into Event 20 while DelayOpenTimer runs
    if (d.existing !== null && other !== null) this.enqueue(other, d.existing);
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
    if (this.collision.decided) queueMicrotask(() => this.collision.resolve());
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
        this.dialer.abort();
        this.primary = Runner.takeOver(promote(s.session), s, this.host.clock, this.expired);
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

  /** The routing side wrote `count` messages on the Established connection. */
  private sent(count: number, updates: boolean): void {
    this.messagesOut += count;
    if (!updates) return;
    // RFC 4271 §8.2.2 Established: each UPDATE sent restarts the KeepaliveTimer.
    const r = messageSent(this.primary.session, this.host.clock.now());
    this.primary.session = r.session;
    this.primary.timers.apply(r.actions);
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
          this.dialer.abort();
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
        const second = new Runner(forkForSecondConnection(this.primary.session), this.host.clock, this.expired);
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
        if (q.update !== undefined) this.routes.update(q.update, q.treatAsWithdraw === true);
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
        this.routes.sessionDown(r);
        return;
      }
    }
  }

  // --- Established: OPEN, negotiation; the routes are session-routes.ts' ------------------------------------

  private ourOpen(): OpenMessage {
    const lr = this.host.localRestart;
    return localOpen(this.config.localAS, this.config.holdTime, this.host.routerId, this.host.hostname, {
      restartTime: this.config.maxRestartTime,
      restarting: lr.restarting,
      forwardingPreserved: lr.forwardingPreserved,
    });
  }

  private onEstablished(runner: Runner, peerOpen: OpenSummary): void {
    this.routes.established(this.connOf(runner), summarizeOpen(this.ourOpen()), peerOpen, this.remoteRouterId ?? 0);
  }

  /** Route selection deferral is over (RFC 4724 §4.1; the speaker ran the decision): send the table and End-of-RIB. */
  selectionDone(): void {
    this.routes.selectionDone(this.established ? this.connOf(this.primary) : undefined);
  }

  /**
   * Whether route selection after our restart may go ahead as far as this peer is concerned (RFC 4724 §4.1):
   * it sent End-of-RIB for every family, or it is excluded (no Graceful Restart capability, or its own R bit
   * set), or it is not running at all. A configured peer still down holds selection until the deferral timer.
   */
  get readyForSelection(): boolean {
    if (!this.runnable) return true;
    return this.established && this.routes.readyForSelection;
  }

  /**
   * Send what the RIB queued for this peer's Adj-RIB-Out (withdrawals, then announcements per attribute set).
   * The speaker calls it after each decision run; returns the number of messages sent.
   */
  flushUpdates(): number {
    if (!this.established) return 0;
    const conn = this.connOf(this.primary);
    return conn === undefined ? 0 : this.routes.flush(conn);
  }

  /** Ask the peer to send its routes again (import policy changed; RFC 2918). False when not negotiated. */
  requestRefresh(): boolean {
    const conn = this.connOf(this.primary);
    return conn !== undefined && this.established && this.routes.requestRefresh(conn);
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
