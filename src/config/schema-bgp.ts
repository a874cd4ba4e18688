// BGPConfiguration and BGPPeer: validation of Calico's fields into typed specs.

import { parsePeerIP } from './address.js';
import { parseGlobalExtensions, parsePeerExtensions } from './extensions.js';
import { readCidr, readCidrBlocks, readIp, readSecretKeyRef } from './fields.js';
import type { ProblemSink, ProblemSite } from './problems.js';
import type { ObjReader } from './reader.js';
import type {
  BGPConfigurationResource,
  BGPPeerResource,
  Community,
  PrefixAdvertisement,
  ResourceMeta,
  SelectorText,
} from './schema.js';
import { parseSelector } from './selector.js';

const LOG_SEVERITIES = ['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal', 'None'];

// RFC 1997 `aa:nn` (16-bit each) or RFC 8092 `aa:nn:mm` (32-bit each).
function isCommunityValue(v: string): boolean {
  const parts = v.split(':');
  if (parts.length !== 2 && parts.length !== 3) return false;
  const max = parts.length === 2 ? 0xffff : 0xffffffff;
  return parts.every((p) => /^\d{1,10}$/.test(p) && Number(p) <= max);
}

export function parseBGPConfiguration(meta: ResourceMeta, r: ObjReader, sink: ProblemSink, site: ProblemSite): BGPConfigurationResource {
  const logSeverityScreen = r.str('logSeverityScreen');
  if (logSeverityScreen !== undefined && !LOG_SEVERITIES.includes(logSeverityScreen)) {
    sink.warning(site, r.at('logSeverityScreen'), 'ERR_CONFIG_ENUM', `is "${logSeverityScreen}"; Calico knows ${LOG_SEVERITIES.join(', ')}; using Info`);
  }
  const communities: Community[] = [];
  for (const c of r.objList('communities')) {
    const name = c.str('name');
    const value = c.str('value');
    c.finish();
    if (name === undefined || value === undefined) {
      sink.error(site, c.path, 'ERR_CONFIG_REQUIRED', 'needs both name and value');
      continue;
    }
    if (!isCommunityValue(value)) {
      sink.error(site, c.at('value'), 'ERR_CONFIG_COMMUNITY', `"${value}" is not a community (aa:nn with 16-bit parts, or large aa:nn:mm with 32-bit parts)`);
      continue;
    }
    communities.push({ name, value });
  }
  let prefixAdvertisements: PrefixAdvertisement[] | undefined;
  if (r.has('prefixAdvertisements')) {
    prefixAdvertisements = [];
    for (const pa of r.objList('prefixAdvertisements')) {
      const cidr = readCidr(pa, 'cidr');
      if (cidr === undefined && !pa.has('cidr')) sink.error(site, pa.at('cidr'), 'ERR_CONFIG_REQUIRED', 'is required');
      const values: string[] = [];
      (pa.strList('communities') ?? []).forEach((c, i) => {
        if (isCommunityValue(c)) values.push(c);
        else {
          const named = communities.find((x) => x.name === c);
          if (named !== undefined) values.push(named.value);
          else sink.error(site, pa.at('communities') + `[${i}]`, 'ERR_CONFIG_COMMUNITY', `"${c}" is neither a community value nor a name defined in spec.communities`);
        }
      });
      pa.finish();
      if (cidr !== undefined) prefixAdvertisements.push({ cidr, communities: [...new Set(values)].sort() });
    }
  } else r.touch('prefixAdvertisements');

  const nodeToNodeMeshEnabled = r.bool('nodeToNodeMeshEnabled');
  const nodeMeshPassword = readSecretKeyRef(r, 'nodeMeshPassword');
  // Calico: "nodeMeshPassword cannot be set when nodeToNodeMeshEnabled is false" (the default is true).
  if (r.has('nodeMeshPassword') && nodeToNodeMeshEnabled === false) {
    sink.error(site, r.at('nodeMeshPassword'), 'ERR_CONFIG_MESH_PASSWORD_WITHOUT_MESH', 'is set but nodeToNodeMeshEnabled is false; the node-to-node mesh must be enabled to use a mesh password');
  }
  const nodeMeshMaxRestartTimeMs = r.duration('nodeMeshMaxRestartTime');
  if (r.has('nodeMeshMaxRestartTime') && nodeToNodeMeshEnabled === false) {
    sink.warning(site, r.at('nodeMeshMaxRestartTime'), 'ERR_CONFIG_UNUSED', 'has no effect while nodeToNodeMeshEnabled is false');
  }
  const spec = {
    logSeverityScreen,
    nodeToNodeMeshEnabled,
    asNumber: r.asNumber('asNumber'),
    serviceClusterIPs: readCidrBlocks(r, 'serviceClusterIPs'),
    serviceExternalIPs: readCidrBlocks(r, 'serviceExternalIPs'),
    serviceLoadBalancerIPs: readCidrBlocks(r, 'serviceLoadBalancerIPs'),
    communities,
    prefixAdvertisements,
    listenPort: r.int('listenPort', 1, 65535),
    nodeMeshPassword,
    nodeMeshMaxRestartTimeMs,
    bindMode: r.oneOf('bindMode', ['None', 'NodeIP'] as const),
    ignoredInterfaces: r.strList('ignoredInterfaces') ?? [],
  };
  if (spec.ignoredInterfaces.length > 0) {
    sink.warning(site, r.at('ignoredInterfaces'), 'ERR_CONFIG_NOT_IMPLEMENTED', 'has no effect: tsbgpd does not import interface (direct) routes, so there is nothing to ignore');
  }
  r.unimplemented('localWorkloadPeeringIPV4', 'BGP peering with local workloads is not supported');
  r.unimplemented('localWorkloadPeeringIPV6', 'BGP peering with local workloads is not supported');
  r.unimplemented('programClusterRoutes', 'route programming is controlled by the tsbgpd.io/kernel-routes annotation');
  r.finish();
  return { kind: 'BGPConfiguration', meta, spec, ext: parseGlobalExtensions(meta.annotations, sink, site) };
}

