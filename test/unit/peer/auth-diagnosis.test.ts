import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, counterDeltas, noEvidenceReason } from '../../../src/peer/auth-diagnosis.js';

const base = { TCPMD5NotFound: 10, TCPMD5Unexpected: 5, TCPMD5Failure: 7, TCPMinTTLDrop: 0 };

test('a growing TCPMD5Failure means the passwords differ', () => {
  const d = diagnose(base, { ...base, TCPMD5Failure: 10 }, 'md5');
  assert.ok(d);
  assert.equal(d.counter, 'TCPMD5Failure');
  assert.equal(d.delta, 3);
  assert.match(d.reason, /different password/);
});

test('TCPMD5NotFound means the peer sends no signature', () => {
  const d = diagnose(base, { ...base, TCPMD5NotFound: 13 }, 'md5');
  assert.equal(d?.counter, 'TCPMD5NotFound');
  assert.match(d!.reason, /no password configured/);
});

test('TCPMD5Unexpected on an unkeyed peer means the peer signs but we have no password', () => {
  const d = diagnose(base, { ...base, TCPMD5Unexpected: 9, TCPMD5Failure: 8 }, 'none');
  assert.equal(d?.counter, 'TCPMD5Unexpected');
  assert.match(d!.reason, /no password is configured here/);
});

test('GTSM drops are named', () => {
  const d = diagnose(base, { ...base, TCPMinTTLDrop: 3 }, 'md5');
  assert.equal(d?.counter, 'TCPMinTTLDrop');
  assert.match(d!.reason, /GTSM/);
});

test('the largest delta wins and concurrent attempts are disclosed', () => {
  const d = diagnose(base, { ...base, TCPMD5Failure: 8, TCPMD5NotFound: 14 }, 'md5', 3);
  assert.equal(d?.counter, 'TCPMD5NotFound');
  assert.match(d!.reason, /2 other peer\(s\)/);
  assert.deepEqual(d!.deltas, { TCPMD5NotFound: 4, TCPMD5Failure: 1 });
});

test('no movement gives no diagnosis, and decreasing counters are ignored', () => {
  assert.equal(diagnose(base, base, 'md5'), null);
  assert.deepEqual(counterDeltas(base, { ...base, TCPMD5Failure: 1 }), {});
  assert.match(noEvidenceReason('md5', false), /signed SYNs/);
});
