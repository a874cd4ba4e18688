// check-config: every problem listed with resource and field path; ok=false means exit status 1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, formatProblems } from '../../../src/config/check.js';
import { nodeYaml, removeDir, tempDir } from './helpers.js';

test('without a node name every Node is resolved; secrets can be left unchecked', async () => {
  const dir = tempDir('check');
  try {
    writeFileSync(
      join(dir, 'c.yaml'),
      nodeYaml('node-a', '192.0.2.9/24') + nodeYaml('node-b', '192.0.2.10/24') +
        'apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec: {peerIP: 198.51.100.1, asNumber: 65001, password: {secretKeyRef: {name: s, key: k}}}\n',
    );
    const r = await checkConfig({ config: join(dir, 'c.yaml'), checkSecrets: false });
    assert.equal(r.ok, true, formatProblems(r.problems));
    assert.deepEqual(r.nodes, [{ name: 'node-a', peers: 2 }, { name: 'node-b', peers: 2 }]);
    assert.deepEqual(r.problems.map((p) => p.code), ['INFO_SECRETS_NOT_CHECKED']);
    const out = formatProblems(r.problems, r.nodes);
    assert.match(out, /node node-a: 2 peers\nnode node-b: 2 peers\n0 error\(s\), 0 warning\(s\), 1 note\(s\): configuration is valid\n$/);
  } finally {
    removeDir(dir);
  }
});

test('an invalid config: ok=false, and the report names resource, field path, file and code of each problem', async () => {
  const dir = tempDir('check-bad');
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      nodeYaml('node-a', '192.0.2.9/24') +
        "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec: {peerIP: 198.51.100.1, asNumber: 65001, nodeSelector: \"rack ==\", keepAliveTime: 10s}\n",
    );
    const r = await checkConfig({ config: file, nodeName: 'node-x', secretsDir: dir });
    assert.equal(r.ok, false);
    const out = formatProblems(r.problems, r.nodes);
    const lines = out.trimEnd().split('\n');
    assert.match(lines.find((l) => l.includes('ERR_CONFIG_SELECTOR'))!, new RegExp(`^error   BGPPeer/tor spec\\.nodeSelector: selector "rack ==" expected a quoted string .* \\[${file.replace(/[/.]/g, '\\$&')}\\] \\(ERR_CONFIG_SELECTOR\\)$`));
    assert.ok(lines.some((l) => /^warning BGPPeer\/tor spec\.keepAliveTime: is not a field tsbgpd knows/.test(l)));
    assert.ok(lines.some((l) => /^error   Node\/node-x no Node resource named "node-x"/.test(l)));
    assert.match(lines.at(-1)!, /^2 error\(s\), 1 warning\(s\), 0 note\(s\): configuration is INVALID$/);
  } finally {
    removeDir(dir);
  }
});
