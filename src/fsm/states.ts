// The six states of the BGP FSM (RFC 4271 §8.2.2) and the timers it runs (RFC 4271 §8, §10).

export const STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;
export type State = (typeof STATES)[number];

/**
 * Timers the FSM starts and stops. The runtime owns the real timers (see src/peer/timers.ts) and
 * feeds the matching `*_Expires` event back. IdleHoldTimer is the DampPeerOscillations timer (§8.1.1).
 */
export const TIMERS = ['ConnectRetryTimer', 'HoldTimer', 'KeepaliveTimer', 'DelayOpenTimer', 'IdleHoldTimer'] as const;
export type TimerName = (typeof TIMERS)[number];

export const isState = (s: string): s is State => (STATES as readonly string[]).includes(s);
