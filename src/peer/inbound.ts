// What a received message means for the FSM (RFC 4271 §8.1.5 message events): a pure mapping, so the peer
// runtime only routes the result. OPENs go through validation and collision resolution in the runtime.
import type { FsmEvent } from '../fsm/index.js';
import { ErrorCode, OpenSubcode } from '../wire/iana.js';
import { describeNotification, type NotificationMessage } from '../wire/notification.js';
import { Rfc7606Action } from '../wire/rfc7606.js';
import type { DecodeFailure } from '../wire/types.js';
import type { UpdateDecodeSuccess } from '../wire/update.js';

export interface UpdateOutcome {
  readonly event: FsmEvent;
  /** RFC 7606 §2 treat-as-withdraw: withdraw every NLRI of the UPDATE instead of installing it. */
  readonly treatAsWithdraw: boolean;
  /** Plain-language notes for the log (attribute discard, treat-as-withdraw). */
  readonly notes: readonly string[];
  /** Set when the UPDATE resets the session. */
  readonly error: string | null;
}

/** Event 27 (UpdateMsg) or Event 28 (UpdateMsgErr) for a decoded UPDATE and its RFC 7606 outcome. */
export function updateOutcome(u: UpdateDecodeSuccess): UpdateOutcome {
  const notes = u.errors.map((e) => `${e.clause}: ${e.reason}`);
  if (u.action >= Rfc7606Action.AfiSafiDisable) {
    // RFC 7606 §2 permits a session reset wherever AFI/SAFI disable applies; we reset, with the note's NOTIFICATION.
    const note = u.errors.find((e) => e.action === u.action) ?? u.errors[0]!;
    return { event: { type: 'UpdateMsgErr', notification: note.notification }, treatAsWithdraw: false, notes, error: `UPDATE error: ${note.reason} (${note.clause})` };
  }
  return { event: { type: 'UpdateMsg' }, treatAsWithdraw: u.action === Rfc7606Action.TreatAsWithdraw, notes, error: null };
}

/** Event 24 (NotifMsgVerErr) for OPEN Message Error / Unsupported Version Number, else Event 25 (NotifMsg). */
export function notificationEvent(msg: NotificationMessage): { event: FsmEvent; text: string } {
  const notification = { code: msg.code, subcode: msg.subcode, data: msg.data };
  const versionError = msg.code === ErrorCode.OpenMessage && msg.subcode === OpenSubcode.UnsupportedVersionNumber;
  return {
    event: versionError ? { type: 'NotifMsgVerErr', notification } : { type: 'NotifMsg', notification },
    text: `received NOTIFICATION: ${describeNotification(msg)}`,
  };
}

/**
 * A message that failed to decode: Event 21 (BGPHeaderErr) for header and framing errors, Event 22
 * (BGPOpenMsgErr) for OPEN, Event 28 (UpdateMsgErr) for the rest (the NOTIFICATION to send is in `failure`).
 */
export function decodeErrorEvent(failure: DecodeFailure, messageType: number): FsmEvent {
  const notification = failure.notification;
  if (messageType === 0 || notification.code === ErrorCode.MessageHeader) {
    return { type: 'BGPHeaderErr', notification };
  }
  if (messageType === 1) return { type: 'BGPOpenMsgErr', notification };
  return { type: 'UpdateMsgErr', notification };
}
