// Which BGP sessions this node runs, derived from Calico resources the way calico/node's confd does:
//   1. global BGPPeers (no node, no nodeSelector), explicit peerIP or peerSelector;
//   2. node-specific BGPPeers (node == us, or nodeSelector matches our labels); a global peering to the
//      same address and port wins;
//   3. reverse peerings: when a BGPPeer's remote side (peerSelector, or a peerIP that is our address) selects
//      us, we peer back with the nodes on its local side, unless `reversePeering: Manual`;
//   4. the node-to-node mesh among Nodes without routeReflectorClusterID, when nodeToNodeMeshEnabled.
// One session per (address, port): the first derivation wins and later ones get an info note.

import { formatEndpoint } from './address.js';
import type { PeerAuth, PeerConfig, PeerKind, PeerSource } from './model.js';
import { DEFAULT_LISTEN_PORT } from './model.js';
import type { ProblemSink } from './problems.js';
import type { BGPPeerResource } from './schema.js';
import { matches, type Selector } from './selector.js';
import type { SecretKeyRef } from './secret-ref.js';

/** What peer derivation needs to know about one Node. */
export interface NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ipv4: string | undefined;
  readonly ipv6: string | undefined;
  /** Node's AS, or the global default. */
  readonly asNumber: number;
  readonly clusterId: string | undefined;
  /** The port this node listens on (its per-node BGPConfiguration, else global, else 179). */
  readonly listenPort: number;
  readonly file: string;
}

export interface PeerDerivationInput {
  readonly self: NodeInfo;
  readonly nodes: readonly NodeInfo[];
  readonly bgpPeers: readonly BGPPeerResource[];
  readonly meshEnabled: boolean;
  readonly meshPassword: SecretKeyRef | undefined;
  readonly meshRestartTime: number | undefined;
  readonly meshSite: { readonly resource: string; readonly file: string };
  readonly holdTime: number;
  readonly defaultRestartTime: number;
}

interface Candidate {
  readonly kind: PeerKind;
  readonly ip: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly peerAS: number;
  readonly node: NodeInfo | undefined;
  readonly res: BGPPeerResource | undefined;
  readonly via: PeerSource['via'];
}

const addrOf = (n: NodeInfo, f: 4 | 6): string | undefined => (f === 4 ? n.ipv4 : n.ipv6);

/** calico/node's BIRD protocol name: dots and colons become underscores; `_port_N` for a non-default port. */
export function peerName(kind: PeerKind, ip: string, port: number): string {
  const base = `${kind}_${ip.replace(/[.:]/g, '_')}`;
  return kind !== 'Mesh' && port !== DEFAULT_LISTEN_PORT ? `${base}_port_${port}` : base;
}

const selects = (sel: Selector | undefined, n: NodeInfo): boolean => sel !== undefined && matches(sel, n.labels);

/** The nodes on a BGPPeer's local side: `node`, `nodeSelector`, or every node for a global peer. */
function localSide(res: BGPPeerResource, nodes: readonly NodeInfo[]): NodeInfo[] {
  if (res.spec.node !== undefined) return nodes.filter((n) => n.name === res.spec.node);
  if (res.spec.nodeSelector !== undefined) return nodes.filter((n) => selects(res.spec.nodeSelector!.selector, n));
  return [...nodes];
}

/** Candidates towards Calico nodes: one per address family the node has (both, for selectors). */
function nodeCandidates(kind: PeerKind, n: NodeInfo, families: readonly (4 | 6)[], res: BGPPeerResource | undefined, via: PeerSource['via']): Candidate[] {
  const out: Candidate[] = [];
  for (const f of families) {
    const ip = addrOf(n, f);
    if (ip !== undefined) out.push({ kind, ip, family: f, port: n.listenPort, peerAS: n.asNumber, node: n, res, via });
  }
  return out;
}

