// Hot-reload watching: directories, not files; `..data` swaps; directories appearing and disappearing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchConfig, type WatchChange } from '../../../src/config/watch.js';
import { readSecret } from '../../../src/config/secrets.js';
import { removeDir, tempDir, writeSecretVolume } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('timed out waiting for the watcher');
    await sleep(20);
  }
}

function setup(tag: string) {
  const root = tempDir(`watch-${tag}`);
  const config = join(root, 'config');
  const secrets = join(root, 'secrets');
  mkdirSync(config);
  writeFileSync(join(config, 'peers.yaml'), 'apiVersion: projectcalico.org/v3\n');
  const changes: WatchChange[] = [];
  return { root, config, secrets, changes, onChange: (c: WatchChange) => changes.push(c) };
}

test('an atomic ..data swap of a Secret is picked up (events only, no polling), debounced to one callback', async () => {
  const s = setup('swap');
  writeSecretVolume(s.secrets, 'bgp-secrets', { 'rr-password': 'old-key' });
  const w = watchConfig({ configPath: s.config, secretsDir: s.secrets, debounceMs: 50, pollMs: 0, onChange: s.onChange });
  try {
    assert.ok(w.watched().includes(join(s.secrets, 'bgp-secrets')), 'the Secret directory itself is watched');
    await sleep(50);
    assert.deepEqual(s.changes, []);
    writeSecretVolume(s.secrets, 'bgp-secrets', { 'rr-password': 'new-key' });
    await waitFor(() => s.changes.length > 0);
    await sleep(150);
    assert.deepEqual(s.changes, [{ config: false, secrets: true }]);
    const r = await readSecret({ name: 'bgp-secrets', key: 'rr-password' }, s.secrets);
    assert.equal(r.ok && r.key.toString(), 'new-key');
  } finally {
    w.close();
    removeDir(s.root);
  }
});

test('config directory changes, and a ConfigMap-style ..data swap of a config file, are picked up', async () => {
  const s = setup('config');
  const w = watchConfig({ configPath: s.config, debounceMs: 50, pollMs: 0, onChange: s.onChange });
  try {
    writeFileSync(join(s.config, 'more.yaml'), 'kind: x\n');
    await waitFor(() => s.changes.length === 1);
    assert.deepEqual(s.changes[0], { config: true, secrets: false });
    // ConfigMap layout: bgp.yaml -> ..data/bgp.yaml, ..data -> ..v1; then ..data swapped to ..v2.
    mkdirSync(join(s.config, '..v1'));
    writeFileSync(join(s.config, '..v1', 'bgp.yaml'), 'a: 1\n');
    symlinkSync('..v1', join(s.config, '..data'));
    symlinkSync('..data/bgp.yaml', join(s.config, 'bgp.yaml'));
    await waitFor(() => s.changes.length === 2);
    mkdirSync(join(s.config, '..v2'));
    writeFileSync(join(s.config, '..v2', 'bgp.yaml'), 'a: 2\n');
    symlinkSync('..v2', join(s.config, '..tmp'));
    renameSync(join(s.config, '..tmp'), join(s.config, '..data'));
    await waitFor(() => s.changes.length === 3);
    assert.deepEqual(s.changes[2], { config: true, secrets: false });
  } finally {
    w.close();
    removeDir(s.root);
  }
});

test('a config given as a file: its directory is watched', async () => {
  const s = setup('file');
  const file = join(s.config, 'peers.yaml');
  const w = watchConfig({ configPath: file, debounceMs: 50, pollMs: 0, onChange: s.onChange });
  try {
    assert.deepEqual(w.watched(), [s.config]);
    writeFileSync(file, 'apiVersion: projectcalico.org/v3\nkind: BGPPeer\n');
    await waitFor(() => s.changes.length === 1);
    assert.deepEqual(s.changes[0], { config: true, secrets: false });
  } finally {
    w.close();
    removeDir(s.root);
  }
});

test('a secrets dir that appears later, a Secret removed and mounted again: all seen', async () => {
  const s = setup('appear');
  const w = watchConfig({ configPath: s.config, secretsDir: s.secrets, debounceMs: 50, pollMs: 0, onChange: s.onChange });
  try {
    assert.ok(w.watched().includes(s.root), 'the nearest existing ancestor is watched while the secrets dir is missing');
    writeSecretVolume(s.secrets, 'bgp-secrets', { k: 'one' });
    await waitFor(() => s.changes.length >= 1);
    await waitFor(() => w.watched().includes(join(s.secrets, 'bgp-secrets')));
    const n1 = s.changes.length;
    writeSecretVolume(s.secrets, 'bgp-secrets', { k: 'two' });
    await waitFor(() => s.changes.length > n1);
    const n2 = s.changes.length;
    rmSync(join(s.secrets, 'bgp-secrets'), { recursive: true });
    await waitFor(() => s.changes.length > n2);
    await waitFor(() => !w.watched().includes(join(s.secrets, 'bgp-secrets')));
    const n3 = s.changes.length;
    writeSecretVolume(s.secrets, 'bgp-secrets', { k: 'three' });
    await waitFor(() => s.changes.length > n3);
    assert.ok(s.changes.every((c) => c.secrets && !c.config));
  } finally {
    w.close();
    removeDir(s.root);
  }
});

test('polling alone (no usable events) still detects a swap', async () => {
  const s = setup('poll');
  writeSecretVolume(s.secrets, 'bgp-secrets', { k: 'one' });
  const w = watchConfig({ configPath: s.config, secretsDir: s.secrets, debounceMs: 10_000, pollMs: 100, onChange: s.onChange });
  try {
    writeSecretVolume(s.secrets, 'bgp-secrets', { k: 'two' });
    await waitFor(() => s.changes.length === 1);
  } finally {
    w.close();
    removeDir(s.root);
  }
});

test('close() releases every watcher and no callback follows', async () => {
  const s = setup('close');
  writeSecretVolume(s.secrets, 'bgp-secrets', { k: 'one' });
  const w = watchConfig({ configPath: s.config, secretsDir: s.secrets, debounceMs: 30, pollMs: 50, onChange: s.onChange });
  assert.ok(w.watched().length >= 2);
  w.close();
  assert.deepEqual(w.watched(), []);
  writeSecretVolume(s.secrets, 'bgp-secrets', { k: 'two' });
  writeFileSync(join(s.config, 'x.yaml'), 'x: 1\n');
  await sleep(200);
  assert.deepEqual(s.changes, []);
  removeDir(s.root);
});
