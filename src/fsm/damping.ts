// DampPeerOscillations as an IdleHold backoff. RFC 4271 §8.2.2 Idle leaves "the method of preventing
// persistent peer oscillation" to the implementation; ours: each failure doubles the idle hold, capped,
// and a session that stayed Established for dampStableTime resets it to the first step.

import type { DampingState, SessionConfig } from './session.js';

/** The damping state after a failure at `now` (ms). Without damping the idle hold stays fixed. */
export function penalize(d: DampingState, config: SessionConfig, now: number): DampingState {
  const base = Math.max(config.idleHoldTime, 0);
  let idleHoldTime: number;
  if (!config.dampPeerOscillations) {
    idleHoldTime = base;
  } else {
    const first = Math.max(base, 1);
    const stable = d.establishedAt !== null && now - d.establishedAt >= config.dampStableTime * 1000;
    idleHoldTime =
      stable || d.idleHoldTime === 0 ? first : Math.min(d.idleHoldTime * 2, Math.max(config.idleHoldTimeMax, first));
  }
  return { idleHoldTime, idleUntil: now + idleHoldTime * 1000, establishedAt: null };
}

/** Seconds a damped automatic start must still wait at `now` (0: start now). */
export const remainingIdleHold = (d: DampingState, now: number): number => Math.max(0, (d.idleUntil - now) / 1000);
