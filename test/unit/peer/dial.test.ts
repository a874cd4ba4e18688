// The outgoing connection: connect options from the configuration and key (MD5, AO, GTSM, update-source), and
// the one pending dial (a superseded or aborted dial never reaches the peer). No sockets: connect is injected.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Dialer, dialOptions } from '../../../src/peer/dial.js';
import type { PeerKeyState } from '../../../src/peer/host.js';
import type { ConnectOptions } from '../../../src/transport/index.js';
import { peerConfig } from '../rib/helpers.js';

const key = (bytes: string) => ({ key: Buffer.from(bytes), length: bytes.length, fingerprint: '00000000' });
const MD5: PeerKeyState = { kind: 'loaded', key: key('md5-secret'), source: 'test' };
const AO: PeerKeyState = {
  kind: 'loaded', key: key('ao-one'), source: 'test',
  ao: [{ algorithm: 'hmac(sha1)', sendId: 1, recvId: 2, key: key('ao-one') }, { algorithm: 'cmac(aes128)', sendId: 3, recvId: 4, key: key('ao-two-16-bytes!') }],
};

describe('dialOptions', () => {
  it('no key, no update-source: the wildcard address of the family, no TTL options', () => {
    const o4 = dialOptions(peerConfig('A', '198.51.100.1', 65001), { kind: 'none' }, 5000);
    assert.deepEqual(o4, { host: '198.51.100.1', port: 179, localAddress: '0.0.0.0', timeoutMs: 5000 });
    const o6 = dialOptions(peerConfig('B', '2001:db8::2', 65001, { port: 1790 }), { kind: 'none' }, 5000, '/run/netns/x');
    assert.deepEqual(o6, { host: '2001:db8::2', port: 1790, localAddress: '::', timeoutMs: 5000, netns: '/run/netns/x' });
  });

  it('TCP-MD5 key and GTSM (RFC 5082: TTL 255, minimum 256 - hops)', () => {
    const o = dialOptions(peerConfig('A', '198.51.100.1', 65001, { localAddress: '192.0.2.1', ttlSecurity: 2 }), MD5, 5000);
    assert.equal(o.localAddress, '192.0.2.1');
    assert.equal(Buffer.from(o.md5Key as Buffer).toString(), 'md5-secret');
    assert.equal(o.aoKeys, undefined);
    assert.deepEqual(o.ttl, { ttl: 255, minTtl: 254 });
  });

  it('TCP-AO: every MKT for the peer, no MD5 key', () => {
    const o = dialOptions(peerConfig('A', '198.51.100.1', 65001), AO, 5000);
    assert.equal(o.md5Key, undefined);
    assert.deepEqual(o.aoKeys?.map((k) => [k.peer, k.algorithm, k.sendId, k.recvId, Buffer.from(k.key as Buffer).toString()]), [
      ['198.51.100.1', 'hmac(sha1)', 1, 2, 'ao-one'],
      ['198.51.100.1', 'cmac(aes128)', 3, 4, 'ao-two-16-bytes!'],
    ]);
  });

  it('a failed key dials without one (the peer never starts: Peer.runnable)', () => {
    const o = dialOptions(peerConfig('A', '198.51.100.1', 65001), { kind: 'failed', reason: 'missing', source: 'test' }, 5000);
    assert.equal(o.md5Key, undefined);
    assert.equal(o.aoKeys, undefined);
  });
});

/** A connect whose outcome the test decides, one call at a time. */
function fakeConnect() {
  const calls: { o: ConnectOptions; resolve: (s: Socket) => void; reject: (e: Error) => void }[] = [];
  const connect = (o: ConnectOptions) => new Promise<Socket>((resolve, reject) => calls.push({ o, resolve, reject }));
  return { calls, connect };
}
function fakeSocket() {
  const s = { destroyed: false, destroy() { s.destroyed = true; } };
  return s;
}
const tick = () => new Promise((r) => setImmediate(r));
const O = dialOptions(peerConfig('A', '198.51.100.1', 65001), { kind: 'none' }, 5000);

describe('Dialer', () => {
  it('hands over the socket of the pending dial, with an abort signal', async () => {
    const { calls, connect } = fakeConnect();
    const d = new Dialer(connect);
    const got: unknown[] = [];
    d.dial(7, O, (s) => got.push(s), (e) => got.push(e));
    assert.equal(d.busy, true);
    assert.ok(calls[0]!.o.signal instanceof AbortSignal);
    const s = fakeSocket();
    calls[0]!.resolve(s as unknown as Socket);
    await tick();
    assert.deepEqual(got, [s]);
    assert.equal(s.destroyed, false);
    assert.equal(d.busy, false);
  });

  it('aborted: the signal fires, a socket that arrives anyway is destroyed, an error is dropped', async () => {
    const { calls, connect } = fakeConnect();
    const d = new Dialer(connect);
    const got: unknown[] = [];
    d.dial(1, O, (s) => got.push(s), (e) => got.push(e));
    d.abort();
    assert.equal(calls[0]!.o.signal?.aborted, true);
    assert.equal(d.busy, false);
    const s = fakeSocket();
    calls[0]!.resolve(s as unknown as Socket);
    d.dial(2, O, (x) => got.push(x), (e) => got.push(e));
    d.abort();
    calls[1]!.reject(new Error('aborted'));
    await tick();
    assert.equal(s.destroyed, true);
    assert.deepEqual(got, []);
  });

  it('a failure of the pending dial is reported once', async () => {
    const { calls, connect } = fakeConnect();
    const d = new Dialer(connect);
    const got: string[] = [];
    d.dial(3, O, () => got.push('socket'), (e) => got.push(e.message));
    calls[0]!.reject(new Error('ECONNREFUSED'));
    await tick();
    assert.deepEqual(got, ['ECONNREFUSED']);
    assert.equal(d.busy, false);
  });
});
