import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authCountersFrom, diffCounters, nonZero, parseNetstat, presentAuthCounters, readAuthCounters } from '../../../src/transport/counters.js';

// Shape of /proc/net/netstat with the names in a different order than any real kernel.
const SAMPLE_A = [
  'TcpExt: SyncookiesSent TCPMD5Failure TCPMinTTLDrop TCPMD5NotFound TCPMD5Unexpected TCPAOGood',
  'TcpExt: 1 7 3 11 13 0',
  'IpExt: InNoRoutes InTruncatedPkts',
  'IpExt: 5 6',
  'MPTcpExt: MPCapableSYNRX',
  'MPTcpExt: 9',
  '',
].join('\n');

const SAMPLE_B = [
  'TcpExt: TCPMinTTLDrop TCPMD5NotFound TCPMD5Unexpected SyncookiesSent TCPMD5Failure TCPAOGood TCPAOBad',
  'TcpExt: 4 20 13 1 10 2 1',
  'IpExt: InNoRoutes InTruncatedPkts',
  'IpExt: 5 6',
].join('\n');

test('parseNetstat maps Prefix.Name to values for every line pair', () => {
  const m = parseNetstat(SAMPLE_A);
  assert.equal(m.get('TcpExt.TCPMD5Failure'), 7);
  assert.equal(m.get('TcpExt.SyncookiesSent'), 1);
  assert.equal(m.get('IpExt.InTruncatedPkts'), 6);
  assert.equal(m.get('MPTcpExt.MPCapableSYNRX'), 9);
  assert.equal(m.size, 9);
});

test('auth counters are found by name regardless of position; absent ones read 0', () => {
  const a = authCountersFrom(SAMPLE_A);
  assert.equal(a.TCPMD5Failure, 7);
  assert.equal(a.TCPMinTTLDrop, 3);
  assert.equal(a.TCPMD5NotFound, 11);
  assert.equal(a.TCPMD5Unexpected, 13);
  assert.equal(a.TCPAOBad, 0);
  assert.deepEqual(presentAuthCounters(SAMPLE_A).sort(), ['TCPAOGood', 'TCPMD5Failure', 'TCPMD5NotFound', 'TCPMD5Unexpected', 'TCPMinTTLDrop'].sort());
});

test('diffCounters and nonZero report what grew', () => {
  const d = diffCounters(authCountersFrom(SAMPLE_A), authCountersFrom(SAMPLE_B));
  assert.equal(d.TCPMD5Failure, 3);
  assert.equal(d.TCPMD5NotFound, 9);
  assert.equal(d.TCPMD5Unexpected, 0);
  assert.deepEqual(nonZero(d), { TCPMD5Failure: 3, TCPMD5NotFound: 9, TCPMinTTLDrop: 1, TCPAOGood: 2, TCPAOBad: 1 });
});

test('malformed line pairs are ignored', () => {
  const m = parseNetstat('TcpExt: A B\nTcpExt: 1\nIpExt: C\nIpExt: x\n');
  assert.equal(m.size, 0);
});

test('this kernel reports all nine auth counters', async () => {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile('/proc/net/netstat', 'utf8');
  assert.equal(presentAuthCounters(text).length, 9);
  const c = await readAuthCounters();
  assert.equal(typeof c.TCPMD5Failure, 'number');
});
