// From validated resources to one node's ResolvedConfig: node identity, global settings (BGPConfiguration
// `default` merged with `node.<name>` as calico/node merges them), blocks, filters and peers.

import { hostname } from 'node:os';
import type { LoadedResources } from './load.js';
import {
  DEFAULT_AS_NUMBER,
  DEFAULT_HOLD_TIME,
  DEFAULT_LISTEN_PORT,
  DEFAULT_RESTART_TIME,
  type FilterConfig,
  type GlobalSettings,
  type NodeIdentity,
  type ResolvedConfig,
} from './model.js';
import { DEFAULT_KERNEL_SCAN_TIME } from './extensions.js';
import { derivePeers, type NodeInfo } from './peers.js';
import { ProblemSink, type ConfigProblem } from './problems.js';
import type { BGPConfigurationResource } from './schema.js';
import { secretRefId, type SecretKeyRef } from './secret-ref.js';

export type ResolveResult =
  | { readonly ok: true; readonly config: ResolvedConfig; readonly problems: readonly ConfigProblem[] }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export const PER_NODE_CONFIG_PREFIX = 'node.';

/** The node name when none is given: $NODENAME (as calico/node), then the host name. */
export function defaultNodeName(env: NodeJS.ProcessEnv = process.env): string {
  const n = env['NODENAME']?.trim();
  return n !== undefined && n !== '' ? n : hostname();
}

/** Fields calico/node takes from a per-node `node.<name>` BGPConfiguration; the rest are global-only. */
const PER_NODE_FIELDS = new Set(['listenPort', 'logSeverityScreen', 'prefixAdvertisements']);

/**
 * Checks that do not depend on which node we are: BGPConfiguration names and per-node fields, filter
 * references. Reported once per load, whatever node is resolved.
 */
export function validateResourceSet(res: LoadedResources, sink: ProblemSink): void {
  const nodeNames = new Set(res.nodes.map((n) => n.meta.name));
  for (const c of res.bgpConfigurations) {
    const site = { resource: `BGPConfiguration/${c.meta.name}`, file: c.meta.file };
    if (c.meta.name === 'default') continue;
    if (!c.meta.name.startsWith(PER_NODE_CONFIG_PREFIX)) {
      sink.warning(site, 'metadata.name', 'ERR_CONFIG_BGPCONFIG_NAME', 'is ignored: a BGPConfiguration is named "default" or "node.<nodename>" (calico/node ignores other names too)');
      continue;
    }
    const node = c.meta.name.slice(PER_NODE_CONFIG_PREFIX.length);
    if (!nodeNames.has(node)) sink.info(site, 'metadata.name', 'INFO_CONFIG_NO_SUCH_NODE', `applies to node "${node}", which has no Node resource here`);
    const s = c.spec;
    const set: Record<string, boolean> = {
      logSeverityScreen: s.logSeverityScreen !== undefined,
      nodeToNodeMeshEnabled: s.nodeToNodeMeshEnabled !== undefined,
      asNumber: s.asNumber !== undefined,
      serviceClusterIPs: s.serviceClusterIPs.length > 0,
      serviceExternalIPs: s.serviceExternalIPs.length > 0,
      serviceLoadBalancerIPs: s.serviceLoadBalancerIPs.length > 0,
      communities: s.communities.length > 0,
      prefixAdvertisements: s.prefixAdvertisements !== undefined,
      listenPort: s.listenPort !== undefined,
      nodeMeshPassword: s.nodeMeshPassword !== undefined,
      nodeMeshMaxRestartTime: s.nodeMeshMaxRestartTimeMs !== undefined,
      bindMode: s.bindMode !== undefined,
      ignoredInterfaces: s.ignoredInterfaces.length > 0,
    };
    for (const [field, isSet] of Object.entries(set)) {
      if (isSet && !PER_NODE_FIELDS.has(field) && field !== 'communities') {
        sink.warning(site, `spec.${field}`, 'ERR_CONFIG_GLOBAL_ONLY', `is ignored on a per-node BGPConfiguration (calico/node reads only listenPort, logSeverityScreen and prefixAdvertisements there); set it on "default"`);
      }
    }
    if (Object.keys(c.meta.annotations).some((k) => k.startsWith('tsbgpd.io/'))) {
      sink.warning(site, 'metadata.annotations', 'ERR_CONFIG_GLOBAL_ONLY', 'tsbgpd.io/ annotations are read only from BGPConfiguration "default"');
    }
  }
  const filterNames = new Set(res.bgpFilters.map((f) => f.meta.name));
  for (const p of res.bgpPeers) {
    p.spec.filters.forEach((f, i) => {
      if (!filterNames.has(f)) {
        sink.error({ resource: `BGPPeer/${p.meta.name}`, file: p.meta.file }, `spec.filters[${i}]`, 'ERR_CONFIG_NO_SUCH_FILTER',
          `names BGPFilter "${f}", which does not exist; tsbgpd will not run this peer unfiltered`);
      }
    });
  }
  const byIp = new Map<string, string>();
  for (const n of res.nodes) {
    for (const a of [n.bgp?.ipv4Address?.address, n.bgp?.ipv6Address?.address]) {
      if (a === undefined) continue;
      const other = byIp.get(a);
      if (other !== undefined) {
        sink.error({ resource: `Node/${n.meta.name}`, file: n.meta.file }, 'spec.bgp', 'ERR_CONFIG_DUPLICATE_ADDRESS', `has address ${a}, as Node/${other} does; node addresses must be unique`);
      } else byIp.set(a, n.meta.name);
    }
  }
}

