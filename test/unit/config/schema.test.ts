// Each Calico field, as Calico spells it, and what tsbgpd says about fields it does not implement.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadResourcesFromText } from '../../../src/config/load.js';
import { parseGoDuration } from '../../../src/config/duration.js';
import { parsePeerIP } from '../../../src/config/address.js';
import { errorsOf, warningsOf } from './helpers.js';

const load = (text: string) => loadResourcesFromText(text, 'test.yaml');
const peerDoc = (spec: string, extraMeta = ''): string =>
  `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: p\n${extraMeta}spec:\n${spec}`;

test('peerIP: ip, ip:port, [ipv6]:port, bare IPv6; bad forms rejected', () => {
  assert.deepEqual(parsePeerIP('192.0.2.1'), { ok: true, value: { family: 4, address: '192.0.2.1', port: undefined } });
  assert.deepEqual(parsePeerIP('192.0.2.1:1790'), { ok: true, value: { family: 4, address: '192.0.2.1', port: 1790 } });
  assert.deepEqual(parsePeerIP('[2001:DB8::1]:1790'), { ok: true, value: { family: 6, address: '2001:db8::1', port: 1790 } });
  assert.deepEqual(parsePeerIP('2001:db8:0:0::1'), { ok: true, value: { family: 6, address: '2001:db8::1', port: undefined } });
  for (const bad of ['192.0.2.1:0', '192.0.2.1:65536', '192.0.2.1:abc', '[2001:db8::1]', '[192.0.2.1]:179', '300.1.1.1', 'fe80::1%eth0', '', 'peer.example']) {
    assert.equal(parsePeerIP(bad).ok, false, bad);
  }
});

test('Go durations', () => {
  const ms = (s: string) => {
    const d = parseGoDuration(s);
    return d.ok ? d.ms : d.reason;
  };
  assert.equal(ms('120s'), 120_000);
  assert.equal(ms('2m'), 120_000);
  assert.equal(ms('1h30m'), 5_400_000);
  assert.equal(ms('1.5s'), 1500);
  assert.equal(ms('300ms'), 300);
  assert.equal(ms('0'), 0);
  assert.match(String(ms('120')), /not a Go duration/);
  assert.match(String(ms('-5s')), /negative/);
  assert.match(String(ms('2 m')), /not a Go duration/);
});

test('BGPPeer: every Calico field is read', () => {
  const { resources, problems } = load(
    peerDoc(`  nodeSelector: "rack == 'r1'"
  peerIP: "[2001:db8::2]:1790"
  asNumber: 64567
  localASNumber: "64600"
  keepOriginalNextHop: false
  nextHopMode: Self
  password:
    secretKeyRef:
      name: bgp-secrets
      key: rr-password
  sourceAddress: None
  maxRestartTime: 2m
  keepaliveTime: 20s
  numAllowedLocalASNumbers: 2
  ttlSecurity: 1
  filters: [f1, f2]
  reversePeering: Manual
`),
  );
  assert.deepEqual(problems, []);
  const s = resources.bgpPeers[0]!.spec;
  assert.equal(s.nodeSelector?.text, "rack == 'r1'");
  assert.deepEqual(s.peerIP, { family: 6, address: '2001:db8::2', port: 1790 });
  assert.equal(s.asNumber, 64567);
  assert.equal(s.localASNumber, 64600);
  assert.equal(s.keepOriginalNextHop, false);
  assert.equal(s.nextHopMode, 'Self');
  assert.deepEqual(s.password, { name: 'bgp-secrets', key: 'rr-password' });
  assert.equal(s.sourceAddress, 'None');
  assert.equal(s.maxRestartTimeMs, 120_000);
  assert.equal(s.keepaliveTimeMs, 20_000);
  assert.equal(s.numAllowedLocalASNumbers, 2);
  assert.equal(s.ttlSecurity, 1);
  assert.deepEqual(s.filters, ['f1', 'f2']);
  assert.equal(s.reversePeering, 'Manual');
  const b = load(peerDoc(`  node: node-a\n  peerSelector: "has(rr)"\n`)).resources.bgpPeers[0]!.spec;
  assert.equal(b.node, 'node-a');
  assert.equal(b.peerSelector?.text, 'has(rr)');
  assert.equal(b.sourceAddress, 'UseNodeIP');
  assert.equal(b.reversePeering, 'Auto');
});

