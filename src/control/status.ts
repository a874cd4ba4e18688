// Shapes of `tsbgpd status --json` and `tsbgpd routes --json`, and their table renderings.
// No field here ever holds key material: auth shows the method, the key's length and a fingerprint only.

export interface AuthStatus {
  readonly method: 'none' | 'md5' | 'ao';
  readonly keyLength: number | null;
  /** First 8 hex digits of SHA-256 of the key. */
  readonly keyFingerprint: string | null;
  /** Where the key comes from, e.g. "secret bgp-secrets/rr-password". */
  readonly source: string | null;
}

export interface PeerStatus {
  readonly name: string;
  readonly peerIP: string;
  readonly peerPort: number;
  readonly peerAS: number;
  readonly localAS: number;
  readonly localAddress: string | null;
  readonly passive: boolean;
  readonly enabled: boolean;
  /** RFC 4271 state, or 'Idle' while held down (see lastError). */
  readonly state: string;
  /** ISO time of the last state change. */
  readonly since: string;
  readonly lastError: string | null;
  /** Plain-language reason from the kernel counters when an authenticated session does not come up. */
  readonly authDiagnosis: string | null;
  readonly auth: AuthStatus;
  readonly prefixes: { readonly received: number; readonly accepted: number; readonly advertised: number };
  readonly negotiated: {
    readonly holdTime: number;
    readonly keepaliveTime: number;
    readonly families: readonly string[];
    readonly fourOctetAs: boolean;
    readonly routeRefresh: boolean;
    readonly gracefulRestart: boolean;
    /** Families whose End-of-RIB (RFC 4724 §2) the peer has sent. */
    readonly endOfRibReceived: readonly string[];
  } | null;
  readonly remoteRouterId: string | null;
  readonly messages: { readonly sent: number; readonly received: number };
  /**
   * Graceful restart helper (RFC 4724 §4.2): 'restarting' = the peer's session ended without a NOTIFICATION and
   * its routes are kept stale until the restart timer; 'recovering' = back, waiting for its End-of-RIB.
   */
  readonly gracefulRestart: {
    readonly helper: 'idle' | 'restarting' | 'recovering';
    readonly restartTimeRemaining: number | null;
    readonly stalePathTimeRemaining: number | null;
    readonly staleFamilies: readonly string[];
    readonly staleRoutes: number;
  };
}

export interface DaemonStatus {
  readonly nodeName: string;
  readonly routerId: string;
  readonly localAS: number;
  readonly listenPort: number;
  readonly startedAt: string;
  readonly config: { readonly loadedAt: string; readonly lastError: string | null; readonly warnings: number };
  /** Our own graceful restart (RFC 4724 §4.1): R/F bits in our OPENs, route selection deferred until End-of-RIB. */
  readonly gracefulRestart: {
    readonly restarting: boolean;
    readonly forwardingPreserved: boolean;
    readonly selectionDeferred: boolean;
    readonly deferralRemaining: number | null;
    /** Peers whose End-of-RIB the deferred selection still waits for. */
    readonly waitingFor: readonly string[];
  };
  /** Kernel routes (null when off or rtnetlink could not be opened). */
  readonly kernel: {
    readonly table: number;
    /** The first reconcile is done (until then, after a start or a graceful restart, the kernel is left alone). */
    readonly reconciled: boolean;
    readonly installed: number;
    /** tsbgpd.io/kernel-scan-time; 0 = no periodic re-sync. */
    readonly scanSeconds: number;
    readonly scans: number;
    readonly eventResyncs: number;
  } | null;
  readonly peers: readonly PeerStatus[];
}

export interface RouteEntry {
  readonly prefix: string;
  readonly nextHop: string;
  readonly asPath: string;
  readonly origin: string;
  readonly localPref: number | null;
  readonly med: number | null;
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  /** Peer name, or 'local' for routes this node originates. */
  readonly peer: string;
  readonly best: boolean;
  /** Why this route won or lost the decision process, when known. */
  readonly reason: string | null;
  /** Kept from a peer that is restarting gracefully, until it sends the route again (RFC 4724 §4.2). */
  readonly stale: boolean;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s + ' ' : s + ' '.repeat(n - s.length);
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length + 1)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join('').trimEnd()).join('\n');
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '');
}

/** Like `birdc show protocols`: one line per peer, the reason in the Info column. */
export function formatStatus(s: DaemonStatus): string {
  const g = s.gracefulRestart;
  const head = `tsbgpd on ${s.nodeName}: router id ${s.routerId}, AS ${s.localAS}, port ${s.listenPort}` +
    (s.config.lastError ? `\nconfig: last reload failed, running the last good config: ${s.config.lastError}` : '') +
    (g.selectionDeferred ? `\ngraceful restart: route selection deferred (${Math.ceil(g.deferralRemaining ?? 0)} s left), waiting for End-of-RIB from ${g.waitingFor.join(', ') || 'nobody'}` : '') +
    (s.kernel === null ? '' : `\nkernel routes: table ${s.kernel.table}, ${s.kernel.reconciled ? `${s.kernel.installed} installed` : 'waiting for the first reconcile'}` +
      `, re-sync ${s.kernel.scanSeconds > 0 ? `every ${s.kernel.scanSeconds} s` : 'on link events only'} (${s.kernel.scans} scans, ${s.kernel.eventResyncs} after link events)`);
  const rows: string[][] = [['Name', 'Peer', 'AS', 'State', 'Since', 'Auth', 'Routes', 'Info']];
  for (const p of s.peers) {
    const auth = p.auth.method === 'none' ? 'none' : `${p.auth.method}${p.auth.keyFingerprint ? ':' + p.auth.keyFingerprint : ''}`;
    const gr = p.gracefulRestart;
    const grInfo = gr.helper === 'restarting'
      ? `graceful restart: ${gr.staleRoutes} stale routes kept, ${Math.ceil(gr.restartTimeRemaining ?? 0)} s left`
      : gr.helper === 'recovering' ? `graceful restart: ${gr.staleRoutes} stale routes until End-of-RIB (${gr.staleFamilies.join(', ')})` : '';
    const info = [p.authDiagnosis ?? p.lastError ?? (p.enabled ? '' : 'disabled'), grInfo].filter((x) => x !== '').join('; ');
    rows.push([
      p.name,
      p.peerIP,
      String(p.peerAS),
      p.enabled ? p.state : 'Disabled',
      shortTime(p.since),
      auth,
      `${p.prefixes.accepted}/${p.prefixes.advertised}`,
      info,
    ]);
  }
  return `${head}\n${table(rows)}`;
}

export function formatRoutes(routes: readonly RouteEntry[]): string {
  const rows: string[][] = [['', 'Prefix', 'Next hop', 'AS path', 'Origin', 'Communities', 'Peer', 'Reason']];
  for (const r of routes) {
    rows.push([
      (r.best ? '*' : ' ') + (r.stale ? 'S' : ''),
      r.prefix,
      r.nextHop,
      r.asPath === '' ? '(local)' : r.asPath,
      r.origin,
      [...r.communities, ...r.largeCommunities].join(' '),
      r.peer,
      r.reason ?? '',
    ]);
  }
  return table(rows);
}
