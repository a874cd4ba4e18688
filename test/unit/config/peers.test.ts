// Peers derived as calico/node derives them: global, node-specific, peerSelector, reverse, mesh, RR clients.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultNodeName } from '../../../src/config/resolve.js';
import { peerName } from '../../../src/config/peers.js';
import type { PeerConfig } from '../../../src/config/model.js';
import { errorsOf, nodeYaml, resolveText } from './helpers.js';

const CFG = (spec: string, ann = '') =>
  `apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\n${ann}spec:\n${spec}---\n`;
const PEER = (name: string, spec: string, ann = '') =>
  `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: ${name}\n${ann}spec:\n${spec}---\n`;

function peersOf(text: string, node: string): PeerConfig[] {
  const r = resolveText(text, node);
  assert.deepEqual(errorsOf(r.problems), [], JSON.stringify(r.problems, null, 1));
  assert.ok(r.config);
  return [...r.config.peers];
}
const by = (ps: PeerConfig[], name: string): PeerConfig => {
  const p = ps.find((x) => x.name === name);
  assert.ok(p, `no peer ${name} among ${ps.map((x) => x.name).join(', ')}`);
  return p;
};

const THREE = nodeYaml('node-a', '192.0.2.9/24') + nodeYaml('node-b', '192.0.2.10/24') + nodeYaml('node-c', '192.0.2.11/24', { v6: '2001:db8::11/64' });

test('peer names follow calico/node\'s BIRD protocol names', () => {
  assert.equal(peerName('Mesh', '192.0.2.2', 179), 'Mesh_192_0_2_2');
  assert.equal(peerName('Node', '192.0.2.2', 179), 'Node_192_0_2_2');
  assert.equal(peerName('Global', '192.0.2.2', 1790), 'Global_192_0_2_2_port_1790');
  assert.equal(peerName('Global', '2001:db8::2', 179), 'Global_2001_db8__2');
  assert.equal(peerName('Mesh', '192.0.2.2', 1790), 'Mesh_192_0_2_2');
});

test('mesh: default on, among all Nodes, keyed by nodeMeshPassword, no TTL security', () => {
  const text = CFG('  nodeMeshPassword: {secretKeyRef: {name: bgp-secrets, key: mesh}}\n  nodeMeshMaxRestartTime: 90s\n') + THREE;
  const ps = peersOf(text, 'node-b');
  assert.deepEqual(ps.map((p) => p.name), ['Mesh_192_0_2_11', 'Mesh_192_0_2_9']);
  for (const p of ps) {
    assert.equal(p.kind, 'Mesh');
    assert.equal(p.source.via, 'mesh');
    assert.equal(p.source.resource, 'BGPConfiguration/default');
    assert.equal(p.ttlSecurity, 0);
    assert.equal(p.peerAS, 64512);
    assert.equal(p.localAS, 64512);
    assert.equal(p.localAddress, '192.0.2.10');
    assert.equal(p.maxRestartTime, 90);
    assert.deepEqual(p.auth, { method: 'md5', secretRef: { name: 'bgp-secrets', key: 'mesh' } });
  }
  // node-c has IPv6 but node-b does not: no IPv6 mesh session from node-b.
  assert.ok(!ps.some((p) => p.family === 6));
  const none = peersOf(CFG('  nodeToNodeMeshEnabled: false\n') + THREE, 'node-b');
  assert.deepEqual(none, []);
});

test('mesh passive rule is calico/node\'s: passive towards a peer whose address sorts higher as a string', () => {
  // "192.0.2.9" > "192.0.2.10" as strings, although 9 < 10 numerically: node-b (…10) waits for node-a (…9).
  const fromB = peersOf(THREE, 'node-b');
  assert.equal(by(fromB, 'Mesh_192_0_2_9').passive, true);
  assert.equal(by(fromB, 'Mesh_192_0_2_11').passive, true); // "192.0.2.11" > "192.0.2.10"
  const fromA = peersOf(THREE, 'node-a');
  assert.equal(by(fromA, 'Mesh_192_0_2_10').passive, false);
  assert.equal(by(fromA, 'Mesh_192_0_2_11').passive, false);
  // Exactly one side of every pair is passive.
  const names = ['node-a', 'node-b', 'node-c'];
  const addr: Record<string, string> = { 'node-a': '192.0.2.9', 'node-b': '192.0.2.10', 'node-c': '192.0.2.11' };
  for (const x of names) {
    for (const y of names) {
      if (x >= y) continue;
      const xy = by(peersOf(THREE, x), `Mesh_${addr[y]!.replace(/\./g, '_')}`).passive;
      const yx = by(peersOf(THREE, y), `Mesh_${addr[x]!.replace(/\./g, '_')}`).passive;
      assert.notEqual(xy, yx, `${x} <-> ${y}`);
    }
  }
});

