// One test group per capability registry row; vectors assembled from each RFC's value layout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  capabilityEncodingLength,
  capabilityName,
  capabilityRow,
  capabilityToJSON,
  decodeCapability,
  encodeCapability,
  encodeCapabilityInto,
  type Capability,
} from '../../../src/wire/capabilities/index.js';
import { BgpEncodeError } from '../../../src/wire/codec.js';
import { bytes, checkCodec, expectFailure, expectOk, type CodecUnderTest } from '../../helpers/codec-check.js';

/** The trio over one capability TLV: Capability Code, Capability Length, Value (RFC 5492 §4). */
const capCodec: CodecUnderTest<Capability> = {
  encodingLength: capabilityEncodingLength,
  encodeInto: encodeCapabilityInto,
  decode: decodeCapability,
};

function golden(wire: string, cap: Capability): void {
  const b = bytes(wire);
  assert.deepStrictEqual(expectOk(decodeCapability(b, 0, b.length)), cap);
  checkCodec(capCodec, cap, { expected: b });
  assert.deepEqual(encodeCapability(cap), b);
}

const malformed = (wire: string): void => {
  const b = bytes(wire);
  expectFailure(decodeCapability(b, 0, b.length), 2, 0);
};

describe('capability registry', () => {
  it('has a named row for every supported code', () => {
    for (const code of [1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73, 128]) {
      const row = capabilityRow(code);
      assert.ok(row !== undefined, `row for ${code}`);
      assert.equal(row.code, code);
      assert.ok(!capabilityName(code).startsWith('Unknown'));
    }
    assert.equal(capabilityRow(200), undefined);
    assert.equal(capabilityName(200), 'Unknown(200)');
  });

  it('Multiprotocol (RFC 4760 §8): AFI, reserved, SAFI', () => {
    golden('01 04 0002 00 01', { kind: 'multiprotocol', code: 1, afi: 2, safi: 1 });
    // The reserved octet is ignored on receipt and sent as zero.
    const b = bytes('01 04 0001 7f 01');
    assert.deepStrictEqual(expectOk(decodeCapability(b, 0, b.length)), { kind: 'multiprotocol', code: 1, afi: 1, safi: 1 });
    malformed('01 03 0001 00');
    malformed('01 05 0001 00 01 00');
  });

  it('Route Refresh (RFC 2918 §2), its pre-standard code 128, Enhanced Route Refresh (RFC 7313 §3.1)', () => {
    golden('02 00', { kind: 'route-refresh', code: 2 });
    golden('80 00', { kind: 'route-refresh', code: 128 });
    golden('46 00', { kind: 'enhanced-route-refresh', code: 70 });
    malformed('02 01 00');
    malformed('46 01 00');
  });

  it('Extended Message (RFC 8654 §3): empty', () => {
    golden('06 00', { kind: 'extended-message', code: 6 });
    malformed('06 02 0000');
  });

  it('4-octet AS (RFC 6793 §3)', () => {
    golden('41 04 fa56ea01', { kind: 'four-octet-as', code: 65, asn: 4200000001 });
    golden('41 04 0000fde9', { kind: 'four-octet-as', code: 65, asn: 65001 });
    malformed('41 02 fde9');
  });

  it('Graceful Restart (RFC 4724 §3): R/N flags, 12-bit time, per-family F bit', () => {
    golden('40 06 8078 0001 01 80', {
      kind: 'graceful-restart',
      code: 64,
      restartState: true,
      notification: false,
      restartTime: 120,
      families: [{ afi: 1, safi: 1, forwardingState: true }],
    });
    // RFC 8538 §2 N bit, restart time 4095, two families without forwarding state.
    golden('40 0a 4fff 0001 01 00 0002 01 00', {
      kind: 'graceful-restart',
      code: 64,
      restartState: false,
      notification: true,
      restartTime: 4095,
      families: [
        { afi: 1, safi: 1, forwardingState: false },
        { afi: 2, safi: 1, forwardingState: false },
      ],
    });
    // Helper mode: no families.
    golden('40 02 005a', { kind: 'graceful-restart', code: 64, restartState: false, notification: false, restartTime: 90, families: [] });
    malformed('40 00');
    malformed('40 03 005a 00');
    malformed('40 05 005a 0001 01');
  });

  it('Long-Lived Graceful Restart (RFC 9494 §3): F bit and 24-bit stale time', () => {
    golden('47 07 0001 01 80 000e10', {
      kind: 'long-lived-graceful-restart',
      code: 71,
      families: [{ afi: 1, safi: 1, forwardingState: true, staleTime: 3600 }],
    });
    golden('47 0e 0001 01 00 ffffff 0002 01 80 000001', {
      kind: 'long-lived-graceful-restart',
      code: 71,
      families: [
        { afi: 1, safi: 1, forwardingState: false, staleTime: 0xffffff },
        { afi: 2, safi: 1, forwardingState: true, staleTime: 1 },
      ],
    });
    malformed('47 06 0001 01 80 000e');
  });

  it('ADD-PATH (RFC 7911 §4): per family Send/Receive', () => {
    golden('45 08 0001 01 03 0002 01 01', {
      kind: 'add-path',
      code: 69,
      families: [
        { afi: 1, safi: 1, sendReceive: 3 },
        { afi: 2, safi: 1, sendReceive: 1 },
      ],
    });
    malformed('45 03 0001 01');
  });

  it('Extended Next Hop (RFC 8950 §3): NLRI AFI, NLRI SAFI, next-hop AFI tuples', () => {
    golden('05 0c 0001 0001 0002 0001 0080 0002', {
      kind: 'extended-next-hop',
      code: 5,
      tuples: [
        { nlriAfi: 1, nlriSafi: 1, nextHopAfi: 2 },
        { nlriAfi: 1, nlriSafi: 128, nextHopAfi: 2 },
      ],
    });
    malformed('05 04 0001 0001');
  });

  it('BGP Role (RFC 9234 §4.1): one octet', () => {
    golden('09 01 03', { kind: 'role', code: 9, role: 3 });
    assert.deepEqual(capabilityToJSON({ kind: 'role', code: 9, role: 3 }), { code: 9, name: 'BGP Role', role: 3, roleName: 'Customer' });
    malformed('09 00');
    malformed('09 02 0300');
  });

  it('FQDN (code 73, as FRR sends it): length-prefixed hostname and domain name', () => {
    // hostname "node1", domain "example" — lengths 5 and 7.
    golden('49 0e 05 6e6f646531 07 6578616d706c65', { kind: 'fqdn', code: 73, hostname: 'node1', domainName: 'example' });
    golden('49 07 05 6e6f646531 00', { kind: 'fqdn', code: 73, hostname: 'node1', domainName: '' });
    golden('49 02 00 00', { kind: 'fqdn', code: 73, hostname: '', domainName: '' });
    malformed('49 00');
    malformed('49 06 05 6e6f646531'); // domain length missing
    malformed('49 08 05 6e6f646531 00 00'); // trailing octet
    malformed('49 03 01 ff 00'); // not UTF-8
  });

  it('unknown codes are kept as raw zero-copy bytes and re-encoded identically', () => {
    const b = bytes('aa bb c8 03 010203 cc');
    const cap = expectOk(decodeCapability(b, 2, 5));
    assert.equal(cap.kind, 'unknown');
    assert.ok(cap.kind === 'unknown');
    assert.equal(cap.value.buffer, b.buffer, 'value is a view of the input');
    golden('c8 03 010203', { kind: 'unknown', code: 200, value: bytes('010203') });
    golden('ff 00', { kind: 'unknown', code: 255, value: new Uint8Array(0) });
    assert.deepEqual(capabilityToJSON(cap), { code: 200, name: 'Unknown(200)', value: '010203' });
  });

  it('toJSON gives plain values for every row', () => {
    const gr = expectOk(decodeCapability(bytes('40 06 8078 0001 01 80'), 0, 8));
    assert.deepEqual(capabilityToJSON(gr), {
      code: 64,
      name: 'Graceful Restart',
      restartState: true,
      notification: false,
      restartTime: 120,
      families: [{ afi: 1, safi: 1, forwardingState: true }],
    });
    const ap = expectOk(decodeCapability(bytes('45 04 0001 01 02'), 0, 6));
    assert.deepEqual(capabilityToJSON(ap), { code: 69, name: 'ADD-PATH', families: [{ afi: 1, safi: 1, sendReceive: 'send' }] });
  });

  it('decodeCapability wants exactly one TLV', () => {
    expectFailure(decodeCapability(bytes('02 00 02 00'), 0, 4), 2, 0);
    expectFailure(decodeCapability(new Uint8Array(0), 0, 0), 2, 0);
  });

  describe('encoder guards', () => {
    const throwsCode = (f: () => unknown, code: string) =>
      assert.throws(f, (e: unknown) => e instanceof BgpEncodeError && e.code === code);

    it('field ranges', () => {
      const gr: Capability = { kind: 'graceful-restart', code: 64, restartState: false, notification: false, restartTime: 4096, families: [] };
      throwsCode(() => encodeCapabilityInto(gr, new Uint8Array(10), 0), 'ERR_BGP_FIELD_RANGE');
      const llgr: Capability = { kind: 'long-lived-graceful-restart', code: 71, families: [{ afi: 1, safi: 1, forwardingState: false, staleTime: 2 ** 24 }] };
      throwsCode(() => encodeCapabilityInto(llgr, new Uint8Array(10), 0), 'ERR_BGP_FIELD_RANGE');
    });

    it('a value over 255 octets cannot be a capability (RFC 5492 §4)', () => {
      const families = Array.from({ length: 64 }, () => ({ afi: 1, safi: 1, sendReceive: 3 }));
      throwsCode(() => capabilityEncodingLength({ kind: 'add-path', code: 69, families }), 'ERR_BGP_CAPABILITY_TOO_LONG');
      throwsCode(() => capabilityEncodingLength({ kind: 'fqdn', code: 73, hostname: 'h'.repeat(200), domainName: 'd'.repeat(54) }), 'ERR_BGP_FQDN_TOO_LONG');
      assert.equal(capabilityEncodingLength({ kind: 'fqdn', code: 73, hostname: 'h'.repeat(200), domainName: 'd'.repeat(53) }), 257);
    });
  });
});