function explicitCandidate(kind: PeerKind, res: BGPPeerResource, nodes: readonly NodeInfo[]): Candidate | undefined {
  const ep = res.spec.peerIP;
  if (ep === undefined || res.spec.asNumber === undefined) return undefined;
  // A peerIP that is a Calico node's address: use its listen port when none is given (as calico/node does).
  const node = nodes.find((n) => n.ipv4 === ep.address || n.ipv6 === ep.address);
  const port = ep.port ?? node?.listenPort ?? DEFAULT_LISTEN_PORT;
  return { kind, ip: ep.address, family: ep.family, port, peerAS: res.spec.asNumber, node, res, via: 'peerIP' };
}

function authOf(res: BGPPeerResource): PeerAuth {
  if (res.ext.auth === 'ao' && res.ext.aoKeys.length > 0) {
    const keys = res.ext.aoKeys.map((k) => ({ sendId: k.sendId, recvId: k.recvId, algorithm: k.algorithm, secretRef: k.secretKeyRef }));
    return { method: 'ao', keys, currentKeyId: res.ext.aoCurrentKey ?? keys[0]!.sendId, rnextKeyId: res.ext.aoRNextKey ?? keys[0]!.recvId };
  }
  if (res.ext.auth !== 'none' && res.spec.password !== undefined) return { method: 'md5', secretRef: res.spec.password };
  return { method: 'none' };
}

