// Node (spec.bgp only) and BlockAffinity.

import { parseNodeExtensions } from './extensions.js';
import { readCidr } from './fields.js';
import type { ProblemSink, ProblemSite } from './problems.js';
import type { ObjReader } from './reader.js';
import type { BlockAffinityResource, IPPoolResource, NodeResource, ResourceMeta } from './schema.js';

const IPV4_FORM = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseNode(meta: ResourceMeta, r: ObjReader, sink: ProblemSink, site: ProblemSite): NodeResource {
  const b = r.obj('bgp');
  // Every other Node field (addresses, orchRefs, tunnel addresses, wireguard...) is written by calico/node
  // itself and is not BGP configuration.
  const others = Object.keys(r.data).filter((k) => k !== 'bgp');
  for (const k of others) r.touch(k);
  if (others.length > 0) {
    sink.info(site, 'spec', 'INFO_CONFIG_IGNORED', `fields other than spec.bgp are not BGP settings and are ignored (${others.join(', ')})`);
  }
  r.finish();
  const ext = parseNodeExtensions(meta.annotations, sink, site);
  if (b === undefined) return { kind: 'Node', meta, bgp: undefined, ext };
  const asNumber = b.asNumber('asNumber');
  // A Node's addresses are written with the subnet length, e.g. 192.0.2.1/24; host bits are expected.
  const ipv4Address = readCidr(b, 'ipv4Address', { allowHostBits: true, requirePrefix: false });
  const ipv6Address = readCidr(b, 'ipv6Address', { allowHostBits: true, requirePrefix: false });
  if (ipv4Address !== undefined && ipv4Address.family !== 4) sink.error(site, b.at('ipv4Address'), 'ERR_CONFIG_ADDRESS', 'must be an IPv4 address');
  if (ipv6Address !== undefined && ipv6Address.family !== 6) sink.error(site, b.at('ipv6Address'), 'ERR_CONFIG_ADDRESS', 'must be an IPv6 address');
  const routeReflectorClusterID = b.str('routeReflectorClusterID');
  if (routeReflectorClusterID !== undefined && !IPV4_FORM.test(routeReflectorClusterID)) {
    sink.error(site, b.at('routeReflectorClusterID'), 'ERR_CONFIG_CLUSTER_ID', `"${routeReflectorClusterID}" must be written as an IPv4 address (RFC 4456 CLUSTER_ID is 4 octets)`);
  }
  b.touch('ipv4IPIPTunnelAddr');
  b.finish();
  return {
    kind: 'Node',
    meta,
    bgp: {
      asNumber,
      ipv4Address: ipv4Address?.family === 4 ? ipv4Address : undefined,
      ipv6Address: ipv6Address?.family === 6 ? ipv6Address : undefined,
      routeReflectorClusterID: routeReflectorClusterID !== undefined && IPV4_FORM.test(routeReflectorClusterID) ? routeReflectorClusterID : undefined,
    },
    ext,
  };
}

export function parseBlockAffinity(meta: ResourceMeta, r: ObjReader, sink: ProblemSink, site: ProblemSite): BlockAffinityResource | undefined {
  const node = r.str('node');
  const cidr = readCidr(r, 'cidr');
  const state = r.oneOf('state', ['confirmed', 'pending', 'pendingDeletion'] as const) ?? 'confirmed';
  // Calico's CRD stores `deleted` as the string "true"/"false"; accept a boolean as well.
  const d = r.touch('deleted');
  let deleted = false;
  if (d === true || d === 'true') deleted = true;
  else if (d !== undefined && d !== null && d !== false && d !== 'false' && d !== '') {
    sink.error(site, r.at('deleted'), 'ERR_CONFIG_TYPE', 'must be "true" or "false"');
  }
  r.touch('type');
  r.finish();
  if (node === undefined) sink.error(site, r.at('node'), 'ERR_CONFIG_REQUIRED', 'is required');
  if (cidr === undefined && !r.has('cidr')) sink.error(site, r.at('cidr'), 'ERR_CONFIG_REQUIRED', 'is required');
  if (node === undefined || cidr === undefined) return undefined;
  return { kind: 'BlockAffinity', meta, node, cidr, state, deleted };
}

/** Fields of IPPool.spec that BGP does not use (IPAM, encapsulation, Felix): accepted without a warning. */
const IPPOOL_OTHER_FIELDS = ['blockSize', 'ipipMode', 'vxlanMode', 'natOutgoing', 'nodeSelector', 'allowedUses', 'assignmentMode', 'namespaceSelector'];

export function parseIPPool(meta: ResourceMeta, r: ObjReader, sink: ProblemSink, site: ProblemSite): IPPoolResource | undefined {
  const cidr = readCidr(r, 'cidr');
  const flag = (k: string): boolean => {
    const v = r.touch(k);
    if (v === undefined || v === null || v === false) return false;
    if (v === true) return true;
    sink.error(site, r.at(k), 'ERR_CONFIG_TYPE', 'must be true or false');
    return false;
  };
  const disabled = flag('disabled');
  const disableBGPExport = flag('disableBGPExport');
  for (const k of IPPOOL_OTHER_FIELDS) r.touch(k);
  r.finish();
  if (cidr === undefined) {
    if (!r.has('cidr')) sink.error(site, r.at('cidr'), 'ERR_CONFIG_REQUIRED', 'is required');
    return undefined;
  }
  return { kind: 'IPPool', meta, cidr, disabled, disableBGPExport };
}
