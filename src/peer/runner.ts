// The FSM instances of one peer (RFC 4271 §8): a session built from the peer's configuration, run with its own
// timers. A peer has one; a connection collision (§6.8) gives it a second for a while (peer.ts).
import type { PeerConfig } from '../config/model.js';
import { createSession, sessionConfig, type FsmEvent, type SessionState, type TimerName } from '../fsm/index.js';
import { TimerSet, type Clock } from './timers.js';

// calico/node's BIRD template: "connect delay time 2; connect retry time 5; error wait time 5,30".
export const CONNECT_RETRY_TIME = 5;
const IDLE_HOLD_TIME = 5;
const IDLE_HOLD_TIME_MAX = 30;

const FSM_TIMERS = ['ConnectRetryTimer', 'HoldTimer', 'KeepaliveTimer', 'DelayOpenTimer', 'IdleHoldTimer'] as const;

/** A new FSM in Idle for `c`. */
export function newSession(c: PeerConfig): SessionState {
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
      collisionDetectEstablishedState: true, // resolved with the peer's help: see open-collision.ts
    }),
    (Math.random() * 0x100000000) >>> 0,
  );
}

/** One FSM and its timers; an expiring timer becomes its `<Timer>_Expires` event. */
export class Runner {
  readonly timers: TimerSet<TimerName>;
  /** A second FSM's connection, handed over but not yet taken (its first event is still queued). */
  handoff: number | null = null;

  constructor(public session: SessionState, clock: Clock, expired: (runner: Runner, event: FsmEvent) => void) {
    this.timers = new TimerSet<TimerName>(clock, (t) => expired(this, { type: `${t}_Expires` } as FsmEvent));
  }

  /** A runner for `session` (a promoted second FSM) that takes over `old`: its running timers keep their deadlines. */
  static takeOver(session: SessionState, old: Runner, clock: Clock, expired: (runner: Runner, event: FsmEvent) => void): Runner {
    old.timers.stopAll();
    const runner = new Runner(session, clock, expired);
    for (const t of FSM_TIMERS) {
      const deadline = session.timers[t];
      if (deadline !== null) runner.timers.start(t, Math.max(0, (deadline - clock.now()) / 1000));
    }
    return runner;
  }
}