test('BGPPeer: AS numbers as integer, string and asdot; out of range rejected', () => {
  assert.equal(load(peerDoc('  peerIP: 192.0.2.1\n  asNumber: "1.10"\n')).resources.bgpPeers[0]!.spec.asNumber, 65546);
  assert.equal(load(peerDoc('  peerIP: 192.0.2.1\n  asNumber: 4294967295\n')).resources.bgpPeers[0]!.spec.asNumber, 4294967295);
  const bad = load(peerDoc('  peerIP: 192.0.2.1\n  asNumber: 4294967296\n'));
  assert.deepEqual(errorsOf(bad.problems).map((p) => [p.resource, p.path, p.code]), [
    ['BGPPeer/p', 'spec.asNumber', 'ERR_CONFIG_AS_NUMBER'],
  ]);
});

test('BGPPeer: wrong types, bad enums and conflicts are errors with the field path', () => {
  const { problems } = load(
    peerDoc(`  peerIP: 192.0.2.1:99999
  asNumber: 64567
  node: a
  nodeSelector: "rack =="
  nextHopMode: Sometimes
  keepOriginalNextHop: "yes"
  ttlSecurity: 300
  sourceAddress: Elsewhere
  keepaliveTime: 20
  password:
    secretKeyRef:
      name: ../etc
`),
  );
  const got = errorsOf(problems).map((p) => `${p.path} ${p.code}`).sort();
  assert.deepEqual(got, [
    'spec.keepOriginalNextHop ERR_CONFIG_TYPE',
    'spec.keepaliveTime ERR_CONFIG_TYPE',
    'spec.nextHopMode ERR_CONFIG_ENUM',
    'spec.nodeSelector ERR_CONFIG_CONFLICT',
    'spec.nodeSelector ERR_CONFIG_SELECTOR',
    'spec.password.secretKeyRef.key ERR_CONFIG_REQUIRED',
    'spec.password.secretKeyRef.name ERR_CONFIG_SECRET_REF',
    'spec.peerIP ERR_CONFIG_PEER_IP',
    'spec.sourceAddress ERR_CONFIG_ENUM',
    'spec.ttlSecurity ERR_CONFIG_RANGE',
  ]);
  assert.ok(problems.every((p) => p.resource === 'BGPPeer/p' && p.file === 'test.yaml'));
});

test('BGPPeer: peerIP/peerSelector rules (Calico validation)', () => {
  const codes = (t: string) => errorsOf(load(peerDoc(t)).problems).map((p) => `${p.path} ${p.code}`);
  assert.deepEqual(codes('  asNumber: 1\n'), ['spec.peerIP ERR_CONFIG_REQUIRED']);
  assert.deepEqual(codes('  peerIP: 192.0.2.1\n'), ['spec.asNumber ERR_CONFIG_REQUIRED']);
  assert.deepEqual(codes("  peerSelector: all()\n  peerIP: 192.0.2.1\n"), ['spec.peerSelector ERR_CONFIG_CONFLICT']);
  assert.deepEqual(codes("  peerSelector: all()\n"), []);
});

test('unknown fields and unimplemented fields are warnings naming resource and path', () => {
  const { problems } = load(
    peerDoc(`  peerIP: 192.0.2.1
  asNumber: 64567
  peerIp: 192.0.2.9
  failureDetectionMode: BFDIfDirectlyConnected
  reachableBy: 192.0.2.254
  password:
    secretKeyRef: {name: s, key: k, optional: true}
`),
  );
  assert.deepEqual(errorsOf(problems), []);
  assert.deepEqual(warningsOf(problems).map((p) => `${p.resource} ${p.path} ${p.code}`).sort(), [
    'BGPPeer/p spec.failureDetectionMode ERR_CONFIG_NOT_IMPLEMENTED',
    'BGPPeer/p spec.password.secretKeyRef.optional ERR_CONFIG_NOT_IMPLEMENTED',
    'BGPPeer/p spec.peerIp ERR_CONFIG_UNKNOWN_FIELD',
    'BGPPeer/p spec.reachableBy ERR_CONFIG_NOT_IMPLEMENTED',
  ]);
  const unknown = warningsOf(problems).find((p) => p.path === 'spec.peerIp')!;
  assert.match(unknown.message, /not a field tsbgpd knows/);
});

const CONFIG_ALL = `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: Debug
  nodeToNodeMeshEnabled: true
  asNumber: 64513
  serviceClusterIPs: [{cidr: 10.96.0.0/12}]
  serviceExternalIPs: [{cidr: 203.0.113.0/24}, {cidr: "2001:db8:1::/48"}]
  serviceLoadBalancerIPs: [{cidr: 198.51.100.128/25}]
  communities:
  - name: bgp-large-community
    value: 64512:300:100
  prefixAdvertisements:
  - cidr: 203.0.113.0/24
    communities: [bgp-large-community, "64512:120"]
  listenPort: 1790
  nodeMeshPassword:
    secretKeyRef: {name: bgp-secrets, key: mesh}
  nodeMeshMaxRestartTime: 90s
  bindMode: NodeIP
  ignoredInterfaces: [eth9]
`;

