// BGP connection collision detection (RFC 4271 §6.8, RFC 6286 §2.3). When both speakers open a TCP
// connection at once, each connection runs its own FSM (RFC 4271 §8: "for each incoming connection, a
// state machine MUST be instantiated"); on every valid OPEN the runtime asks resolveOpen() which of the
// two survives, and feeds the FSMs the events it returns.

import { nextRandom } from './random.js';
import type { ConnectionOrigin, FsmEvent } from './events.js';
import { createSession, NO_TIMERS, type SessionState } from './session.js';
import type { State } from './states.js';
import { effectiveAs, type OpenSummary } from './summary.js';
export { COLLISION_CEASE } from './transition.js';

/**
 * RFC 4271 §6.8 (1): "converting them to host byte order and treating them as 4-octet unsigned
 * integers". Returns -1, 0 or 1.
 */
export function compareBgpIdentifiers(a: number, b: number): -1 | 0 | 1 {
  const x = a >>> 0;
  const y = b >>> 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Which side's connection survives: the one initiated by the speaker with the higher BGP Identifier
 * (RFC 4271 §6.8 (2), (3)); with equal identifiers, by the speaker with the larger AS number (RFC 6286
 * §2.3). Null when identifiers and ASes are equal (a misconfiguration; keep the existing connection).
 */
export function survivingOrigin(
  localBgpId: number,
  remoteBgpId: number,
  localAs: number,
  remoteAs: number,
): ConnectionOrigin | null {
  const byId = compareBgpIdentifiers(localBgpId, remoteBgpId);
  if (byId !== 0) return byId > 0 ? 'local' : 'remote';
  if (localAs !== remoteAs) return localAs >>> 0 > remoteAs >>> 0 ? 'local' : 'remote';
  return null;
}

export interface CollisionInput {
  readonly localBgpId: number;
  readonly localAs: number;
  /** BGP Identifier and (4-octet) AS from the OPEN just received. */
  readonly remoteBgpId: number;
  readonly remoteAs: number;
  /** Who initiated the connection the OPEN arrived on. */
  readonly newConnection: ConnectionOrigin;
  readonly existing: {
    readonly state: State;
    readonly initiatedBy: ConnectionOrigin;
    /**
     * The BGP Identifier of the peer on the existing connection: from its OPEN (OpenConfirm,
     * Established) or, for OpenSent, known "by means outside of the protocol" (configuration); null if
     * unknown.
     */
    readonly peerBgpId: number | null;
  } | null;
  /** RFC 4271 §8.1.1 CollisionDetectEstablishedState. */
  readonly collisionDetectEstablishedState: boolean;
}

export type CollisionOutcome =
  | { readonly kind: 'NoCollision' }
  /** Close the existing connection with Cease / Connection Collision Resolution; keep the new one. */
  | { readonly kind: 'CloseExisting' }
  /** Close the connection the OPEN arrived on; keep the existing one. */
  | { readonly kind: 'CloseNew' };

export function detectCollision(input: CollisionInput): CollisionOutcome {
  const existing = input.existing;
  // "a connection collision cannot be detected with connections that are in Idle, Connect, or Active".
  if (existing === null) return { kind: 'NoCollision' };
  switch (existing.state) {
    case 'Idle':
    case 'Connect':
    case 'Active':
      return { kind: 'NoCollision' };
    case 'OpenSent':
    case 'OpenConfirm':
      break;
    case 'Established':
      // "Unless allowed via configuration, a connection collision with an existing BGP connection that
      // is in the Established state causes closing of the newly created connection."
      if (!input.collisionDetectEstablishedState) return { kind: 'CloseNew' };
      break;
  }
  // "there is a connection to a remote BGP speaker whose BGP Identifier equals the one in the OPEN".
  if (existing.peerBgpId === null || existing.peerBgpId >>> 0 !== input.remoteBgpId >>> 0) {
    return existing.state === 'Established' ? { kind: 'CloseNew' } : { kind: 'NoCollision' };
  }
  const winner = survivingOrigin(input.localBgpId, input.remoteBgpId, input.localAs, input.remoteAs);
  if (winner === null) return { kind: 'CloseNew' };
  if (existing.initiatedBy === input.newConnection) {
    // Both connections from one side: §6.8 (2)/(3) read literally (the existing one is taken as ours).
    return compareBgpIdentifiers(input.localBgpId, input.remoteBgpId) < 0 ? { kind: 'CloseExisting' } : { kind: 'CloseNew' };
  }
  // The connection initiated by the winning speaker survives.
  return winner === existing.initiatedBy ? { kind: 'CloseNew' } : { kind: 'CloseExisting' };
}

/** The events to feed after a valid OPEN arrived on `incoming` while `existing` may also be up. */
export interface OpenDispatch {
  readonly outcome: CollisionOutcome;
  /** Event for the FSM of the connection the OPEN arrived on. */
  readonly incoming: FsmEvent;
  /** Event for the other FSM, or null to leave it alone. */
  readonly existing: FsmEvent | null;
}

/**
 * RFC 4271 §6.8 applied to two FSMs: "Upon receipt of an OPEN message, the local system MUST examine
 * all of its connections that are in the OpenConfirm state" (and Established with
 * CollisionDetectEstablishedState; OpenSent when `configuredPeerBgpId` is known).
 */
export function resolveOpen(
  incoming: SessionState,
  existing: SessionState | null,
  open: OpenSummary,
  localBgpId: number,
  configuredPeerBgpId: number | null = null,
): OpenDispatch {
  const initiatedBy = (s: SessionState): ConnectionOrigin => s.connection?.initiatedBy ?? 'local';
  const outcome = detectCollision({
    localBgpId,
    localAs: incoming.config.localAs,
    remoteBgpId: open.bgpIdentifier,
    remoteAs: effectiveAs(open),
    newConnection: initiatedBy(incoming),
    existing:
      existing === null || existing.connection === null
        ? null
        : {
            state: existing.state,
            initiatedBy: initiatedBy(existing),
            peerBgpId: existing.peerOpen?.bgpIdentifier ?? configuredPeerBgpId,
          },
    collisionDetectEstablishedState: incoming.config.collisionDetectEstablishedState,
  });
  const bgpOpen: FsmEvent = { type: 'BGPOpen', open };
  const dump: FsmEvent = { type: 'OpenCollisionDump' };
  switch (outcome.kind) {
    case 'NoCollision':
      return { outcome, incoming: bgpOpen, existing: null };
    case 'CloseExisting':
      return { outcome, incoming: bgpOpen, existing: dump };
    case 'CloseNew':
      return { outcome, incoming: dump, existing: null };
  }
}

/**
 * A fresh FSM for a second TCP connection (Action TrackSecondConnection): it starts in Active, never
 * initiates TCP and never restarts itself; feed it Tcp_CR_Acked or TcpConnectionConfirmed next.
 */
export function forkForSecondConnection(primary: SessionState): SessionState {
  const base = createSession(primary.config, nextRandom(primary.rng).state ^ 0x5bd1e995);
  return {
    ...base,
    state: 'Active',
    timers: NO_TIMERS,
    connectRetryCounter: primary.connectRetryCounter,
    damping: primary.damping,
    passive: true,
    secondary: true,
  };
}

/** The surviving second-connection FSM becomes the peer's primary one (restarts allowed again). */
export const promote = (s: SessionState): SessionState => ({
  ...s,
  secondary: false,
  passive: s.config.passiveTcpEstablishment,
});
