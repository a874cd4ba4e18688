// Calico's "Secure BGP sessions" guide: its manifests, verbatim, must load as Calico defines them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadResources, loadResourcesFromText } from '../../../src/config/load.js';
import { checkConfig, formatProblems } from '../../../src/config/check.js';
import { EXAMPLES, FIXTURES, errorsOf, nodeYaml, removeDir, resolveText, tempDir, writeSecretVolume, warningsOf } from './helpers.js';

const GUIDE = readFileSync(join(FIXTURES, 'secure-bgp-guide.yaml'), 'utf8');

test('the guide as one multi-document file: no errors, no warnings, three skip notes', () => {
  const { resources, problems } = loadResourcesFromText(GUIDE, 'guide.yaml');
  assert.deepEqual(errorsOf(problems), []);
  assert.deepEqual(warningsOf(problems), []);
  assert.deepEqual(
    problems.map((p) => [p.severity, p.resource, p.code]),
    [
      ['info', 'Secret/bgp-secrets', 'INFO_CONFIG_SKIPPED'],
      ['info', 'Role/secret-access', 'INFO_CONFIG_SKIPPED'],
      ['info', 'RoleBinding/secret-access', 'INFO_CONFIG_SKIPPED'],
    ],
  );
  assert.equal(resources.bgpPeers.length, 1);
  const peer = resources.bgpPeers[0]!;
  assert.equal(peer.meta.name, 'bgppeer-global-3040');
  assert.equal(peer.spec.peerIP?.address, '192.20.30.40');
  assert.equal(peer.spec.peerIP?.port, undefined);
  assert.equal(peer.spec.asNumber, 64567);
  assert.deepEqual(peer.spec.password, { name: 'bgp-secrets', key: 'rr-password' });
  const cfg = resources.bgpConfigurations[0]!;
  assert.equal(cfg.meta.name, 'default');
  assert.equal(cfg.spec.logSeverityScreen, 'Info');
  assert.equal(cfg.spec.nodeToNodeMeshEnabled, true);
  assert.deepEqual(cfg.spec.nodeMeshPassword, { name: 'bgp-secrets', key: 'rr-password' });
});

test('the guide as the examples/calico-guide directory loads the same resources', async () => {
  const { resources, problems } = await loadResources(join(EXAMPLES, 'calico-guide'));
  assert.deepEqual(errorsOf(problems), []);
  assert.deepEqual(warningsOf(problems), []);
  assert.deepEqual(problems.map((p) => p.resource).sort(), ['Role/secret-access', 'RoleBinding/secret-access', 'Secret/bgp-secrets']);
  assert.equal(resources.bgpPeers.length, 1);
  assert.equal(resources.bgpConfigurations.length, 1);
});

test('with two Nodes added, the guide yields a keyed global peer and a keyed mesh', () => {
  const text = GUIDE + '\n---\n' + nodeYaml('node-a', '192.0.2.11/24') + nodeYaml('node-b', '192.0.2.12/24');
  const { config, problems } = resolveText(text, 'node-a');
  assert.deepEqual(errorsOf(problems), []);
  assert.ok(config);
  assert.deepEqual(config.peers.map((p) => p.name), ['Global_192_20_30_40', 'Mesh_192_0_2_12']);
  const g = config.peers[0]!;
  assert.equal(g.peerAS, 64567);
  assert.equal(g.localAS, 64512);
  assert.equal(g.passive, false);
  assert.equal(g.localAddress, '192.0.2.11');
  assert.deepEqual(g.auth, { method: 'md5', secretRef: { name: 'bgp-secrets', key: 'rr-password' } });
  const m = config.peers[1]!;
  assert.deepEqual(m.auth, { method: 'md5', secretRef: { name: 'bgp-secrets', key: 'rr-password' } });
  assert.equal(m.ttlSecurity, 0);
  assert.deepEqual(config.secretRefs, [{ name: 'bgp-secrets', key: 'rr-password' }]);
  assert.equal(config.node.routerId, '192.0.2.11');
});

test('check-config on the guide with its Secret mounted: ok, the key reported by length and fingerprint only', async () => {
  const secrets = tempDir('guide');
  try {
    writeSecretVolume(secrets, 'bgp-secrets', { 'rr-password': 'very-secret' });
    const r = await checkConfig({ config: join(EXAMPLES, 'calico-guide'), secretsDir: secrets });
    assert.equal(r.ok, true, formatProblems(r.problems));
    const out = formatProblems(r.problems, r.nodes);
    assert.match(out, /secret bgp-secrets\/rr-password: 11 bytes, fingerprint [0-9a-f]{8}/);
    assert.match(out, /0 error\(s\), 0 warning\(s\)/);
    assert.ok(!out.includes('very-secret'), 'the key never appears in output');
  } finally {
    removeDir(secrets);
  }
});

test('check-config on the guide without the Secret mounted: an error naming the field, exit status 1', async () => {
  const secrets = tempDir('guide-missing');
  try {
    const r = await checkConfig({ config: join(EXAMPLES, 'calico-guide'), secretsDir: secrets });
    assert.equal(r.ok, false);
    const errs = errorsOf(r.problems);
    assert.deepEqual(errs.map((e) => [e.resource, e.path, e.code]).sort(), [
      ['BGPConfiguration/default', 'spec.nodeMeshPassword.secretKeyRef', 'ERR_SECRET_NOT_FOUND'],
      ['BGPPeer/bgppeer-global-3040', 'spec.password.secretKeyRef', 'ERR_SECRET_NOT_FOUND'],
    ]);
    assert.match(formatProblems(r.problems), /BGPPeer\/bgppeer-global-3040 spec\.password\.secretKeyRef: Secret bgp-secrets is not mounted/);
  } finally {
    removeDir(secrets);
  }
});
