// The RFC 4271 §8.2.2 transition table: one pure step() over state × event. Each case names the
// events of the RFC's paragraph it implements; the action lists live in transition.ts.

import type { NotificationSpec } from '../wire/types.js';
import type { ConnectionRef, FsmEvent } from './events.js';
import { remainingIdleHold } from './damping.js';
import type { SessionState } from './session.js';
import {
  acceptOpen,
  ceaseFor,
  COLLISION_CEASE,
  enterIdle,
  establish,
  FAILURE,
  fsmError,
  HOLD_TIMER_EXPIRED,
  restartHoldTimer,
  restartKeepaliveTimer,
  sendOpen,
  startSession,
  trackSecond,
  Transition,
  type StepResult,
} from './transition.js';

export type { StepResult } from './transition.js';

const unreachable = (x: never): never => {
  throw new Error(`ERR_BGP_FSM_UNHANDLED: ${JSON.stringify(x)}`);
};

/**
 * Feed one event to the FSM at time `now` (ms, the injected clock). Pure: the same session, event
 * and time always give the same result, so a recorded run replays exactly.
 */
export function step(session: SessionState, event: FsmEvent, now: number): StepResult {
  // Event 18 for a connection this FSM does not own (e.g. a dial that lost the race) is not ours.
  if (
    event.type === 'TcpConnectionFails' &&
    event.connection !== undefined &&
    session.connection !== null &&
    event.connection.id !== session.connection.id
  ) {
    return { session, actions: [] };
  }
  // Event 20 is Event 19 while the DelayOpenTimer runs; the FSM knows, so the runtime need not.
  if (event.type === 'BGPOpen' && session.timers.DelayOpenTimer !== null) {
    event = { type: 'BGPOpen_with_DelayOpenTimer_running', open: event.open };
  }
  const tx = new Transition(session, event, now);
  switch (session.state) {
    case 'Idle':
      idle(tx, event);
      break;
    case 'Connect':
      connect(tx, event);
      break;
    case 'Active':
      active(tx, event);
      break;
    case 'OpenSent':
      openSent(tx, event);
      break;
    case 'OpenConfirm':
      openConfirm(tx, event);
      break;
    case 'Established':
      established(tx, event);
      break;
    default:
      unreachable(session.state);
  }
  return tx.result();
}

/**
 * §8.2.2 Established, "Each time the local system sends a KEEPALIVE or UPDATE message, it restarts its
 * KeepaliveTimer, unless the negotiated HoldTime value is zero." The runtime calls this after sending
 * an UPDATE (KEEPALIVEs the FSM sends itself are already covered).
 */
export function messageSent(session: SessionState, now: number): StepResult {
  if (session.state !== 'Established') return { session, actions: [] };
  const tx = new Transition(session, { type: 'UpdateMsg' }, now);
  restartKeepaliveTimer(tx);
  return tx.result();
}

const drop = (tx: Transition, connection: ConnectionRef): void =>
  tx.emit({ type: 'DropTcpConnection', connection });

function idle(tx: Transition, e: FsmEvent): void {
  const auto = tx.config.allowAutomaticStart;
  switch (e.type) {
    // Events 1, 3: initialize, counter to zero, ConnectRetryTimer, connect and listen → Connect.
    // Events 4, 5: the same without connecting → Active.
    case 'ManualStart':
      return startSession(tx, 'active', true);
    case 'ManualStart_with_PassiveTcpEstablishment':
      return startSession(tx, 'passive', true);
    case 'AutomaticStart':
      if (auto) startSession(tx, 'active', true);
      return;
    case 'AutomaticStart_with_PassiveTcpEstablishment':
      if (auto) startSession(tx, 'passive', true);
      return;
    // Events 6, 7, 13 (DampPeerOscillations): start once the idle hold of the last failure has passed.
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': {
      if (!auto) return;
      const flavor = e.type === 'AutomaticStart_with_DampPeerOscillations' ? 'active' : 'passive';
      const wait = tx.config.dampPeerOscillations ? remainingIdleHold(tx.s.damping, tx.now) : 0;
      if (wait <= 0) return startSession(tx, flavor, false);
      tx.stop('IdleHoldTimer');
      tx.start('IdleHoldTimer', wait);
      tx.s.pendingStart = flavor;
      return;
    }
    case 'IdleHoldTimer_Expires':
      if (tx.s.pendingStart !== null && auto) startSession(tx, tx.s.pendingStart, false);
      else tx.s.pendingStart = null;
      return;
    // Events 2, 8 "are ignored in the Idle state"; a ManualStop also cancels a pending automatic start.
    case 'ManualStop':
      tx.stop('IdleHoldTimer');
      tx.s.pendingStart = null;
      return;
    case 'AutomaticStop':
      return;
    // "In this state, BGP FSM refuses all incoming BGP connections for this peer."
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return drop(tx, e.connection);
    // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause change".
    case 'ConnectRetryTimer_Expires':
    case 'HoldTimer_Expires':
    case 'KeepaliveTimer_Expires':
    case 'DelayOpenTimer_Expires':
    case 'TcpConnectionFails':
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
    case 'OpenCollisionDump':
    case 'NotifMsgVerErr':
    case 'NotifMsg':
    case 'KeepAliveMsg':
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return;
    default:
      unreachable(e);
  }
}

