import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNativeError, loadNative } from '../../../src/transport/native.js';
import { maxKeysForOptmem, doctor, formatDoctor } from '../../../src/doctor.js';
import { kernelPeerAddress, unmapV4 } from '../../../src/transport/address.js';
import { gtsm } from '../../../src/transport/sockopts.js';
import { Socket } from 'node:net';
import { socketFd } from '../../../src/transport/socket-fd.js';

const n = loadNative();

test('addon errors carry code, errno and syscall, and no key bytes', () => {
  const fd = n.socket(4);
  try {
    const key = Buffer.from('K'.repeat(81));
    assert.throws(
      () => n.md5Set(fd, '192.0.2.1', -1, -1, key),
      (e: unknown) => {
        assert.ok(isNativeError(e));
        assert.equal(e.code, 'EINVAL');
        assert.equal(e.errno, 22);
        assert.equal(e.syscall, 'setsockopt(TCP_MD5SIG)');
        assert.ok(!e.message.includes('KKKK'));
        return true;
      },
    );
    assert.throws(() => n.md5Set(fd, '192.0.2.0', 33, -1, Buffer.from('k')), { code: 'EINVAL', syscall: 'setsockopt(TCP_MD5SIG_EXT)' });
    assert.throws(() => n.md5Set(fd, '192.0.2.77', -1, -1, null), { code: 'ENOENT', errno: 2 });
    assert.throws(() => n.md5Set(fd, '2001:db8::1', -1, -1, Buffer.from('k')), { code: 'EINVAL' }); // v6 key on v4 socket
    assert.throws(() => n.bind(fd, '203.0.113.250', 0), { code: 'EADDRNOTAVAIL', syscall: 'bind' });
    assert.throws(() => n.setsockoptInt(fd, 0, 21, 256), { code: 'EINVAL', syscall: 'setsockopt(IP_MINTTL)' });
  } finally {
    n.close(fd);
  }
  assert.throws(() => n.close(-1), { code: 'EBADF', errno: 9, syscall: 'close' });
  assert.throws(() => n.socket(5 as 4), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('native socket is non-blocking, close-on-exec IPv4/IPv6 and reports its bound port', () => {
  for (const [fam, addr] of [[4, '127.0.0.1'], [6, '::1']] as const) {
    const fd = n.socket(fam);
    try {
      assert.equal(n.socketFamily(fd), fam);
      n.setReuseAddr(fd);
      n.bind(fd, addr, 0);
      const port = n.localPort(fd);
      assert.ok(port > 0 && port < 65536);
      n.listen(fd, 8);
      n.md5Set(fd, fam === 4 ? '127.0.0.1' : '::1', -1, -1, Buffer.from('k'));
      n.md5Set(fd, fam === 4 ? '127.0.0.1' : '::1', -1, -1, null); // delete the key just added
    } finally {
      n.close(fd);
    }
  }
});

test('IPv4-mapped keys and prefixes in IPv4 bits on a dual-stack socket', () => {
  const fd = n.socket(6);
  try {
    n.setV6Only(fd, false);
    n.md5Set(fd, kernelPeerAddress(6, '192.0.2.1'), -1, -1, Buffer.from('k'));
    n.md5Set(fd, kernelPeerAddress(6, '192.0.2.0'), 24, -1, Buffer.from('k'));
    assert.throws(() => n.md5Set(fd, '::ffff:192.0.2.0', 120, -1, Buffer.from('k')), { code: 'EINVAL' });
    assert.throws(() => n.md5Set(fd, '192.0.2.1', -1, -1, Buffer.from('k')), { code: 'EINVAL' }); // AF_INET on v6 socket
  } finally {
    n.close(fd);
  }
  assert.equal(unmapV4('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(unmapV4('2001:db8::1'), '2001:db8::1');
  assert.throws(() => kernelPeerAddress(4, '2001:db8::1'), { code: 'ERR_TSBGPD_ADDRESS' });
});

test('probes: MD5 supported here; AO probe agrees with getsockopt(TCP_AO_INFO)', () => {
  const md5 = n.probeMd5();
  assert.equal(md5.supported, true);
  assert.equal(md5.code, 'ENOENT');
  const ao = n.probeAo();
  assert.ok(ao.code === 'ENOENT' || ao.code === 'ENOPROTOOPT');
  assert.equal(ao.supported, ao.code === 'ENOENT');
});

test('GTSM hop count maps to TTL 255 and minimum 256 - hops (RFC 5082 §3)', () => {
  assert.deepEqual(gtsm(), { ttl: 255, minTtl: 255 });
  assert.deepEqual(gtsm(2), { ttl: 255, minTtl: 254 });
  assert.throws(() => gtsm(0), { code: 'ERR_TSBGPD_TTL' });
  assert.throws(() => gtsm(256), { code: 'ERR_TSBGPD_TTL' });
});

test('doctor: key capacity formula reproduces the measured 963 / 1927 keys', () => {
  assert.equal(maxKeysForOptmem(131072), 963);
  assert.equal(maxKeysForOptmem(262144), 1927);
});

test('doctor report on this machine', async () => {
  const r = await doctor();
  assert.equal(r.native.loaded, true);
  assert.equal(r.md5.supported, true);
  assert.equal(r.gtsm.supported, true);
  assert.equal(r.ao.supported, n.probeAo().supported);
  if (!r.ao.supported) assert.match(r.ao.reason, /CONFIG_TCP_AO/);
  assert.ok(r.kernelRelease.length > 0);
  if (r.optmemMax !== null) assert.equal(r.maxKeysPerSocket, Math.floor(r.optmemMax / 136));
  const text = formatDoctor(r);
  assert.match(text, /TCP-MD5 \(RFC 2385\): yes/);
  assert.match(text, /TCP-AO \(RFC 5925\):  (yes|no \(kernel built without CONFIG_TCP_AO)/);
});

test('socketFd refuses a socket without a kernel fd', () => {
  assert.throws(() => socketFd(new Socket()), { code: 'ERR_TSBGPD_SOCKET_FD' });
  const fd = n.socket(4);
  const s = new Socket({ fd });
  try {
    assert.equal(socketFd(s), fd);
  } finally {
    s.destroy();
  }
});
