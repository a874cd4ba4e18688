// RFC 4271 §6.8 leaves a race when an OPEN arrives on a new connection while the other one is Established: the
// peer may still be in OpenConfirm on the connection we see Established (its KEEPALIVE overtook its OPEN on the
// other one) and keep the new connection, or be Established too and, by the RFC's default, close the new one.
// Either choice made here alone can lose both connections, so the peer decides: the OPEN is held until the peer
// closes one connection, or for COLLISION_GRACE_MS, after which the Established connection stays and the new
// one is closed (the default of §8.1.1).
import type { FsmEvent } from '../fsm/index.js';
import type { OpenSummary } from '../fsm/summary.js';

export const COLLISION_GRACE_MS = 3000;

/** The peer's FSMs, as the held OPEN sees them (by connection id: the peer's FSMs get promoted). */
export interface CollisionSides {
  /**
   * Is the FSM other than the one on `connId` Established? `null` when no FSM holds `connId` any more (the peer
   * closed the new connection).
   */
  otherEstablished(connId: number): boolean | null;
  /** Hand the FSM on `connId` the outcome. */
  decide(connId: number, event: FsmEvent): void;
  /** We are waiting for the peer (logged once per held OPEN). */
  waiting(): void;
}

export class OpenCollision {
  private held: { readonly connId: number; readonly open: OpenSummary; readonly timer: ReturnType<typeof setTimeout> } | null = null;

  constructor(private readonly sides: CollisionSides, private readonly graceMs = COLLISION_GRACE_MS) {}

  /** Hold the OPEN that arrived on `connId` (a newer one replaces it). */
  defer(connId: number, open: OpenSummary): void {
    if (this.held !== null) clearTimeout(this.held.timer);
    const timer = setTimeout(() => this.resolve(), this.graceMs);
    timer.unref();
    this.held = { connId, open, timer };
    this.sides.waiting();
  }

  /** Has the peer chosen yet? (one of the two connections is gone) */
  get decided(): boolean {
    const h = this.held;
    return h !== null && this.sides.otherEstablished(h.connId) !== true;
  }

  /** The peer chose (one connection closed) or the grace time ran out. */
  resolve(): void {
    const h = this.held;
    if (h === null) return;
    clearTimeout(h.timer);
    this.held = null;
    const other = this.sides.otherEstablished(h.connId);
    if (other === null) return; // the peer closed the new connection
    if (other) this.sides.decide(h.connId, { type: 'OpenCollisionDump' }); // RFC 4271 §8.1.1 default: close the new connection
    else this.sides.decide(h.connId, { type: 'BGPOpen', open: h.open }); // the peer closed the old one: carry on here
  }
}
