// Adaptor from the codec's OpenMessage (src/wire/open.ts) to the plain OpenSummary that the FSM,
// OPEN validation and negotiation read.

import { openCapabilities, type OpenMessage } from '../wire/open.js';
import type {
  AddPathFamily,
  AfiSafi,
  CapabilitySummary,
  ExtendedNextHopTuple,
  FqdnSummary,
  GracefulRestartSummary,
  OpenSummary,
} from '../fsm/summary.js';

export function summarizeOpen(open: OpenMessage): OpenSummary {
  const multiprotocol: AfiSafi[] = [];
  const addPath: AddPathFamily[] = [];
  const extendedNextHop: ExtendedNextHopTuple[] = [];
  let routeRefresh = false;
  let enhancedRouteRefresh = false;
  let extendedMessage = false;
  let fourOctetAs: number | null = null;
  let gracefulRestart: GracefulRestartSummary | null = null;
  let role: number | null = null;
  let fqdn: FqdnSummary | null = null;

  for (const cap of openCapabilities(open)) {
    switch (cap.kind) {
      case 'multiprotocol':
        if (!multiprotocol.some((f) => f.afi === cap.afi && f.safi === cap.safi)) {
          multiprotocol.push({ afi: cap.afi, safi: cap.safi });
        }
        break;
      case 'route-refresh': // RFC 2918 code 2 or the pre-standard code 128
        routeRefresh = true;
        break;
      case 'enhanced-route-refresh':
        enhancedRouteRefresh = true;
        break;
      case 'four-octet-as':
        fourOctetAs ??= cap.asn;
        break;
      case 'graceful-restart':
        gracefulRestart ??= {
          restartTime: cap.restartTime,
          restarting: cap.restartState,
          notification: cap.notification,
          families: cap.families.map((f) => ({ afi: f.afi, safi: f.safi, forwardingState: f.forwardingState })),
        };
        break;
      case 'add-path':
        // RFC 7911 §4 Send/Receive: 1 receive, 2 send, 3 both; other values carry no meaning.
        for (const f of cap.families) {
          const valid = f.sendReceive >= 1 && f.sendReceive <= 3;
          if (!valid || addPath.some((a) => a.afi === f.afi && a.safi === f.safi)) continue;
          addPath.push({ afi: f.afi, safi: f.safi, send: (f.sendReceive & 2) !== 0, receive: (f.sendReceive & 1) !== 0 });
        }
        break;
      case 'extended-message':
        extendedMessage = true;
        break;
      case 'extended-next-hop':
        for (const t of cap.tuples) extendedNextHop.push({ nlriAfi: t.nlriAfi, nlriSafi: t.nlriSafi, nextHopAfi: t.nextHopAfi });
        break;
      case 'role':
        role ??= cap.role;
        break;
      case 'fqdn':
        fqdn ??= { hostname: cap.hostname, domain: cap.domainName };
        break;
      case 'long-lived-graceful-restart': // not negotiated here yet
      case 'unknown': // RFC 5492 §3: ignored
        break;
    }
  }

  const capabilities: CapabilitySummary = {
    multiprotocol,
    routeRefresh,
    enhancedRouteRefresh,
    fourOctetAs,
    gracefulRestart,
    addPath,
    extendedMessage,
    extendedNextHop,
    role,
    fqdn,
  };
  return {
    version: open.version,
    myAs: open.myAs,
    holdTime: open.holdTime,
    bgpIdentifier: open.bgpIdentifier >>> 0,
    capabilities,
  };
}
