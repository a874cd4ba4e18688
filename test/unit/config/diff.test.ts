// Reload plans: only what changed is touched; key changes are seen through fingerprints; an invalid new
// configuration yields errors and no plan.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffPeers, planReload } from '../../../src/config/diff.js';
import { loadResourcesFromText } from '../../../src/config/load.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import type { ResolvedConfig } from '../../../src/config/model.js';
import { nodeYaml, resolveText } from './helpers.js';

const base = (over: { a?: string; b?: string; c?: string; extra?: string; cfg?: string } = {}) =>
  `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec:
  nodeToNodeMeshEnabled: false
${over.cfg ?? ''}---
${nodeYaml('node-a', '192.0.2.9/24')}apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: peer-a}
spec:
  peerIP: 198.51.100.1
  asNumber: 65001
  password: {secretKeyRef: {name: bgp-secrets, key: ${over.a ?? 'a'}}}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: peer-b}
spec:
  peerIP: 198.51.100.2
${over.b ?? '  asNumber: 65002\n'}---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: peer-c}
spec:
  peerIP: 198.51.100.3
  asNumber: 65003
${over.c ?? ''}${over.extra ?? ''}`;

function cfg(text: string): ResolvedConfig {
  const r = resolveText(text, 'node-a');
  assert.ok(r.config, JSON.stringify(r.problems));
  return r.config;
}

const FP = new Map([['bgp-secrets/a', 'aaaaaaaa']]);

test('identical configs: everything unchanged, nothing to touch', () => {
  const p = diffPeers(cfg(base()), cfg(base()), FP, FP);
  assert.deepEqual([p.added, p.removed, p.changed], [[], [], []]);
  assert.equal(p.unchanged.length, 3);
});

test('a changed key (same secretKeyRef, new fingerprint) marks only that peer, as key', () => {
  const c = cfg(base());
  const p = diffPeers(c, c, FP, new Map([['bgp-secrets/a', 'bbbbbbbb']]));
  assert.deepEqual(p.changed.map((x) => [x.peer.name, x.what]), [['Global_198_51_100_1', ['key']]]);
  assert.deepEqual(p.unchanged.map((x) => x.name), ['Global_198_51_100_2', 'Global_198_51_100_3']);
  // A key that became unreadable is a key change too (the daemon must take that session down).
  const gone = diffPeers(c, c, FP, new Map());
  assert.deepEqual(gone.changed.map((x) => x.what), [['key']]);
  // Pointing at another key is a key change even before fingerprints are known.
  const other = diffPeers(c, cfg(base({ a: 'a2' })), FP, FP);
  assert.deepEqual(other.changed.map((x) => [x.peer.name, x.what]), [['Global_198_51_100_1', ['key']]]);
});

test('each kind of change is classified, and only the affected peer is touched', () => {
  const cases: [Parameters<typeof base>[0], string, string[]][] = [
    [{ b: '  asNumber: 65099\n' }, 'Global_198_51_100_2', ['as']],
    [{ b: '  asNumber: 65002\n  ttlSecurity: 1\n' }, 'Global_198_51_100_2', ['transport']],
    [{ b: '  asNumber: 65002\n  sourceAddress: None\n' }, 'Global_198_51_100_2', ['transport']],
    [{ b: '  asNumber: 65002\n  keepaliveTime: 5s\n' }, 'Global_198_51_100_2', ['timers']],
    [{ b: '  asNumber: 65002\n  maxRestartTime: 5m\n' }, 'Global_198_51_100_2', ['timers']],
    [{ b: '  asNumber: 65002\n  nextHopMode: Self\n' }, 'Global_198_51_100_2', ['policy']],
    [{ b: '  asNumber: 65002\n  localASNumber: 65100\n  numAllowedLocalASNumbers: 1\n' }, 'Global_198_51_100_2', ['policy', 'as']],
    [{ b: '  asNumber: 65002\n  password: {secretKeyRef: {name: bgp-secrets, key: a}}\n' }, 'Global_198_51_100_2', ['key']],
  ];
  const prev = cfg(base());
  for (const [over, name, what] of cases) {
    const p = diffPeers(prev, cfg(base(over)), FP, FP);
    assert.deepEqual(p.changed.map((x) => [x.peer.name, x.what]), [[name, what]], JSON.stringify(over));
    assert.equal(p.unchanged.length, 2);
    assert.deepEqual([p.added, p.removed], [[], []]);
  }
});

test('a filter whose rules change marks the peers using it as policy', () => {
  const filter = (action: string) => `---\napiVersion: projectcalico.org/v3\nkind: BGPFilter\nmetadata: {name: f}\nspec:\n  exportV4: [{action: ${action}, matchOperator: In, cidr: 10.0.0.0/8}]\n`;
  const a = cfg(base({ c: '  filters: [f]\n', extra: filter('Accept') }));
  const b = cfg(base({ c: '  filters: [f]\n', extra: filter('Reject') }));
  const p = diffPeers(a, b, FP, FP);
  assert.deepEqual(p.changed.map((x) => [x.peer.name, x.what]), [['Global_198_51_100_3', ['policy']]]);
});

test('peers added and removed; global changes reported separately', () => {
  const prev = cfg(base());
  const next = cfg(base({ b: '  asNumber: 65002\n---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: peer-d}\nspec: {peerIP: 198.51.100.4, asNumber: 65004}\n' }).replace('peerIP: 198.51.100.3', 'peerIP: 198.51.100.5'));
  const r = planReload(prev, { ok: true, config: next, problems: [] }, FP, FP);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.plan.peers.added.map((p) => p.name), ['Global_198_51_100_4', 'Global_198_51_100_5']);
  assert.deepEqual(r.plan.peers.removed.map((p) => p.name), ['Global_198_51_100_3']);
  assert.deepEqual(r.plan.global, []);
  const g = planReload(prev, { ok: true, config: cfg(base({ cfg: '  listenPort: 1790\n  logSeverityScreen: Debug\n' })), problems: [] }, FP, FP);
  assert.ok(g.ok && g.plan.global.join() === 'listen,log');
});

test('an invalid new config yields its errors and no plan', () => {
  const prev = cfg(base());
  const loaded = loadResourcesFromText(base({ b: '  asNumber: not-a-number\n' }), 'x.yaml');
  const next = resolveConfig(loaded.resources, 'node-a', loaded.problems);
  const r = planReload(prev, next, FP, FP);
  assert.equal(r.ok, false);
  assert.ok(!('plan' in r));
  assert.deepEqual(r.problems.filter((p) => p.severity === 'error').map((p) => [p.resource, p.path]), [['BGPPeer/peer-b', 'spec.asNumber']]);
});
