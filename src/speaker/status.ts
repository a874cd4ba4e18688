// `tsbgpd status`: the daemon's and every peer's state as control/status.ts shapes it. Keys show as their
// length, fingerprint and source only, never their bytes.
import type { ResolvedConfig } from '../config/index.js';
import { familyName, type Peer } from '../peer/peer.js';
import type { DaemonStatus, PeerStatus } from '../control/status.js';
import type { LocalRestart } from './restart.js';
import type { KernelRoutes } from '../fib/programmer.js';

/** What the speaker holds that the status shows. */
export interface StatusSources {
  readonly config: ResolvedConfig;
  /** The listener's port (the configured one until the listener is open). */
  readonly listenPort: number;
  readonly startedAt: Date;
  readonly loadedAt: Date;
  readonly configError: string | null;
  readonly configWarnings: number;
  readonly restart: LocalRestart;
  readonly peers: readonly Peer[];
  readonly kernel: KernelRoutes | null;
}

export function daemonStatus(s: StatusSources, now: number = Date.now()): DaemonStatus {
  const restart = s.restart.state;
  return {
    nodeName: s.config.node.name,
    routerId: s.config.node.routerId,
    localAS: s.config.node.asNumber,
    listenPort: s.listenPort,
    startedAt: s.startedAt.toISOString(),
    config: { loadedAt: s.loadedAt.toISOString(), lastError: s.configError, warnings: s.configWarnings },
    gracefulRestart: {
      ...restart,
      deferralRemaining: s.restart.deferralRemaining(now),
      // RFC 4724 §4.1: the peers whose End-of-RIB the deferred selection still waits for.
      waitingFor: restart.selectionDeferred ? s.peers.filter((p) => !p.readyForSelection).map((p) => p.name).sort() : [],
    },
    kernel: s.kernel === null ? null : { table: s.config.global.kernelTable, ...s.kernel.status() },
    peers: [...s.peers].sort((a, b) => a.name.localeCompare(b.name)).map((p) => peerStatus(p)),
  };
}

export function peerStatus(p: Peer): PeerStatus {
  const c = p.config;
  const k = p.key;
  const n = p.negotiated;
  const received = p.ribIn.size;
  return {
    name: c.name,
    peerIP: c.peerIP,
    peerPort: c.port,
    peerAS: c.peerAS,
    localAS: c.localAS,
    localAddress: c.localAddress ?? null,
    passive: c.passive,
    enabled: p.enabled,
    state: p.state,
    since: p.since.toISOString(),
    lastError: p.state === 'Established' ? null : k.kind === 'failed' ? `password unusable (${k.source}): ${k.reason}` : p.lastError,
    authDiagnosis: p.state === 'Established' ? null : p.authDiagnosis,
    auth: {
      method: c.auth.method,
      keyLength: k.kind === 'loaded' ? k.key.length : null,
      keyFingerprint: k.kind === 'loaded' ? k.key.fingerprint : null,
      source: k.kind === 'none' ? null : k.source,
    },
    prefixes: { received, accepted: p.ribIn.accepted, advertised: p.ribIn.advertised },
    negotiated: n === null ? null : {
      holdTime: n.holdTime,
      keepaliveTime: n.keepaliveTime,
      families: n.families.map((f) => `${(f >> 8) === 1 ? 'ipv4' : 'ipv6'}-unicast`),
      fourOctetAs: n.fourOctetAs,
      routeRefresh: n.routeRefresh,
      gracefulRestart: n.gracefulRestart !== null,
      endOfRibReceived: [...p.endOfRibReceived].map((f) => familyName(f)),
    },
    remoteRouterId: p.remoteRouterId === null ? null : [p.remoteRouterId >>> 24, (p.remoteRouterId >>> 16) & 255, (p.remoteRouterId >>> 8) & 255, p.remoteRouterId & 255].join('.'),
    messages: { sent: p.messagesOut, received: p.messagesIn },
    gracefulRestart: helperStatus(p),
  };
}

/** The peer's graceful restart helper (RFC 4724 §4.2) as status shows it. */
function helperStatus(p: Peer): PeerStatus['gracefulRestart'] {
  const h = p.grHelper.status();
  return {
    helper: h.state,
    restartTimeRemaining: h.restartTimeRemaining,
    stalePathTimeRemaining: h.stalePathTimeRemaining,
    staleFamilies: h.staleFamilies.map((afi) => familyName((afi << 8) | 1)),
    staleRoutes: h.staleRoutes,
  };
}