test('BGPConfiguration: every Calico field is read; ignoredInterfaces warns it has no effect', () => {
  const { resources, problems } = load(CONFIG_ALL);
  assert.deepEqual(errorsOf(problems), []);
  assert.deepEqual(warningsOf(problems).map((p) => p.path), ['spec.ignoredInterfaces']);
  const s = resources.bgpConfigurations[0]!.spec;
  assert.equal(s.logSeverityScreen, 'Debug');
  assert.equal(s.nodeToNodeMeshEnabled, true);
  assert.equal(s.asNumber, 64513);
  assert.deepEqual(s.serviceClusterIPs.map((c) => c.cidr), ['10.96.0.0/12']);
  assert.deepEqual(s.serviceExternalIPs.map((c) => c.cidr), ['203.0.113.0/24', '2001:db8:1::/48']);
  assert.deepEqual(s.serviceLoadBalancerIPs.map((c) => c.cidr), ['198.51.100.128/25']);
  assert.deepEqual(s.communities, [{ name: 'bgp-large-community', value: '64512:300:100' }]);
  assert.deepEqual(s.prefixAdvertisements?.map((p) => [p.cidr.cidr, p.communities]), [['203.0.113.0/24', ['64512:120', '64512:300:100']]]);
  assert.equal(s.listenPort, 1790);
  assert.deepEqual(s.nodeMeshPassword, { name: 'bgp-secrets', key: 'mesh' });
  assert.equal(s.nodeMeshMaxRestartTimeMs, 90_000);
  assert.equal(s.bindMode, 'NodeIP');
  assert.deepEqual(s.ignoredInterfaces, ['eth9']);
});

test('BGPConfiguration: nodeMeshPassword with the mesh disabled is an error (Calico says so)', () => {
  const { problems } = load(CONFIG_ALL.replace('nodeToNodeMeshEnabled: true', 'nodeToNodeMeshEnabled: false'));
  const e = errorsOf(problems);
  assert.deepEqual(e.map((p) => [p.resource, p.path, p.code]), [['BGPConfiguration/default', 'spec.nodeMeshPassword', 'ERR_CONFIG_MESH_PASSWORD_WITHOUT_MESH']]);
  assert.match(e[0]!.message, /mesh must be enabled/);
});

test('BGPConfiguration: bad communities, CIDRs with host bits, unknown community names', () => {
  const { problems } = load(`apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec:
  communities: [{name: c, value: "70000:1"}]
  serviceClusterIPs: [{cidr: 10.96.0.1/12}]
  prefixAdvertisements: [{cidr: 192.0.2.0/24, communities: [nope]}]
`);
  assert.deepEqual(errorsOf(problems).map((p) => `${p.path} ${p.code}`), [
    'spec.communities[0].value ERR_CONFIG_COMMUNITY',
    'spec.prefixAdvertisements[0].communities[0] ERR_CONFIG_COMMUNITY',
    'spec.serviceClusterIPs[0].cidr ERR_CONFIG_CIDR',
  ]);
  assert.match(errorsOf(problems).find((p) => p.code === 'ERR_CONFIG_CIDR')!.message, /did you mean 10\.96\.0\.0\/12/);
});

test('Node spec.bgp and BlockAffinity fields', () => {
  const { resources, problems } = load(`apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n1, labels: {rack: r1}}
spec:
  addresses: [{address: 192.0.2.1}]
  bgp:
    asNumber: 64600
    ipv4Address: 192.0.2.1/24
    ipv6Address: 2001:db8::1/64
    routeReflectorClusterID: 224.0.0.1
---
apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata: {name: n1-10-0-0-0-26}
spec: {node: n1, cidr: 10.0.0.0/26, state: confirmed, deleted: "false"}
`);
  assert.deepEqual(errorsOf(problems), []);
  assert.deepEqual(warningsOf(problems), []);
  assert.deepEqual(problems.map((p) => p.code), ['INFO_CONFIG_IGNORED']); // spec.addresses is not BGP
  const n = resources.nodes[0]!;
  assert.deepEqual(n.meta.labels, { rack: 'r1' });
  assert.equal(n.bgp?.asNumber, 64600);
  assert.equal(n.bgp?.ipv4Address?.address, '192.0.2.1');
  assert.equal(n.bgp?.ipv4Address?.prefixLength, 24);
  assert.equal(n.bgp?.ipv6Address?.address, '2001:db8::1');
  assert.equal(n.bgp?.routeReflectorClusterID, '224.0.0.1');
  const b = resources.blockAffinities[0]!;
  assert.deepEqual([b.node, b.cidr.cidr, b.state, b.deleted], ['n1', '10.0.0.0/26', 'confirmed', false]);
  const bad = load(`apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n1}
spec: {bgp: {ipv4Address: 2001:db8::1/64, routeReflectorClusterID: rr-1, ipv6Address: nope}}
`);
  assert.deepEqual(errorsOf(bad.problems).map((p) => p.path).sort(), ['spec.bgp.ipv4Address', 'spec.bgp.ipv6Address', 'spec.bgp.routeReflectorClusterID']);
});

