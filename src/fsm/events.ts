// FSM events, named and numbered as in RFC 4271 §8.1. Every input is plain data so a run can be
// recorded and replayed (see replay.ts).

import type { NotificationSpec } from '../wire/types.js';
import type { OpenSummary } from './summary.js';

/** Which side opened a TCP connection; collision resolution (RFC 4271 §6.8) needs it. */
export type ConnectionOrigin = 'local' | 'remote';

/** A TCP connection, named by the runtime. */
export interface ConnectionRef {
  readonly id: number;
  readonly initiatedBy: ConnectionOrigin;
}

/** The Cease subcode and data to send on a stop (RFC 4486; RFC 9003 shutdown communication in data). */
export interface CeaseReason {
  readonly subcode: number;
  readonly data?: Uint8Array;
}

export type FsmEvent =
  // §8.1.2 Administrative events
  | { readonly type: 'ManualStart' } // Event 1
  | { readonly type: 'ManualStop'; readonly cease?: CeaseReason } // Event 2
  | { readonly type: 'AutomaticStart' } // Event 3
  | { readonly type: 'ManualStart_with_PassiveTcpEstablishment' } // Event 4
  | { readonly type: 'AutomaticStart_with_PassiveTcpEstablishment' } // Event 5
  | { readonly type: 'AutomaticStart_with_DampPeerOscillations' } // Event 6
  | { readonly type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' } // Event 7
  | { readonly type: 'AutomaticStop'; readonly cease?: CeaseReason } // Event 8
  // §8.1.3 Timer events
  | { readonly type: 'ConnectRetryTimer_Expires' } // Event 9
  | { readonly type: 'HoldTimer_Expires' } // Event 10
  | { readonly type: 'KeepaliveTimer_Expires' } // Event 11
  | { readonly type: 'DelayOpenTimer_Expires' } // Event 12
  | { readonly type: 'IdleHoldTimer_Expires' } // Event 13
  // §8.1.4 TCP connection-based events
  | { readonly type: 'TcpConnection_Valid'; readonly connection: ConnectionRef } // Event 14
  | { readonly type: 'Tcp_CR_Invalid'; readonly connection: ConnectionRef } // Event 15
  | { readonly type: 'Tcp_CR_Acked'; readonly connection: ConnectionRef } // Event 16
  | { readonly type: 'TcpConnectionConfirmed'; readonly connection: ConnectionRef } // Event 17
  /** Event 18. `connection` (optional) lets the FSM ignore the failure of a connection it does not own. */
  | { readonly type: 'TcpConnectionFails'; readonly connection?: ConnectionRef }
  // §8.1.5 BGP message-based events
  /** Event 19: a valid OPEN (already checked by src/peer/open-validate.ts and for collision). */
  | { readonly type: 'BGPOpen'; readonly open: OpenSummary }
  | { readonly type: 'BGPOpen_with_DelayOpenTimer_running'; readonly open: OpenSummary } // Event 20
  | { readonly type: 'BGPHeaderErr'; readonly notification: NotificationSpec } // Event 21
  | { readonly type: 'BGPOpenMsgErr'; readonly notification: NotificationSpec } // Event 22
  | { readonly type: 'OpenCollisionDump' } // Event 23
  /** Event 24: a NOTIFICATION with OPEN Message Error / Unsupported Version Number was received. */
  | { readonly type: 'NotifMsgVerErr'; readonly notification: NotificationSpec }
  | { readonly type: 'NotifMsg'; readonly notification: NotificationSpec } // Event 25
  | { readonly type: 'KeepAliveMsg' } // Event 26
  | { readonly type: 'UpdateMsg' } // Event 27
  /** Event 28: an UPDATE error that resets the session (RFC 7606 session-reset); `notification` is sent. */
  | { readonly type: 'UpdateMsgErr'; readonly notification: NotificationSpec };

export type FsmEventType = FsmEvent['type'];

/** RFC 4271 §8.1 event numbers, for logs and BMP Peer Down (RFC 7854 §4.9 reason 2). */
export const EVENT_NUMBER: Readonly<Record<FsmEventType, number>> = {
  ManualStart: 1,
  ManualStop: 2,
  AutomaticStart: 3,
  ManualStart_with_PassiveTcpEstablishment: 4,
  AutomaticStart_with_PassiveTcpEstablishment: 5,
  AutomaticStart_with_DampPeerOscillations: 6,
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: 7,
  AutomaticStop: 8,
  ConnectRetryTimer_Expires: 9,
  HoldTimer_Expires: 10,
  KeepaliveTimer_Expires: 11,
  DelayOpenTimer_Expires: 12,
  IdleHoldTimer_Expires: 13,
  TcpConnection_Valid: 14,
  Tcp_CR_Invalid: 15,
  Tcp_CR_Acked: 16,
  TcpConnectionConfirmed: 17,
  TcpConnectionFails: 18,
  BGPOpen: 19,
  BGPOpen_with_DelayOpenTimer_running: 20,
  BGPHeaderErr: 21,
  BGPOpenMsgErr: 22,
  OpenCollisionDump: 23,
  NotifMsgVerErr: 24,
  NotifMsg: 25,
  KeepAliveMsg: 26,
  UpdateMsg: 27,
  UpdateMsgErr: 28,
};

export const EVENT_TYPES = Object.keys(EVENT_NUMBER) as readonly FsmEventType[];

/** The timer whose expiry an event reports, if any. */
export const EXPIRING_TIMER = {
  ConnectRetryTimer_Expires: 'ConnectRetryTimer',
  HoldTimer_Expires: 'HoldTimer',
  KeepaliveTimer_Expires: 'KeepaliveTimer',
  DelayOpenTimer_Expires: 'DelayOpenTimer',
  IdleHoldTimer_Expires: 'IdleHoldTimer',
} as const;