test('global BGPPeer with port, IPv6 peer, and a node without IPv6 skips the IPv6 peer with a warning', () => {
  const text = CFG('  nodeToNodeMeshEnabled: false\n') + THREE +
    PEER('tor', '  peerIP: 192.0.2.1:1790\n  asNumber: 64567\n  ttlSecurity: 1\n  keepaliveTime: 10s\n  maxRestartTime: 2m\n') +
    PEER('tor6', '  peerIP: "[2001:db8::1]:179"\n  asNumber: 64567\n');
  const c = peersOf(text, 'node-c');
  assert.deepEqual(c.map((p) => p.name), ['Global_192_0_2_1_port_1790', 'Global_2001_db8__1']);
  const v4 = c[0]!;
  assert.deepEqual([v4.port, v4.peerAS, v4.passive, v4.ttlSecurity, v4.keepaliveTime, v4.holdTime, v4.maxRestartTime], [1790, 64567, false, 1, 10, 240, 120]);
  const v6 = c[1]!;
  assert.deepEqual([v6.family, v6.peerIP, v6.port, v6.localAddress, v6.keepaliveTime], [6, '2001:db8::1', 179, '2001:db8::11', 80]);
  const r = resolveText(text, 'node-a');
  assert.deepEqual(r.config?.peers.map((p) => p.name), ['Global_192_0_2_1_port_1790']);
  assert.ok(r.problems.some((p) => p.code === 'ERR_CONFIG_NO_LOCAL_ADDRESS' && p.resource === 'BGPPeer/tor6'));
});

test('node-specific peers: node and nodeSelector; a global peering to the same address wins', () => {
  const nodes = nodeYaml('node-a', '192.0.2.9/24', { labels: { rack: 'r1' } }) + nodeYaml('node-b', '192.0.2.10/24', { labels: { rack: 'r2' } });
  const text = CFG('  nodeToNodeMeshEnabled: false\n') + nodes +
    PEER('a-only', '  node: node-a\n  peerIP: 198.51.100.1\n  asNumber: 65001\n') +
    PEER('rack1', "  nodeSelector: rack == 'r1'\n  peerIP: 198.51.100.2\n  asNumber: 65002\n  sourceAddress: None\n  localASNumber: 65100\n  keepOriginalNextHop: true\n") +
    PEER('dup-global', '  peerIP: 198.51.100.2\n  asNumber: 65002\n');
  const a = peersOf(text, 'node-a');
  assert.deepEqual(a.map((p) => [p.name, p.source.resource]), [
    ['Global_198_51_100_2', 'BGPPeer/dup-global'],
    ['Node_198_51_100_1', 'BGPPeer/a-only'],
  ]);
  const r = resolveText(text, 'node-a');
  assert.ok(r.problems.some((p) => p.code === 'INFO_CONFIG_PEER_SHADOWED' && p.resource === 'BGPPeer/rack1'));
  const only = CFG('  nodeToNodeMeshEnabled: false\n') + nodes + PEER('rack1', "  nodeSelector: rack == 'r1'\n  peerIP: 198.51.100.2\n  asNumber: 65002\n  sourceAddress: None\n  localASNumber: 65100\n  keepOriginalNextHop: true\n");
  const p = by(peersOf(only, 'node-a'), 'Node_198_51_100_2');
  assert.deepEqual([p.localAddress, p.localAS, p.nextHopMode], [undefined, 65100, 'Keep']);
  assert.deepEqual(peersOf(only, 'node-b'), []);
});

