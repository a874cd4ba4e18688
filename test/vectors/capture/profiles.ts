// What the capture tool configures on each daemon, and therefore what every vector must show.

import type { PeerKind, PeerSpec } from '../../interop/peers/index.js';

export const DAEMON = { ipv4: '192.0.2.1', ipv6: '2001:db8::1' } as const;
export const CAPTURE = { ipv4: '192.0.2.2', ipv6: '2001:db8::2' } as const;

/** Originated by the daemon; the second of each family is withdrawn at runtime. */
export const ORIGINATED = {
  ipv4: ['203.0.113.0/25', '203.0.113.128/25'],
  ipv6: ['2001:db8:1::/48', '2001:db8:2::/48'],
} as const;
export const WITHDRAWN = { ipv4: '203.0.113.128/25', ipv6: '2001:db8:2::/48' } as const;

/** Sent by the capture tool. */
export const OURS = { ipv4: '198.51.100.0/24', ipv6: '2001:db8:ff::/48' } as const;

export const SHUTDOWN_TEXT = 'tsbgpd vector capture: planned maintenance';

export interface CaptureProfile {
  readonly id: 'bird2' | 'frr8' | 'gobgp3' | 'exabgp4';
  readonly kind: PeerKind;
  readonly daemonAs: number;
  readonly captureAs: number;
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly med: number;
  /** Configured LOCAL_PREF, and whether the daemon puts it on this session (iBGP only). */
  readonly localPref?: number;
  readonly sendsLocalPref: boolean;
  /** False where an inbound ROUTE-REFRESH breaks the daemon (so the capture does not send one). */
  readonly survivesRouteRefresh: boolean;
  /** ExaBGP closes without any NOTIFICATION on teardown when graceful restart was negotiated. */
  readonly silentTeardownWithGr?: boolean;
  /** Whether the daemon can put an RFC 9003 text in its Administrative Shutdown. */
  readonly shutdownText: boolean;
  readonly notes: string;
}

export const PROFILES: readonly CaptureProfile[] = [
  {
    id: 'bird2',
    kind: 'bird',
    daemonAs: 4200000001,
    captureAs: 65002,
    communities: ['65001:100', '65001:200'],
    largeCommunities: ['4200000001:1:2'],
    med: 50,
    sendsLocalPref: false,
    survivesRouteRefresh: true,
    shutdownText: true,
    notes: 'eBGP, 4-octet local AS (OPEN carries AS_TRANS)',
  },
  {
    id: 'frr8',
    kind: 'frr',
    daemonAs: 65001,
    captureAs: 65001,
    communities: ['65001:100'],
    largeCommunities: ['65001:7:8'],
    med: 50,
    localPref: 200,
    sendsLocalPref: true,
    survivesRouteRefresh: true,
    shutdownText: true,
    notes: 'iBGP (empty AS_PATH, LOCAL_PREF present)',
  },
  {
    id: 'gobgp3',
    kind: 'gobgp',
    daemonAs: 65001,
    captureAs: 65002,
    communities: ['65001:100'],
    largeCommunities: ['65001:1:2'],
    med: 50,
    sendsLocalPref: false,
    survivesRouteRefresh: true,
    shutdownText: false, // `gobgp neighbor X disable --reason TEXT` (3.10) still sends no data
    notes: 'eBGP, 2-octet local AS (AS_PATH still 4-octet: both sides offer capability 65)',
  },
  {
    id: 'exabgp4',
    kind: 'exabgp',
    daemonAs: 4200000002,
    captureAs: 65002,
    communities: ['65001:100'],
    largeCommunities: ['4200000002:3:4'],
    med: 50,
    sendsLocalPref: false,
    // 4.2.21: an inbound ROUTE-REFRESH raises "TypeError: 'RouteRefresh' object is not iterable" in its
    // reactor and the session is dropped without a NOTIFICATION.
    survivesRouteRefresh: false,
    silentTeardownWithGr: true,
    shutdownText: false,
    notes: 'eBGP, 4-octet local AS',
  },
];

export const isIbgp = (p: CaptureProfile): boolean => p.daemonAs === p.captureAs;

export function daemonSpec(p: CaptureProfile): PeerSpec {
  return {
    routerId: DAEMON.ipv4,
    localAs: p.daemonAs,
    localAddresses: [DAEMON.ipv4, DAEMON.ipv6],
    neighbors: [{ address: CAPTURE.ipv4, peerAs: p.captureAs, passive: true, holdTime: 90, families: ['ipv4', 'ipv6'] }],
    prefixes: [...ORIGINATED.ipv4, ...ORIGINATED.ipv6],
    communities: p.communities,
    largeCommunities: p.largeCommunities,
    med: p.med,
    ...(p.localPref !== undefined ? { localPref: p.localPref } : {}),
    features: { gracefulRestart: true, addPath: true, extendedMessage: true, enhancedRouteRefresh: true },
  };
}