// Cells Connect and Active share (§8.2.2 gives them the same action lists).

/** Event 12: send OPEN, large HoldTimer → OpenSent. */
function delayOpenExpired(tx: Transition): void {
  tx.stop('ConnectRetryTimer');
  sendOpen(tx);
}

/** Events 16, 17: with DelayOpen wait on the DelayOpenTimer, otherwise send OPEN → OpenSent. */
function tcpEstablished(tx: Transition, connection: ConnectionRef): void {
  if (tx.s.connection !== null && tx.s.connection.id !== connection.id) return trackSecond(tx, connection);
  tx.s.connection = connection;
  tx.stop('ConnectRetryTimer');
  if (tx.config.delayOpen) tx.start('DelayOpenTimer', tx.config.delayOpenTime);
  else sendOpen(tx);
}

/** Events 21, 22 before our OPEN: a NOTIFICATION only with SendNOTIFICATIONwithoutOPEN. */
const errorBeforeOpen = (tx: Transition, notification: NotificationSpec): void =>
  enterIdle(tx, { ...FAILURE, notify: tx.config.sendNotificationWithoutOpen ? notification : null });

/** Event 24: not counted when the DelayOpenTimer was running (our OPEN never went out). */
const versionErrorBeforeOpen = (tx: Transition): void =>
  enterIdle(tx, tx.running('DelayOpenTimer') ? { ...FAILURE, counter: 'keep', damp: false } : FAILURE);

/** Event 8, only when AllowAutomaticStop is set (§8.1.1); otherwise it cannot occur. */
function automaticStop(tx: Transition, notify: NotificationSpec | null): void {
  if (tx.config.allowAutomaticStop) enterIdle(tx, { ...FAILURE, notify, restart: false });
}

function connect(tx: Transition, e: FsmEvent): void {
  switch (e.type) {
    // Events 1, 3-7 are ignored.
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return;
    // Event 2: drop, release, counter to zero, ConnectRetryTimer stopped → Idle.
    case 'ManualStop':
      return enterIdle(tx, { notify: null, counter: 'zero', drop: true, damp: false, restart: false });
    // Event 9: drop the attempt, restart ConnectRetryTimer, stop DelayOpenTimer, connect again.
    case 'ConnectRetryTimer_Expires':
      tx.emit({ type: 'DropTcpConnection', connection: tx.s.connection });
      tx.s.connection = null;
      tx.startJittered('ConnectRetryTimer', tx.config.connectRetryTime);
      tx.stop('DelayOpenTimer');
      tx.emit({ type: 'InitiateTcpConnection' });
      return;
    case 'DelayOpenTimer_Expires':
      return delayOpenExpired(tx);
    case 'TcpConnection_Valid': // Event 14: "the TCP connection is processed"
      return;
    case 'Tcp_CR_Invalid': // Event 15: "rejects the TCP connection"
      return drop(tx, e.connection);
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tcpEstablished(tx, e.connection);
    // Event 18: with the DelayOpenTimer running fall back to Active, else to Idle (not counted).
    case 'TcpConnectionFails':
      if (tx.running('DelayOpenTimer')) {
        tx.startJittered('ConnectRetryTimer', tx.config.connectRetryTime);
        tx.stop('DelayOpenTimer');
        tx.s.connection = null;
        tx.s.state = 'Active';
        return;
      }
      return enterIdle(tx, { ...FAILURE, counter: 'keep' });
    // Event 20: OPEN while our own OPEN is delayed: send OPEN and KEEPALIVE → OpenConfirm.
    case 'BGPOpen_with_DelayOpenTimer_running':
      return acceptOpen(tx, e.open, true);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return errorBeforeOpen(tx, e.notification);
    case 'NotifMsgVerErr':
      return versionErrorBeforeOpen(tx);
    case 'AutomaticStop':
      return automaticStop(tx, null);
    // "any other event (8, 10-11, 13, 19, 23, 25-28)": counted failure → Idle.
    case 'HoldTimer_Expires':
    case 'KeepaliveTimer_Expires':
    case 'IdleHoldTimer_Expires':
    case 'BGPOpen':
    case 'OpenCollisionDump':
    case 'NotifMsg':
    case 'KeepAliveMsg':
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return enterIdle(tx, FAILURE);
    default:
      unreachable(e);
  }
}

