import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatAddress, formatPrefix, parseAddress, parsePrefix } from '../../../src/fib/prefix.js';
import { dumpedMatches, nextHopKey, parseRoute } from '../../../src/fib/route.js';

test('IPv4 and IPv6 addresses parse to network-order bytes', () => {
  assert.deepEqual([...parseAddress('192.0.2.255')!], [192, 0, 2, 255]);
  assert.deepEqual([...parseAddress('2001:db8::1')!], [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual([...parseAddress('::ffff:192.0.2.1')!].slice(10), [0xff, 0xff, 192, 0, 2, 1]);
  assert.deepEqual([...parseAddress('::')!], new Array(16).fill(0));
  for (const bad of ['192.0.2', '192.0.2.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '', '1:2:3:4:5:6:7::8:9']) {
    assert.equal(parseAddress(bad), undefined, bad);
  }
});

test('IPv6 text is RFC 5952 canonical (§4.2.2 no single-group ::, §4.2.3 first longest run, lower case)', () => {
  const canon = (s: string): string => formatAddress(parseAddress(s)!);
  assert.equal(canon('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canon('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  assert.equal(canon('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1');
  assert.equal(canon('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canon('0:0:0:0:0:0:0:0'), '::');
  assert.equal(canon('fe80:0:0:0:0:0:0:0'), 'fe80::');
});

test('property: parse(format(bytes)) == bytes for any IPv6 address', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      assert.deepEqual(parseAddress(formatAddress(b)), b);
    }),
    { numRuns: 2000 },
  );
});

test('prefixes: host bits and lengths are checked', () => {
  const p = parsePrefix('2001:db8:100::/40');
  assert.ok(p.ok);
  if (p.ok) assert.equal(formatPrefix(p.prefix), '2001:db8:100::/40');
  assert.deepEqual(parsePrefix('198.51.100.1/24'), { ok: false, reason: 'host bits set' });
  assert.deepEqual(parsePrefix('198.51.100.0/33'), { ok: false, reason: 'prefix length too long' });
  assert.equal(parsePrefix('198.51.100.0').ok, false);
  assert.equal(parsePrefix('0.0.0.0/0').ok, true);
  for (const bad of ['198.51.100.0/', '198.51.100.0/1e1', '198.51.100.0/ 8', '198.51.100.0/-1', '198.51.100.0/2400']) {
    assert.equal(parsePrefix(bad).ok, false, bad);
  }
  // The key is canonical whatever the spelling.
  const text = (s: string): string => {
    const r = parsePrefix(s);
    assert.ok(r.ok, s);
    return r.ok ? r.text : '';
  };
  assert.equal(text('2001:DB8:0::/48'), '2001:db8::/48');
  assert.equal(text('2001:DB8::/48'), '2001:db8::/48');
  assert.equal(text('198.51.100.0/024'), '198.51.100.0/24');
  assert.equal(text('198.51.100.0/24'), '198.51.100.0/24');
});

test('property: any IPv4 prefix text round-trips to the same canonical key', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }), (b, len) => {
      for (let bit = len; bit < 32; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
      const s = `${b[0]}.${b[1]}.${b[2]}.${b[3]}/${len}`;
      const r = parsePrefix(s);
      assert.ok(r.ok);
      if (r.ok) {
        assert.equal(r.text, s);
        assert.deepEqual(r.prefix.addr, b);
      }
    }),
    { numRuns: 2000 },
  );
});

test('routes: next-hop set key ignores order and duplicates; bad inputs are reasons, not throws', () => {
  const a = parseRoute('203.0.113.0/24', [{ gateway: '192.0.2.3' }, { gateway: '192.0.2.2' }, { gateway: '192.0.2.2' }]);
  const b = parseRoute('203.0.113.0/24', [{ gateway: '192.0.2.2' }, { gateway: '192.0.2.3' }]);
  assert.ok(a.ok && b.ok);
  if (a.ok && b.ok) {
    assert.equal(a.route.nhKey, b.route.nhKey);
    assert.equal(a.route.nexthops.length, 2);
  }
  assert.notEqual(nextHopKey([{ gateway: '192.0.2.2' }]), nextHopKey([{ gateway: '192.0.2.2', weight: 2 }]));
  assert.equal(parseRoute('203.0.113.0/24', []).ok, false);
  assert.equal(parseRoute('203.0.113.0/24', [{ gateway: 'x' }]).ok, false);
  assert.equal(parseRoute('2001:db8::/32', [{ gateway: '192.0.2.1' }]).ok, false);
  assert.equal(parseRoute('203.0.113.0/24', [{ gateway: '2001:db8::1' }]).ok, true); // RFC 8950
});

test('dumpedMatches: gateways and weights must agree; the kernel-chosen interface is ignored unless pinned', () => {
  const r = parseRoute('203.0.113.0/24', [{ gateway: '192.0.2.2' }, { gateway: '192.0.2.3' }]);
  assert.ok(r.ok);
  if (!r.ok) return;
  const nh = (g: string, ifindex = 7, weight = 1) => ({ gateway: parseAddress(g)!, ifindex, weight });
  const dumped = (nexthops: ReturnType<typeof nh>[]) => ({
    family: 4 as const, dstLen: 24, table: 254, protocol: 200, scope: 0, type: 1,
    dst: parseAddress('203.0.113.0')!, priority: 32, nexthops,
  });
  assert.equal(dumpedMatches(r.route, dumped([nh('192.0.2.3'), nh('192.0.2.2')])), true);
  assert.equal(dumpedMatches(r.route, dumped([nh('192.0.2.2')])), false);
  assert.equal(dumpedMatches(r.route, dumped([nh('192.0.2.2'), nh('192.0.2.4')])), false);
  assert.equal(dumpedMatches(r.route, dumped([nh('192.0.2.2'), nh('192.0.2.3', 7, 2)])), false);
  const pinned = parseRoute('203.0.113.0/24', [{ gateway: '192.0.2.2', ifindex: 3 }]);
  assert.ok(pinned.ok);
  if (!pinned.ok) return;
  assert.equal(dumpedMatches(pinned.route, dumped([nh('192.0.2.2', 3)])), true);
  assert.equal(dumpedMatches(pinned.route, dumped([nh('192.0.2.2', 4)])), false);
});
