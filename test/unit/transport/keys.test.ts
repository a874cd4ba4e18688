import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectKeyed } from '../../../src/transport/connector.js';
import { describeKey, keyFingerprint, MAX_KEY_LENGTH, validateKey } from '../../../src/transport/keys.js';
import { setMd5Key } from '../../../src/transport/sockopts.js';
import { addAoKey } from '../../../src/transport/ao.js';
import { TransportError } from '../../../src/transport/errors.js';

const SECRET = 'Zq7-very-secret-password-Zq7';

function assertNoSecret(e: unknown, secret: string): void {
  assert.ok(e instanceof Error);
  const text = `${e.message} ${String(e.stack)} ${JSON.stringify(e)}`;
  assert.ok(!text.includes(secret), 'error must not contain the key');
  assert.ok(!text.includes(Buffer.from(secret).toString('hex')), 'error must not contain the key in hex');
  assert.ok(!text.includes(Buffer.from(secret).toString('base64')), 'error must not contain the key in base64');
}

test('validateKey accepts 1 and 80 bytes and returns the bytes', () => {
  assert.deepEqual(validateKey('192.0.2.1', new Uint8Array([7])), new Uint8Array([7]));
  const k80 = Buffer.alloc(80, 0x41);
  assert.equal(validateKey('192.0.2.1', k80).length, 80);
  assert.equal(MAX_KEY_LENGTH, 80);
  assert.deepEqual(Buffer.from(validateKey('192.0.2.1', 'pw')), Buffer.from('pw', 'utf8'));
});

for (const len of [0, 81, 200]) {
  test(`validateKey refuses ${len} bytes with ERR_TSBGPD_KEY_LENGTH naming peer and length, not the key`, () => {
    const key = Buffer.alloc(len, 0x5a);
    assert.throws(
      () => validateKey('198.51.100.7', key),
      (e: unknown) => {
        assert.ok(e instanceof TransportError);
        assert.equal(e.code, 'ERR_TSBGPD_KEY_LENGTH');
        assert.match(e.message, /198\.51\.100\.7/);
        assert.match(e.message, new RegExp(`\\b${len} bytes`));
        assert.equal(e.peer, '198.51.100.7');
        if (len > 0) assertNoSecret(e, key.toString('latin1'));
        return true;
      },
    );
  });
}

test('an 81-byte password string is refused and the message does not contain it', () => {
  const pw = SECRET + 'x'.repeat(81 - SECRET.length);
  assert.equal(Buffer.byteLength(pw), 81);
  assert.throws(() => validateKey('192.0.2.9', pw), (e: unknown) => {
    assert.ok(e instanceof TransportError);
    assert.equal(e.code, 'ERR_TSBGPD_KEY_LENGTH');
    assertNoSecret(e, SECRET);
    return true;
  });
});

test('non-bytes keys are refused with ERR_TSBGPD_KEY_TYPE', () => {
  assert.throws(() => validateKey('192.0.2.1', 42), { code: 'ERR_TSBGPD_KEY_TYPE' });
});

test('bad keys are refused before any system call (fd -1 would give EBADF otherwise)', () => {
  // If the syscall ran first, the error would be EBADF from setsockopt on fd -1.
  assert.throws(() => setMd5Key(-1, 4, { peer: '192.0.2.1' }, Buffer.alloc(81)), { code: 'ERR_TSBGPD_KEY_LENGTH' });
  assert.throws(() => setMd5Key(-1, 4, { peer: '192.0.2.1' }, new Uint8Array(0)), { code: 'ERR_TSBGPD_KEY_LENGTH' });
  assert.throws(
    () => addAoKey(-1, 4, { peer: '192.0.2.1', algorithm: 'hmac(sha1)', sendId: 1, recvId: 1, key: Buffer.alloc(81) }),
    { code: 'ERR_TSBGPD_KEY_LENGTH' },
  );
  // A valid key on fd -1 does reach the kernel: proves the test above would notice a missing check.
  assert.throws(() => setMd5Key(-1, 4, { peer: '192.0.2.1' }, Buffer.alloc(80)), { code: 'EBADF', errno: 9 });
});

test('connectKeyed refuses an 81-byte key before creating a socket', async () => {
  await assert.rejects(
    connectKeyed({ host: '192.0.2.2', port: 179, localAddress: '192.0.2.1', md5Key: Buffer.alloc(81, 1), timeoutMs: 100 }),
    (e: unknown) => e instanceof TransportError && e.code === 'ERR_TSBGPD_KEY_LENGTH' && /81 bytes/.test(e.message),
  );
});

test('keyFingerprint is the first 8 hex digits of SHA-256', () => {
  // SHA-256("abc") = ba7816bf 8f01cfea ... (FIPS 180-2 appendix B.1)
  assert.equal(keyFingerprint('abc'), 'ba7816bf');
  assert.equal(keyFingerprint(Buffer.from('abc')), 'ba7816bf');
  assert.notEqual(keyFingerprint('abd'), 'ba7816bf');
  assert.match(keyFingerprint(Buffer.alloc(80, 1)), /^[0-9a-f]{8}$/);
});

test('describeKey gives length and fingerprint only', () => {
  const d = describeKey(SECRET);
  assert.equal(d, `${SECRET.length} bytes, fingerprint ${keyFingerprint(SECRET)}`);
  assert.ok(!d.includes(SECRET));
});
