// Builders for RIB tests: peer configurations, a resolved configuration, UPDATEs from text, and reading the
// Adj-RIB-Out back by decoding the bytes it produced.
import type { FilterConfig, PeerConfig, ResolvedConfig } from '../../../src/config/model.js';
import { AsPathSegmentType, HEADER_LENGTH, Safi, Afi } from '../../../src/wire/iana.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../../../src/wire/types.js';
import { buildUpdate, decodeUpdateBody, isEndOfRib, type UpdateMessage } from '../../../src/wire/update.js';
import { toPrefixStrings } from '../../../src/wire/nlri.js';
import { ipv4ToString, ipv6ToString } from '../../../src/wire/addr.js';
import type { PathAttributes } from '../../../src/wire/attributes/types.js';
import { Rib, type RibPeerHandle } from '../../../src/rib/rib.js';

export const CTX: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };
export const LOCAL_AS = 64512;
export const ROUTER_ID = 0xc0000201; // 192.0.2.1

export function peerConfig(name: string, peerIP: string, peerAS: number, over: Partial<PeerConfig> = {}): PeerConfig {
  return {
    id: name, name, kind: 'Global', source: { resource: `BGPPeer/${name}`, file: '', via: 'peerIP', nodeName: undefined },
    family: peerIP.includes(':') ? 6 : 4, peerIP, port: 179, peerAS, localAS: LOCAL_AS, passive: false,
    localAddress: undefined, ttlSecurity: 0, holdTime: 240, keepaliveTime: 80, maxRestartTime: 120,
    numAllowedLocalASNumbers: 0, nextHopMode: 'Auto', routeReflectorClient: false, clusterId: undefined,
    filters: [], auth: { method: 'none' }, ...over,
  };
}

export function resolvedConfig(over: { blocks?: string[]; peers?: PeerConfig[]; filters?: Record<string, FilterConfig>; serviceClusterIPs?: string[] } = {}): ResolvedConfig {
  return {
    node: {
      name: 'node-a', asNumber: LOCAL_AS, routerId: '192.0.2.1',
      ipv4: { address: '192.0.2.1', prefixLength: 24 }, ipv6: { address: '2001:db8::1', prefixLength: 64 },
      routeReflectorClusterID: undefined, labels: {},
    },
    global: {
      listenPort: 179, listenAddresses: [], bindMode: 'None', logSeverityScreen: 'Info', nodeToNodeMeshEnabled: false,
      communities: [], prefixAdvertisements: [], serviceClusterIPs: over.serviceClusterIPs ?? [], serviceExternalIPs: [],
      serviceLoadBalancerIPs: [], ignoredInterfaces: [], kernelRoutes: true, kernelTable: 254,
    },
    peers: over.peers ?? [],
    blocks: over.blocks ?? [],
    clusterBlocks: over.blocks ?? [],
    ipPools: undefined,
    filters: over.filters ?? {},
    secretRefs: [],
  };
}

/** A RIB configured from `resolvedConfig(over)` with its peers added and Established (IPv4 and IPv6). */
export function ribWith(peers: PeerConfig[], over: Parameters<typeof resolvedConfig>[0] = {}, opts: { ipPools?: string[]; clusterId?: number } = {}): { rib: Rib; h: Record<string, RibPeerHandle> } {
  const rib = new Rib({ routerId: ROUTER_ID, ...(opts.clusterId !== undefined ? { clusterId: opts.clusterId } : {}) });
  rib.configure(resolvedConfig({ ...over, peers }), opts.ipPools);
  const h: Record<string, RibPeerHandle> = {};
  let id = 0xc6336400;
  for (const p of peers) {
    h[p.name] = rib.addPeer(p);
    h[p.name]!.established(++id, [Afi.IPv4, Afi.IPv6], true);
  }
  return { rib, h };
}

export const seq = (...asns: number[]): PathAttributes['asPath'] => [{ type: AsPathSegmentType.AS_SEQUENCE, asns }];

/** An IPv4 announcement with ORIGIN IGP and the given path unless `attrs` says otherwise. */
export function announce(nextHop: string, prefixes: string[], attrs: PathAttributes = {}): UpdateMessage {
  const [a, b, c, d] = nextHop.split('.').map(Number) as [number, number, number, number];
  return buildUpdate({ attributes: { origin: 0, asPath: [], ...attrs, nextHop: (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) }, nlri: prefixes }, CTX);
}

export function announce6(nextHop: string, prefixes: string[], attrs: PathAttributes = {}): UpdateMessage {
  return buildUpdate({ attributes: { origin: 0, asPath: [], ...attrs }, mpReach: { afi: Afi.IPv6, safi: Safi.Unicast, nextHop, nlri: prefixes } }, CTX);
}

export function withdraw(prefixes: string[]): UpdateMessage {
  return buildUpdate({ withdrawn: prefixes }, CTX);
}

export interface SeenRoute {
  readonly attributes: PathAttributes;
  readonly nextHop: string;
}

/** What a peer would learn from the messages: prefix → route (announced) or null (withdrawn). */
export function readOut(messages: readonly Uint8Array[], ctx: CodecContext = CTX): { routes: Map<string, SeenRoute | null>; eor: number } {
  const routes = new Map<string, SeenRoute | null>();
  let eor = 0;
  for (const m of messages) {
    const r = decodeUpdateBody(m, HEADER_LENGTH, m.length - HEADER_LENGTH, ctx);
    if (!r.ok) throw new Error(`Adj-RIB-Out produced an undecodable UPDATE: ${r.reason}`);
    if (r.errors.length > 0) throw new Error(`Adj-RIB-Out produced an UPDATE with RFC 7606 notes: ${r.errors.map((e) => e.reason).join('; ')}`);
    const u = r.value;
    if (isEndOfRib(u) !== undefined) {
      eor++;
      continue;
    }
    for (const p of toPrefixStrings(u.withdrawn)) routes.set(p, null);
    if (u.mpUnreach !== undefined) for (const p of toPrefixStrings(u.mpUnreach.nlri)) routes.set(p, null);
    const { wire: _w, ...attributes } = u.attributes;
    for (const p of toPrefixStrings(u.nlri)) routes.set(p, { attributes, nextHop: ipv4ToString(u.attributes.nextHop!) });
    if (u.mpReach !== undefined) {
      const nh = u.mpReach.nextHop;
      const text = nh.kind === 'ipv6' ? ipv6ToString(nh.global) : nh.kind === 'ipv4' ? ipv4ToString(nh.addr) : '?';
      for (const p of toPrefixStrings(u.mpReach.nlri)) routes.set(p, { attributes, nextHop: text });
    }
  }
  return { routes, eor };
}

/** Process the RIB and read what `to` is sent. */
export function flush(rib: Rib, to: RibPeerHandle): Map<string, SeenRoute | null> {
  rib.process();
  return readOut(to.takeUpdates(CTX)).routes;
}

/** The Loc-RIB entry of an IPv4 prefix: winning peer, reason, multipath next hops. */
export function loc(rib: Rib, prefix: string): { peer: string; reason: string; nextHops: string[]; attributes: PathAttributes } | undefined {
  const [addr, len] = prefix.split('/') as [string, string];
  const [a, b, c, d] = addr.split('.').map(Number) as [number, number, number, number];
  const slot = rib.v4.table.find4((((a << 24) | (b << 16) | (c << 8) | d) >>> 0), Number(len));
  if (slot < 0) return undefined;
  const best = rib.v4.best(slot);
  if (best === undefined) return undefined;
  return { peer: best.peer.name, reason: rib.v4.reason(slot), nextHops: rib.v4.nextHops(slot), attributes: best.attributes };
}