test('peerSelector peers: each matching Node at its addresses, AS from the Node or the default, both families', () => {
  const nodes =
    nodeYaml('node-a', '192.0.2.9/24', { v6: '2001:db8::9/64', labels: { role: 'worker' } }) +
    nodeYaml('rr-1', '192.0.2.2/24', { v6: '2001:db8::2/64', as: 64600, labels: { 'route-reflector': 'true' } }) +
    nodeYaml('rr-2', '192.0.2.3/24', { labels: { 'route-reflector': 'true' } });
  const text = CFG('  nodeToNodeMeshEnabled: false\n  asNumber: 64513\n') + nodes +
    PEER('to-rrs', "  nodeSelector: \"!has(route-reflector)\"\n  peerSelector: route-reflector == 'true'\n");
  const a = peersOf(text, 'node-a');
  assert.deepEqual(a.map((p) => [p.name, p.peerAS, p.source.via, p.source.nodeName]), [
    ['Node_192_0_2_2', 64600, 'peerSelector', 'rr-1'],
    ['Node_192_0_2_3', 64513, 'peerSelector', 'rr-2'],
    ['Node_2001_db8__2', 64600, 'peerSelector', 'rr-1'],
  ]);
  // Peer is a Calico node: the string-order passive rule applies ("192.0.2.9" > "192.0.2.2": node-a waits).
  assert.equal(by(a, 'Node_192_0_2_2').passive, false);
  // Reverse peering: rr-2 is selected by the peerSelector, so it peers back with node-a.
  const rr2 = peersOf(text, 'rr-2');
  assert.deepEqual(rr2.map((p) => [p.name, p.source.via]), [['Node_192_0_2_9', 'reverse']]);
  assert.equal(rr2[0]!.passive, true);
  const manual = text.replace("peerSelector: route-reflector == 'true'\n", "peerSelector: route-reflector == 'true'\n  reversePeering: Manual\n");
  assert.deepEqual(peersOf(manual, 'rr-2'), []);
});

test('route reflectors: no mesh for RR nodes; iBGP peers outside the cluster are RR clients', () => {
  const nodes =
    nodeYaml('node-a', '192.0.2.20/24', { labels: { role: 'worker' } }) +
    nodeYaml('node-b', '192.0.2.21/24', { labels: { role: 'worker' } }) +
    nodeYaml('rr-1', '192.0.2.2/24', { cluster: '224.0.0.1', labels: { rr: 'yes' } }) +
    nodeYaml('rr-2', '192.0.2.3/24', { cluster: '224.0.0.1', labels: { rr: 'yes' } });
  const text = CFG('  nodeToNodeMeshEnabled: true\n') + nodes +
    PEER('peer-with-rrs', "  nodeSelector: all()\n  peerSelector: has(rr)\n") +
    PEER('ebgp-upstream', "  nodeSelector: has(rr)\n  peerIP: 203.0.113.1\n  asNumber: 65000\n");
  const rr = peersOf(text, 'rr-1');
  const names = rr.map((p) => p.name);
  assert.ok(!names.some((n) => n.startsWith('Mesh_')), 'a route reflector takes no part in the mesh');
  assert.equal(by(rr, 'Node_192_0_2_20').routeReflectorClient, true);
  assert.equal(by(rr, 'Node_192_0_2_20').clusterId, '224.0.0.1');
  assert.equal(by(rr, 'Node_192_0_2_21').routeReflectorClient, true);
  assert.equal(by(rr, 'Node_192_0_2_3').routeReflectorClient, false, 'same cluster: a fellow reflector, not a client');
  assert.equal(by(rr, 'Node_203_0_113_1').routeReflectorClient, false, 'eBGP is never an RR client');
  const worker = peersOf(text, 'node-a');
  assert.deepEqual(worker.map((p) => p.name), ['Mesh_192_0_2_21', 'Node_192_0_2_2', 'Node_192_0_2_3']);
  assert.ok(worker.every((p) => !p.routeReflectorClient));
});

test('per-node BGPConfiguration: listenPort for that node, used by its peers; global-only fields warned', () => {
  const text = CFG('  listenPort: 1790\n') + THREE +
    'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: node.node-c}\nspec: {listenPort: 1791, asNumber: 1}\n---\n';
  const r = resolveText(text, 'node-c');
  assert.equal(r.config?.global.listenPort, 1791);
  assert.deepEqual(r.problems.filter((p) => p.code === 'ERR_CONFIG_GLOBAL_ONLY').map((p) => [p.resource, p.path]), [['BGPConfiguration/node.node-c', 'spec.asNumber']]);
  const a = peersOf(text, 'node-a');
  assert.equal(by(a, 'Mesh_192_0_2_11').port, 1791);
  assert.equal(by(a, 'Mesh_192_0_2_10').port, 1790);
  assert.equal(resolveText(text, 'node-a').config?.global.listenPort, 1790);
});

