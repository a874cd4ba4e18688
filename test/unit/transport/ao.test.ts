import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import {
  addAoKey,
  AO_ADD_SIZE,
  AO_DEL_SIZE,
  AO_GETSOCKOPT_SIZE,
  AO_INFO_SIZE,
  decodeAoGetKeys,
  decodeAoInfo,
  deleteAoKey,
  encodeAoAdd,
  encodeAoDel,
  encodeAoGetKeysRequest,
  encodeAoInfo,
  formatIPv6,
  getAoInfo,
  ipv6Bytes,
  listAoKeys,
  updateAoInfo,
} from '../../../src/transport/ao.js';
import { loadNative } from '../../../src/transport/native.js';
import { probeAo } from '../../../src/transport/probe.js';

const LE = endianness() === 'LE';
const u16 = (b: Buffer, o: number): number => (LE ? b.readUInt16LE(o) : b.readUInt16BE(o));
const u32 = (b: Buffer, o: number): number => (LE ? b.readUInt32LE(o) : b.readUInt32BE(o));
const KEY = Buffer.from('0123456789abcdef0123'); // 20 bytes

test('tcp_ao_add: 288 bytes, fields at the kernel-auth.md §5.2 offsets (IPv4 peer)', () => {
  const b = encodeAoAdd(4, { peer: '192.0.2.1', algorithm: 'hmac(sha1)', sendId: 5, recvId: 6, key: KEY, macLength: 12, excludeOptions: true }, { setCurrent: true, setRnext: true });
  assert.equal(b.length, 288);
  assert.equal(u16(b, 0), 2); // AF_INET, host order
  assert.equal(b.readUInt16BE(2), 0); // port must be 0
  assert.deepEqual([...b.subarray(4, 8)], [192, 0, 2, 1]);
  assert.ok(b.subarray(8, 128).every((x) => x === 0));
  assert.equal(b.toString('latin1', 128, 138), 'hmac(sha1)');
  assert.equal(b[138], 0); // NUL terminated
  assert.equal(u32(b, 192), 0); // ifindex
  assert.equal(u32(b, 196), 0x3); // set_current | set_rnext
  assert.equal(u16(b, 200), 0); // reserved2
  assert.equal(b[202], 32); // single host: /32
  assert.equal(b[203], 5); // sndid
  assert.equal(b[204], 6); // rcvid
  assert.equal(b[205], 12); // maclen
  assert.equal(b[206], 0x2); // TCP_AO_KEYF_EXCLUDE_OPT
  assert.equal(b[207], 20); // keylen
  assert.deepEqual(b.subarray(208, 228), KEY);
  assert.ok(b.subarray(228).every((x) => x === 0));
});

test('tcp_ao_add: IPv6 peer with prefix, and IPv4 peer on a v6 socket is v4-mapped with IPv4 prefix bits', () => {
  const b = encodeAoAdd(6, { peer: '2001:db8::1', prefixLength: 64, algorithm: 'cmac(aes128)', sendId: 1, recvId: 2, key: KEY });
  assert.equal(u16(b, 0), 10); // AF_INET6
  assert.equal(b.subarray(8, 24).toString('hex'), '20010db8000000000000000000000001');
  assert.equal(b[202], 64);
  assert.equal(u32(b, 196), 0);
  assert.equal(b[205], 0); // 0 = default 12
  const m = encodeAoAdd(6, { peer: '198.51.100.0', prefixLength: 24, algorithm: 'hmac(sha1)', sendId: 1, recvId: 1, key: KEY });
  assert.equal(u16(m, 0), 10);
  assert.equal(m.subarray(8, 24).toString('hex'), '00000000000000000000ffffc6336400');
  assert.equal(m[202], 24);
});

test('tcp_ao_add: range checks happen before any syscall', () => {
  const base = { peer: '192.0.2.1', algorithm: 'hmac(sha1)', sendId: 1, recvId: 1, key: KEY };
  assert.throws(() => encodeAoAdd(4, { ...base, sendId: 256 }), { code: 'ERR_TSBGPD_AO_PARAM' });
  assert.throws(() => encodeAoAdd(4, { ...base, macLength: 17 }), { code: 'ERR_TSBGPD_AO_PARAM' });
  assert.throws(() => encodeAoAdd(4, { ...base, algorithm: 'x'.repeat(64) }), { code: 'ERR_TSBGPD_AO_PARAM' });
  assert.throws(() => encodeAoAdd(4, { ...base, prefixLength: 33 }), { code: 'ERR_TSBGPD_ADDRESS' });
  assert.throws(() => encodeAoAdd(4, { ...base, peer: '2001:db8::1' }), { code: 'ERR_TSBGPD_ADDRESS' });
});

