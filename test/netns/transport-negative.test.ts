/**
 * TCP-MD5 failure modes: none of these ever connects, and the server
 * namespace's counters say why (kernel-auth.md §2.2). Each case has its own
 * pair of namespaces so counters are not shared, and the cases run concurrently.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { withLab, PAIR } from './harness.js';
import { connectKeyed, KeyedListener, TransportError, type AuthCounterName } from '../../src/transport/index.js';
import { diffCounters } from '../../src/transport/counters.js';

const K = Buffer.from('server-key');
const WRONG = Buffer.from('client-key');
const TIMEOUT = 1500;

interface Case {
  readonly name: string;
  readonly v6: boolean;
  readonly serverKey: Buffer | null;
  readonly clientKey: Buffer | null;
  readonly counter: AuthCounterName;
}

const cases: Case[] = [
  { name: 'mismatched key (IPv4)', v6: false, serverKey: K, clientKey: WRONG, counter: 'TCPMD5Failure' },
  { name: 'mismatched key (IPv6)', v6: true, serverKey: K, clientKey: WRONG, counter: 'TCPMD5Failure' },
  { name: 'key on the server only', v6: false, serverKey: K, clientKey: null, counter: 'TCPMD5NotFound' },
  { name: 'key on the client only', v6: false, serverKey: null, clientKey: K, counter: 'TCPMD5Unexpected' },
];

describe('MD5 sessions that must never connect', { concurrency: true }, () => {
  for (const c of cases) {
    test(`${c.name}: no connection, server ${c.counter} grows`, async () => {
      await withLab(PAIR, async (lab) => {
        const [server, client] = c.v6 ? ['2001:db8::2', '2001:db8::1'] : ['192.0.2.2', '192.0.2.1'];
        const l = await KeyedListener.open({
          host: server,
          port: 0,
          netns: lab.ns('b').path,
          keys: c.serverKey === null ? [] : [{ kind: 'md5', peer: client, key: c.serverKey }],
        });
        let accepted = 0;
        l.on('connection', (a) => {
          accepted++;
          a.socket.destroy();
        });
        try {
          const before = await lab.ns('b').counters();
          const t0 = Date.now();
          const opts = { host: server, port: l.port, localAddress: client, timeoutMs: TIMEOUT, netns: lab.ns('a').path };
          await assert.rejects(connectKeyed(c.clientKey === null ? opts : { ...opts, md5Key: c.clientKey }), (e: unknown) => {
            assert.ok(e instanceof TransportError);
            assert.equal(e.code, 'ERR_TSBGPD_CONNECT_TIMEOUT');
            assert.ok(!e.message.includes(K.toString()) && !e.message.includes(WRONG.toString()));
            return true;
          });
          assert.ok(Date.now() - t0 >= TIMEOUT - 50);
          assert.equal(accepted, 0);
          const grew = await lab.ns('b').waitForCounter(c.counter, before, 1, 1000);
          assert.ok(grew >= 1, `${c.counter} grew by ${grew}`);
          const d = diffCounters(before, await lab.ns('b').counters());
          if (c.counter !== 'TCPMD5Failure') assert.equal(d.TCPMD5Failure, 0);
        } finally {
          await l.close();
        }
      });
    });
  }

  test('a signed SYN to a closed port is a timeout that says so; unsigned gets ECONNREFUSED', async () => {
    await withLab(PAIR, async (lab) => {
      const base = { host: '192.0.2.2', port: 9, localAddress: '192.0.2.1', netns: lab.ns('a').path };
      const t0 = Date.now();
      await assert.rejects(connectKeyed({ ...base, timeoutMs: 1000 }), { code: 'ECONNREFUSED' });
      assert.ok(Date.now() - t0 < 900, 'refusal is immediate');
      await assert.rejects(connectKeyed({ ...base, md5Key: K, timeoutMs: TIMEOUT }), (e: unknown) => {
        assert.ok(e instanceof TransportError);
        assert.equal(e.code, 'ERR_TSBGPD_CONNECT_TIMEOUT');
        assert.match(e.message, /closed port/);
        assert.match(e.message, /no RST/);
        return true;
      });
    });
  });
});
