/**
 * rtnetlink codec against byte layouts written out by hand from linux/netlink.h and linux/rtnetlink.h
 * (struct nlmsghdr, struct rtmsg, struct rtattr, struct rtnexthop, struct rtvia, struct nlmsgerr).
 * Netlink integers are host order; these layouts are little-endian (x86, arm64).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import {
  decodeAck,
  decodeRoute,
  encodeRouteDump,
  encodeRouteMessage,
  messages,
  NetlinkDecodeError,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NLMSG_ERROR,
  routeMessageLength,
  RTM_DELROUTE,
  RTM_NEWROUTE,
  type RouteSpec,
} from '../../../src/fib/netlink.js';
import { parseAddress } from '../../../src/fib/prefix.js';

const skip = endianness() !== 'LE' ? 'layouts below are little-endian' : false;
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex'));
const ip = (s: string): Uint8Array => parseAddress(s) as Uint8Array;
const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Encode, checking length agreement and that writing at an offset into a larger buffer gives the same bytes. */
function encode(type: number, flags: number, seq: number, r: RouteSpec): Uint8Array {
  const n = routeMessageLength(r);
  const a = new Uint8Array(n);
  assert.equal(encodeRouteMessage(a, dv(a), 0, type, flags, seq, r), n);
  const big = new Uint8Array(n + 13).fill(0xee);
  assert.equal(encodeRouteMessage(big, dv(big), 7, type, flags, seq, r), n);
  assert.deepEqual(big.subarray(7, 7 + n), a);
  assert.equal(big[6], 0xee);
  assert.equal(big[7 + n], 0xee);
  return a;
}

const NEW_EXCL = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
const NEW_REPLACE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;

test('IPv4 RTM_NEWROUTE with one gateway, main table, priority', { skip }, () => {
  const got = encode(RTM_NEWROUTE, NEW_EXCL, 0x01020304, {
    family: 4, dst: ip('198.51.100.0'), dstLen: 24, table: 254, protocol: 200, priority: 32,
    nexthops: [{ gateway: ip('192.0.2.2') }],
  });
  const want = hex(`
    3c000000 1800 0506 04030201 00000000
    02 18 00 00 fe c8 00 01 00000000
    0800 0100 c6336400
    0800 0f00 fe000000
    0800 0600 20000000
    0800 0500 c0000202`);
  assert.deepEqual(got, want);
});

test('IPv6 RTM_NEWROUTE replace, RTA_MULTIPATH with weights, table > 255 via RTA_TABLE', { skip }, () => {
  const got = encode(RTM_NEWROUTE, NEW_REPLACE, 7, {
    family: 6, dst: ip('2001:db8:1::'), dstLen: 48, table: 1000, protocol: 200,
    nexthops: [{ gateway: ip('2001:db8::2') }, { gateway: ip('2001:db8::3'), weight: 2 }],
  });
  const want = hex(`
    74000000 1800 0505 07000000 00000000
    0a 30 00 00 00 c8 00 01 00000000
    1400 0100 20010db8 00010000 00000000 00000000
    0800 0f00 e8030000
    3c00 0900
      1c00 00 00 00000000  1400 0500 20010db8 00000000 00000000 00000002
      1c00 00 01 00000000  1400 0500 20010db8 00000000 00000000 00000003`);
  assert.deepEqual(got, want);
});

test('IPv4 route via an IPv6 next hop: RTA_VIA (struct rtvia) padded, with RTA_OIF', { skip }, () => {
  const got = encode(RTM_NEWROUTE, NEW_EXCL, 1, {
    family: 4, dst: ip('203.0.113.0'), dstLen: 24, table: 254, protocol: 200,
    nexthops: [{ gateway: ip('fe80::1'), ifindex: 3 }],
  });
  const want = hex(`
    4c000000 1800 0506 01000000 00000000
    02 18 00 00 fe c8 00 01 00000000
    0800 0100 cb007100
    0800 0f00 fe000000
    1600 1200 0a00 fe800000 00000000 00000000 00000001 0000
    0800 0400 03000000`);
  assert.deepEqual(got, want);
});

test('RTM_DELROUTE with no next hop matches protocol and priority only', { skip }, () => {
  const got = encode(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, 2, {
    family: 4, dst: ip('0.0.0.0'), dstLen: 0, table: 254, protocol: 200, priority: 32, nexthops: [],
  });
  const want = hex(`
    34000000 1900 0500 02000000 00000000
    02 00 00 00 fe c8 00 01 00000000
    0800 0100 00000000
    0800 0f00 fe000000
    0800 0600 20000000`);
  assert.deepEqual(got, want);
});

test('RTM_GETROUTE dump request filtered by table and protocol', { skip }, () => {
  assert.deepEqual(
    encodeRouteDump(4, 254, 200, 9),
    hex(`24000000 1a00 0103 09000000 00000000  02 00 00 00 fe c8 00 00 00000000  0800 0f00 fe000000`),
  );
  assert.deepEqual(
    encodeRouteDump(6, 100000, 12, 10),
    hex(`24000000 1a00 0103 0a000000 00000000  0a 00 00 00 00 0c 00 00 00000000  0800 0f00 a0860100`),
  );
});

