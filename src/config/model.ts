// The resolved configuration of one node: plain readonly data, everything the daemon needs and nothing of
// Calico's resource layout. Produced by resolve.ts from validated resources; compared by diff.ts.

import type { Family } from './address.js';
import type { AoAlgorithm } from './extensions.js';
import type { BGPFilterRule, Community } from './schema.js';
import type { SecretKeyRef } from './secret-ref.js';

export type { SecretKeyRef } from './secret-ref.js';

export interface AoKey {
  /** RFC 5925 §3.1 SendID / RecvID. */
  readonly sendId: number;
  readonly recvId: number;
  readonly algorithm: AoAlgorithm;
  readonly secretRef: SecretKeyRef;
}

export type PeerAuth =
  | { readonly method: 'none' }
  | { readonly method: 'md5'; readonly secretRef: SecretKeyRef }
  | {
      readonly method: 'ao';
      readonly keys: readonly AoKey[];
      /** SendID of the MKT we sign with (RFC 5925 §3.2 "current_key"). */
      readonly currentKeyId: number;
      /** RecvID we ask the peer to use (RFC 5925 §3.2 "RNext_key"). */
      readonly rnextKeyId: number;
    };

/** Calico's BIRD protocol prefixes: mesh peers, global BGPPeers, node-specific BGPPeers. */
export type PeerKind = 'Mesh' | 'Global' | 'Node';

export interface PeerSource {
  /** `BGPPeer/<name>`, or `BGPConfiguration/default` for the node-to-node mesh. */
  readonly resource: string;
  readonly file: string;
  /** How the peer was derived: explicit peerIP, a peerSelector match, the mesh, or Calico's reverse peering. */
  readonly via: 'peerIP' | 'peerSelector' | 'mesh' | 'reverse';
  /** For peers that are Calico nodes: the Node's name. */
  readonly nodeName: string | undefined;
}

export interface PeerConfig {
  /** Stable identity across reloads; equal to `name`. */
  readonly id: string;
  /** Calico's BIRD naming: `Mesh_192_0_2_2`, `Global_192_0_2_2`, `Node_2001_db8__2_port_1790`. */
  readonly name: string;
  readonly kind: PeerKind;
  readonly source: PeerSource;
  readonly family: Family;
  readonly peerIP: string;
  readonly port: number;
  readonly peerAS: number;
  readonly localAS: number;
  /** Wait for the peer to connect (RFC 4271 §8.1.1 PassiveTcpEstablishment). */
  readonly passive: boolean;
  /** Local address to bind for this session; undefined when `sourceAddress: None`. */
  readonly localAddress: string | undefined;
  /** GTSM (RFC 5082) hop count; 0 is off. */
  readonly ttlSecurity: number;
  /** Seconds. */
  readonly holdTime: number;
  /** Seconds; holdTime / 3 unless the BGPPeer sets keepaliveTime. */
  readonly keepaliveTime: number;
  /** Graceful restart time we advertise (RFC 4724 §3 Restart Time), seconds. */
  readonly maxRestartTime: number;
  readonly numAllowedLocalASNumbers: number;
  readonly nextHopMode: 'Auto' | 'Self' | 'Keep';
  /** RFC 4456: we reflect to this peer as a route reflector client. */
  readonly routeReflectorClient: boolean;
  /** RFC 4456 CLUSTER_ID when routeReflectorClient. */
  readonly clusterId: string | undefined;
  /** Names of BGPFilters, in order. */
  readonly filters: readonly string[];
  readonly auth: PeerAuth;
}

export interface NodeAddress {
  readonly address: string;
  readonly prefixLength: number;
}

export interface NodeIdentity {
  readonly name: string;
  readonly asNumber: number;
  /** BGP Identifier (RFC 6286), dotted quad: the IPv4 address, as calico/node does. */
  readonly routerId: string;
  readonly ipv4: NodeAddress | undefined;
  readonly ipv6: NodeAddress | undefined;
  readonly routeReflectorClusterID: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

export interface GlobalSettings {
  readonly listenPort: number;
  /** Addresses to listen on; empty means all (`bindMode: None`). */
  readonly listenAddresses: readonly string[];
  readonly bindMode: 'None' | 'NodeIP';
  readonly logSeverityScreen: string;
  readonly nodeToNodeMeshEnabled: boolean;
  readonly communities: readonly Community[];
  readonly prefixAdvertisements: readonly { readonly cidr: string; readonly communities: readonly string[] }[];
  readonly serviceClusterIPs: readonly string[];
  readonly serviceExternalIPs: readonly string[];
  readonly serviceLoadBalancerIPs: readonly string[];
  readonly ignoredInterfaces: readonly string[];
  /** tsbgpd.io/kernel-routes */
  readonly kernelRoutes: boolean;
  /** tsbgpd.io/kernel-table */
  readonly kernelTable: number;
  /** tsbgpd.io/kernel-scan-time, seconds, 0 = off; resolveConfig always sets it (default 60). */
  readonly kernelScanTime?: number;
}

export interface FilterConfig {
  readonly name: string;
  readonly exportV4: readonly BGPFilterRule[];
  readonly importV4: readonly BGPFilterRule[];
  readonly exportV6: readonly BGPFilterRule[];
  readonly importV6: readonly BGPFilterRule[];
}

export interface ResolvedConfig {
  readonly node: NodeIdentity;
  readonly global: GlobalSettings;
  /** Sorted by name. */
  readonly peers: readonly PeerConfig[];
  /** This node's confirmed, not deleted BlockAffinity CIDRs, sorted. */
  readonly blocks: readonly string[];
  /** Every node's confirmed, not deleted BlockAffinity CIDRs, sorted (stand-in for the IP pools). */
  readonly clusterBlocks: readonly string[];
  /** CIDRs of the enabled IPPools without disableBGPExport; undefined when the config declares no IPPool. */
  readonly ipPools: readonly string[] | undefined;
  /** BGPFilters by name. */
  readonly filters: Readonly<Record<string, FilterConfig>>;
  /** Every secret the peers reference (for reading and watching), unique, sorted by `name/key`. */
  readonly secretRefs: readonly SecretKeyRef[];
}

/** BIRD's default hold time, so calico/node's: 240 s; keepalive is a third of it (RFC 4271 §10). */
export const DEFAULT_HOLD_TIME = 240;
/** calico/node's BIRD template default graceful restart time. */
export const DEFAULT_RESTART_TIME = 120;
export const DEFAULT_AS_NUMBER = 64512;
export const DEFAULT_LISTEN_PORT = 179;