test('tcp_ao_del: 144 bytes at the documented offsets', () => {
  const b = encodeAoDel(4, { peer: '203.0.113.9', sendId: 7, recvId: 8 }, { currentKey: 3, rnext: 4, async: true });
  assert.equal(b.length, 144);
  assert.equal(u16(b, 0), 2);
  assert.deepEqual([...b.subarray(4, 8)], [203, 0, 113, 9]);
  assert.equal(u32(b, 128), 0); // ifindex
  assert.equal(u32(b, 132), 0x7); // set_current | set_rnext | del_async
  assert.equal(b[138], 32);
  assert.equal(b[139], 7);
  assert.equal(b[140], 8);
  assert.equal(b[141], 3);
  assert.equal(b[142], 4);
  assert.equal(b[143], 0);
  const plain = encodeAoDel(4, { peer: '203.0.113.9', sendId: 7, recvId: 8 });
  assert.equal(u32(plain, 132), 0);
});

test('tcp_ao_info_opt: 48 bytes, flags and ids encode; decode reads counters', () => {
  const b = encodeAoInfo({ aoRequired: true, acceptIcmps: false, rnext: 9 });
  assert.equal(b.length, 48);
  assert.equal(u32(b, 0), 0x4 | 0x2); // ao_required | set_rnext
  assert.equal(b[6], 0);
  assert.equal(b[7], 9);
  assert.ok(b.subarray(8).every((x) => x === 0)); // set_counters not set: counters untouched
  const r = Buffer.alloc(48);
  r.writeUInt32LE(0x10 | 0x4, 0);
  r[6] = 2;
  r[7] = 3;
  [8, 16, 24, 32, 40].forEach((o, i) => r.writeBigUInt64LE(BigInt(100 + i), o));
  const info = decodeAoInfo(LE ? r : Buffer.alloc(48));
  if (LE) {
    assert.deepEqual(info, {
      aoRequired: true,
      acceptIcmps: true,
      currentKey: 2,
      rnext: 3,
      pktGood: 100n,
      pktBad: 101n,
      pktKeyNotFound: 102n,
      pktAoRequired: 103n,
      pktDroppedIcmp: 104n,
    });
  }
});

test('tcp_ao_getsockopt: request layout and decode of a kernel-shaped reply', () => {
  const req = encodeAoGetKeysRequest(2);
  assert.equal(req.length, 2 * 304);
  assert.equal(u32(req, 272), 2); // nkeys = capacity
  assert.equal(u16(req, 276), 0x4); // get_all
  // Build a reply element the way the kernel lays it out.
  const r = Buffer.alloc(304 * 2);
  r.writeUInt16LE(10, 304); // second element: AF_INET6
  Buffer.from('20010db8000000000000000000000002', 'hex').copy(r, 304 + 8);
  r.write('hmac(sha256)', 304 + 128, 'latin1');
  r.writeUInt16LE(0x1, 304 + 276); // is_current
  r[304 + 278] = 10;
  r[304 + 279] = 11;
  r[304 + 280] = 128;
  r[304 + 281] = 16;
  r[304 + 283] = 32;
  r.writeBigUInt64LE(5n, 304 + 288);
  r.writeBigUInt64LE(1n, 304 + 296);
  if (LE) {
    const keys = decodeAoGetKeys(r, 2);
    assert.equal(keys.length, 2);
    assert.deepEqual(keys[1], {
      peer: '2001:db8::2',
      prefixLength: 128,
      algorithm: 'hmac(sha256)',
      sendId: 10,
      recvId: 11,
      macLength: 16,
      keyLength: 32,
      excludeOptions: false,
      isCurrent: true,
      isRnext: false,
      pktGood: 5n,
      pktBad: 1n,
    });
  }
});