test('BGPFilter: rules parsed and validated; interface warns not implemented', () => {
  const { resources, problems } = load(`apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: f1}
spec:
  exportV4:
  - {action: Accept, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {min: 16, max: 24}, source: RemotePeers}
  - {action: Reject, interface: "eth*"}
  importV4:
  - {action: Reject, matchOperator: NotEqual, cidr: 192.0.2.0/24}
  exportV6:
  - {action: Accept, matchOperator: Equal, cidr: "2001:db8::/32"}
  importV6:
  - {action: Reject}
`);
  assert.deepEqual(errorsOf(problems), []);
  assert.deepEqual(warningsOf(problems).map((p) => `${p.path} ${p.code}`), ['spec.exportV4[1].interface ERR_CONFIG_NOT_IMPLEMENTED']);
  const f = resources.bgpFilters[0]!;
  assert.deepEqual(f.exportV4[0], { action: 'Accept', cidr: f.exportV4[0]!.cidr, matchOperator: 'In', prefixLength: { min: 16, max: 24 }, source: 'RemotePeers', interface: undefined });
  assert.equal(f.exportV4[0]!.cidr?.cidr, '10.0.0.0/8');
  assert.equal(f.importV4[0]!.matchOperator, 'NotEqual');
  assert.equal(f.exportV6[0]!.cidr?.family, 6);
  assert.deepEqual(f.importV6, [{ action: 'Reject', cidr: undefined, matchOperator: undefined, prefixLength: undefined, source: undefined, interface: undefined }]);

  const bad = load(`apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: f2}
spec:
  exportV4:
  - {action: Accept, matchOperator: In, cidr: "2001:db8::/32"}
  - {action: Maybe}
  - {action: Accept, cidr: 10.0.0.0/8}
  importV4:
  - {action: Accept, source: RemotePeers}
  - {action: Accept, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {min: 28, max: 24}}
  - {action: Accept, matchOperator: In, cidr: 10.0.0.0/8, prefixLength: {max: 33}}
`);
  assert.deepEqual(errorsOf(bad.problems).map((p) => `${p.path} ${p.code}`), [
    'spec.exportV4[0].cidr ERR_CONFIG_CIDR',
    'spec.exportV4[1].action ERR_CONFIG_ENUM',
    'spec.exportV4[2].matchOperator ERR_CONFIG_REQUIRED',
    'spec.importV4[0].source ERR_CONFIG_CONFLICT',
    'spec.importV4[1].prefixLength ERR_CONFIG_RANGE',
    'spec.importV4[2].prefixLength.max ERR_CONFIG_RANGE',
  ]);
});

test('tsbgpd.io annotations: kernel routes, table, hold time; typos warned; bad values are errors', () => {
  const meta = (ann: string) => `apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\n  annotations:\n${ann}spec: {}\n`;
  const ok = load(meta('    tsbgpd.io/kernel-routes: "false"\n    tsbgpd.io/kernel-table: "100"\n    tsbgpd.io/hold-time: "90"\n    kubectl.kubernetes.io/last-applied-configuration: "{}"\n'));
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.resources.bgpConfigurations[0]!.ext, { kernelRoutes: false, kernelTable: 100, holdTime: 90 });
  const bad = load(meta('    tsbgpd.io/kernel-routes: "no"\n    tsbgpd.io/kernel-table: "255"\n    tsbgpd.io/hold-time: "2"\n    tsbgpd.io/kernel-tabel: "5"\n'));
  assert.deepEqual(errorsOf(bad.problems).map((p) => p.path), [
    'metadata.annotations["tsbgpd.io/kernel-routes"]',
    'metadata.annotations["tsbgpd.io/kernel-table"]',
    'metadata.annotations["tsbgpd.io/hold-time"]',
  ]);
  assert.deepEqual(warningsOf(bad.problems).map((p) => `${p.path} ${p.code}`), ['metadata.annotations["tsbgpd.io/kernel-tabel"] ERR_CONFIG_UNKNOWN_EXTENSION']);
});

