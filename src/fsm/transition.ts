// The building blocks step() composes: one Transition collects the actions of a single step and the
// next session state. Each helper is one RFC 4271 §8.2.2 action list, reused across states.

import { CeaseSubcode, ErrorCode, FsmSubcode } from '../wire/iana.js';
import type { NotificationSpec } from '../wire/types.js';
import type { Action, DownReason } from './actions.js';
import { penalize } from './damping.js';
import { EXPIRING_TIMER, type ConnectionRef, type FsmEvent } from './events.js';
import { keepaliveInterval, negotiateHoldTime } from './hold-time.js';
import { jitterFactor, nextRandom } from './random.js';
import type { SessionState } from './session.js';
import { TIMERS, type State, type TimerName } from './states.js';
import { effectiveAs, type OpenSummary } from './summary.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface StepResult {
  readonly session: SessionState;
  readonly actions: readonly Action[];
}

const EMPTY = new Uint8Array(0);

export class Transition {
  readonly s: Mutable<SessionState>;
  private readonly timers: Record<TimerName, number | null>;
  readonly actions: Action[] = [];

  constructor(
    session: SessionState,
    readonly event: FsmEvent,
    readonly now: number,
  ) {
    this.s = { ...session };
    this.timers = { ...session.timers };
    // A timer that reports its expiry is no longer running.
    const expired = (EXPIRING_TIMER as Partial<Record<string, TimerName>>)[event.type];
    if (expired !== undefined) this.timers[expired] = null;
  }

  get config() {
    return this.s.config;
  }

  emit(action: Action): void {
    this.actions.push(action);
  }

  running(timer: TimerName): boolean {
    return this.timers[timer] !== null;
  }

  start(timer: TimerName, seconds: number): void {
    this.actions.push({ type: 'StartTimer', timer, seconds });
    this.timers[timer] = this.now + seconds * 1000;
  }

  /** RFC 4271 §10: ConnectRetryTimer and KeepaliveTimer get a random factor in [0.75, 1.0]. */
  startJittered(timer: TimerName, seconds: number): void {
    const r = nextRandom(this.s.rng);
    this.s.rng = r.state;
    this.start(timer, seconds * jitterFactor(r.value));
  }

  /** "stops the X timer and sets it to zero": only timers that run produce an action. */
  stop(timer: TimerName): void {
    if (this.timers[timer] === null) return;
    this.actions.push({ type: 'StopTimer', timer });
    this.timers[timer] = null;
  }

  result(): StepResult {
    return { session: { ...this.s, timers: { ...this.timers } }, actions: this.actions };
  }
}

export const notification = (code: number, subcode: number, data: Uint8Array = EMPTY): NotificationSpec => ({
  code,
  subcode,
  data,
});

/** RFC 4486: the Cease a stop event carries; ManualStop defaults to Administrative Shutdown. */
export function ceaseFor(event: FsmEvent): NotificationSpec {
  if (event.type === 'ManualStop' || event.type === 'AutomaticStop') {
    const fallback = event.type === 'ManualStop' ? CeaseSubcode.AdministrativeShutdown : 0;
    return notification(ErrorCode.Cease, event.cease?.subcode ?? fallback, event.cease?.data ?? EMPTY);
  }
  if (event.type === 'OpenCollisionDump') return COLLISION_CEASE;
  return notification(ErrorCode.Cease, 0);
}

/** RFC 4271 §6.8 via RFC 4486 §4: Cease / Connection Collision Resolution. */
export const COLLISION_CEASE: NotificationSpec = notification(ErrorCode.Cease, CeaseSubcode.ConnectionCollisionResolution);

/** RFC 4271 §8.2.2 / §6.5: Hold Timer Expired. */
export const HOLD_TIMER_EXPIRED: NotificationSpec = notification(ErrorCode.HoldTimerExpired, 0);

/** RFC 6608 §4: the FSM Error subcode names the state that got the unexpected event. */
export function fsmError(state: State): NotificationSpec {
  const subcode =
    state === 'OpenSent'
      ? FsmSubcode.UnexpectedMessageInOpenSent
      : state === 'OpenConfirm'
        ? FsmSubcode.UnexpectedMessageInOpenConfirm
        : state === 'Established'
          ? FsmSubcode.UnexpectedMessageInEstablished
          : FsmSubcode.Unspecified;
  return notification(ErrorCode.FiniteStateMachine, subcode);
}

/** Start a run (§8.2.2 Idle, Events 1, 3, 4, 5 and the damped starts 6, 7, 13). */
export function startSession(tx: Transition, flavor: 'active' | 'passive', resetCounter: boolean): void {
  tx.stop('IdleHoldTimer');
  tx.s.pendingStart = null;
  tx.emit({ type: 'InitializeResources' });
  if (resetCounter) tx.s.connectRetryCounter = 0;
  tx.startJittered('ConnectRetryTimer', tx.config.connectRetryTime);
  tx.s.passive = flavor === 'passive' || tx.s.secondary;
  if (!tx.s.passive) tx.emit({ type: 'InitiateTcpConnection' });
  tx.emit({ type: 'Listen' });
  tx.s.state = tx.s.passive ? 'Active' : 'Connect';
}

/** "sends an OPEN message to its peer, sets the HoldTimer to a large value, changes its state to OpenSent". */
export function sendOpen(tx: Transition): void {
  tx.emit({ type: 'SendOpen' });
  tx.start('HoldTimer', tx.config.largeHoldTime);
  tx.s.state = 'OpenSent';
}

/**
 * A valid OPEN moves the session to OpenConfirm (§8.2.2 OpenSent Event 19; Connect/Active Event 20,
 * where our own OPEN was delayed and goes out first).
 */
