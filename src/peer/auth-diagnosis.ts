// Why does an authenticated session not come up? The kernel drops badly signed segments silently; the only
// evidence is in the per-namespace TcpExt counters. This turns counter deltas observed while a peer was trying to
// connect into a plain-language reason.
//
// Attribution: the counters are per network namespace, not per socket. The daemon samples them when a peer starts
// an attempt and again when the attempt fails (or periodically while it keeps failing). A delta is attributed to
// every keyed peer that was trying during that window; when more than one peer was trying at once the reason says
// so ("shared with N other peers"), because MD5 gives no per-socket counters (TCP-AO does: pkt_bad etc.).

export type CounterSnapshot = Readonly<Record<string, number>>;

export const AUTH_COUNTERS = [
  'TCPMD5NotFound',
  'TCPMD5Unexpected',
  'TCPMD5Failure',
  'TCPMinTTLDrop',
  'TCPAOBad',
  'TCPAOKeyNotFound',
  'TCPAORequired',
] as const;

export type AuthCounter = (typeof AUTH_COUNTERS)[number];

export interface Diagnosis {
  readonly reason: string;
  /** The counter that grew the most, e.g. 'TCPMD5Failure'. */
  readonly counter: AuthCounter;
  readonly delta: number;
  readonly deltas: Readonly<Partial<Record<AuthCounter, number>>>;
}

const REASONS: Readonly<Record<AuthCounter, (method: string) => string>> = {
  TCPMD5Failure: () =>
    'TCP-MD5 signature mismatch: the peer signs its segments with a different password (kernel counter TCPMD5Failure)',
  TCPMD5NotFound: () =>
    'the peer sends no TCP-MD5 signature: it has no password configured for this session (kernel counter TCPMD5NotFound)',
  TCPMD5Unexpected: (method) =>
    method === 'none'
      ? 'the peer signs its segments with TCP-MD5 but no password is configured here (kernel counter TCPMD5Unexpected)'
      : 'the peer signs its segments with TCP-MD5 but the kernel has no key for its address: check peerIP and the source address the peer uses (kernel counter TCPMD5Unexpected)',
  TCPMinTTLDrop: () =>
    'segments from the peer arrive with a TTL below the GTSM minimum (ttlSecurity): the peer is further away than configured or does not send TTL 255 (kernel counter TCPMinTTLDrop)',
  TCPAOBad: () => 'TCP-AO MAC mismatch: the peer uses a different key (kernel counter TCPAOBad)',
  TCPAOKeyNotFound: () => 'TCP-AO: the peer uses a KeyID this side does not have (kernel counter TCPAOKeyNotFound)',
  TCPAORequired: () => 'the peer sends segments without TCP-AO although it is required here (kernel counter TCPAORequired)',
};

export function counterDeltas(before: CounterSnapshot, after: CounterSnapshot): Partial<Record<AuthCounter, number>> {
  const out: Partial<Record<AuthCounter, number>> = {};
  for (const name of AUTH_COUNTERS) {
    const d = (after[name] ?? 0) - (before[name] ?? 0);
    if (d > 0) out[name] = d;
  }
  return out;
}

/**
 * Diagnose from the deltas seen while `concurrent` keyed peers (this one included) were trying to connect.
 * Returns null when no authentication counter moved.
 */
export function diagnose(
  before: CounterSnapshot,
  after: CounterSnapshot,
  method: 'none' | 'md5' | 'ao',
  concurrent = 1,
): Diagnosis | null {
  const deltas = counterDeltas(before, after);
  let best: AuthCounter | undefined;
  for (const name of AUTH_COUNTERS) {
    // A peer without a key cannot see MD5 signature failures for its own address; skip what cannot be its.
    if (method === 'none' && (name === 'TCPMD5Failure' || name === 'TCPMD5NotFound')) continue;
    const d = deltas[name] ?? 0;
    if (d > 0 && (best === undefined || d > (deltas[best] ?? 0))) best = name;
  }
  if (best === undefined) return null;
  const shared = concurrent > 1 ? ` (counters are per namespace; ${concurrent - 1} other peer(s) were connecting at the same time)` : '';
  return { reason: REASONS[best](method) + shared, counter: best, delta: deltas[best] ?? 0, deltas };
}

/** When nothing moved: what an operator should consider for a keyed session stuck before Established. */
export function noEvidenceReason(method: 'none' | 'md5' | 'ao', passive: boolean): string {
  if (method === 'none') return 'no connection from or to the peer';
  return passive
    ? 'no connection attempt from the peer reached this node (no signed or unsigned SYN seen by the kernel counters)'
    : 'no answer to signed SYNs: the peer is down, unreachable, or drops them (a peer with a different or no password drops them silently, and the kernel there counts it)';
}