test('tsbgpd.io/auth: ao with MKTs; validation of ids and references', () => {
  const ao = `  annotations:
    tsbgpd.io/auth: ao
    tsbgpd.io/ao-keys: |
      - {sendId: 1, recvId: 2, algorithm: hmac-sha-256, secretKeyRef: {name: bgp-ao, key: k1}}
      - {sendId: 3, recvId: 4, secretKeyRef: {name: bgp-ao, key: k2}}
    tsbgpd.io/ao-current-key: "3"
    tsbgpd.io/ao-rnext-key: "4"
`;
  const { resources, problems } = load(peerDoc('  peerIP: 192.0.2.1\n  asNumber: 64567\n', ao));
  assert.deepEqual(problems, []);
  const ext = resources.bgpPeers[0]!.ext;
  assert.equal(ext.auth, 'ao');
  assert.deepEqual(ext.aoKeys, [
    { sendId: 1, recvId: 2, algorithm: 'hmac-sha-256', secretKeyRef: { name: 'bgp-ao', key: 'k1' } },
    { sendId: 3, recvId: 4, algorithm: 'hmac-sha-1-96', secretKeyRef: { name: 'bgp-ao', key: 'k2' } },
  ]);
  assert.equal(ext.aoCurrentKey, 3);
  assert.equal(ext.aoRNextKey, 4);

  const dup = ao.replace('sendId: 3, recvId: 4', 'sendId: 1, recvId: 5').replace('"3"', '"9"').replace('algorithm: hmac-sha-256', 'algorithm: md5');
  const bad = load(peerDoc('  peerIP: 192.0.2.1\n  asNumber: 64567\n', dup));
  assert.deepEqual(errorsOf(bad.problems).map((p) => p.path), [
    'metadata.annotations["tsbgpd.io/ao-keys"][0].algorithm',
    'metadata.annotations["tsbgpd.io/ao-current-key"]',
    'metadata.annotations["tsbgpd.io/ao-rnext-key"]',
  ]);
  const none = load(peerDoc('  peerIP: 192.0.2.1\n  asNumber: 64567\n  password: {secretKeyRef: {name: s, key: k}}\n', '  annotations: {tsbgpd.io/auth: none}\n'));
  assert.deepEqual(errorsOf(none.problems).map((p) => p.code), ['ERR_CONFIG_CONFLICT']);
  const noKeys = load(peerDoc('  peerIP: 192.0.2.1\n  asNumber: 64567\n', '  annotations: {tsbgpd.io/auth: ao}\n'));
  assert.deepEqual(errorsOf(noKeys.problems).map((p) => p.path), ['metadata.annotations["tsbgpd.io/ao-keys"]']);
});

test('files: YAML errors carry the line, duplicates are errors, other kinds are skipped with notes', () => {
  const y = load('apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: p\n   bad: indent\n');
  assert.equal(errorsOf(y.problems)[0]?.code, 'ERR_CONFIG_YAML');
  assert.match(errorsOf(y.problems)[0]!.message, /line \d+/);
  const twice = load(peerDoc('  peerIP: 192.0.2.1\n  asNumber: 1\n') + '\n---\n' + peerDoc('  peerIP: 192.0.2.2\n  asNumber: 1\n'));
  assert.deepEqual(errorsOf(twice.problems).map((p) => p.code), ['ERR_CONFIG_DUPLICATE']);
  assert.equal(twice.resources.bgpPeers.length, 1);
  const other = load('apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16}\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\n---\n');
  assert.deepEqual(other.problems.map((p) => `${p.severity} ${p.resource} ${p.code}`), [
    'info DaemonSet/d INFO_CONFIG_SKIPPED',
  ]);
  assert.equal(other.resources.ipPools[0]?.cidr.cidr, '10.0.0.0/16');
  const list = load('apiVersion: v1\nkind: List\nitems:\n- apiVersion: projectcalico.org/v3\n  kind: BGPPeer\n  metadata: {name: a}\n  spec: {peerIP: 192.0.2.1, asNumber: 1}\n');
  assert.deepEqual(list.problems, []);
  assert.equal(list.resources.bgpPeers.length, 1);
});
