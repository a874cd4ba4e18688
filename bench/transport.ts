/**
 * Transport benchmark (prints figures, no pass/fail). Needs root for the netns part.
 *   node dist/bench/transport.js [connects=300]
 * - per-call cost of setsockopt(TCP_MD5SIG) through the addon, and of an int option
 * - keyed (MD5) connects per second between two namespaces, sequential
 */
import { performance } from 'node:perf_hooks';
import { connectKeyed, KeyedListener, setMd5Key } from '../src/transport/index.js';
import { IP_TTL, IPPROTO_IP, loadNative } from '../src/transport/native.js';
import { withLab, PAIR } from '../test/netns/harness.js';

const n = loadNative();
const key = Buffer.alloc(80, 0x61);

function perCall(label: string, iterations: number, f: () => void): void {
  for (let i = 0; i < 1000; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) f();
  const ns = ((performance.now() - t0) * 1e6) / iterations;
  console.log(`${label.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns/call (${iterations} calls)`);
}

const fd = n.socket(4);
perCall('md5Set (native, 80-byte key, same peer)', 200_000, () => n.md5Set(fd, '192.0.2.1', -1, -1, key));
perCall('setMd5Key (TS validation + native)', 200_000, () => setMd5Key(fd, 4, { peer: '192.0.2.1' }, key));
perCall('setsockoptInt(IP_TTL)', 200_000, () => n.setsockoptInt(fd, IPPROTO_IP, IP_TTL, 255));
n.close(fd);

const connects = Number(process.argv[2] ?? 300);
await withLab(PAIR, async (lab) => {
  const l = await KeyedListener.open({ host: '192.0.2.2', port: 0, netns: lab.ns('b').path, keys: [{ kind: 'md5', peer: '192.0.2.1', key }] });
  l.on('connection', (c) => c.socket.destroy());
  const t0 = performance.now();
  for (let i = 0; i < connects; i++) {
    const s = await connectKeyed({ host: '192.0.2.2', port: l.port, localAddress: '192.0.2.1', md5Key: key, netns: lab.ns('a').path });
    s.destroy();
  }
  const ms = performance.now() - t0;
  console.log(`keyed MD5 connect+accept, sequential        ${((connects * 1000) / ms).toFixed(0).padStart(6)} connects/s (${connects} in ${ms.toFixed(0)} ms)`);
  await l.close();
});
