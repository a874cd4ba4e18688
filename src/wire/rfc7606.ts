// RFC 7606 error-handling outcomes as values. Each problem found in an UPDATE becomes one note carrying the
// action RFC 7606 prescribes and the NOTIFICATION RFC 4271 §6.3 would send for it; the strongest action of
// all notes wins (RFC 7606 §3(h)). Deciding what the session then does is the session layer's job.

import { ErrorCode } from './iana.js';
import type { NotificationSpec } from './types.js';

/** Ordered: a larger value is a stronger action (RFC 7606 §2). */
export const Rfc7606Action = {
  None: 0,
  /** §2 "attribute discard": drop the attribute, keep the routes. */
  AttributeDiscard: 1,
  /** §2 "treat-as-withdraw": every NLRI in the UPDATE (body and MP_REACH_NLRI) is withdrawn. */
  TreatAsWithdraw: 2,
  /** §2 "AFI/SAFI disable": stop using the family on this session (RFC 4760 §7); a reset is also allowed. */
  AfiSafiDisable: 3,
  /** §2 "session reset": send the NOTIFICATION and close. */
  SessionReset: 4,
} as const;
export type Rfc7606Action = (typeof Rfc7606Action)[keyof typeof Rfc7606Action];

const NAMES = ['none', 'attribute-discard', 'treat-as-withdraw', 'afisafi-disable', 'session-reset'] as const;
export type Rfc7606ActionName = (typeof NAMES)[number];
export const actionName = (a: Rfc7606Action): Rfc7606ActionName => NAMES[a];

export const strongerAction = (a: Rfc7606Action, b: Rfc7606Action): Rfc7606Action => (a >= b ? a : b);

/** One problem found in an UPDATE. */
export interface Rfc7606Note {
  readonly action: Rfc7606Action;
  /** Attribute type code concerned, or undefined for problems of the message itself. */
  readonly attrType: number | undefined;
  /** For AFI/SAFI disable: the family concerned. */
  readonly afi?: number;
  readonly safi?: number;
  /** What RFC 4271 §6.3 (or RFC 4760 §7) would send: used as is when the action is a reset. */
  readonly notification: NotificationSpec;
  /** The clause that decided the action, e.g. "RFC 7606 §7.1". */
  readonly clause: string;
  readonly reason: string;
}

export function updateNote(
  action: Rfc7606Action,
  attrType: number | undefined,
  subcode: number,
  data: Uint8Array,
  clause: string,
  reason: string,
  family?: { afi: number; safi: number },
): Rfc7606Note {
  const notification = { code: ErrorCode.UpdateMessage, subcode, data };
  return family === undefined
    ? { action, attrType, notification, clause, reason }
    : { action, attrType, afi: family.afi, safi: family.safi, notification, clause, reason };
}

/** Strongest action among `notes` (RFC 7606 §3(h)). */
export function strongestAction(notes: readonly Rfc7606Note[]): Rfc7606Action {
  let a: Rfc7606Action = Rfc7606Action.None;
  for (const n of notes) a = strongerAction(a, n.action);
  return a;
}
