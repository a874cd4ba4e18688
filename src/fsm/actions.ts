// What step() asks the peer runtime to do: plain data, executed in order.

import type { NotificationSpec } from '../wire/types.js';
import type { ConnectionRef, FsmEventType } from './events.js';
import type { TimerName } from './states.js';
import type { OpenSummary } from './summary.js';

/** Why a session went to Idle: the event, and the NOTIFICATION sent or received, if any. */
export interface DownReason {
  readonly event: FsmEventType;
  readonly sent: NotificationSpec | null;
  readonly received: NotificationSpec | null;
}

export type Action =
  /** "initializes all BGP resources for the peer connection" (§8.2.2 Idle). */
  | { readonly type: 'InitializeResources' }
  /** "initiates a TCP connection to the other BGP peer"; completion is Tcp_CR_Acked, failure TcpConnectionFails. */
  | { readonly type: 'InitiateTcpConnection' }
  /** "listens for a connection that may be initiated by the remote BGP peer". */
  | { readonly type: 'Listen' }
  /** Close a TCP connection; `null` means the outgoing attempt in progress, if any. */
  | { readonly type: 'DropTcpConnection'; readonly connection: ConnectionRef | null }
  /**
   * RFC 4271 §8.2.2 OpenSent/OpenConfirm/Established: "the second connection SHALL be tracked until it
   * sends an OPEN". The runtime runs a second FSM for it (see forkForSecondConnection in collision.ts).
   */
  | { readonly type: 'TrackSecondConnection'; readonly connection: ConnectionRef }
  | { readonly type: 'SendOpen' }
  | { readonly type: 'SendKeepalive' }
  | ({ readonly type: 'SendNotification' } & NotificationSpec)
  /** Start or restart a timer; `seconds` already carries any RFC 4271 §10 jitter. */
  | { readonly type: 'StartTimer'; readonly timer: TimerName; readonly seconds: number }
  | { readonly type: 'StopTimer'; readonly timer: TimerName }
  /** Hand the UPDATE just received to the RIB (§8.2.2 Established, Event 27). */
  | { readonly type: 'ProcessUpdate' }
  /** "releases all BGP resources". */
  | { readonly type: 'ReleaseResources' }
  /** OpenConfirm → Established. Negotiate the rest with src/peer/negotiate.ts. */
  | {
      readonly type: 'SessionEstablished';
      readonly holdTime: number;
      readonly keepaliveTime: number;
      readonly internal: boolean;
      readonly peer: OpenSummary;
    }
  /** Established → Idle: "deletes all routes associated with this connection". */
  | { readonly type: 'SessionDown'; readonly reason: DownReason };

export type ActionType = Action['type'];
