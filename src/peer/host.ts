// What a peer is given: its key material as loaded, and what the speaker provides to every peer (the RIB, the
// clock, our own graceful restart state). Types only; the speaker builds them, peer.ts runs on them.
import type { Logger } from 'pino';
import type { Rib } from '../rib/rib.js';
import type { Clock } from './timers.js';
import type { Peer } from './peer.js';

/** A key as the daemon holds it: bytes plus what may be shown. Never logged. */
export interface LoadedKey {
  readonly key: Buffer;
  readonly length: number;
  readonly fingerprint: string;
}

/** One TCP-AO Master Key Tuple (RFC 5925 §3.1) as loaded. */
export interface AoMaterial {
  readonly algorithm: string;
  readonly sendId: number;
  readonly recvId: number;
  readonly key: LoadedKey;
}

/**
 * The peer's key state: none configured, loaded, or configured but unusable (the peer stays down). For TCP-AO,
 * `ao` lists every MKT and `key` is the current one (shown in status).
 */
export type PeerKeyState =
  | { readonly kind: 'none' }
  | { readonly kind: 'loaded'; readonly key: LoadedKey; readonly source: string; readonly ao?: readonly AoMaterial[] }
  | { readonly kind: 'failed'; readonly reason: string; readonly source: string };

/**
 * This speaker's graceful restart state for its OPENs (RFC 4724 §3, §4.1): `restarting` (R bit) from a graceful
 * restart until its first End-of-RIB round, `forwardingPreserved` (F bit per family) when the kernel routes of
 * the previous run were kept, and `selectionDeferred` while route selection and advertisement wait (§4.1).
 */
export interface LocalRestartState {
  readonly restarting: boolean;
  readonly forwardingPreserved: boolean;
  readonly selectionDeferred: boolean;
}

/** What the speaker provides to every peer. */
export interface PeerHost {
  readonly log: Logger;
  readonly clock: Clock;
  readonly routerId: number;
  readonly hostname: string;
  /** The RIB: this peer's Adj-RIB-In and Adj-RIB-Out live there. */
  readonly rib: Rib;
  /** The RIB has work (routes received or withdrawn, a session up or down): decide and flush soon. */
  routesChanged(peer: Peer): void;
  /** Our own graceful restart (RFC 4724 §4.1), read for every OPEN we send. */
  readonly localRestart: LocalRestartState;
  /** Network namespace for sockets (tests). */
  readonly netns?: string | undefined;
}
