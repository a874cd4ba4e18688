/**
 * TCP-AO (RFC 5925) end to end. Where the kernel lacks CONFIG_TCP_AO every AO
 * operation must fail with ERR_TSBGPD_AO_UNSUPPORTED; the session scenarios
 * (matching key, mismatched key, hitless rollover by RNextKeyID) run only
 * where the probe finds TCP-AO, and are otherwise skipped with its reason.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { echo, roundTrip, withLab, PAIR } from './harness.js';
import {
  addSocketAoKey,
  connectKeyed,
  deleteSocketAoKey,
  KeyedListener,
  probeAo,
  requestSocketAoRnext,
  socketAoInfo,
  socketAoKeys,
  TransportError,
  type AoKey,
} from '../../src/transport/index.js';

const AO = probeAo();
const KEY1 = Buffer.from('ao-master-key-one');
const KEY2 = Buffer.from('ao-master-key-two');
const openFds = (): number => readdirSync('/proc/self/fd').length;

function mkt(peer: string, id: number, key: Buffer): AoKey {
  return { peer, algorithm: 'hmac(sha1)', sendId: id, recvId: id, key };
}

/** The only skip in this suite: decided at runtime by the TCP-AO probe. */
function needAo(t: TestContext): boolean {
  if (!AO.supported) t.skip(`TCP-AO unavailable: ${AO.reason}`);
  return AO.supported;
}

test('without CONFIG_TCP_AO, AO listeners and connectors fail with ERR_TSBGPD_AO_UNSUPPORTED', async (t) => {
  if (AO.supported) {
    t.skip('this kernel has TCP-AO');
    return;
  }
  await withLab(PAIR, async (lab) => {
    const fds = openFds();
    const isUnsupported = (e: unknown): boolean => {
      assert.ok(e instanceof TransportError);
      assert.equal(e.code, 'ERR_TSBGPD_AO_UNSUPPORTED');
      assert.equal(e.errno, 92);
      assert.match(e.message, /TCP-AO is not supported by this kernel \(it needs CONFIG_TCP_AO, Linux 6\.7\+\)/);
      assert.ok(!e.message.includes(KEY1.toString()));
      return true;
    };
    await assert.rejects(
      KeyedListener.open({ host: '::', port: 0, netns: lab.ns('b').path, keys: [{ kind: 'ao', ...mkt('192.0.2.1', 1, KEY1) }] }),
      isUnsupported,
    );
    await assert.rejects(
      connectKeyed({ host: '2001:db8::2', port: 179, localAddress: '2001:db8::1', aoKeys: [mkt('2001:db8::2', 1, KEY1)], netns: lab.ns('a').path }),
      isUnsupported,
    );
    const l = await KeyedListener.open({ host: '192.0.2.2', port: 0, netns: lab.ns('b').path });
    try {
      assert.throws(() => l.setKey({ kind: 'ao', ...mkt('192.0.2.1', 1, KEY1) }), isUnsupported);
      assert.deepEqual(l.keys(), []);
    } finally {
      await l.close();
    }
    assert.equal(openFds(), fds, 'failed opens closed their sockets');
  });
});

describe('TCP-AO sessions', { concurrency: true }, () => {
  for (const [fam, server, client] of [
    ['IPv4', '192.0.2.2', '192.0.2.1'],
    ['IPv6', '2001:db8::2', '2001:db8::1'],
  ] as const) {
    test(`${fam}: matching key connects and segments are authenticated`, async (t) => {
      if (!needAo(t)) return;
      await withLab(PAIR, async (lab) => {
        const l = await KeyedListener.open({ host: server, port: 0, netns: lab.ns('b').path, keys: [{ kind: 'ao', ...mkt(client, 1, KEY1) }] });
        l.on('connection', (c) => echo(c.socket));
        try {
          const s = await connectKeyed({ host: server, port: l.port, localAddress: client, aoKeys: [mkt(server, 1, KEY1)], timeoutMs: 2000, netns: lab.ns('a').path });
          try {
            assert.equal(await roundTrip(s, 'ao hello'), 'ao hello');
            const info = socketAoInfo(s);
            assert.ok(info.pktGood > 0n, 'authenticated segments counted');
            assert.equal(info.currentKey, 1);
            const keys = socketAoKeys(s);
            assert.equal(keys.length, 1);
            assert.equal(keys[0]?.keyLength, KEY1.length);
          } finally {
            s.destroy();
          }
        } finally {
          await l.close();
        }
      });
    });
  }

  test('mismatched key never connects and the server counts TCPAOBad', async (t) => {
    if (!needAo(t)) return;
    await withLab(PAIR, async (lab) => {
      const l = await KeyedListener.open({ host: '192.0.2.2', port: 0, netns: lab.ns('b').path, keys: [{ kind: 'ao', ...mkt('192.0.2.1', 1, KEY1) }] });
      try {
        const before = await lab.ns('b').counters();
        await assert.rejects(
          connectKeyed({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', aoKeys: [mkt('192.0.2.2', 1, KEY2)], timeoutMs: 1500, netns: lab.ns('a').path }),
          { code: 'ERR_TSBGPD_CONNECT_TIMEOUT' },
        );
        assert.ok((await lab.ns('b').waitForCounter('TCPAOBad', before, 1, 1000)) >= 1);
      } finally {
        await l.close();
      }
    });
  });

  test('rollover by RNextKeyID keeps the connection (RFC 5925 §7.5.2)', async (t) => {
    if (!needAo(t)) return;
    await withLab(PAIR, async (lab) => {
      const l = await KeyedListener.open({ host: '192.0.2.2', port: 0, netns: lab.ns('b').path, keys: [{ kind: 'ao', ...mkt('192.0.2.1', 1, KEY1) }] });
      const accepted = new Promise<Socket>((r) => l.once('connection', (c) => (echo(c.socket), r(c.socket))));
      try {
        const c = await connectKeyed({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', aoKeys: [mkt('192.0.2.2', 1, KEY1)], netns: lab.ns('a').path });
        const s = await accepted;
        try {
          assert.equal(await roundTrip(c, 'on key 1'), 'on key 1');
          // 1. new MKT on both ends (and the listener, for future sessions)
          addSocketAoKey(c, { algorithm: 'hmac(sha1)', sendId: 2, recvId: 2, key: KEY2 });
          addSocketAoKey(s, { algorithm: 'hmac(sha1)', sendId: 2, recvId: 2, key: KEY2 });
          l.setKey({ kind: 'ao', ...mkt('192.0.2.1', 2, KEY2) });
          // 2. ask each peer to move to it
          requestSocketAoRnext(c, 2);
          requestSocketAoRnext(s, 2);
          assert.equal(await roundTrip(c, 'switching'), 'switching');
          assert.equal(await roundTrip(c, 'on key 2'), 'on key 2');
          assert.equal(socketAoInfo(c).currentKey, 2);
          assert.equal(socketAoInfo(s).currentKey, 2);
          // 3. retire the old MKT; the session continues
          deleteSocketAoKey(c, { sendId: 1, recvId: 1 });
          deleteSocketAoKey(s, { sendId: 1, recvId: 1 });
          l.removeKey({ kind: 'ao', peer: '192.0.2.1', sendId: 1, recvId: 1 });
          assert.equal(await roundTrip(c, 'old key gone'), 'old key gone');
          assert.deepEqual(socketAoKeys(c).map((k) => k.sendId), [2]);
        } finally {
          c.destroy();
          s.destroy();
        }
      } finally {
        await l.close();
      }
    });
  });
});
