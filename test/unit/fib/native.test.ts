/**
 * The addon's rtnetlink glue (native/netlink_linux.c + binding.c): argument checks, errors with
 * code/errno/syscall, and a receive that waits on the threadpool without holding the event loop.
 * Only opens sockets and receives; sends nothing to the kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNetlink, NETLINK_CAP_ACK } from '../../../src/fib/native.js';
import { isNativeError } from '../../../src/transport/native.js';

const nl = loadNetlink();

test('open, port id, options, buffers, close', () => {
  const fd = nl.nlOpen();
  try {
    assert.ok(fd > 2);
    assert.ok(nl.nlPortId(fd) > 0, 'the kernel assigned a port id at bind');
    assert.equal(nl.nlSetOpt(fd, NETLINK_CAP_ACK, 1), 0);
    assert.equal(nl.nlSetBuffers(fd, 1 << 20, 1 << 20), 0);
  } finally {
    assert.equal(nl.nlClose(fd), 0);
  }
});

test('errors carry code, errno and syscall; bad arguments are TypeErrors', async () => {
  const expectErr = (f: () => unknown, code: string, syscall: string): void => {
    try {
      f();
      assert.fail('no error');
    } catch (e) {
      assert.ok(isNativeError(e), String(e));
      assert.equal(e.code, code);
      assert.equal(e.syscall, syscall);
      assert.ok(e.errno > 0);
    }
  };
  expectErr(() => nl.nlOpen('/run/netns/tsbgpd-no-such-namespace'), 'ENOENT', 'setns+socket(AF_NETLINK)');
  expectErr(() => nl.nlSetOpt(-1, NETLINK_CAP_ACK, 1), 'EBADF', 'setsockopt(SOL_NETLINK)');
  expectErr(() => nl.nlPortId(-1), 'EBADF', 'getsockname');
  await assert.rejects(nl.nlSend(-1, new Uint8Array(16)), (e: unknown) => isNativeError(e) && e.code === 'EBADF' && e.syscall === 'sendto(AF_NETLINK)');
  const r = await nl.nlRecv(-1, new Uint8Array(16), 0);
  assert.equal(r.bytes, 0);
  assert.equal(r.error?.code, 'EBADF');
  assert.throws(() => nl.nlSend(0, 'x' as unknown as Uint8Array), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => nl.nlRecv(0, new Uint8Array(1), -1), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => nl.nlOpen(7 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('nlRecv waits for its timeout on the threadpool: timers keep firing meanwhile', async () => {
  const fd = nl.nlOpen();
  try {
    let ticks = 0;
    const iv = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    const r = await nl.nlRecv(fd, new Uint8Array(65536 * 2), 200);
    const ms = performance.now() - t0;
    clearInterval(iv);
    assert.deepEqual(r, { bytes: 0, error: null });
    assert.ok(ms >= 150 && ms < 2000, `waited ${ms} ms`);
    assert.ok(ticks >= 5, `event loop ran ${ticks} timer ticks during the wait`);
    const now = await nl.nlRecv(fd, new Uint8Array(65536 * 2), 0);
    assert.equal(now.bytes, 0);
  } finally {
    nl.nlClose(fd);
  }
});
