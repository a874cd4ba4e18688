// Capability values (RFC 5492 §4) as readonly data, one interface per capability, and the shape of a
// registry row. The wire form of each is in its own file; registry.ts lists the rows.
import { CapabilityCode } from '../iana.js';

/** RFC 4760 §8: one AFI/SAFI pair per capability. The reserved octet is sent as 0 and ignored. */
export interface MultiprotocolCapability {
  readonly kind: 'multiprotocol';
  readonly code: typeof CapabilityCode.Multiprotocol;
  readonly afi: number;
  readonly safi: number;
}

/** RFC 2918 §2 (code 2), or the pre-standard code 128 that some peers still send. Empty value. */
export interface RouteRefreshCapability {
  readonly kind: 'route-refresh';
  readonly code: typeof CapabilityCode.RouteRefresh | typeof CapabilityCode.CiscoRouteRefresh;
}

/** RFC 7313 §3.1. Empty value. */
export interface EnhancedRouteRefreshCapability {
  readonly kind: 'enhanced-route-refresh';
  readonly code: typeof CapabilityCode.EnhancedRouteRefresh;
}

/** RFC 6793 §3: the speaker's 4-octet AS number. */
export interface FourOctetAsCapability {
  readonly kind: 'four-octet-as';
  readonly code: typeof CapabilityCode.FourOctetAs;
  readonly asn: number;
}

/** RFC 4724 §3 family entry: forwardingState is the F bit of the per-AFI flags. */
export interface GracefulRestartFamily {
  readonly afi: number;
  readonly safi: number;
  readonly forwardingState: boolean;
}

/** RFC 4724 §3 (N bit: RFC 8538 §2). Reserved flag bits are sent as 0 and ignored. */
export interface GracefulRestartCapability {
  readonly kind: 'graceful-restart';
  readonly code: typeof CapabilityCode.GracefulRestart;
  /** R bit: the sender has restarted. */
  readonly restartState: boolean;
  /** N bit (RFC 8538): the sender supports Graceful Restart for NOTIFICATION messages. */
  readonly notification: boolean;
  /** Seconds, 12 bits. */
  readonly restartTime: number;
  readonly families: readonly GracefulRestartFamily[];
}

/** RFC 9494 §3 family entry: F bit and the 24-bit long-lived stale time in seconds. */
export interface LongLivedGracefulRestartFamily {
  readonly afi: number;
  readonly safi: number;
  readonly forwardingState: boolean;
  readonly staleTime: number;
}

export interface LongLivedGracefulRestartCapability {
  readonly kind: 'long-lived-graceful-restart';
  readonly code: typeof CapabilityCode.LongLivedGracefulRestart;
  readonly families: readonly LongLivedGracefulRestartFamily[];
}

/** RFC 7911 §4 Send/Receive field. */
export const AddPathMode = { Receive: 1, Send: 2, Both: 3 } as const;

/** RFC 7911 §4 family entry. `sendReceive` is kept as received (1, 2, 3; other values have no meaning). */
export interface AddPathFamily {
  readonly afi: number;
  readonly safi: number;
  readonly sendReceive: number;
}

export interface AddPathCapability {
  readonly kind: 'add-path';
  readonly code: typeof CapabilityCode.AddPath;
  readonly families: readonly AddPathFamily[];
}

/** RFC 8654 §3. Empty value. */
export interface ExtendedMessageCapability {
  readonly kind: 'extended-message';
  readonly code: typeof CapabilityCode.ExtendedMessage;
}

/** RFC 8950 §3 tuple: NLRI of (nlriAfi, nlriSafi) may carry a next hop of nextHopAfi. */
export interface ExtendedNextHopTuple {
  readonly nlriAfi: number;
  readonly nlriSafi: number;
  readonly nextHopAfi: number;
}

export interface ExtendedNextHopCapability {
  readonly kind: 'extended-next-hop';
  readonly code: typeof CapabilityCode.ExtendedNextHop;
  readonly tuples: readonly ExtendedNextHopTuple[];
}

/** RFC 9234 §4.1: one octet, values in `BgpRole` (iana.ts); others are kept as received. */
export interface RoleCapability {
  readonly kind: 'role';
  readonly code: typeof CapabilityCode.Role;
  readonly role: number;
}

/** draft-walton-bgp-hostname-capability (as FRR sends it): length-prefixed hostname and domain name. */
export interface FqdnCapability {
  readonly kind: 'fqdn';
  readonly code: typeof CapabilityCode.Fqdn;
  readonly hostname: string;
  readonly domainName: string;
}

/** Any capability code without a row: kept as raw bytes and re-encoded identically (RFC 5492 §3). */
export interface UnknownCapability {
  readonly kind: 'unknown';
  readonly code: number;
  /** Zero-copy view of the received value. */
  readonly value: Uint8Array;
}

export type KnownCapability =
  | MultiprotocolCapability
  | RouteRefreshCapability
  | EnhancedRouteRefreshCapability
  | FourOctetAsCapability
  | GracefulRestartCapability
  | LongLivedGracefulRestartCapability
  | AddPathCapability
  | ExtendedMessageCapability
  | ExtendedNextHopCapability
  | RoleCapability
  | FqdnCapability;

export type Capability = KnownCapability | UnknownCapability;

/** The capability type for a code: the known one that code decodes to, else `UnknownCapability`. */
export type CapabilityOf<C extends number> = [KnownOf<C, KnownCapability>] extends [never] ? UnknownCapability : KnownOf<C, KnownCapability>;
type KnownOf<C extends number, K> = K extends { readonly code: infer KC } ? (C extends KC ? K : never) : never;

/**
 * One registry row per capability code (BIRD's table-row idea): everything about a capability's value
 * in one place. `decode` gets the value bytes `buf[offset, offset + length)` and returns the capability
 * or a plain-language reason it is malformed.
 */
export interface CapabilityRow<C extends KnownCapability = KnownCapability> {
  readonly code: C['code'];
  readonly name: string;
  decode(buf: Uint8Array, offset: number, length: number): C | string;
  /** Length of the value only (the 2-octet code/length prefix excluded). */
  encodingLength(cap: C): number;
  /** Write the value only at `offset`; returns bytes written. */
  encodeInto(cap: C, buf: Uint8Array, offset: number): number;
  /** Plain JSON-safe fields describing the value (code and name are added by the caller). */
  toJSON(cap: C): Record<string, unknown>;
}

/** Helper so each row file keeps its precise type while the registry holds the common one. */
export const defineRow = <C extends KnownCapability>(row: CapabilityRow<C>): CapabilityRow<C> => row;
