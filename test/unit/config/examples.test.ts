// Every example parses and checks cleanly against the loader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkConfig, formatProblems } from '../../../src/config/check.js';
import { loadResources, loadResourcesFromText } from '../../../src/config/load.js';
import { readSecret } from '../../../src/config/secrets.js';
import { EXAMPLES, errorsOf, warningsOf } from './helpers.js';

test('examples/demo: valid for node tsbgpd-demo, two keyed peers with different keys on TEST-NET', async () => {
  const r = await checkConfig({ config: join(EXAMPLES, 'demo', 'config'), secretsDir: join(EXAMPLES, 'demo', 'secrets'), nodeName: 'tsbgpd-demo' });
  assert.equal(r.ok, true, formatProblems(r.problems));
  assert.deepEqual(warningsOf(r.problems), []);
  assert.deepEqual(r.nodes, [{ name: 'tsbgpd-demo', peers: 2 }]);
  const fps = r.problems.filter((p) => p.code === 'INFO_SECRET_OK').map((p) => /fingerprint ([0-9a-f]{8})/.exec(p.message)![1]);
  assert.equal(fps.length, 2);
  assert.notEqual(fps[0], fps[1], 'the two peers use different keys');
});

test('examples/demo/secrets is laid out like a Kubernetes Secret volume', async () => {
  const dir = join(EXAMPLES, 'demo', 'secrets', 'bgp-secrets');
  assert.ok(lstatSync(join(dir, 'rr-password')).isSymbolicLink());
  assert.equal(readlinkSync(join(dir, 'rr-password')), join('..data', 'rr-password'));
  assert.ok(lstatSync(join(dir, '..data')).isSymbolicLink());
  assert.match(readlinkSync(join(dir, '..data')), /^\.\.\d{4}_/);
  const s = await readSecret({ name: 'bgp-secrets', key: 'rr-password' }, join(EXAMPLES, 'demo', 'secrets'));
  assert.equal(s.ok, true);
});

test('examples/kubernetes: manifests are skipped with notes, and the ConfigMap\'s Calico resources are valid', async () => {
  const { problems } = await loadResources(join(EXAMPLES, 'kubernetes'));
  assert.deepEqual(errorsOf(problems), []);
  assert.deepEqual(warningsOf(problems), []);
  assert.ok(problems.every((p) => p.code === 'INFO_CONFIG_SKIPPED'));
  assert.ok(problems.some((p) => p.resource === 'DaemonSet/tsbgpd'));

  const cm = parse(readFileSync(join(EXAMPLES, 'kubernetes', 'configmap.yaml'), 'utf8')) as { data: Record<string, string> };
  const text = Object.values(cm.data).join('\n---\n');
  const loaded = loadResourcesFromText(text, 'configmap');
  assert.deepEqual(loaded.problems, []);
  assert.equal(loaded.resources.nodes.length, 2);

  const ds = parse(readFileSync(join(EXAMPLES, 'kubernetes', 'daemonset.yaml'), 'utf8'));
  const pod = ds.spec.template.spec;
  assert.equal(pod.hostNetwork, true);
  const c = pod.containers[0];
  assert.deepEqual(c.securityContext.capabilities.add.filter((x: string) => x === 'NET_ADMIN' || x === 'NET_RAW'), ['NET_ADMIN', 'NET_RAW']);
  const mounts = Object.fromEntries(c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
  assert.equal(mounts['bgp-secrets'], '/etc/tsbgpd/secrets/bgp-secrets');
  assert.equal(mounts['config'], '/etc/tsbgpd/config');
  assert.ok(c.args.includes('/etc/tsbgpd/secrets') && c.args.includes('/etc/tsbgpd/config'));
});