export function acceptOpen(tx: Transition, open: OpenSummary, delayedOpen: boolean): void {
  const holdTime = negotiateHoldTime(tx.config.holdTime, open.holdTime);
  const keepaliveTime = keepaliveInterval(holdTime, tx.config.keepaliveTime);
  tx.stop('ConnectRetryTimer');
  tx.stop('DelayOpenTimer');
  if (delayedOpen) tx.emit({ type: 'SendOpen' });
  tx.emit({ type: 'SendKeepalive' });
  if (holdTime !== 0) {
    tx.startJittered('KeepaliveTimer', keepaliveTime);
    tx.start('HoldTimer', holdTime);
  } else {
    // "If the negotiated hold time value is zero, then the HoldTimer and KeepaliveTimer are not started."
    tx.stop('KeepaliveTimer');
    tx.stop('HoldTimer');
  }
  tx.s.peerOpen = open;
  tx.s.negotiatedHoldTime = holdTime;
  tx.s.keepaliveTime = keepaliveTime;
  // "If the value of the autonomous system field is the same as the local Autonomous System number, set
  // the connection status to an internal connection; otherwise it will be external."
  tx.s.internal = effectiveAs(open) === tx.config.localAs;
  tx.s.state = 'OpenConfirm';
}

/** OpenConfirm, Event 26: the peer's KEEPALIVE completes the handshake. */
export function establish(tx: Transition): void {
  const hold = tx.s.negotiatedHoldTime ?? 0;
  if (hold !== 0) tx.start('HoldTimer', hold);
  tx.s.state = 'Established';
  tx.s.damping = { ...tx.s.damping, establishedAt: tx.now };
  const peer = tx.s.peerOpen;
  if (peer !== null) {
    tx.emit({
      type: 'SessionEstablished',
      holdTime: hold,
      keepaliveTime: tx.s.keepaliveTime ?? 0,
      internal: tx.s.internal ?? false,
      peer,
    });
  }
}

/** "restarts its HoldTimer, if the negotiated HoldTime value is non-zero". */
export function restartHoldTimer(tx: Transition): void {
  const hold = tx.s.negotiatedHoldTime ?? 0;
  if (hold !== 0) tx.start('HoldTimer', hold);
}

/** "restarts its KeepaliveTimer, unless the negotiated HoldTime value is zero". */
export function restartKeepaliveTimer(tx: Transition): void {
  if ((tx.s.negotiatedHoldTime ?? 0) !== 0) tx.startJittered('KeepaliveTimer', tx.s.keepaliveTime ?? 0);
}

/** A second TCP connection shows up while this one is past Active (§8.2.2 Events 14, 16, 17). */
export function trackSecond(tx: Transition, connection: ConnectionRef): void {
  if (tx.s.connection !== null && tx.s.connection.id === connection.id) return;
  tx.emit({ type: 'TrackSecondConnection', connection });
}

export interface IdleOptions {
  /** NOTIFICATION to send first, or null. */
  readonly notify: NotificationSpec | null;
  /** ConnectRetryCounter: "sets ... to zero", "increments ... by 1", or left alone. */
  readonly counter: 'zero' | 'increment' | 'keep';
  /** "drops the TCP connection" (absent where the connection already failed). */
  readonly drop: boolean;
  /** "(optionally) performs peer oscillation damping": this counts as a flap. */
  readonly damp: boolean;
  /** Schedule an automatic start on the IdleHoldTimer (AllowAutomaticStart). */
  readonly restart: boolean;
}

/** Failure defaults: counted, damped, restarted; the common tail of most §8.2.2 action lists. */
export const FAILURE: IdleOptions = { notify: null, counter: 'increment', drop: true, damp: true, restart: true };

const received = (event: FsmEvent): NotificationSpec | null =>
  event.type === 'NotifMsg' || event.type === 'NotifMsgVerErr' ? event.notification : null;

/**
 * Every transition to Idle: NOTIFICATION (if any), all timers stopped ("sets the ConnectRetryTimer to
 * zero", the rest is part of "releases all BGP resources"), routes deleted when leaving Established,
 * resources released, TCP dropped, ConnectRetryCounter updated, damping applied.
 */
export function enterIdle(tx: Transition, opts: IdleOptions): void {
  const s = tx.s;
  if (opts.notify !== null) tx.emit({ type: 'SendNotification', ...opts.notify });
  for (const timer of TIMERS) tx.stop(timer);
  const reason: DownReason = { event: tx.event.type, sent: opts.notify, received: received(tx.event) };
  // Established: "deletes all routes associated with this connection".
  if (s.state === 'Established') tx.emit({ type: 'SessionDown', reason });
  tx.emit({ type: 'ReleaseResources' });
  if (opts.drop) tx.emit({ type: 'DropTcpConnection', connection: s.connection });
  if (opts.counter === 'zero') s.connectRetryCounter = 0;
  else if (opts.counter === 'increment') s.connectRetryCounter += 1;
  s.damping = opts.damp ? penalize(s.damping, s.config, tx.now) : { ...s.damping, establishedAt: null };
  s.state = 'Idle';
  s.connection = null;
  s.peerOpen = null;
  s.negotiatedHoldTime = null;
  s.keepaliveTime = null;
  s.internal = null;
  s.pendingStart = null;
  s.lastDown = reason;
  if (opts.restart && !s.secondary && s.config.allowAutomaticStart && s.damping.idleHoldTime > 0) {
    tx.start('IdleHoldTimer', s.damping.idleHoldTime);
    s.pendingStart = s.passive ? 'passive' : 'active';
  }
}
