import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeNextHopAttrs, encodePrefixRoute, encodeRouteMessage, prefixRouteLength, routeMessageLength,
  NLM_F_CREATE, NLM_F_REQUEST, RTM_DELROUTE, RTM_NEWROUTE, type NextHopSpec, type RouteSpec,
} from '../../../src/fib/netlink.js';
import { RouteScan } from '../../../src/fib/route-scan.js';
import { NextHopSets, UNKNOWN_SET } from '../../../src/fib/nexthop-sets.js';
import { parseAddress } from '../../../src/fib/prefix.js';

const words = (b: Uint8Array): Uint32Array => {
  const w = new Uint32Array(b.length / 4);
  for (let i = 0; i < w.length; i++) w[i] = ((b[4 * i]! << 24) | (b[4 * i + 1]! << 16) | (b[4 * i + 2]! << 8) | b[4 * i + 3]!) >>> 0;
  return w;
};

function viaSpec(spec: RouteSpec, type: number, flags: number): Uint8Array {
  const buf = new Uint8Array(routeMessageLength(spec));
  encodeRouteMessage(buf, new DataView(buf.buffer), 0, type, flags, 7, spec);
  return buf;
}

function viaPrefix(spec: RouteSpec, type: number, flags: number, at: number): Uint8Array {
  const attrs = spec.nexthops.length === 0 ? null : encodeNextHopAttrs(spec.family, spec.nexthops);
  const len = prefixRouteLength(spec.family, attrs);
  const buf = new Uint8Array(at + len + 8).fill(0xee);
  const w = words(spec.dst);
  const n = encodePrefixRoute(buf, new DataView(buf.buffer), at, type, flags, 7, spec.family, w, 0, spec.dstLen, spec.table, spec.protocol, spec.priority!, attrs);
  assert.equal(n, len);
  assert.ok(buf.subarray(at + len).every((b) => b === 0xee), 'nothing written past the request');
  return buf.subarray(at, at + len);
}

const addr4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const addr6 = fc.uint8Array({ minLength: 16, maxLength: 16 });

test('encodePrefixRoute writes the bytes encodeRouteMessage writes (IPv4/IPv6, one hop, ECMP, RTA_VIA, delete), at any offset', () => {
  fc.assert(
    fc.property(
      fc.boolean(), addr4, addr6, fc.integer({ min: 0, max: 32 }), fc.array(fc.oneof(addr4, addr6), { maxLength: 4 }),
      fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 64 }),
      (v6, d4, d6, len, gws, table, metric, at) => {
        const family = v6 ? 6 : 4;
        const hops: NextHopSpec[] = gws.filter((g) => !v6 || g.length === 16).map((g) => ({ gateway: g }));
        const spec: RouteSpec = { family, dst: v6 ? d6 : d4, dstLen: v6 ? len * 4 : len, table, protocol: 200, priority: metric, nexthops: hops };
        const type = hops.length === 0 ? RTM_DELROUTE : RTM_NEWROUTE;
        const flags = NLM_F_REQUEST | (hops.length === 0 ? 0 : NLM_F_CREATE);
        assert.deepEqual(viaPrefix(spec, type, flags, at), viaSpec(spec, type, flags));
      },
    ),
    { numRuns: 300 },
  );
});

