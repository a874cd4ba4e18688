/**
 * Replacing the TCP-MD5 key of an established session (kernel-auth.md §4):
 * both ends → the session survives; one end → it stalls silently while the
 * peer namespace counts TCPMD5Failure.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { echo, roundTrip, withLab, PAIR, type NetnsLab } from './harness.js';
import { connectKeyed, KeyedListener, setSocketMd5Key } from '../../src/transport/index.js';

const K = Buffer.from('old-key-0001');
const K2 = Buffer.from('new-key-0002');

async function session(lab: NetnsLab): Promise<{ l: KeyedListener; client: Socket; server: Socket }> {
  const l = await KeyedListener.open({
    host: '192.0.2.2',
    port: 0,
    netns: lab.ns('b').path,
    keys: [{ kind: 'md5', peer: '192.0.2.1', key: K }],
  });
  const accepted = new Promise<Socket>((r) =>
    l.once('connection', (c) => {
      echo(c.socket);
      r(c.socket);
    }),
  );
  const client = await connectKeyed({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', md5Key: K, netns: lab.ns('a').path });
  const server = await accepted;
  assert.equal(await roundTrip(client, 'before rekey'), 'before rekey');
  return { l, client, server };
}

describe('MD5 rekey of a live session', { concurrency: true }, () => {
  test('rekey on both ends keeps the connection and data still flows; new sessions need the new key', async () => {
    await withLab(PAIR, async (lab) => {
      const { l, client, server } = await session(lab);
      try {
        setSocketMd5Key(server, K2);
        setSocketMd5Key(client, K2);
        l.setKey({ kind: 'md5', peer: '192.0.2.1', key: K2 });
        assert.equal(await roundTrip(client, 'after rekey', 2000), 'after rekey');
        assert.equal(client.destroyed, false);
        const s2 = await connectKeyed({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', md5Key: K2, netns: lab.ns('a').path });
        s2.destroy();
        await assert.rejects(
          connectKeyed({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', md5Key: K, timeoutMs: 1200, netns: lab.ns('a').path }),
          { code: 'ERR_TSBGPD_CONNECT_TIMEOUT' },
        );
      } finally {
        client.destroy();
        server.destroy();
        await l.close();
      }
    });
  });

  test('rekey on one end only stalls the session (server TCPMD5Failure grows)', async () => {
    await withLab(PAIR, async (lab) => {
      const { l, client, server } = await session(lab);
      try {
        const before = await lab.ns('b').counters();
        setSocketMd5Key(client, K2);
        await assert.rejects(roundTrip(client, 'into the void', 1500), /no echo within/);
        assert.ok((await lab.ns('b').waitForCounter('TCPMD5Failure', before, 1, 1000)) >= 1);
        assert.equal(server.bytesRead, 'before rekey'.length, 'the server received nothing after the one-sided rekey');
      } finally {
        client.destroy();
        server.destroy();
        await l.close();
      }
    });
  });
});