export function derivePeers(input: PeerDerivationInput, sink: ProblemSink): PeerConfig[] {
  const { self, nodes } = input;
  const others = nodes.filter((n) => n.name !== self.name);
  const byName = [...input.bgpPeers].sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));
  const chosen = new Map<string, Candidate>();

  const offer = (c: Candidate): void => {
    if (c.ip === self.ipv4 || c.ip === self.ipv6) return; // calico/node: "Skipping ourselves"
    const key = formatEndpoint(c.ip, c.port);
    const prior = chosen.get(key);
    if (prior === undefined) {
      chosen.set(key, c);
      return;
    }
    if (prior.res === c.res) return; // the same BGPPeer seen forwards and in reverse
    const from = c.res !== undefined ? `BGPPeer/${c.res.meta.name}` : input.meshSite.resource;
    const site = c.res !== undefined ? { resource: from, file: c.res.meta.file } : input.meshSite;
    const winner = prior.res !== undefined ? `BGPPeer/${prior.res.meta.name}` : 'the node-to-node mesh';
    sink.info(site, '', 'INFO_CONFIG_PEER_SHADOWED', `node ${self.name}: the ${c.via} peering to ${key} is already configured by ${winner}; one session per address and port`);
  };

  const forward = (res: BGPPeerResource, kind: PeerKind): void => {
    if (res.spec.peerSelector !== undefined) {
      for (const n of others.filter((o) => selects(res.spec.peerSelector!.selector, o))) {
        for (const c of nodeCandidates(kind, n, [4, 6], res, 'peerSelector')) offer(c);
      }
    } else {
      const c = explicitCandidate(kind, res, nodes);
      if (c !== undefined) offer(c);
    }
  };

  // 1. Global peers first, so they win over node-specific peerings to the same address.
  for (const res of byName) {
    if (res.spec.node === undefined && res.spec.nodeSelector === undefined) forward(res, 'Global');
  }
  // 2. Node-specific peers that apply to us.
  for (const res of byName) {
    const applies = res.spec.node !== undefined ? res.spec.node === self.name : res.spec.nodeSelector !== undefined && selects(res.spec.nodeSelector.selector, self);
    if (applies) forward(res, 'Node');
  }
  // 3. Reverse peerings: we are on the remote side of a BGPPeer; peer back with its local side.
  for (const res of byName) {
    if (res.spec.reversePeering === 'Manual') continue;
    let families: (4 | 6)[];
    if (res.spec.peerSelector !== undefined) {
      if (!selects(res.spec.peerSelector.selector, self)) continue;
      families = [4, 6];
    } else {
      const ep = res.spec.peerIP;
      if (ep === undefined || (ep.address !== self.ipv4 && ep.address !== self.ipv6)) continue;
      if (res.spec.asNumber !== self.asNumber) continue;
      if (ep.port !== undefined && ep.port !== self.listenPort) continue;
      families = [ep.family];
    }
    for (const n of localSide(res, others)) for (const c of nodeCandidates('Node', n, families, res, 'reverse')) offer(c);
  }
  // 4. The node-to-node mesh. Route reflectors (nodes with a cluster ID) take no part in it (calico/node).
  if (input.meshEnabled && self.clusterId === undefined) {
    for (const n of others) {
      if (n.clusterId !== undefined) continue;
      for (const c of nodeCandidates('Mesh', n, [4, 6], undefined, 'mesh')) offer(c);
    }
  }

  const out: PeerConfig[] = [];
  for (const c of chosen.values()) {
    const p = build(c, input, sink);
    if (p !== undefined) out.push(p);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function build(c: Candidate, input: PeerDerivationInput, sink: ProblemSink): PeerConfig | undefined {
  const { self } = input;
  const selfIP = addrOf(self, c.family);
  const res = c.res;
  const resource = res !== undefined ? `BGPPeer/${res.meta.name}` : input.meshSite.resource;
  const site = res !== undefined ? { resource, file: res.meta.file } : input.meshSite;
  const name = peerName(c.kind, c.ip, c.port);
  if (selfIP === undefined) {
    sink.warning(site, res?.spec.peerIP !== undefined ? 'spec.peerIP' : '', 'ERR_CONFIG_NO_LOCAL_ADDRESS',
      `node ${self.name} has no IPv${c.family} address in spec.bgp, so the peering ${name} is not configured (calico/node skips that family too)`);
    return undefined;
  }
  const localAS = res?.spec.localASNumber ?? self.asNumber;
  // calico/node: peerings between Calico nodes are one-way; the node whose address sorts lower (as a
  // string, as Go's template `gt` compares) waits for the other to connect.
  const passive = c.node !== undefined && c.ip > selfIP;
  const holdTime = res?.ext.holdTime ?? input.holdTime;
  const keepaliveMs = res?.spec.keepaliveTimeMs;
  const keepaliveTime = keepaliveMs !== undefined ? Math.round(keepaliveMs / 1000) : Math.floor(holdTime / 3);
  if (holdTime > 0 && keepaliveTime >= holdTime) {
    sink.warning(site, 'spec.keepaliveTime', 'ERR_CONFIG_TIMERS', `is ${keepaliveTime}s, not below the hold time ${holdTime}s; the session would expire between keepalives (RFC 4271 §4.4 suggests a third)`);
  }
  const restartMs = res !== undefined ? res.spec.maxRestartTimeMs : input.meshRestartTime;
  const maxRestartTime = restartMs !== undefined ? Math.round(restartMs / 1000) : input.defaultRestartTime;
  const ebgp = c.peerAS !== localAS;
  const nextHopMode = res?.spec.nextHopMode ?? (res?.spec.keepOriginalNextHop === true && ebgp ? 'Keep' : 'Auto');
  // RFC 4456: a route reflector (node with a cluster ID) treats iBGP peers outside its cluster as clients.
  const rrClient = !ebgp && self.clusterId !== undefined && c.node?.clusterId !== self.clusterId;
  const auth: PeerAuth = res !== undefined ? authOf(res) : input.meshPassword !== undefined ? { method: 'md5', secretRef: input.meshPassword } : { method: 'none' };
  return {
    id: name,
    name,
    kind: c.kind,
    source: { resource, file: site.file, via: c.via, nodeName: c.node?.name },
    family: c.family,
    peerIP: c.ip,
    port: c.port,
    peerAS: c.peerAS,
    localAS,
    passive,
    localAddress: res === undefined || res.spec.sourceAddress === 'UseNodeIP' ? selfIP : undefined,
    ttlSecurity: res?.spec.ttlSecurity ?? 0,
    holdTime,
    keepaliveTime,
    maxRestartTime,
    numAllowedLocalASNumbers: res?.spec.numAllowedLocalASNumbers ?? 0,
    nextHopMode,
    routeReflectorClient: rrClient,
    clusterId: rrClient ? self.clusterId : undefined,
    filters: res?.spec.filters ?? [],
    auth,
  };
}
