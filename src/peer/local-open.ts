// The OPEN we send (RFC 4271 §4.2) and the capabilities we advertise (RFC 5492).
import { Afi, CapabilityCode, Safi } from '../wire/iana.js';
import { buildOpen, type OpenMessage } from '../wire/open.js';
import type { Capability } from '../wire/capabilities/index.js';

/** Restart Time is a 12-bit field (RFC 4724 §3). */
export const MAX_RESTART_TIME = 4095;

/** What our Graceful Restart capability says (RFC 4724 §3). */
export interface LocalGracefulRestart {
  /** Seconds (PeerConfig.maxRestartTime: BGPPeer maxRestartTime / nodeMeshMaxRestartTime / 120), capped at 4095. */
  readonly restartTime: number;
  /** R bit: we have just restarted gracefully (until our first End-of-RIB round). */
  readonly restarting: boolean;
  /** F bit for each family: our forwarding state (kernel routes) was kept across that restart. */
  readonly forwardingPreserved: boolean;
}

export function localCapabilities(asn: number, hostname: string, gr?: LocalGracefulRestart): Capability[] {
  const caps: Capability[] = [
    { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: Afi.IPv4, safi: Safi.Unicast }, // RFC 4760
    { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: Afi.IPv6, safi: Safi.Unicast },
    { kind: 'route-refresh', code: CapabilityCode.RouteRefresh }, // RFC 2918
    { kind: 'enhanced-route-refresh', code: CapabilityCode.EnhancedRouteRefresh }, // RFC 7313
    { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn }, // RFC 6793
    { kind: 'extended-message', code: CapabilityCode.ExtendedMessage }, // RFC 8654
  ];
  // RFC 4724 §3: Graceful Restart for both unicast families. No N bit: RFC 8538 is not implemented.
  if (gr !== undefined) {
    const forwardingState = gr.restarting && gr.forwardingPreserved;
    caps.push({
      kind: 'graceful-restart',
      code: CapabilityCode.GracefulRestart,
      restartState: gr.restarting,
      notification: false,
      restartTime: Math.max(0, Math.min(MAX_RESTART_TIME, Math.round(gr.restartTime))),
      families: [
        { afi: Afi.IPv4, safi: Safi.Unicast, forwardingState },
        { afi: Afi.IPv6, safi: Safi.Unicast, forwardingState },
      ],
    });
  }
  // The FQDN capability as FRR sends it: lets the peer show which node this is.
  if (hostname !== '') caps.push({ kind: 'fqdn', code: CapabilityCode.Fqdn, hostname: hostname.slice(0, 64), domainName: '' });
  return caps;
}

export function localOpen(asn: number, holdTime: number, routerId: number, hostname: string, gr?: LocalGracefulRestart): OpenMessage {
  return buildOpen({ asn, holdTime, bgpIdentifier: routerId, capabilities: localCapabilities(asn, hostname, gr) });
}
