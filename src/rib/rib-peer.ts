// What the RIB knows of one routing peer (or of this node's own routes, the `local` pseudo-peer): the
// facts the decision process, the input checks and the export rules read, taken from PeerConfig.
import type { PeerConfig, FilterConfig } from '../config/model.js';
import { compilePolicy, type CompiledPolicy } from '../policy/filter.js';
import { parseIPv4 } from '../wire/addr.js';
import type { ExportRule } from './export.js';
import { addressRank, type RouteSource } from './best-path.js';

export type NextHopMode = 'Auto' | 'Self' | 'Keep';

export class RibPeer implements RouteSource {
  readonly index: number;
  readonly name: string;
  readonly local: boolean;
  /** Peer address as configured (text). */
  address: string;
  addressRank: string;
  peerAs: number;
  /** Our AS on this session (BGPPeer `localASNumber` or the node's AS). */
  localAs: number;
  ebgp: boolean;
  /** The peer's BGP Identifier once Established; ours for the local pseudo-peer. */
  routerId = 0;
  /** RFC 4456: we reflect to this peer as a route reflector client. */
  rrClient: boolean;
  nextHopMode: NextHopMode;
  /** BIRD `allow local as N`: occurrences of our AS an AS_PATH may hold before it is a loop. */
  allowOwnAs: number;
  /** Next hop self towards this peer: IPv4 as uint32 (or -1), IPv6 as text (or ''). */
  selfNextHop4 = -1;
  selfNextHop6 = '';
  policy4: CompiledPolicy | undefined;
  policy6: CompiledPolicy | undefined;
  /** How routes are exported towards this peer, at source peer index * 2 (+1 for IPv6), with the results so far. */
  readonly outCache: (ExportRule | undefined)[] = [];

  constructor(index: number, name: string, local: boolean) {
    this.index = index;
    this.name = name;
    this.local = local;
    this.address = '';
    this.addressRank = '';
    this.peerAs = 0;
    this.localAs = 0;
    this.ebgp = false;
    this.rrClient = false;
    this.nextHopMode = 'Auto';
    this.allowOwnAs = 0;
    this.policy4 = undefined;
    this.policy6 = undefined;
  }

  /** Take the session facts from the peer's configuration; `filters` resolves BGPFilter names. */
  configure(c: PeerConfig, filters: Readonly<Record<string, FilterConfig>>, nodeV4: string | undefined, nodeV6: string | undefined): void {
    this.address = c.peerIP;
    this.addressRank = addressRank(c.peerIP);
    this.peerAs = c.peerAS;
    this.localAs = c.localAS;
    this.ebgp = c.peerAS !== c.localAS;
    this.rrClient = c.routeReflectorClient;
    this.nextHopMode = c.nextHopMode;
    this.allowOwnAs = c.numAllowedLocalASNumbers;
    const fs = c.filters.map((n) => filters[n]).filter((f): f is FilterConfig => f !== undefined);
    this.policy4 = fs.length > 0 ? compilePolicy(fs, 4) : undefined;
    this.policy6 = fs.length > 0 ? compilePolicy(fs, 6) : undefined;
    const v4 = (c.family === 4 ? c.localAddress : undefined) ?? nodeV4;
    this.selfNextHop4 = v4 === undefined ? -1 : parseIPv4(v4);
    this.selfNextHop6 = (c.family === 6 ? c.localAddress : undefined) ?? nodeV6 ?? '';
    this.outCache.length = 0;
  }
}
