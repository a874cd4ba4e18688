// The Calico `projectcalico.org/v3` resources tsbgpd reads, as validated typed data, and the dispatcher that
// turns one parsed YAML document into one of them. Field names are Calico's, spelled as Calico spells them.

import type { IpAddress, IpCidr, PeerEndpoint } from './address.js';
import type { GlobalExtensions, NodeExtensions, PeerExtensions } from './extensions.js';
import type { ProblemSink } from './problems.js';
import { ObjReader, isMapping } from './reader.js';
import type { SecretKeyRef } from './secret-ref.js';
import type { Selector } from './selector.js';
import { parseBGPConfiguration, parseBGPPeer } from './schema-bgp.js';
import { parseBGPFilter } from './schema-filter.js';
import { parseBlockAffinity, parseIPPool, parseNode } from './schema-node.js';

export const CALICO_API_VERSION = 'projectcalico.org/v3';

export interface ResourceMeta {
  readonly name: string;
  readonly file: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface Community {
  readonly name: string;
  /** `aa:nn` (RFC 1997) or `aa:nn:mm` (RFC 8092 large community). */
  readonly value: string;
}

export interface PrefixAdvertisement {
  readonly cidr: IpCidr;
  /** Community values, names already resolved through `communities`. */
  readonly communities: readonly string[];
}

export interface BGPConfigurationSpec {
  readonly logSeverityScreen: string | undefined;
  readonly nodeToNodeMeshEnabled: boolean | undefined;
  readonly asNumber: number | undefined;
  readonly serviceClusterIPs: readonly IpCidr[];
  readonly serviceExternalIPs: readonly IpCidr[];
  readonly serviceLoadBalancerIPs: readonly IpCidr[];
  readonly communities: readonly Community[];
  readonly prefixAdvertisements: readonly PrefixAdvertisement[] | undefined;
  readonly listenPort: number | undefined;
  readonly nodeMeshPassword: SecretKeyRef | undefined;
  readonly nodeMeshMaxRestartTimeMs: number | undefined;
  readonly bindMode: 'None' | 'NodeIP' | undefined;
  readonly ignoredInterfaces: readonly string[];
}

export interface BGPConfigurationResource {
  readonly kind: 'BGPConfiguration';
  readonly meta: ResourceMeta;
  readonly spec: BGPConfigurationSpec;
  readonly ext: GlobalExtensions;
}

export interface SelectorText {
  readonly text: string;
  readonly selector: Selector;
}

export interface BGPPeerSpec {
  readonly node: string | undefined;
  readonly nodeSelector: SelectorText | undefined;
  readonly peerIP: PeerEndpoint | undefined;
  readonly asNumber: number | undefined;
  readonly localASNumber: number | undefined;
  readonly peerSelector: SelectorText | undefined;
  readonly keepOriginalNextHop: boolean;
  readonly nextHopMode: 'Auto' | 'Self' | 'Keep' | undefined;
  readonly password: SecretKeyRef | undefined;
  readonly sourceAddress: 'UseNodeIP' | 'None';
  readonly maxRestartTimeMs: number | undefined;
  readonly keepaliveTimeMs: number | undefined;
  readonly numAllowedLocalASNumbers: number | undefined;
  readonly ttlSecurity: number | undefined;
  readonly reachableBy: IpAddress | undefined;
  readonly filters: readonly string[];
  readonly reversePeering: 'Auto' | 'Manual';
}

export interface BGPPeerResource {
  readonly kind: 'BGPPeer';
  readonly meta: ResourceMeta;
  readonly spec: BGPPeerSpec;
  readonly ext: PeerExtensions;
}

export interface NodeBGPSpec {
  readonly asNumber: number | undefined;
  readonly ipv4Address: IpCidr | undefined;
  readonly ipv6Address: IpCidr | undefined;
  readonly routeReflectorClusterID: string | undefined;
}

export interface NodeResource {
  readonly kind: 'Node';
  readonly meta: ResourceMeta;
  /** Undefined when the Node has no `spec.bgp` (calico/node would not run BGP there). */
  readonly bgp: NodeBGPSpec | undefined;
  readonly ext: NodeExtensions;
}

export interface BlockAffinityResource {
  readonly kind: 'BlockAffinity';
  readonly meta: ResourceMeta;
  readonly node: string;
  readonly cidr: IpCidr;
  readonly state: 'confirmed' | 'pending' | 'pendingDeletion';
  readonly deleted: boolean;
}

/** IPPool (`projectcalico.org/v3`): only what BGP export needs; IPAM and encapsulation fields are Felix's. */
export interface IPPoolResource {
  readonly kind: 'IPPool';
  readonly meta: ResourceMeta;
  readonly cidr: IpCidr;
  readonly disabled: boolean;
  /** Calico: routes in this pool are not exported to BGP peers. */
  readonly disableBGPExport: boolean;
}

export type FilterAction = 'Accept' | 'Reject';
export type MatchOperator = 'Equal' | 'NotEqual' | 'In' | 'NotIn';

export interface BGPFilterRule {
  readonly action: FilterAction;
  readonly cidr: IpCidr | undefined;
  readonly matchOperator: MatchOperator | undefined;
  readonly prefixLength: { readonly min: number | undefined; readonly max: number | undefined } | undefined;
  /** `RemotePeers`: only routes learned from BGP peers (export rules only). */
  readonly source: 'RemotePeers' | undefined;
  /** Calico matches routes by the interface they point out of; tsbgpd keeps it but does not evaluate it. */
  readonly interface: string | undefined;
}

export interface BGPFilterResource {
  readonly kind: 'BGPFilter';
  readonly meta: ResourceMeta;
  readonly exportV4: readonly BGPFilterRule[];
  readonly importV4: readonly BGPFilterRule[];
  readonly exportV6: readonly BGPFilterRule[];
  readonly importV6: readonly BGPFilterRule[];
}

export type CalicoResource = BGPConfigurationResource | BGPPeerResource | NodeResource | BlockAffinityResource | BGPFilterResource | IPPoolResource;

/** Kubernetes kinds that commonly sit next to Calico resources; skipped with an info note. */
const KUBERNETES_KINDS = new Set([
  'Secret', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount', 'DaemonSet', 'Deployment',
  'ConfigMap', 'Namespace', 'Service', 'Pod', 'StatefulSet', 'Job', 'CronJob', 'NetworkPolicy', 'PodDisruptionBudget',
  'CustomResourceDefinition',
]);

/** Calico kinds that affect BGP in calico/node but which tsbgpd does not read. */
const UNREAD_CALICO_KINDS: Readonly<Record<string, string>> = {
  IPReservation: 'not used for BGP',
  FelixConfiguration: 'Felix settings are not BGP settings',
};

function readStringMap(v: unknown, path: string, sink: ProblemSink, site: { resource: string; file: string }): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMapping(v)) {
    sink.error(site, path, 'ERR_CONFIG_TYPE', 'must be a mapping of strings');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else sink.error(site, `${path}["${k}"]`, 'ERR_CONFIG_TYPE', 'must be a string (quote it in YAML)');
  }
  return out;
}