function readSelector(r: ObjReader, key: string): SelectorText | undefined {
  const text = r.str(key);
  if (text === undefined) return undefined;
  const p = parseSelector(text);
  if (!p.ok) {
    r.sink.error(r.site, r.at(key), 'ERR_CONFIG_SELECTOR', `selector "${text}" ${p.reason}`);
    return undefined;
  }
  return { text, selector: p.selector };
}

export function parseBGPPeer(meta: ResourceMeta, r: ObjReader, sink: ProblemSink, site: ProblemSite): BGPPeerResource {
  const node = r.str('node');
  const nodeSelector = readSelector(r, 'nodeSelector');
  const peerIPText = r.str('peerIP');
  let peerIP;
  if (peerIPText !== undefined) {
    const p = parsePeerIP(peerIPText);
    if (p.ok) peerIP = p.value;
    else sink.error(site, r.at('peerIP'), 'ERR_CONFIG_PEER_IP', p.reason);
  }
  const asNumber = r.asNumber('asNumber');
  const peerSelector = readSelector(r, 'peerSelector');
  // Calico's BGPPeer validation: node/nodeSelector exclusive; peerIP+asNumber or peerSelector, not both.
  if (r.has('node') && r.has('nodeSelector')) {
    sink.error(site, r.at('nodeSelector'), 'ERR_CONFIG_CONFLICT', 'cannot be combined with spec.node; use one of them');
  }
  if (r.has('peerSelector') && (r.has('peerIP') || r.has('asNumber'))) {
    sink.error(site, r.at('peerSelector'), 'ERR_CONFIG_CONFLICT', 'cannot be combined with spec.peerIP or spec.asNumber (a selected peer\'s address and AS come from its Node)');
  }
  if (!r.has('peerSelector')) {
    if (!r.has('peerIP')) sink.error(site, r.at('peerIP'), 'ERR_CONFIG_REQUIRED', 'is required (or set spec.peerSelector)');
    if (!r.has('asNumber')) sink.error(site, r.at('asNumber'), 'ERR_CONFIG_REQUIRED', 'is required with spec.peerIP');
  }
  const keepOriginalNextHop = r.bool('keepOriginalNextHop') ?? false;
  const nextHopMode = r.oneOf('nextHopMode', ['Auto', 'Self', 'Keep'] as const);
  if (keepOriginalNextHop && nextHopMode !== undefined && nextHopMode !== 'Keep') {
    sink.error(site, r.at('keepOriginalNextHop'), 'ERR_CONFIG_CONFLICT', `contradicts nextHopMode ${nextHopMode}; keepOriginalNextHop is the older spelling of nextHopMode: Keep`);
  }
  const reachableBy = readIp(r, 'reachableBy');
  if (reachableBy !== undefined) {
    if (peerIP !== undefined && reachableBy.family !== peerIP.family) {
      sink.error(site, r.at('reachableBy'), 'ERR_CONFIG_ADDRESS', 'must be of the same address family as peerIP');
    }
    sink.warning(site, r.at('reachableBy'), 'ERR_CONFIG_NOT_IMPLEMENTED', 'is not implemented by tsbgpd: no route to the peer is installed via this gateway; the peer must be reachable by the node\'s own routes');
  }
  const filters = r.strList('filters') ?? [];
  const spec = {
    node,
    nodeSelector,
    peerIP,
    asNumber,
    localASNumber: r.asNumber('localASNumber'),
    peerSelector,
    keepOriginalNextHop,
    nextHopMode,
    password: readSecretKeyRef(r, 'password'),
    sourceAddress: r.oneOf('sourceAddress', ['UseNodeIP', 'None'] as const) ?? 'UseNodeIP',
    maxRestartTimeMs: r.duration('maxRestartTime'),
    keepaliveTimeMs: r.duration('keepaliveTime'),
    numAllowedLocalASNumbers: r.int('numAllowedLocalASNumbers', 0, 255),
    ttlSecurity: r.int('ttlSecurity', 0, 255),
    reachableBy,
    filters,
    reversePeering: r.oneOf('reversePeering', ['Auto', 'Manual'] as const) ?? 'Auto',
  } as const;
  if (spec.keepaliveTimeMs !== undefined && spec.keepaliveTimeMs > 0 && spec.keepaliveTimeMs < 1000) {
    sink.error(site, r.at('keepaliveTime'), 'ERR_CONFIG_RANGE', 'is below one second; BGP timers are whole seconds (RFC 4271 §4.4)');
  }
  r.unimplemented('failureDetectionMode', 'BFD is not supported');
  r.unimplemented('restartMode', 'graceful restart modes other than the default are not supported');
  r.unimplemented('birdGatewayMode', 'a BIRD-specific setting');
  r.unimplemented('localWorkloadSelector', 'BGP peering with local workloads is not supported');
  r.unimplemented('externalNetwork', 'external networks (Calico Enterprise) are not supported');
  r.finish();
  const ext = parsePeerExtensions(meta.annotations, sink, site);
  if (ext.auth === 'none' && spec.password !== undefined) {
    sink.error(site, 'metadata.annotations["tsbgpd.io/auth"]', 'ERR_CONFIG_CONFLICT', 'is "none" but spec.password is set; remove one of them (tsbgpd never drops a configured password silently)');
  }
  if (ext.auth === 'md5' && spec.password === undefined) {
    sink.error(site, 'spec.password', 'ERR_CONFIG_REQUIRED', 'is required when tsbgpd.io/auth is "md5"');
  }
  if (ext.auth === 'ao') {
    if (ext.aoKeys.length === 0) {
      sink.error(site, 'metadata.annotations["tsbgpd.io/ao-keys"]', 'ERR_CONFIG_REQUIRED', 'is required when tsbgpd.io/auth is "ao" (a list of {sendId, recvId, algorithm, secretKeyRef})');
    }
    if (spec.password !== undefined) {
      sink.warning(site, 'spec.password', 'ERR_CONFIG_UNUSED', 'is not used: tsbgpd.io/auth is "ao", and the TCP-AO keys come from tsbgpd.io/ao-keys (RFC 5925 §7.7 forbids MD5 and AO on one connection)');
    }
    if (ext.aoCurrentKey !== undefined && !ext.aoKeys.some((k) => k.sendId === ext.aoCurrentKey)) {
      sink.error(site, 'metadata.annotations["tsbgpd.io/ao-current-key"]', 'ERR_CONFIG_EXTENSION_VALUE', `names sendId ${ext.aoCurrentKey}, which no key in tsbgpd.io/ao-keys has`);
    }
    if (ext.aoRNextKey !== undefined && !ext.aoKeys.some((k) => k.recvId === ext.aoRNextKey)) {
      sink.error(site, 'metadata.annotations["tsbgpd.io/ao-rnext-key"]', 'ERR_CONFIG_EXTENSION_VALUE', `names recvId ${ext.aoRNextKey}, which no key in tsbgpd.io/ao-keys has`);
    }
  }
  return { kind: 'BGPPeer', meta, spec, ext };
}