function active(tx: Transition, e: FsmEvent): void {
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return;
    // Event 2: Cease only if the DelayOpenTimer runs and SendNOTIFICATIONwithoutOPEN is set.
    case 'ManualStop': {
      const notify = tx.running('DelayOpenTimer') && tx.config.sendNotificationWithoutOpen ? ceaseFor(e) : null;
      return enterIdle(tx, { notify, counter: 'zero', drop: true, damp: false, restart: false });
    }
    // Event 9: restart ConnectRetryTimer, connect → Connect. A passive session (§8.1.1
    // PassiveTcpEstablishment) never initiates, so it only rearms the timer and keeps listening.
    case 'ConnectRetryTimer_Expires':
      tx.startJittered('ConnectRetryTimer', tx.config.connectRetryTime);
      if (tx.s.passive) return;
      tx.emit({ type: 'InitiateTcpConnection' });
      tx.s.state = 'Connect';
      return;
    case 'DelayOpenTimer_Expires':
      return delayOpenExpired(tx);
    case 'TcpConnection_Valid':
      return;
    case 'Tcp_CR_Invalid':
      return drop(tx, e.connection);
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tcpEstablished(tx, e.connection);
    // Event 18: stop DelayOpenTimer, release, count → Idle. The RFC also restarts the ConnectRetryTimer
    // here, but Idle ignores its expiry, so no externally visible behaviour depends on it (§8).
    case 'TcpConnectionFails':
      return enterIdle(tx, { ...FAILURE, drop: false });
    case 'BGPOpen_with_DelayOpenTimer_running':
      return acceptOpen(tx, e.open, true);
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return errorBeforeOpen(tx, e.notification);
    case 'NotifMsgVerErr':
      return versionErrorBeforeOpen(tx);
    case 'AutomaticStop':
      return automaticStop(tx, null);
    // "any other event (8, 10-11, 13, 19, 23, 25-28)".
    case 'HoldTimer_Expires':
    case 'KeepaliveTimer_Expires':
    case 'IdleHoldTimer_Expires':
    case 'BGPOpen':
    case 'OpenCollisionDump':
    case 'NotifMsg':
    case 'KeepAliveMsg':
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return enterIdle(tx, FAILURE);
    default:
      unreachable(e);
  }
}

function openSent(tx: Transition, e: FsmEvent): void {
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
    case 'Tcp_CR_Invalid': // Event 15 "is ignored"
      return;
    case 'ManualStop': // Event 2: Cease, counter to zero.
      return enterIdle(tx, { notify: ceaseFor(e), counter: 'zero', drop: true, damp: false, restart: false });
    case 'AutomaticStop': // Event 8: Cease, counted.
      return automaticStop(tx, ceaseFor(e));
    case 'HoldTimer_Expires': // Event 10: Hold Timer Expired.
      return enterIdle(tx, { ...FAILURE, notify: HOLD_TIMER_EXPIRED });
    // Events 14, 16, 17: a second connection is tracked until it sends an OPEN (§6.8).
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return trackSecond(tx, e.connection);
    // Event 18: close, restart ConnectRetryTimer, keep listening → Active.
    case 'TcpConnectionFails':
      tx.emit({ type: 'DropTcpConnection', connection: tx.s.connection });
      tx.s.connection = null;
      tx.stop('HoldTimer');
      tx.startJittered('ConnectRetryTimer', tx.config.connectRetryTime);
      tx.s.state = 'Active';
      return;
    // Event 19: a valid OPEN (collision already resolved by the runtime): KEEPALIVE → OpenConfirm.
    case 'BGPOpen':
      return acceptOpen(tx, e.open, false);
    case 'BGPHeaderErr': // Events 21, 22: the error's own NOTIFICATION.
    case 'BGPOpenMsgErr':
      return enterIdle(tx, { ...FAILURE, notify: e.notification });
    case 'OpenCollisionDump': // Event 23: Cease (RFC 4486 subcode 7); the other connection lives on.
      return enterIdle(tx, { ...FAILURE, notify: COLLISION_CEASE, damp: false, restart: false });
    case 'NotifMsgVerErr': // Event 24: not counted.
      return enterIdle(tx, { ...FAILURE, counter: 'keep', damp: false });
    // "Any other event (9, 11-13, 20, 25-28)": FSM Error, RFC 6608 subcode 1.
    case 'ConnectRetryTimer_Expires':
    case 'KeepaliveTimer_Expires':
    case 'DelayOpenTimer_Expires':
    case 'IdleHoldTimer_Expires':
    case 'BGPOpen_with_DelayOpenTimer_running':
    case 'NotifMsg':
    case 'KeepAliveMsg':
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return enterIdle(tx, { ...FAILURE, notify: fsmError('OpenSent') });
    default:
      unreachable(e);
  }
}

