// Old vs new resolved configuration, as a per-peer plan, so a reload touches only what changed. A changed key
// (seen through the secret fingerprints, never the bytes) is 'key': with TCP-MD5 the daemon must re-key the
// listener and reset that session (Linux does not re-key an established socket); with TCP-AO it can add the
// new MKT and move RNextKeyID without a reset.

import type { GlobalSettings, PeerConfig, ResolvedConfig } from './model.js';
import type { ConfigProblem } from './problems.js';
import type { ResolveResult } from './resolve.js';
import { secretRefId } from './secret-ref.js';

export type PeerChangeKind = 'key' | 'transport' | 'timers' | 'policy' | 'as';

export interface PeerChange {
  readonly peer: PeerConfig;
  readonly previous: PeerConfig;
  /** In the order key, transport, timers, policy, as. */
  readonly what: readonly PeerChangeKind[];
}

export interface PeerPlan {
  readonly added: readonly PeerConfig[];
  readonly removed: readonly PeerConfig[];
  readonly changed: readonly PeerChange[];
  readonly unchanged: readonly PeerConfig[];
}

/** Node-wide changes: identity (router ID, AS, addresses), listener, advertised prefixes, kernel, logging. */
export type GlobalChangeKind = 'identity' | 'listen' | 'advertisements' | 'kernel' | 'log';

export interface ReloadPlan {
  readonly peers: PeerPlan;
  readonly global: readonly GlobalChangeKind[];
}

/** Key fingerprints by `name/key`; a key that could not be read is simply absent. */
export type Fingerprints = ReadonlyMap<string, string>;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The auth settings and the fingerprints of the keys behind them. */
function keyState(p: PeerConfig, fp: Fingerprints): unknown {
  switch (p.auth.method) {
    case 'none':
      return ['none'];
    case 'md5':
      return ['md5', secretRefId(p.auth.secretRef), fp.get(secretRefId(p.auth.secretRef)) ?? null];
    case 'ao':
      return ['ao', p.auth.currentKeyId, p.auth.rnextKeyId, p.auth.keys.map((k) => [k.sendId, k.recvId, k.algorithm, secretRefId(k.secretRef), fp.get(secretRefId(k.secretRef)) ?? null])];
  }
}

function peerChanges(a: PeerConfig, b: PeerConfig, ca: ResolvedConfig, cb: ResolvedConfig, fa: Fingerprints, fb: Fingerprints): PeerChangeKind[] {
  const what: PeerChangeKind[] = [];
  if (!same(keyState(a, fa), keyState(b, fb))) what.push('key');
  if (!same([a.peerIP, a.port, a.localAddress, a.passive, a.ttlSecurity, a.family], [b.peerIP, b.port, b.localAddress, b.passive, b.ttlSecurity, b.family])) {
    what.push('transport');
  }
  if (!same([a.holdTime, a.keepaliveTime, a.maxRestartTime], [b.holdTime, b.keepaliveTime, b.maxRestartTime])) what.push('timers');
  const filtersA = a.filters.map((f) => ca.filters[f] ?? null);
  const filtersB = b.filters.map((f) => cb.filters[f] ?? null);
  if (
    !same(
      [a.filters, filtersA, a.nextHopMode, a.routeReflectorClient, a.clusterId, a.numAllowedLocalASNumbers],
      [b.filters, filtersB, b.nextHopMode, b.routeReflectorClient, b.clusterId, b.numAllowedLocalASNumbers],
    )
  ) {
    what.push('policy');
  }
  if (a.peerAS !== b.peerAS || a.localAS !== b.localAS) what.push('as');
  return what;
}

export function diffPeers(prev: ResolvedConfig, next: ResolvedConfig, prevFp: Fingerprints, nextFp: Fingerprints): PeerPlan {
  const before = new Map(prev.peers.map((p) => [p.id, p]));
  const added: PeerConfig[] = [];
  const changed: PeerChange[] = [];
  const unchanged: PeerConfig[] = [];
  for (const p of next.peers) {
    const old = before.get(p.id);
    if (old === undefined) {
      added.push(p);
      continue;
    }
    before.delete(p.id);
    const what = peerChanges(old, p, prev, next, prevFp, nextFp);
    if (what.length === 0) unchanged.push(p);
    else changed.push({ peer: p, previous: old, what });
  }
  return { added, removed: [...before.values()], changed, unchanged };
}

function globalChanges(a: ResolvedConfig, b: ResolvedConfig): GlobalChangeKind[] {
  const ga: GlobalSettings = a.global;
  const gb: GlobalSettings = b.global;
  const out: GlobalChangeKind[] = [];
  if (!same(a.node, b.node)) out.push('identity');
  if (!same([ga.listenPort, ga.listenAddresses, ga.bindMode], [gb.listenPort, gb.listenAddresses, gb.bindMode])) out.push('listen');
  if (
    !same(
      [a.blocks, ga.prefixAdvertisements, ga.communities, ga.serviceClusterIPs, ga.serviceExternalIPs, ga.serviceLoadBalancerIPs],
      [b.blocks, gb.prefixAdvertisements, gb.communities, gb.serviceClusterIPs, gb.serviceExternalIPs, gb.serviceLoadBalancerIPs],
    )
  ) {
    out.push('advertisements');
  }
  if (ga.kernelRoutes !== gb.kernelRoutes || ga.kernelTable !== gb.kernelTable || ga.kernelScanTime !== gb.kernelScanTime) out.push('kernel');
  if (ga.logSeverityScreen !== gb.logSeverityScreen) out.push('log');
  return out;
}

export type PlanResult =
  | { readonly ok: true; readonly plan: ReloadPlan; readonly config: ResolvedConfig; readonly problems: readonly ConfigProblem[] }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/**
 * The reload step: an invalid new configuration yields its problems and no plan (keep running the last good
 * one); a valid one yields the plan against the previous configuration.
 */
export function planReload(prev: ResolvedConfig, next: ResolveResult, prevFp: Fingerprints, nextFp: Fingerprints): PlanResult {
  if (!next.ok) return { ok: false, problems: next.problems };
  return {
    ok: true,
    config: next.config,
    problems: next.problems,
    plan: { peers: diffPeers(prev, next.config, prevFp, nextFp), global: globalChanges(prev, next.config) },
  };
}
