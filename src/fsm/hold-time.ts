// Hold time and keepalive interval arithmetic (RFC 4271 §4.2, §4.4, §10).

/** §8.2.2: "sets the HoldTimer to a large value"; "A HoldTimer value of 4 minutes is suggested." */
export const LARGE_HOLD_TIME = 240;

/** RFC 4271 §10 suggested values. */
export const DEFAULT_HOLD_TIME = 90;
export const DEFAULT_CONNECT_RETRY_TIME = 120;

/** RFC 4271 §6.2: "An implementation MUST reject Hold Time values of one or two seconds." */
export const isAcceptableHoldTime = (holdTime: number): boolean => holdTime === 0 || holdTime >= 3;

/**
 * RFC 4271 §4.2: "BGP MUST use the smaller of its configured Hold Time and the Hold Time received in the
 * OPEN message." Zero on either side therefore means no HoldTimer and no KEEPALIVEs.
 */
export const negotiateHoldTime = (local: number, remote: number): number => Math.min(local, remote);

/**
 * RFC 4271 §4.4 / §10: KEEPALIVEs go at a third of the hold time ("A reasonable maximum time between
 * KEEPALIVE messages would be one third of the Hold Time interval"); a configured keepalive time is
 * used when set but never exceeds that third. Hold time 0: no KEEPALIVEs at all (returns 0).
 */
export function keepaliveInterval(holdTime: number, configured: number | null = null): number {
  if (holdTime <= 0) return 0;
  const third = Math.max(1, Math.floor(holdTime / 3));
  if (configured === null || configured <= 0) return third;
  return Math.min(configured, third);
}
