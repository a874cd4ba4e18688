// The plain view of an OPEN message that the FSM, OPEN validation and negotiation read.
// It does not depend on the codec's OpenMessage shape; src/peer/open-summary.ts adapts one to the other.

import { Afi, Safi } from '../wire/iana.js';

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

/** RFC 4724 §3: one <AFI, SAFI> of the Graceful Restart capability, with its Forwarding State bit. */
export interface GracefulRestartFamily extends AfiSafi {
  readonly forwardingState: boolean;
}

/** RFC 4724 §3, RFC 8538 §2. */
export interface GracefulRestartSummary {
  /** Restart Time in seconds (12 bits). */
  readonly restartTime: number;
  /** Restart State bit (R): the sender has restarted. */
  readonly restarting: boolean;
  /** Graceful Notification bit (N), RFC 8538. */
  readonly notification: boolean;
  readonly families: readonly GracefulRestartFamily[];
}

/** RFC 7911 §4: the Send/Receive field for one <AFI, SAFI>, as two flags. */
export interface AddPathFamily extends AfiSafi {
  /** The sender is able to send multiple paths (Send/Receive = 2 or 3). */
  readonly send: boolean;
  /** The sender is able to receive multiple paths (Send/Receive = 1 or 3). */
  readonly receive: boolean;
}

/** RFC 8950 §3: NLRI AFI/SAFI that may carry a next hop of Nexthop AFI. */
export interface ExtendedNextHopTuple {
  readonly nlriAfi: number;
  readonly nlriSafi: number;
  readonly nextHopAfi: number;
}

export interface FqdnSummary {
  readonly hostname: string;
  readonly domain: string;
}

/** What one side advertised in its Capabilities optional parameter (RFC 5492). */
export interface CapabilitySummary {
  /** RFC 4760 §8: Multiprotocol Extensions. Empty means none sent (IPv4 unicast is then implied). */
  readonly multiprotocol: readonly AfiSafi[];
  /** RFC 2918 (or the pre-standard code 128). */
  readonly routeRefresh: boolean;
  /** RFC 7313. */
  readonly enhancedRouteRefresh: boolean;
  /** RFC 6793: the 4-octet AS number carried in the capability, or null when not sent. */
  readonly fourOctetAs: number | null;
  readonly gracefulRestart: GracefulRestartSummary | null;
  readonly addPath: readonly AddPathFamily[];
  /** RFC 8654. */
  readonly extendedMessage: boolean;
  readonly extendedNextHop: readonly ExtendedNextHopTuple[];
  /** RFC 9234 BGP Role value (see BgpRole in iana.ts), or null when not sent. */
  readonly role: number | null;
  readonly fqdn: FqdnSummary | null;
}

/** The fields of an OPEN message (RFC 4271 §4.2) the session layer needs. */
export interface OpenSummary {
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real AS needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as an unsigned 32-bit number (RFC 6286 §2.1). */
  readonly bgpIdentifier: number;
  readonly capabilities: CapabilitySummary;
}

export const NO_CAPABILITIES: CapabilitySummary = {
  multiprotocol: [],
  routeRefresh: false,
  enhancedRouteRefresh: false,
  fourOctetAs: null,
  gracefulRestart: null,
  addPath: [],
  extendedMessage: false,
  extendedNextHop: [],
  role: null,
  fqdn: null,
};

export const IPV4_UNICAST: AfiSafi = { afi: Afi.IPv4, safi: Safi.Unicast };

/** RFC 6793 §4.1: the sender's AS is the one in the 4-octet AS capability when present. */
export const effectiveAs = (open: OpenSummary): number => open.capabilities.fourOctetAs ?? open.myAs;

/** Parse a dotted-quad BGP Identifier into an unsigned 32-bit number; null if not a dotted quad. */
export function parseBgpIdentifier(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let id = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    id = id * 256 + n;
  }
  return id >>> 0;
}

export const formatBgpIdentifier = (id: number): string =>
  [(id >>> 24) & 255, (id >>> 16) & 255, (id >>> 8) & 255, id & 255].join('.');
