/**
 * TCP-MD5 (RFC 2385) end to end between two network namespaces: positive
 * cases, dual stack, prefixes, key length limits, accept-before-read.
 * Client sockets live in namespace a, listeners in namespace b (created there via setns).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { NetnsLab, echo, roundTrip, distUrl } from './harness.js';
import { connectKeyed, KeyedListener, type AcceptedConnection, type ConnectOptions, type KeyedListenerOptions } from '../../src/transport/index.js';
import { diffCounters, nonZero } from '../../src/transport/counters.js';

let lab: NetnsLab;
const K = Buffer.from('tsbgpd-test-key-1');
const K2 = Buffer.from('tsbgpd-test-key-2');

before(async () => {
  lab = await NetnsLab.create({
    namespaces: ['a', 'b'],
    links: [
      {
        a: 'a',
        b: 'b',
        aAddrs: ['192.0.2.1/24', '192.0.2.11/24', '192.0.2.12/24', '2001:db8::1/64', '2001:db8::11/64'],
        bAddrs: ['192.0.2.2/24', '2001:db8::2/64'],
      },
    ],
  });
});
after(async () => {
  await lab?.destroy();
});

async function listen(o: Omit<KeyedListenerOptions, 'netns' | 'port'>): Promise<{ l: KeyedListener; seen: AcceptedConnection[] }> {
  const l = await KeyedListener.open({ ...o, port: 0, netns: lab.ns('b').path });
  const seen: AcceptedConnection[] = [];
  l.on('connection', (c) => {
    seen.push(c);
    echo(c.socket);
  });
  return { l, seen };
}

function dial(o: Omit<ConnectOptions, 'netns'>): Promise<Socket> {
  return connectKeyed({ timeoutMs: 1500, ...o, netns: lab.ns('a').path });
}

async function connectsAndEchoes(o: Omit<ConnectOptions, 'netns'>): Promise<void> {
  const s = await dial(o);
  try {
    assert.equal(await roundTrip(s, `hello from ${o.localAddress}`), `hello from ${o.localAddress}`);
  } finally {
    s.destroy();
  }
}

test('MD5: matching key connects over IPv4 and data flows', async () => {
  const { l, seen } = await listen({ host: '192.0.2.2', keys: [{ kind: 'md5', peer: '192.0.2.1', key: K }] });
  try {
    assert.equal(l.family, 4);
    await connectsAndEchoes({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', md5Key: K });
    assert.equal(seen[0]?.remoteAddress, '192.0.2.1');
    assert.deepEqual(l.keys().map((k) => [k.kind, k.peer, k.keyLength]), [['md5', '192.0.2.1', K.length]]);
  } finally {
    await l.close();
  }
});

test('MD5: matching key connects over IPv6', async () => {
  const { l, seen } = await listen({ host: '2001:db8::2', keys: [{ kind: 'md5', peer: '2001:db8::1', key: K }] });
  try {
    await connectsAndEchoes({ host: '2001:db8::2', port: l.port, localAddress: '2001:db8::1', md5Key: K });
    assert.equal(seen[0]?.remoteAddress, '2001:db8::1');
  } finally {
    await l.close();
  }
});

test('MD5: IPv4 and IPv6 peers on one dual-stack listener (v4-mapped key)', async () => {
  const { l, seen } = await listen({
    host: '::',
    keys: [
      { kind: 'md5', peer: '192.0.2.1', key: K },
      { kind: 'md5', peer: '2001:db8::1', key: K2 },
    ],
  });
  try {
    assert.equal(l.dualStack, true);
    await connectsAndEchoes({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', md5Key: K });
    await connectsAndEchoes({ host: '2001:db8::2', port: l.port, localAddress: '2001:db8::1', md5Key: K2 });
    assert.deepEqual(seen.map((c) => c.remoteAddress), ['192.0.2.1', '2001:db8::1']);
  } finally {
    await l.close();
  }
});

test('MD5: an 80-byte key works; an 81-byte key is refused before any syscall', async () => {
  const k80 = Buffer.alloc(80);
  for (let i = 0; i < 80; i++) k80[i] = (i * 7 + 3) & 0xff;
  const { l } = await listen({ host: '192.0.2.2', keys: [{ kind: 'md5', peer: '192.0.2.1', key: k80 }] });
  try {
    await connectsAndEchoes({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', md5Key: k80 });
    const before = await lab.ns('b').counters();
    const k81 = Buffer.concat([k80, Buffer.from([0x42])]);
    const t0 = Date.now();
    await assert.rejects(dial({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', md5Key: k81 }), {
      code: 'ERR_TSBGPD_KEY_LENGTH',
    });
    assert.ok(Date.now() - t0 < 200, 'refused at once, not by a timeout');
    assert.throws(() => l.setKey({ kind: 'md5', peer: '192.0.2.11', key: k81 }), { code: 'ERR_TSBGPD_KEY_LENGTH' });
    await assert.rejects(
      KeyedListener.open({ host: '192.0.2.2', port: 0, netns: lab.ns('b').path, keys: [{ kind: 'md5', peer: '192.0.2.1', key: k81 }] }),
      { code: 'ERR_TSBGPD_KEY_LENGTH' },
    );
    assert.deepEqual(nonZero(diffCounters(before, await lab.ns('b').counters())), {}, 'no segment was sent');
  } finally {
    await l.close();
  }
});

test('MD5: a prefix key admits a whole subnet and the longest prefix wins', async () => {
  const { l, seen } = await listen({
    host: '::',
    keys: [
      { kind: 'md5', peer: '192.0.2.0', prefixLength: 24, key: K },
      { kind: 'md5', peer: '192.0.2.11', prefixLength: 32, key: K2 },
      { kind: 'md5', peer: '2001:db8::', prefixLength: 64, key: K },
    ],
  });
  try {
    const port = l.port;
    await connectsAndEchoes({ host: '192.0.2.2', port, localAddress: '192.0.2.12', md5Key: K });
    await connectsAndEchoes({ host: '192.0.2.2', port, localAddress: '192.0.2.1', md5Key: K });
    await connectsAndEchoes({ host: '192.0.2.2', port, localAddress: '192.0.2.11', md5Key: K2 }); // /32 beats /24
    await connectsAndEchoes({ host: '2001:db8::2', port, localAddress: '2001:db8::11', md5Key: K });
    await connectsAndEchoes({ host: '2001:db8::2', port, localAddress: '2001:db8::1', md5Key: K });
    assert.deepEqual(seen.map((c) => c.remoteAddress), ['192.0.2.12', '192.0.2.1', '192.0.2.11', '2001:db8::11', '2001:db8::1']);
    const before = await lab.ns('b').counters();
    await assert.rejects(dial({ host: '192.0.2.2', port, localAddress: '192.0.2.11', md5Key: K }), {
      code: 'ERR_TSBGPD_CONNECT_TIMEOUT',
    });
    assert.ok(diffCounters(before, await lab.ns('b').counters()).TCPMD5Failure >= 1, 'the /24 key was not used for .11');
    assert.equal(seen.length, 5);
  } finally {
    await l.close();
  }
});

test('accept reports the peer address before any byte is read; an unknown peer is dropped unread', async () => {
  const l = await KeyedListener.open({ host: '192.0.2.2', port: 0, netns: lab.ns('b').path });
  const allowed = new Set(['192.0.2.1']);
  const verdicts: Array<[string, number]> = [];
  l.on('connection', (c) => {
    verdicts.push([c.remoteAddress, c.socket.bytesRead]);
    if (allowed.has(c.remoteAddress)) echo(c.socket);
    else c.socket.destroy();
  });
  try {
    const s = await dial({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.12' });
    s.write('OPEN from an unknown peer');
    const closed = await new Promise<boolean>((r) => {
      s.once('close', () => r(true));
      s.on('error', () => undefined);
      setTimeout(() => r(false), 1500);
    });
    assert.equal(closed, true, 'unknown peer was closed');
    await connectsAndEchoes({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1' });
    assert.deepEqual(verdicts, [
      ['192.0.2.12', 0],
      ['192.0.2.1', 0],
    ]);
  } finally {
    await l.close();
  }
});

test('a child node process in the client namespace connects with the addon (runJs)', async () => {
  const { l, seen } = await listen({ host: '192.0.2.2', keys: [{ kind: 'md5', peer: '192.0.2.1', key: K }] });
  try {
    const reply = await lab.ns('a').runJs(
      async (arg: { url: string; port: number; key: string }) => {
        const t = (await import(arg.url)) as typeof import('../../src/transport/index.js');
        const s = await t.connectKeyed({ host: '192.0.2.2', port: arg.port, localAddress: '192.0.2.1', md5Key: arg.key, timeoutMs: 2000 });
        s.write('ping');
        const d = await new Promise<Buffer>((r) => s.once('data', r));
        s.destroy();
        return d.toString();
      },
      { url: distUrl('dist/src/transport/index.js'), port: l.port, key: K.toString() },
    );
    assert.equal(reply, 'ping');
    assert.equal(seen.length, 1);
  } finally {
    await l.close();
  }
});