test('RouteScan reads back prefix, table, priority and every gateway without an object per route', () => {
  const gw = [parseAddress('192.0.2.2')!, parseAddress('2001:db8::3')!];
  const spec: RouteSpec = { family: 4, dst: parseAddress('198.51.100.0')!, dstLen: 24, table: 1000, protocol: 200, priority: 32, nexthops: gw.map((g) => ({ gateway: g })) };
  const buf = viaSpec(spec, RTM_NEWROUTE, NLM_F_REQUEST);
  const s = new RouteScan();
  assert.equal(s.read(buf, new DataView(buf.buffer), 0, buf.length), true);
  assert.deepEqual([s.family, s.dstLen, s.table, s.protocol, s.priority, s.dst[0], s.hops], [4, 24, 1000, 200, 32, 0xc6336400, 2]);
  assert.deepEqual(buf.subarray(s.gwAt[0]!, s.gwAt[0]! + s.gwLen[0]!), gw[0]);
  assert.deepEqual(buf.subarray(s.gwAt[1]!, s.gwAt[1]! + s.gwLen[1]!), gw[1]);
  // A single-path IPv6 route, scanned with the same scratch: no hop left over from the last one.
  const one: RouteSpec = { family: 6, dst: parseAddress('2001:db8:1::')!, dstLen: 48, table: 254, protocol: 200, nexthops: [{ gateway: parseAddress('2001:db8::2')! }] };
  const b2 = viaSpec(one, RTM_NEWROUTE, NLM_F_REQUEST);
  assert.equal(s.read(b2, new DataView(b2.buffer), 0, b2.length), true);
  assert.deepEqual([s.family, s.dstLen, s.priority, s.hops, [...s.dst]], [6, 48, -1, 1, [0x20010db8, 0x00010000, 0, 0]]);
});

test('next-hop sets: one id per set whatever the order, shared by the RIB text and the dumped route; refusals', () => {
  const sets = new NextHopSets();
  const ab = sets.fromTexts(['192.0.2.2', '192.0.2.3'], 2);
  assert.ok(ab > 0);
  assert.equal(sets.fromTexts(['192.0.2.3', '192.0.2.2', 'ignored'], 2), ab);
  const a = sets.fromTexts(['192.0.2.2'], 1);
  assert.notEqual(a, ab);
  assert.equal(sets.key(ab), '192.0.2.2,192.0.2.3');
  assert.equal(sets.fromTexts(['not-an-address'], 1), UNKNOWN_SET);
  assert.equal(sets.fromTexts([], 0), 0);
  // IPv6 routes cannot go via an IPv4 gateway; IPv4 routes may go via IPv6 (RFC 8950).
  const v6gw = sets.fromTexts(['2001:db8::2'], 1);
  assert.equal(sets.attrs(a, 6), null);
  assert.notEqual(sets.attrs(a, 4), null);
  assert.notEqual(sets.attrs(v6gw, 4), null);
  assert.notEqual(sets.attrs(v6gw, 6), null);
  // What the kernel dumps for a route written with set ab (gateways in either order) is set ab again.
  const scan = new RouteScan();
  for (const order of [['192.0.2.3', '192.0.2.2'], ['192.0.2.2', '192.0.2.3']]) {
    const spec: RouteSpec = { family: 4, dst: parseAddress('203.0.113.0')!, dstLen: 24, table: 254, protocol: 200, priority: 32, nexthops: order.map((g) => ({ gateway: parseAddress(g)! })) };
    const buf = viaSpec(spec, RTM_NEWROUTE, NLM_F_REQUEST);
    const view = new DataView(buf.buffer);
    scan.read(buf, view, 0, buf.length);
    assert.equal(sets.fromScan(scan, buf, view), ab);
  }
  // One IPv4 gateway (the fast path keyed by the address), and a weighted hop that is not ours as written.
  const single: RouteSpec = { family: 4, dst: parseAddress('203.0.113.0')!, dstLen: 24, table: 254, protocol: 200, priority: 32, nexthops: [{ gateway: parseAddress('192.0.2.2')! }] };
  let buf = viaSpec(single, RTM_NEWROUTE, NLM_F_REQUEST);
  scan.read(buf, new DataView(buf.buffer), 0, buf.length);
  assert.equal(sets.fromScan(scan, buf, new DataView(buf.buffer)), a);
  const weighted: RouteSpec = { ...single, nexthops: [{ gateway: parseAddress('192.0.2.2')!, weight: 3 }, { gateway: parseAddress('192.0.2.3')! }] };
  buf = viaSpec(weighted, RTM_NEWROUTE, NLM_F_REQUEST);
  scan.read(buf, new DataView(buf.buffer), 0, buf.length);
  const w = sets.fromScan(scan, buf, new DataView(buf.buffer));
  assert.ok(w !== ab && w !== a && w > 0);
  assert.equal(sets.key(w), '192.0.2.2*3,192.0.2.3');
});
