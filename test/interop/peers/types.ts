// The one description every peer driver turns into its daemon's own configuration, and the query API they share.

export type Family = 'ipv4' | 'ipv6';
export type PeerKind = 'bird' | 'frr' | 'gobgp' | 'exabgp';

export interface NeighborSpec {
  /** The neighbor's address (IPv4 or IPv6); it also names the session in every query. */
  readonly address: string;
  readonly peerAs: number;
  /** TCP-MD5 (RFC 2385) key. Written only to config files in the private temp dir, never logged. */
  readonly password?: string;
  /** Only accept, never connect. */
  readonly passive?: boolean;
  /** The neighbor's TCP port (default 179). */
  readonly port?: number;
  /** Proposed hold time in seconds (default 90 for all drivers, whatever the daemon's own default). */
  readonly holdTime?: number;
  /** Families carried on this session. IPv6 over an IPv4 session uses the first local IPv6 as next hop. */
  readonly families: readonly Family[];
}

/** Optional capabilities, to make OPENs rich (for vector capture); each driver applies what its daemon has. */
export interface PeerFeatures {
  /** RFC 4724 graceful restart capability (restart time 120 s). */
  readonly gracefulRestart?: boolean;
  /** RFC 7911: ask to send (and receive) multiple paths per prefix. */
  readonly addPath?: boolean;
  /** RFC 8654 extended message. */
  readonly extendedMessage?: boolean;
  /** RFC 7313 enhanced route refresh (where it is a switch at all). */
  readonly enhancedRouteRefresh?: boolean;
}

export interface PeerSpec {
  readonly routerId: string;
  /** 2- or 4-octet ASN (e.g. 4200000001; RFC 6793). */
  readonly localAs: number;
  /** Local addresses of this daemon (the first IPv4 / first IPv6 are the session sources and next hops). */
  readonly localAddresses: readonly string[];
  /** Port the daemon listens on (default 179). */
  readonly listenPort?: number;
  readonly neighbors: readonly NeighborSpec[];
  /** Prefixes to originate at start (IPv4 and IPv6), next hop self. */
  readonly prefixes?: readonly string[];
  /** Standard communities ("65001:100") attached to every originated prefix. */
  readonly communities?: readonly string[];
  /** Large communities ("65001:1:2", RFC 8092) attached to every originated prefix. */
  readonly largeCommunities?: readonly string[];
  /** MULTI_EXIT_DISC for originated prefixes. */
  readonly med?: number;
  /** LOCAL_PREF for originated prefixes (sent on iBGP sessions only). */
  readonly localPref?: number;
  readonly features?: PeerFeatures;
}

export type SessionState = 'Established' | (string & {});

/** A running (or stopped) daemon in a network namespace. All methods reject on failure; none log secrets. */
export interface PeerDaemon {
  readonly kind: PeerKind;
  /** "bird 2.0.12" etc., filled after start(). */
  readonly version: string;
  readonly netns: string;
  /** Private temp dir holding config, sockets, pid and logs; removed by stop(). */
  readonly dir: string;
  /** PID of the daemon process, undefined when not running. */
  readonly pid: number | undefined;

  start(): Promise<void>;
  /** SIGTERM by PID, wait, SIGKILL on timeout; then removes the temp dir. */
  stop(): Promise<void>;
  /** Stops the process (keeping the dir) and starts it again with the current prefix set. */
  restart(): Promise<void>;

  sessionState(neighbor: string): Promise<SessionState>;
  /** Resolves once Established; rejects after timeoutMs with the last state seen. */
  waitEstablished(neighbor: string, timeoutMs: number): Promise<void>;
  /** Prefixes learned from `neighbor` (or from any neighbor), sorted, canonical text ("192.0.2.0/24"). */
  receivedPrefixes(neighbor?: string): Promise<string[]>;

  /** Originates `prefix` at runtime (kept across restart()). */
  announce(prefix: string): Promise<void>;
  /** Stops originating `prefix` at runtime. */
  withdraw(prefix: string): Promise<void>;

  /** Asks the neighbor to resend its routes (sends ROUTE-REFRESH, RFC 2918). */
  softResetIn(neighbor: string): Promise<void>;
  /** Administratively shuts the session down: Cease/Administrative Shutdown, with an RFC 9003 text if given. */
  shutdownNeighbor(neighbor: string, message?: string): Promise<void>;
}

export const familyOf = (prefixOrAddress: string): Family => (prefixOrAddress.includes(':') ? 'ipv6' : 'ipv4');
