// Keys from mounted Secret volumes: every failure has its own code and a message that says how to fix it,
// and never contains the key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkKeyBytes, fingerprint, readSecret, readSecrets, fingerprints, MAX_KEY_BYTES } from '../../../src/config/secrets.js';
import { removeDir, tempDir, writeSecretVolume } from './helpers.js';

const REF = { name: 'bgp-secrets', key: 'rr-password' };
const MARK = 'Zq7-distinctive-KEY-';

async function withVolume(keys: Record<string, string | Uint8Array>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir('secrets');
  try {
    writeSecretVolume(dir, 'bgp-secrets', keys);
    await fn(dir);
  } finally {
    removeDir(dir);
  }
}

function assertFails(r: Awaited<ReturnType<typeof readSecret>>, code: string, pattern: RegExp, secret?: string): void {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.code, code, r.reason);
  assert.match(r.reason, pattern);
  if (secret !== undefined) assert.ok(!r.reason.includes(secret.trim()), 'the reason must not contain the key');
}

test('a valid key through the ..data symlink layout: bytes, length, fingerprint', async () => {
  await withVolume({ 'rr-password': 'very-secret' }, async (dir) => {
    const r = await readSecret(REF, dir);
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(r.key.toString(), 'very-secret');
    assert.equal(r.length, 11);
    assert.equal(r.fingerprint, fingerprint(Buffer.from('very-secret')));
    assert.match(r.fingerprint, /^[0-9a-f]{8}$/);
  });
});

test('80 bytes is accepted; 81 bytes is rejected naming the length and the 80-byte limit', async () => {
  await withVolume({ k80: 'a'.repeat(80), k81: MARK + 'b'.repeat(81 - MARK.length), k93: MARK + 'c'.repeat(93 - MARK.length) }, async (dir) => {
    const ok = await readSecret({ name: 'bgp-secrets', key: 'k80' }, dir);
    assert.equal(ok.ok && ok.length, 80);
    assertFails(await readSecret({ name: 'bgp-secrets', key: 'k81' }, dir), 'ERR_SECRET_TOO_LONG', /is 81 bytes; Linux TCP-MD5 keys are at most 80 bytes/, MARK);
    assertFails(await readSecret({ name: 'bgp-secrets', key: 'k93' }, dir), 'ERR_SECRET_TOO_LONG', /is 93 bytes/, MARK);
  });
});

test('multi-byte characters count as bytes: 27 three-byte characters are 81 bytes', () => {
  const r = checkKeyBytes(Buffer.from('€'.repeat(27)), 'k');
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.code, 'ERR_SECRET_TOO_LONG');
});

test('a trailing newline (echo) is rejected with the fix', async () => {
  await withVolume({ 'rr-password': MARK + 'echoed\n', crlf: MARK + 'win\r\n' }, async (dir) => {
    assertFails(await readSecret(REF, dir), 'ERR_SECRET_TRAILING_NEWLINE', /ends with a newline.*--from-literal.*stringData.*printf/, MARK);
    assertFails(await readSecret({ name: 'bgp-secrets', key: 'crlf' }, dir), 'ERR_SECRET_TRAILING_NEWLINE', /CR LF/, MARK);
  });
});

test('CR, embedded LF and NUL are each rejected with their own code and offset', async () => {
  await withVolume({ cr: MARK + '\rx', lf: MARK + '\nx', nul: Buffer.concat([Buffer.from(MARK), Buffer.from([0]), Buffer.from('x')]) }, async (dir) => {
    const at = MARK.length;
    assertFails(await readSecret({ name: 'bgp-secrets', key: 'cr' }, dir), 'ERR_SECRET_CR', new RegExp(`carriage return at offset ${at}`), MARK);
    assertFails(await readSecret({ name: 'bgp-secrets', key: 'lf' }, dir), 'ERR_SECRET_NEWLINE', new RegExp(`line feed at offset ${at}`), MARK);
    assertFails(await readSecret({ name: 'bgp-secrets', key: 'nul' }, dir), 'ERR_SECRET_NUL', new RegExp(`NUL byte at offset ${at}`), MARK);
  });
});

test('an empty key is rejected', async () => {
  await withVolume({ 'rr-password': '' }, async (dir) => {
    assertFails(await readSecret(REF, dir), 'ERR_SECRET_EMPTY', /is empty/);
  });
});