test('tsbgpd.io/auth ao on a BGPPeer becomes auth {method: ao} with its MKTs', () => {
  const ann = `  annotations:
    tsbgpd.io/auth: ao
    tsbgpd.io/ao-keys: '[{"sendId": 5, "recvId": 6, "secretKeyRef": {"name": "bgp-ao", "key": "k"}}]'
    tsbgpd.io/hold-time: "30"
`;
  const text = CFG('  nodeToNodeMeshEnabled: false\n') + nodeYaml('node-a', '192.0.2.9/24') + PEER('ao', '  peerIP: 198.51.100.9\n  asNumber: 65009\n', ann);
  const p = by(peersOf(text, 'node-a'), 'Global_198_51_100_9');
  assert.deepEqual(p.auth, { method: 'ao', keys: [{ sendId: 5, recvId: 6, algorithm: 'hmac-sha-1-96', secretRef: { name: 'bgp-ao', key: 'k' } }], currentKeyId: 5, rnextKeyId: 6 });
  assert.deepEqual([p.holdTime, p.keepaliveTime], [30, 10]);
  assert.deepEqual(resolveText(text, 'node-a').config?.secretRefs, [{ name: 'bgp-ao', key: 'k' }]);
});

test('node identity: name, AS, router ID, addresses; global settings; confirmed blocks only', () => {
  const text = CFG('  asNumber: 64513\n  bindMode: NodeIP\n  serviceClusterIPs: [{cidr: 10.96.0.0/12}]\n', '  annotations: {tsbgpd.io/kernel-routes: "false", tsbgpd.io/kernel-table: "7"}\n') +
    nodeYaml('node-a', '192.0.2.9/24', { v6: '2001:db8::9/64', labels: { a: 'b' } }) +
    ['confirmed', 'pending', 'pendingDeletion'].map((s, i) => `apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: b${i}}\nspec: {node: node-a, cidr: 10.0.${i}.0/26, state: ${s}}\n---\n`).join('') +
    'apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: del}\nspec: {node: node-a, cidr: 10.0.9.0/26, state: confirmed, deleted: "true"}\n---\n' +
    'apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: other}\nspec: {node: node-z, cidr: 10.0.8.0/26, state: confirmed}\n';
  const r = resolveText(text, 'node-a');
  assert.ok(r.config);
  const c = r.config;
  assert.deepEqual(c.node, {
    name: 'node-a', asNumber: 64513, routerId: '192.0.2.9',
    ipv4: { address: '192.0.2.9', prefixLength: 24 }, ipv6: { address: '2001:db8::9', prefixLength: 64 },
    routeReflectorClusterID: undefined, labels: { a: 'b' },
  });
  assert.deepEqual(c.blocks, ['10.0.0.0/26']);
  assert.deepEqual(c.global.listenAddresses, ['192.0.2.9', '2001:db8::9']);
  assert.deepEqual([c.global.kernelRoutes, c.global.kernelTable, c.global.listenPort, c.global.logSeverityScreen], [false, 7, 179, 'Info']);
  assert.deepEqual(c.global.serviceClusterIPs, ['10.96.0.0/12']);
});

test('a missing own Node is an error naming what was looked for', () => {
  const r = resolveText(nodeYaml('node-a', '192.0.2.9/24') + nodeYaml('node-b', '192.0.2.10/24'), 'node-x');
  assert.equal(r.config, undefined);
  const e = errorsOf(r.problems);
  assert.equal(e.length, 1);
  assert.equal(e[0]!.code, 'ERR_CONFIG_NODE_NOT_FOUND');
  assert.match(e[0]!.message, /no Node resource named "node-x".*--node-name.*NODENAME.*host name.*node-a, node-b/);
  const v6only = resolveText(nodeYaml('node-a', undefined, { v6: '2001:db8::1/64' }), 'node-a');
  assert.deepEqual(errorsOf(v6only.problems).map((p) => p.code), ['ERR_CONFIG_NO_ROUTER_ID']);
});

test('a BGPPeer naming a missing BGPFilter is an error (never run a peer unfiltered)', () => {
  const r = resolveText(nodeYaml('node-a', '192.0.2.9/24') + PEER('f', '  peerIP: 198.51.100.1\n  asNumber: 1\n  filters: [nope]\n'), 'node-a');
  assert.deepEqual(errorsOf(r.problems).map((p) => [p.resource, p.path, p.code]), [['BGPPeer/f', 'spec.filters[0]', 'ERR_CONFIG_NO_SUCH_FILTER']]);
});

test('defaultNodeName: $NODENAME first, then the host name', () => {
  assert.equal(defaultNodeName({ NODENAME: 'worker-7' }), 'worker-7');
  assert.notEqual(defaultNodeName({}), '');
});