function openConfirm(tx: Transition, e: FsmEvent): void {
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
    case 'Tcp_CR_Invalid':
      return;
    case 'ManualStop':
      return enterIdle(tx, { notify: ceaseFor(e), counter: 'zero', drop: true, damp: false, restart: false });
    case 'AutomaticStop':
      return automaticStop(tx, ceaseFor(e));
    case 'HoldTimer_Expires':
      return enterIdle(tx, { ...FAILURE, notify: HOLD_TIMER_EXPIRED });
    case 'KeepaliveTimer_Expires': // Event 11: send KEEPALIVE, restart KeepaliveTimer.
      tx.emit({ type: 'SendKeepalive' });
      return restartKeepaliveTimer(tx);
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return trackSecond(tx, e.connection);
    case 'TcpConnectionFails': // Events 18, 25: counted, no NOTIFICATION.
    case 'NotifMsg':
      return enterIdle(tx, FAILURE);
    case 'NotifMsgVerErr': // Event 24: not counted.
      return enterIdle(tx, { ...FAILURE, counter: 'keep', damp: false });
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return enterIdle(tx, { ...FAILURE, notify: e.notification });
    case 'OpenCollisionDump': // Event 23 (and Event 19 when this connection loses the collision).
      return enterIdle(tx, { ...FAILURE, notify: COLLISION_CEASE, damp: false, restart: false });
    case 'KeepAliveMsg': // Event 26: restart HoldTimer → Established.
      return establish(tx);
    // "Any other event (9, 12-13, 20, 27-28)": FSM Error, RFC 6608 subcode 2. An OPEN on this very
    // connection (Event 19) is a second OPEN, also unexpected (RFC 6608 §3); collisions with the other
    // connection reach this FSM as Event 23 (see collision.ts).
    case 'BGPOpen':
    case 'ConnectRetryTimer_Expires':
    case 'DelayOpenTimer_Expires':
    case 'IdleHoldTimer_Expires':
    case 'BGPOpen_with_DelayOpenTimer_running':
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return enterIdle(tx, { ...FAILURE, notify: fsmError('OpenConfirm') });
    default:
      unreachable(e);
  }
}

function established(tx: Transition, e: FsmEvent): void {
  switch (e.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
    case 'Tcp_CR_Invalid':
      return;
    case 'ManualStop': // Event 2: Cease, delete routes, counter to zero.
      return enterIdle(tx, { notify: ceaseFor(e), counter: 'zero', drop: true, damp: false, restart: false });
    case 'AutomaticStop':
      return automaticStop(tx, ceaseFor(e));
    case 'HoldTimer_Expires':
      return enterIdle(tx, { ...FAILURE, notify: HOLD_TIMER_EXPIRED });
    case 'KeepaliveTimer_Expires':
      tx.emit({ type: 'SendKeepalive' });
      return restartKeepaliveTimer(tx);
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return trackSecond(tx, e.connection);
    // Events 23: this connection lost the collision (CollisionDetectEstablishedState, §6.8).
    case 'OpenCollisionDump':
      return enterIdle(tx, { ...FAILURE, notify: COLLISION_CEASE, damp: false, restart: false });
    case 'TcpConnectionFails': // Events 18, 24, 25: delete routes, counted.
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return enterIdle(tx, FAILURE);
    case 'KeepAliveMsg': // Event 26
      return restartHoldTimer(tx);
    case 'UpdateMsg': // Event 27: process, restart HoldTimer.
      tx.emit({ type: 'ProcessUpdate' });
      return restartHoldTimer(tx);
    case 'UpdateMsgErr': // Event 28: the UPDATE error's NOTIFICATION.
      return enterIdle(tx, { ...FAILURE, notify: e.notification });
    // RFC 4271 §6.1 requires header errors to be reported as Message Header Error, which the generic
    // FSM Error of the "any other event" list below would hide.
    case 'BGPHeaderErr':
      return enterIdle(tx, { ...FAILURE, notify: e.notification });
    // "Any other event (9, 12-13, 20-22)": FSM Error, RFC 6608 subcode 3; an OPEN on an established
    // connection (Event 19) is likewise unexpected (RFC 6608 §3).
    case 'BGPOpen':
    case 'ConnectRetryTimer_Expires':
    case 'DelayOpenTimer_Expires':
    case 'IdleHoldTimer_Expires':
    case 'BGPOpen_with_DelayOpenTimer_running':
    case 'BGPOpenMsgErr':
      return enterIdle(tx, { ...FAILURE, notify: fsmError('Established') });
    default:
      unreachable(e);
  }
}