test('missing secrets dir, missing Secret, missing key: three distinct codes', async () => {
  const dir = tempDir('missing');
  try {
    assertFails(await readSecret(REF, join(dir, 'nope')), 'ERR_SECRET_DIR_MISSING', /secrets dir .*nope does not exist.*--secrets-dir/);
    assertFails(await readSecret(REF, dir), 'ERR_SECRET_NOT_FOUND', /Secret bgp-secrets is not mounted/);
    writeSecretVolume(dir, 'bgp-secrets', { other: 'x' });
    assertFails(await readSecret(REF, dir), 'ERR_SECRET_KEY_NOT_FOUND', /key rr-password does not exist/);
  } finally {
    removeDir(dir);
  }
});

test('a dangling key symlink (..data points nowhere) is a missing key, not a crash', async () => {
  const dir = tempDir('dangling');
  try {
    mkdirSync(join(dir, 'bgp-secrets'));
    symlinkSync('..data/rr-password', join(dir, 'bgp-secrets', 'rr-password'));
    symlinkSync('..gone', join(dir, 'bgp-secrets', '..data'));
    assertFails(await readSecret(REF, dir), 'ERR_SECRET_KEY_NOT_FOUND', /does not exist/);
  } finally {
    removeDir(dir);
  }
});

// chmod 000 does not stop root (CAP_DAC_OVERRIDE), and these tests run as root. Reads that fail for root
// too: a directory where the key file should be, and a FIFO (which must not block the daemon either).
test('unreadable: a directory or a FIFO at the key path is reported, and reading never blocks', async () => {
  const dir = tempDir('unreadable');
  try {
    mkdirSync(join(dir, 'bgp-secrets', 'rr-password'), { recursive: true });
    assertFails(await readSecret(REF, dir), 'ERR_SECRET_UNREADABLE', /it is a directory/);
    rmSync(join(dir, 'bgp-secrets', 'rr-password'), { recursive: true });
    execFileSync('mkfifo', [join(dir, 'bgp-secrets', 'rr-password')]);
    assertFails(await readSecret(REF, dir), 'ERR_SECRET_UNREADABLE', /it is a FIFO/);
  } finally {
    removeDir(dir);
  }
});

test('path traversal in name or key is rejected before touching the file system', async () => {
  const dir = tempDir('traversal');
  try {
    writeFileSync(join(dir, 'outside'), 'should-not-be-read');
    for (const ref of [
      { name: '..', key: 'outside' },
      { name: 'a/../..', key: 'x' },
      { name: 'bgp-secrets', key: '../outside' },
      { name: 'bgp-secrets', key: '..data' },
      { name: 'bgp-secrets', key: '' },
      { name: 'Bad_Name', key: 'k' },
    ]) {
      assertFails(await readSecret(ref, dir), 'ERR_SECRET_BAD_REF', /secretKeyRef\.(name|key)/);
    }
  } finally {
    removeDir(dir);
  }
});

test('readSecrets and fingerprints: failed keys are absent from the fingerprint map', async () => {
  await withVolume({ good: 'k1', bad: 'k2\n' }, async (dir) => {
    const all = await readSecrets([{ name: 'bgp-secrets', key: 'good' }, { name: 'bgp-secrets', key: 'bad' }], dir);
    assert.equal(all.size, 2);
    const fp = fingerprints(all);
    assert.deepEqual([...fp.keys()], ['bgp-secrets/good']);
    assert.equal(fp.get('bgp-secrets/good'), fingerprint(Buffer.from('k1')));
  });
});

test('an atomic ..data swap is seen on the next read (symlinks re-resolved every time)', async () => {
  await withVolume({ 'rr-password': 'first-key' }, async (dir) => {
    const a = await readSecret(REF, dir);
    writeSecretVolume(dir, 'bgp-secrets', { 'rr-password': 'second-key' });
    const b = await readSecret(REF, dir);
    assert.ok(a.ok && b.ok);
    if (a.ok && b.ok) {
      assert.notEqual(a.fingerprint, b.fingerprint);
      assert.equal(b.key.toString(), 'second-key');
    }
  });
});

test('MAX_KEY_BYTES is the Linux limit', () => {
  assert.equal(MAX_KEY_BYTES, 80);
});
