// Packed NLRI blocks (RFC 4271 §4.3, RFC 7911 §3): one validating scan, visitors, text forms, transcoding.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  NlriError, forEachIPv4, forEachIPv6, nlriEncodedLength, packPrefixes, parsePrefix, scanNlri, toPrefixEntries, toPrefixStrings, writeNlri,
} from '../../../src/wire/nlri.js';
import { ipv4ToString, ipv6ToString, parseIPv4, parseIPv6 } from '../../../src/wire/addr.js';
import { bytes, hex } from './upd-fixtures.js';

describe('scanNlri', () => {
  it('counts well-formed IPv4 and IPv6 blocks, /0 included', () => {
    assert.equal(scanNlri(bytes('00 08 0a 18 c63364 20 cb007101'), 0, 12, 1, false), 4);
    assert.equal(scanNlri(bytes('80 20010db8000000000000000000000001 00'), 0, 18, 2, false), 2);
    assert.equal(scanNlri(new Uint8Array(0), 0, 0, 1, false), 0);
  });

  it('rejects a length above the address size, an overrun and a cut path identifier (RFC 7606 §5.3)', () => {
    assert.equal(scanNlri(bytes('21 0a000000 00'), 0, 6, 1, false), NlriError.PrefixTooLong);
    assert.equal(scanNlri(bytes('81 20010db8000000000000000000000001 00'), 0, 18, 2, false), NlriError.PrefixTooLong);
    assert.equal(scanNlri(bytes('18 c633'), 0, 3, 1, false), NlriError.Truncated);
    assert.equal(scanNlri(bytes('00000001 18 c63364 000000'), 0, 11, 1, true), NlriError.TruncatedPathId);
  });

  it('scans only its window of a larger buffer', () => {
    const b = bytes('ff 18 c63364 ff');
    assert.equal(scanNlri(b, 1, 4, 1, false), 1);
  });
});

describe('visitors and text', () => {
  it('IPv4 as uint32 with host bits cleared, plus path ids', () => {
    const n = { afi: 1, safi: 1, addPath: true, bytes: bytes('00000005 19 cb0071ff  00000006 00'), count: 2 };
    const seen: [string, number, number][] = [];
    forEachIPv4(n, (a, l, id) => seen.push([ipv4ToString(a), l, id]));
    assert.deepEqual(seen, [['203.0.113.128', 25, 5], ['0.0.0.0', 0, 6]]);
    assert.deepEqual(toPrefixEntries(n), [{ prefix: '203.0.113.128/25', pathId: 5 }, { prefix: '0.0.0.0/0', pathId: 6 }]);
  });

  it('IPv6 through a reused scratch array', () => {
    const n = packPrefixes(2, 1, ['2001:db8:1::/48', '2001:db8:ffff:ff00::/57'], false);
    const seen: string[] = [];
    let first: Uint8Array | undefined;
    forEachIPv6(n, (a, l) => {
      first ??= a;
      assert.equal(a, first, 'same scratch array each call');
      seen.push(`${ipv6ToString(a)}/${l}`);
    });
    assert.deepEqual(seen, ['2001:db8:1::/48', '2001:db8:ffff:ff00::/57']);
  });

  it('packPrefixes clears host bits and refuses text of another family', () => {
    assert.deepEqual(toPrefixStrings(packPrefixes(1, 1, ['198.51.100.77/24'], false)), ['198.51.100.0/24']);
    assert.throws(() => packPrefixes(1, 1, ['2001:db8::/32'], false), { code: 'ERR_BGP_BAD_PREFIX' });
    assert.throws(() => packPrefixes(1, 1, ['198.51.100.0/33'], false), { code: 'ERR_BGP_BAD_PREFIX' });
  });

  it('writeNlri adds or drops path identifiers', () => {
    const plain = packPrefixes(1, 1, ['198.51.100.0/24', '10.0.0.0/8'], false);
    assert.equal(nlriEncodedLength(plain, true), plain.bytes.length + 8);
    const out = new Uint8Array(nlriEncodedLength(plain, true));
    writeNlri(plain, true, out, 0);
    assert.equal(hex(out), '0000000018c633640000000008' + '0a');
    const withIds = { ...plain, addPath: true, bytes: out };
    const back = new Uint8Array(plain.bytes.length);
    writeNlri(withIds, false, back, 0);
    assert.equal(hex(back), hex(plain.bytes));
  });
});

describe('address text', () => {
  it('parses and prints IPv4 and IPv6 (RFC 5952)', () => {
    assert.equal(parseIPv4('192.0.2.255'), 0xc00002ff);
    assert.equal(parseIPv4('192.0.2.256'), -1);
    assert.equal(parseIPv4('192.0.02.1'), -1);
    assert.equal(ipv6ToString(parseIPv6('2001:DB8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
    assert.equal(ipv6ToString(parseIPv6('::ffff:192.0.2.1')!), '::ffff:c000:201');
    assert.equal(ipv6ToString(parseIPv6('::')!), '::');
    assert.equal(parseIPv6('1::2::3'), undefined);
    assert.equal(parseIPv6('1:2:3:4:5:6:7'), undefined);
    assert.equal(parsePrefix('2001:db8::/129'), undefined);
  });
});
