// No secret value ever reaches a problem message, a formatted report or the resolved model.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, formatProblems } from '../../../src/config/check.js';
import { loadConfig } from '../../../src/config/index.js';
import { diffPeers } from '../../../src/config/diff.js';
import { readSecrets, fingerprints } from '../../../src/config/secrets.js';
import { nodeYaml, removeDir, tempDir, writeSecretVolume } from './helpers.js';

// Distinctive values, each planted in a different broken (or valid) way.
const S = {
  ok: 'Xq9-valid-secret-ALPHA',
  newline: 'Xq9-echoed-secret-BRAVO\n',
  cr: 'Xq9-carriage\r-CHARLIE',
  long: 'Xq9-too-long-DELTA-' + 'd'.repeat(90),
  nul: 'Xq9-nul\0-ECHO',
  mid: 'Xq9-two\nlines-FOXTROT',
  ao: 'Xq9-ao-key-GOLF',
};
const MARKERS = Object.values(S).map((v) => v.replace(/[\r\n\0]/g, '').slice(0, 14));

const peer = (name: string, ip: string, key: string) =>
  `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: ${name}}\nspec:\n  peerIP: ${ip}\n  asNumber: 65001\n  password: {secretKeyRef: {name: bgp-secrets, key: ${key}}}\n---\n`;

function assertClean(text: string, where: string): void {
  for (const m of MARKERS) assert.ok(!text.includes(m), `${where} contains secret material "${m}"`);
  for (const v of Object.values(S)) assert.ok(!text.includes(v), `${where} contains a secret value`);
}

test('no secret value appears in any problem, report, resolved config or plan', async () => {
  const root = tempDir('redact');
  try {
    const config = join(root, 'config');
    const secrets = join(root, 'secrets');
    mkdirSync(config);
    writeSecretVolume(secrets, 'bgp-secrets', { ok: S.ok, newline: S.newline, cr: S.cr, long: S.long, nul: S.nul, mid: S.mid, ao: S.ao });
    const ao = `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: ao-peer
  annotations:
    tsbgpd.io/auth: ao
    tsbgpd.io/ao-keys: '[{"sendId": 1, "recvId": 1, "secretKeyRef": {"name": "bgp-secrets", "key": "ao"}}]'
spec: {peerIP: 198.51.100.20, asNumber: 65020}
---
`;
    // A password written in plain text where Calico expects a secretKeyRef must not be echoed either.
    const plain = `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: plain}\nspec: {peerIP: 198.51.100.30, asNumber: 1, password: "${S.ok}"}\n---\n`;
    writeFileSync(
      join(config, 'all.yaml'),
      nodeYaml('node-a', '192.0.2.9/24') +
        ['ok', 'newline', 'cr', 'long', 'nul', 'mid', 'missing'].map((k, i) => peer(`p-${k}`, `198.51.100.${i + 1}`, k)).join('') +
        ao,
    );
    writeFileSync(join(config, 'plain.yaml'), plain);

    const r = await checkConfig({ config, secretsDir: secrets, nodeName: 'node-a' });
    assert.equal(r.ok, false);
    const codes = r.problems.filter((p) => p.severity === 'error').map((p) => p.code).sort();
    for (const c of ['ERR_SECRET_CR', 'ERR_SECRET_KEY_NOT_FOUND', 'ERR_SECRET_NEWLINE', 'ERR_SECRET_NUL', 'ERR_SECRET_TOO_LONG', 'ERR_SECRET_TRAILING_NEWLINE', 'ERR_CONFIG_TYPE']) {
      assert.ok(codes.includes(c), `expected ${c} among ${codes.join(', ')}`);
    }
    assert.ok(r.problems.some((p) => p.code === 'INFO_SECRET_OK' && /fingerprint [0-9a-f]{8}/.test(p.message)));
    assertClean(formatProblems(r.problems, r.nodes), 'check-config report');
    assertClean(JSON.stringify(r), 'check-config result');

    // The daemon's path: load for the node (without the plain-text peer), read keys, plan a reload.
    writeFileSync(join(config, 'plain.yaml'), '');
    const loaded = await loadConfig({ configPath: config, nodeName: 'node-a' });
    assert.ok(loaded.ok, JSON.stringify(loaded.problems));
    assertClean(JSON.stringify(loaded), 'resolved config');
    if (!loaded.ok) return;
    const keys = await readSecrets(loaded.config.secretRefs, secrets);
    const failures = [...keys.values()].filter((k) => !k.ok);
    assert.equal(failures.length, 6);
    assertClean(JSON.stringify(failures), 'secret failures');
    const fp = fingerprints(keys);
    assertClean(JSON.stringify([...fp]), 'fingerprints');
    assertClean(JSON.stringify(diffPeers(loaded.config, loaded.config, fp, new Map())), 'plan');
  } finally {
    removeDir(root);
  }
});
