// Session attributes (RFC 4271 §8, §8.1.1) and the state one FSM instance carries between steps.

import type { DownReason } from './actions.js';
import type { ConnectionRef } from './events.js';
import { DEFAULT_CONNECT_RETRY_TIME, DEFAULT_HOLD_TIME, LARGE_HOLD_TIME } from './hold-time.js';
import { TIMERS, type State, type TimerName } from './states.js';
import type { OpenSummary } from './summary.js';

/** Per-peer configuration: the mandatory and optional session attributes of RFC 4271 §8. Times in seconds. */
export interface SessionConfig {
  /** Our AS (4-octet), to tell internal from external peers (§8.2.2 "set the connection status"). */
  readonly localAs: number;
  /** HoldTime we offer (§4.2). 0 disables the HoldTimer and KEEPALIVEs. */
  readonly holdTime: number;
  /** KEEPALIVE interval; null: a third of the negotiated hold time (never more than that third). */
  readonly keepaliveTime: number | null;
  /** §8.2.2: the HoldTimer value while waiting for the peer's OPEN (suggested 4 minutes). */
  readonly largeHoldTime: number;
  /** ConnectRetryTime (§10 suggests 120 s), jittered by [0.75, 1.0] per §10. */
  readonly connectRetryTime: number;
  /** §8.1.1 DelayOpen / DelayOpenTime. */
  readonly delayOpen: boolean;
  readonly delayOpenTime: number;
  /** §8.1.1 PassiveTcpEstablishment: never initiate the TCP connection. */
  readonly passiveTcpEstablishment: boolean;
  /** §8.1.1 AllowAutomaticStart / AllowAutomaticStop: whether Events 3, 5-7 / Event 8 may occur. */
  readonly allowAutomaticStart: boolean;
  readonly allowAutomaticStop: boolean;
  /**
   * Seconds Idle waits, on the IdleHoldTimer, before the FSM restarts the session by itself after a
   * failure (needs allowAutomaticStart). 0: the FSM never restarts by itself; the runtime sends
   * AutomaticStart events. With DampPeerOscillations this is the first step of the backoff.
   */
  readonly idleHoldTime: number;
  /** §8.1.1 DampPeerOscillations: the idle hold doubles on each flap up to idleHoldTimeMax ... */
  readonly dampPeerOscillations: boolean;
  readonly idleHoldTimeMax: number;
  /** ... and falls back to idleHoldTime once a session has stayed Established this long. */
  readonly dampStableTime: number;
  /** §8.1.1 CollisionDetectEstablishedState (read by collision.ts). */
  readonly collisionDetectEstablishedState: boolean;
  /** §8.1.1 SendNOTIFICATIONwithoutOPEN. */
  readonly sendNotificationWithoutOpen: boolean;
}

export const DEFAULT_SESSION_CONFIG: Omit<SessionConfig, 'localAs'> = {
  holdTime: DEFAULT_HOLD_TIME,
  keepaliveTime: null,
  largeHoldTime: LARGE_HOLD_TIME,
  connectRetryTime: DEFAULT_CONNECT_RETRY_TIME,
  delayOpen: false,
  delayOpenTime: 0,
  passiveTcpEstablishment: false,
  allowAutomaticStart: true,
  allowAutomaticStop: true,
  idleHoldTime: 5,
  dampPeerOscillations: false,
  idleHoldTimeMax: 120,
  dampStableTime: 300,
  collisionDetectEstablishedState: false,
  sendNotificationWithoutOpen: false,
};

export const sessionConfig = (config: Partial<SessionConfig> & { readonly localAs: number }): SessionConfig => ({
  ...DEFAULT_SESSION_CONFIG,
  ...config,
});

/** DampPeerOscillations bookkeeping (the method is "outside the scope" of RFC 4271 §8.2.2 Idle). */
export interface DampingState {
  /** Current idle hold in seconds (0 until the first failure). */
  readonly idleHoldTime: number;
  /** No damped automatic start before this time (ms, the step clock). */
  readonly idleUntil: number;
  /** When the session last reached Established (ms), null when not Established. */
  readonly establishedAt: number | null;
}

/** Deadline (ms, on the step clock) of every running timer; null when stopped. */
export type TimerDeadlines = Readonly<Record<TimerName, number | null>>;

export interface SessionState {
  readonly config: SessionConfig;
  readonly state: State;
  /** §8 mandatory attribute: counts failures since the last start. */
  readonly connectRetryCounter: number;
  /** The TCP connection this FSM runs on, once there is one. */
  readonly connection: ConnectionRef | null;
  readonly timers: TimerDeadlines;
  /** Set from OpenSent/Connect/Active on a valid OPEN. */
  readonly peerOpen: OpenSummary | null;
  readonly negotiatedHoldTime: number | null;
  readonly keepaliveTime: number | null;
  /** Internal (iBGP) or external connection, once the OPEN is in. */
  readonly internal: boolean | null;
  /** The current run was started passively (Events 4, 5, 7), so the FSM never initiates TCP. */
  readonly passive: boolean;
  /** A second-connection FSM (forkForSecondConnection): never initiates TCP, never restarts itself. */
  readonly secondary: boolean;
  /** An automatic start waiting on the IdleHoldTimer. */
  readonly pendingStart: 'active' | 'passive' | null;
  readonly damping: DampingState;
  /** PRNG state for RFC 4271 §10 jitter (random.ts). */
  readonly rng: number;
  readonly lastDown: DownReason | null;
}

export const NO_TIMERS: TimerDeadlines = Object.fromEntries(TIMERS.map((t) => [t, null])) as Record<TimerName, null>;

/** A session in Idle. `seed` is the injected random source for jitter (e.g. crypto.randomInt(2**32)). */
export const createSession = (config: SessionConfig, seed = 1): SessionState => ({
  config,
  state: 'Idle',
  connectRetryCounter: 0,
  connection: null,
  timers: NO_TIMERS,
  peerOpen: null,
  negotiatedHoldTime: null,
  keepaliveTime: null,
  internal: null,
  passive: config.passiveTcpEstablishment,
  secondary: false,
  pendingStart: null,
  damping: { idleHoldTime: 0, idleUntil: 0, establishedAt: null },
  rng: seed >>> 0,
  lastDown: null,
});

export const runningTimers = (s: SessionState): TimerName[] => TIMERS.filter((t) => s.timers[t] !== null);