test('TS encoders agree with the addon compiled struct layout (sizes and offsets)', () => {
  const L = loadNative().layout();
  assert.equal(L.tcp_md5sig.size, 216);
  assert.equal(L.tcp_md5sig['tcpm_key'], 136);
  assert.equal(L.tcp_ao_add.size, AO_ADD_SIZE);
  assert.equal(L.tcp_ao_del.size, AO_DEL_SIZE);
  assert.equal(L.tcp_ao_info_opt.size, AO_INFO_SIZE);
  assert.equal(L.tcp_ao_getsockopt.size, AO_GETSOCKOPT_SIZE);
  const expect: Record<string, Record<string, number>> = {
    tcp_ao_add: { alg_name: 128, ifindex: 192, flags: 196, reserved2: 200, prefix: 202, sndid: 203, rcvid: 204, maclen: 205, keyflags: 206, keylen: 207, key: 208 },
    tcp_ao_del: { ifindex: 128, flags: 132, reserved2: 136, prefix: 138, sndid: 139, rcvid: 140, current_key: 141, rnext: 142, keyflags: 143 },
    tcp_ao_info_opt: { flags: 0, reserved2: 4, current_key: 6, rnext: 7, pkt_good: 8, pkt_bad: 16, pkt_key_not_found: 24, pkt_ao_required: 32, pkt_dropped_icmp: 40 },
    tcp_ao_getsockopt: { alg_name: 128, key: 192, nkeys: 272, flags: 276, sndid: 278, rcvid: 279, prefix: 280, maclen: 281, keyflags: 282, keylen: 283, ifindex: 284, pkt_good: 288, pkt_bad: 296 },
  };
  for (const [st, fields] of Object.entries(expect)) {
    const got = L[st as keyof typeof L];
    for (const [f, off] of Object.entries(fields)) assert.equal(got[f], off, `${st}.${f}`);
  }
});

test('ipv6Bytes / formatIPv6 round trip', () => {
  for (const a of ['2001:db8::1', '::', '::1', '2001:db8:0:1:0:0:0:2', 'fe80::1:2', '2001:db8::ffff:192.0.2.1']) {
    const b = ipv6Bytes(a);
    assert.equal(b.length, 16);
    assert.deepEqual(ipv6Bytes(formatIPv6(b)), b, a);
  }
  assert.equal(formatIPv6(ipv6Bytes('2001:db8:0:1:0:0:0:2')), '2001:db8:0:1::2');
  assert.equal(ipv6Bytes('::ffff:192.0.2.1').toString('hex'), '00000000000000000000ffffc0000201');
});

test('TCP-AO operations on a kernel without CONFIG_TCP_AO fail with ERR_TSBGPD_AO_UNSUPPORTED', (t) => {
  const ao = probeAo();
  if (ao.supported) {
    t.skip('this kernel has TCP-AO; the unsupported path cannot be exercised');
    return;
  }
  const n = loadNative();
  for (const fam of [4, 6] as const) {
    const fd = n.socket(fam);
    try {
      const peer = fam === 4 ? '192.0.2.1' : '2001:db8::1';
      const ops: Array<[string, () => unknown]> = [
        ['setsockopt(TCP_AO_ADD_KEY)', () => addAoKey(fd, fam, { peer, algorithm: 'hmac(sha1)', sendId: 1, recvId: 1, key: KEY })],
        ['setsockopt(TCP_AO_DEL_KEY)', () => deleteAoKey(fd, fam, { peer, sendId: 1, recvId: 1 })],
        ['getsockopt(TCP_AO_INFO)', () => getAoInfo(fd)],
        ['getsockopt(TCP_AO_INFO)', () => updateAoInfo(fd, { rnext: 2 })],
        ['getsockopt(TCP_AO_GET_KEYS)', () => listAoKeys(fd)],
      ];
      for (const [syscall, op] of ops) {
        assert.throws(op, (e: unknown) => {
          const err = e as { code?: string; errno?: number; syscall?: string; message: string };
          assert.equal(err.code, 'ERR_TSBGPD_AO_UNSUPPORTED');
          assert.equal(err.errno, 92);
          assert.equal(err.syscall, syscall);
          assert.match(err.message, /TCP-AO is not supported by this kernel/);
          assert.match(err.message, /CONFIG_TCP_AO/);
          assert.match(err.message, /6\.7/);
          assert.ok(!err.message.includes(KEY.toString()));
          return true;
        });
      }
    } finally {
      n.close(fd);
    }
  }
  assert.match(ao.reason, /CONFIG_TCP_AO/);
});