test('NLMSG_ERROR: capped ack with an extended-ack message', { skip }, () => {
  const b = hex(`
    44000000 0200 0003 05000000 2a000000
    9bffffff
    3c000000 1800 0506 05000000 00000000
    2000 0100 ${Buffer.from('Nexthop has invalid gateway\0').toString('hex')}`);
  const ms = [...messages(b, dv(b), b.length)];
  assert.equal(ms.length, 1);
  const m = ms[0]!;
  assert.equal(m.type, NLMSG_ERROR);
  assert.equal(m.seq, 5);
  assert.equal(m.pid, 42);
  assert.deepEqual(decodeAck(b, dv(b), m), {
    errno: 101, requestType: RTM_NEWROUTE, requestSeq: 5, message: 'Nexthop has invalid gateway',
  });
  // A plain success ack: error 0, no TLVs.
  const ok = hex(`24000000 0200 0001 06000000 00000000 00000000 3c000000 1900 0500 06000000 00000000`);
  const okm = [...messages(ok, dv(ok), ok.length)][0]!;
  assert.deepEqual(decodeAck(ok, dv(ok), okm), { errno: 0, requestType: RTM_DELROUTE, requestSeq: 6 });
});

test('decode a kernel dump message: unknown attributes skipped, single gateway with its oif', { skip }, () => {
  // As the kernel sends it: RTA_TABLE, RTA_DST, RTA_PRIORITY, RTA_PREFSRC (7, not ours), RTA_GATEWAY, RTA_OIF.
  const b = hex(`
    4c000000 1800 0200 0b000000 00000000
    02 18 00 00 fe c8 00 01 00000000
    0800 0f00 fe000000
    0800 0100 c6336400
    0800 0600 20000000
    0800 0700 c0000201
    0800 0500 c0000202
    0800 0400 05000000`);
  const m = [...messages(b, dv(b), b.length)][0]!;
  const r = decodeRoute(b, dv(b), m)!;
  assert.equal(r.family, 4);
  assert.deepEqual(r.dst, ip('198.51.100.0'));
  assert.equal(r.dstLen, 24);
  assert.equal(r.table, 254);
  assert.equal(r.protocol, 200);
  assert.equal(r.priority, 32);
  assert.deepEqual(r.nexthops, [{ gateway: ip('192.0.2.2'), ifindex: 5, weight: 1 }]);
});

test('decode(encode(route)) keeps multipath next hops, weights, table and via', { skip }, () => {
  const spec: RouteSpec = {
    family: 4, dst: ip('203.0.113.0'), dstLen: 25, table: 70000, protocol: 200, priority: 9,
    nexthops: [{ gateway: ip('192.0.2.2'), ifindex: 4 }, { gateway: ip('2001:db8::9'), ifindex: 4, weight: 3 }],
  };
  const b = encode(RTM_NEWROUTE, NEW_EXCL, 3, spec);
  const r = decodeRoute(b, dv(b), [...messages(b, dv(b), b.length)][0]!)!;
  assert.equal(r.table, 70000);
  assert.equal(r.priority, 9);
  assert.equal(r.dstLen, 25);
  assert.deepEqual(r.nexthops, [
    { gateway: ip('192.0.2.2'), ifindex: 4, weight: 1 },
    { gateway: ip('2001:db8::9'), ifindex: 4, weight: 3 },
  ]);
});

test('messages(): several messages with zero padding between datagrams; a bad length throws', { skip }, () => {
  const a = encodeRouteDump(4, 254, 200, 1);
  const c = encodeRouteDump(6, 254, 200, 2);
  const b = new Uint8Array(a.length + 4 + c.length + 8);
  b.set(a, 0);
  b.set(c, a.length + 4);
  assert.deepEqual([...messages(b, dv(b), b.length)].map((m) => [m.seq, m.offset]), [[1, 0], [2, a.length + 4]]);
  const bad = hex(`ff000000 1800 0000 01000000 00000000`);
  assert.throws(() => [...messages(bad, dv(bad), bad.length)], NetlinkDecodeError);
  const tiny = hex(`08000000 1800 0000 01000000 00000000`);
  assert.throws(() => [...messages(tiny, dv(tiny), tiny.length)], NetlinkDecodeError);
});

test('a truncated route attribute throws instead of reading past the message', { skip }, () => {
  const b = hex(`
    24000000 1800 0200 0b000000 00000000
    02 18 00 00 fe c8 00 01 00000000
    1000 0100 c6336400`);
  const m = [...messages(b, dv(b), b.length)][0]!;
  assert.throws(() => decodeRoute(b, dv(b), m), NetlinkDecodeError);
});
