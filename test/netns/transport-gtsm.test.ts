/**
 * GTSM (RFC 5082) on keyed listeners: TTL/hop-limit 255 out, minimum 255 in,
 * set natively before listen() / connect() (kernel-auth.md §6). Direct veth
 * link, so a packet arrives with the TTL it was sent with.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { echo, roundTrip, withLab, PAIR, type NetnsLab } from './harness.js';
import { connectKeyed, gtsm, KeyedListener, socketFd, type TtlOptions } from '../../src/transport/index.js';
import { IP_MINTTL, IP_TTL, IPPROTO_IP, IPPROTO_IPV6, IPV6_MINHOPCOUNT, loadNative } from '../../src/transport/native.js';

const K = Buffer.from('gtsm-and-md5');

async function attempt(lab: NetnsLab, host: string, local: string, port: number, ttl: TtlOptions | undefined): Promise<Socket | null> {
  const o = { host, port, localAddress: local, md5Key: K, timeoutMs: 1500, netns: lab.ns('a').path };
  try {
    return await connectKeyed(ttl === undefined ? o : { ...o, ttl });
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'ERR_TSBGPD_CONNECT_TIMEOUT');
    return null;
  }
}

describe('GTSM', { concurrency: true }, () => {
  for (const [fam, server, client, host] of [
    ['IPv4', '192.0.2.2', '192.0.2.1', '192.0.2.2'],
    ['IPv6', '2001:db8::2', '2001:db8::1', '2001:db8::2'],
    ['IPv4 peer on a dual-stack listener', '::', '192.0.2.1', '192.0.2.2'],
  ] as const) {
    test(`${fam}: a peer at TTL 64 is dropped (TCPMinTTLDrop grows), one at 255 connects`, async () => {
      await withLab(PAIR, async (lab) => {
        const l = await KeyedListener.open({
          host: server,
          port: 0,
          netns: lab.ns('b').path,
          ttl: gtsm(1),
          keys: [{ kind: 'md5', peer: client, key: K }],
        });
        const accepted: Socket[] = [];
        l.on('connection', (c) => {
          accepted.push(c.socket);
          echo(c.socket);
        });
        try {
          const before = await lab.ns('b').counters();
          assert.equal(await attempt(lab, host, client, l.port, undefined), null, 'default TTL 64 must not connect');
          assert.ok((await lab.ns('b').waitForCounter('TCPMinTTLDrop', before, 1, 1000)) >= 1);
          assert.equal(await attempt(lab, host, client, l.port, { ttl: 254 }), null, 'TTL 254 must not connect');
          const s = await attempt(lab, host, client, l.port, gtsm(1));
          assert.ok(s !== null, 'TTL 255 connects');
          try {
            assert.equal(await roundTrip(s, 'gtsm ok'), 'gtsm ok');
            // The accepted socket inherited TTL and minimum TTL from the listener (else its SYN-ACK would be dropped).
            const n = loadNative();
            const fd = socketFd(accepted[0] as Socket);
            if (fam === 'IPv6') {
              assert.equal(n.getsockoptInt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT), 255);
            } else {
              assert.equal(n.getsockoptInt(fd, IPPROTO_IP, IP_MINTTL), 255);
              assert.equal(n.getsockoptInt(fd, IPPROTO_IP, IP_TTL), 255);
            }
          } finally {
            s.destroy();
          }
          assert.equal(accepted.length, 1);
        } finally {
          await l.close();
        }
      });
    });
  }
});