function perNodeConfig(res: LoadedResources, node: string): BGPConfigurationResource | undefined {
  return res.bgpConfigurations.find((c) => c.meta.name === PER_NODE_CONFIG_PREFIX + node);
}

/**
 * Resolves the configuration of node `nodeName`. Errors (from loading too, if passed in `prior`) make the
 * result not ok: the daemon keeps its last good configuration.
 */
export function resolveConfig(res: LoadedResources, nodeName: string, prior: readonly ConfigProblem[] = []): ResolveResult {
  const sink = new ProblemSink();
  sink.problems.push(...prior);
  const config = resolveInto(res, nodeName, sink);
  if (config === undefined || sink.hasErrors) return { ok: false, problems: sink.problems };
  return { ok: true, config, problems: sink.problems };
}

/** Resolution without the prior-problem bookkeeping; reports into `sink`. */
export function resolveInto(res: LoadedResources, nodeName: string, sink: ProblemSink): ResolvedConfig | undefined {
  const def = res.bgpConfigurations.find((c) => c.meta.name === 'default');
  const mine = perNodeConfig(res, nodeName);
  const g = def?.spec;
  const globalAS = g?.asNumber ?? DEFAULT_AS_NUMBER;
  const meshEnabled = g?.nodeToNodeMeshEnabled ?? true;
  const globalPort = g?.listenPort ?? DEFAULT_LISTEN_PORT;
  const ext = def?.ext ?? { kernelRoutes: true, kernelTable: 254, holdTime: undefined };

  const self = res.nodes.find((n) => n.meta.name === nodeName);
  const nodeSite = { resource: `Node/${nodeName}`, file: self?.meta.file ?? '-' };
  if (self === undefined) {
    const known = res.nodes.map((n) => n.meta.name);
    sink.error(nodeSite, '', 'ERR_CONFIG_NODE_NOT_FOUND',
      `no Node resource named "${nodeName}" (the name comes from --node-name, else $NODENAME, else the host name); ` +
        (known.length > 0 ? `Nodes in the config: ${known.join(', ')}` : 'the config holds no Node resources'));
    return undefined;
  }
  if (self.bgp === undefined) {
    sink.error(nodeSite, 'spec.bgp', 'ERR_CONFIG_NODE_NO_BGP', 'is missing: the node has no BGP addresses, so calico/node would not run BGP here');
    return undefined;
  }
  if (self.bgp.ipv4Address === undefined && self.bgp.ipv6Address === undefined) {
    sink.error(nodeSite, 'spec.bgp', 'ERR_CONFIG_NODE_NO_ADDRESS', 'has neither ipv4Address nor ipv6Address');
    return undefined;
  }
  const routerId = self.ext.routerId ?? self.bgp.ipv4Address?.address;
  if (routerId === undefined) {
    sink.error(nodeSite, 'spec.bgp.ipv4Address', 'ERR_CONFIG_NO_ROUTER_ID',
      'is missing, and the BGP Identifier is an IPv4 address (RFC 6286); add ipv4Address or the tsbgpd.io/router-id annotation');
    return undefined;
  }
  const listenPortOf = (name: string): number => perNodeConfig(res, name)?.spec.listenPort ?? globalPort;
  const infos: NodeInfo[] = res.nodes
    .filter((n) => n.bgp !== undefined)
    .map((n) => ({
      name: n.meta.name,
      labels: n.meta.labels,
      ipv4: n.bgp!.ipv4Address?.address,
      ipv6: n.bgp!.ipv6Address?.address,
      asNumber: n.bgp!.asNumber ?? globalAS,
      clusterId: n.bgp!.routeReflectorClusterID,
      listenPort: listenPortOf(n.meta.name),
      file: n.meta.file,
    }));
  const selfInfo = infos.find((n) => n.name === nodeName)!;

  const node: NodeIdentity = {
    name: nodeName,
    asNumber: selfInfo.asNumber,
    routerId,
    ipv4: self.bgp.ipv4Address !== undefined ? { address: self.bgp.ipv4Address.address, prefixLength: self.bgp.ipv4Address.prefixLength } : undefined,
    ipv6: self.bgp.ipv6Address !== undefined ? { address: self.bgp.ipv6Address.address, prefixLength: self.bgp.ipv6Address.prefixLength } : undefined,
    routeReflectorClusterID: self.bgp.routeReflectorClusterID,
    labels: self.meta.labels,
  };

  const bindMode = g?.bindMode ?? 'None';
  const adverts = mine?.spec.prefixAdvertisements ?? g?.prefixAdvertisements ?? [];
  const global: GlobalSettings = {
    listenPort: selfInfo.listenPort,
    listenAddresses: bindMode === 'NodeIP' ? [node.ipv4?.address, node.ipv6?.address].filter((a): a is string => a !== undefined) : [],
    bindMode,
    logSeverityScreen: mine?.spec.logSeverityScreen ?? g?.logSeverityScreen ?? 'Info',
    nodeToNodeMeshEnabled: meshEnabled,
    communities: g?.communities ?? [],
    prefixAdvertisements: adverts.map((a) => ({ cidr: a.cidr.cidr, communities: a.communities })),
    serviceClusterIPs: (g?.serviceClusterIPs ?? []).map((c) => c.cidr),
    serviceExternalIPs: (g?.serviceExternalIPs ?? []).map((c) => c.cidr),
    serviceLoadBalancerIPs: (g?.serviceLoadBalancerIPs ?? []).map((c) => c.cidr),
    ignoredInterfaces: g?.ignoredInterfaces ?? [],
    kernelRoutes: ext.kernelRoutes,
    kernelTable: ext.kernelTable,
    kernelScanTime: ext.kernelScanTime ?? DEFAULT_KERNEL_SCAN_TIME,
  };

  const peers = derivePeers(
    {
      self: selfInfo,
      nodes: infos,
      bgpPeers: res.bgpPeers,
      meshEnabled,
      meshPassword: g?.nodeMeshPassword,
      meshRestartTime: g?.nodeMeshMaxRestartTimeMs,
      meshSite: { resource: 'BGPConfiguration/default', file: def?.meta.file ?? '-' },
      holdTime: ext.holdTime ?? DEFAULT_HOLD_TIME,
      defaultRestartTime: DEFAULT_RESTART_TIME,
    },
    sink,
  );

  const blocks = [
    ...new Set(res.blockAffinities.filter((b) => b.node === nodeName && b.state === 'confirmed' && !b.deleted).map((b) => b.cidr.cidr)),
  ].sort();

  // Every node's confirmed blocks: they are carved from the IP pools, so they stand in for the pools (which
  // tsbgpd does not read) when the RIB decides which learned routes calico/node would re-advertise.
  const clusterBlocks = [
    ...new Set(res.blockAffinities.filter((b) => b.state === 'confirmed' && !b.deleted).map((b) => b.cidr.cidr)),
  ].sort();

  const filters: Record<string, FilterConfig> = {};
  for (const f of res.bgpFilters) {
    filters[f.meta.name] = { name: f.meta.name, exportV4: f.exportV4, importV4: f.importV4, exportV6: f.exportV6, importV6: f.importV6 };
  }

  const refs = new Map<string, SecretKeyRef>();
  for (const p of peers) {
    if (p.auth.method === 'md5') refs.set(secretRefId(p.auth.secretRef), p.auth.secretRef);
    if (p.auth.method === 'ao') for (const k of p.auth.keys) refs.set(secretRefId(k.secretRef), k.secretRef);
  }
  const secretRefs = [...refs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);

  // calico/node exports learned routes inside enabled IP pools that do not set disableBGPExport.
  const ipPools = res.ipPools.length === 0
    ? undefined
    : [...new Set(res.ipPools.filter((p) => !p.disabled && !p.disableBGPExport).map((p) => p.cidr.cidr))].sort();

  return { node, global, peers, blocks, clusterBlocks, ipPools, filters, secretRefs };
}
