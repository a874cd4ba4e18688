// The OPEN we send (RFC 4271 §4.2) and the capabilities we advertise (RFC 5492).
import { Afi, CapabilityCode, Safi } from '../wire/iana.js';
import { buildOpen, type OpenMessage } from '../wire/open.js';
import type { Capability } from '../wire/capabilities/index.js';

export function localCapabilities(asn: number, hostname: string): Capability[] {
  const caps: Capability[] = [
    { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: Afi.IPv4, safi: Safi.Unicast }, // RFC 4760
    { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: Afi.IPv6, safi: Safi.Unicast },
    { kind: 'route-refresh', code: CapabilityCode.RouteRefresh }, // RFC 2918
    { kind: 'enhanced-route-refresh', code: CapabilityCode.EnhancedRouteRefresh }, // RFC 7313
    { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn }, // RFC 6793
    { kind: 'extended-message', code: CapabilityCode.ExtendedMessage }, // RFC 8654
  ];
  // The FQDN capability as FRR sends it: lets the peer show which node this is.
  if (hostname !== '') caps.push({ kind: 'fqdn', code: CapabilityCode.Fqdn, hostname: hostname.slice(0, 64), domainName: '' });
  return caps;
}

export function localOpen(asn: number, holdTime: number, routerId: number, hostname: string): OpenMessage {
  return buildOpen({ asn, holdTime, bgpIdentifier: routerId, capabilities: localCapabilities(asn, hostname) });
}