/**
 * Validates one YAML document. Returns the resource, or undefined when it is skipped or too broken to use
 * (the reasons are in `sink`). `index` numbers the document inside its file for messages.
 */
export function parseResource(doc: unknown, file: string, index: number, sink: ProblemSink): CalicoResource | undefined {
  const docSite = { resource: `-`, file };
  if (!isMapping(doc)) {
    sink.error(docSite, '', 'ERR_CONFIG_NOT_A_RESOURCE', `document ${index + 1} is not a mapping with apiVersion and kind`);
    return undefined;
  }
  const kind = typeof doc['kind'] === 'string' ? doc['kind'] : undefined;
  const apiVersion = typeof doc['apiVersion'] === 'string' ? doc['apiVersion'] : undefined;
  const md = isMapping(doc['metadata']) ? doc['metadata'] : undefined;
  const name = md !== undefined && typeof md['name'] === 'string' ? md['name'] : undefined;
  const site = { resource: `${kind ?? '?'}/${name ?? '?'}`, file };
  if (kind === undefined || apiVersion === undefined) {
    sink.error(site, kind === undefined ? 'kind' : 'apiVersion', 'ERR_CONFIG_NOT_A_RESOURCE', `document ${index + 1} has no ${kind === undefined ? 'kind' : 'apiVersion'}`);
    return undefined;
  }
  if (apiVersion !== CALICO_API_VERSION) {
    const why =
      kind === 'Secret'
        ? 'tsbgpd reads Secrets from their mounted volume (--secrets-dir), never from manifests or the API'
        : KUBERNETES_KINDS.has(kind)
          ? `a Kubernetes ${kind}, not a Calico resource`
          : `not a ${CALICO_API_VERSION} resource`;
    sink.info(site, '', 'INFO_CONFIG_SKIPPED', `skipped (${apiVersion}): ${why}`);
    return undefined;
  }
  const unread = UNREAD_CALICO_KINDS[kind];
  if (unread !== undefined) {
    sink.warning(site, '', 'ERR_CONFIG_KIND_NOT_IMPLEMENTED', `${kind} is not read by tsbgpd: ${unread}`);
    return undefined;
  }
  if (!['BGPConfiguration', 'BGPPeer', 'Node', 'BlockAffinity', 'BGPFilter', 'IPPool'].includes(kind)) {
    sink.info(site, '', 'INFO_CONFIG_SKIPPED', `skipped: ${kind} is not a BGP resource`);
    return undefined;
  }
  if (name === undefined || name === '') {
    sink.error(site, 'metadata.name', 'ERR_CONFIG_REQUIRED', 'is required');
    return undefined;
  }
  const top = new ObjReader(sink, site, '', doc);
  top.touch('apiVersion');
  top.touch('kind');
  top.touch('status');
  const mdr = top.obj('metadata');
  let labels: Record<string, string> = {};
  let annotations: Record<string, string> = {};
  if (mdr !== undefined) {
    mdr.touch('name');
    labels = readStringMap(mdr.touch('labels'), 'metadata.labels', sink, site);
    annotations = readStringMap(mdr.touch('annotations'), 'metadata.annotations', sink, site);
    // Server-populated or irrelevant for BGP: accepted without comment.
    for (const k of ['namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'finalizers', 'ownerReferences', 'generateName', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
      mdr.touch(k);
    }
    mdr.finish();
  }
  const meta: ResourceMeta = { name, file, labels, annotations };
  const spec = top.obj('spec');
  top.finish();
  const specOrEmpty = spec ?? new ObjReader(sink, site, 'spec', {});
  switch (kind) {
    case 'BGPConfiguration':
      return parseBGPConfiguration(meta, specOrEmpty, sink, site);
    case 'BGPPeer':
      return parseBGPPeer(meta, specOrEmpty, sink, site);
    case 'Node':
      return parseNode(meta, specOrEmpty, sink, site);
    case 'BlockAffinity':
      return parseBlockAffinity(meta, specOrEmpty, sink, site);
    case 'BGPFilter':
      return parseBGPFilter(meta, specOrEmpty, sink, site);
    case 'IPPool':
      return parseIPPool(meta, specOrEmpty, sink, site);
  }
  return undefined;
}
