// summarizeOpen: the codec's OpenMessage (through real bytes) to the OpenSummary the session layer reads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpen, decodeOpenBody, encodeOpen } from '../../../src/wire/open.js';
import { summarizeOpen } from '../../../src/peer/open-summary.js';
import { negotiate } from '../../../src/peer/negotiate.js';
import { validateOpen } from '../../../src/peer/open-validate.js';
import { AS_TRANS, BgpRole, CapabilityCode, HEADER_LENGTH } from '../../../src/wire/iana.js';
import { afiSafiKey } from '../../../src/wire/types.js';
import type { Capability } from '../../../src/wire/capabilities/index.js';

const caps: Capability[] = [
  { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: 1, safi: 1 },
  { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: 2, safi: 1 },
  { kind: 'route-refresh', code: CapabilityCode.CiscoRouteRefresh },
  { kind: 'enhanced-route-refresh', code: CapabilityCode.EnhancedRouteRefresh },
  { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: 4200000001 },
  {
    kind: 'graceful-restart',
    code: CapabilityCode.GracefulRestart,
    restartState: true,
    notification: false,
    restartTime: 120,
    families: [{ afi: 1, safi: 1, forwardingState: true }],
  },
  {
    kind: 'add-path',
    code: CapabilityCode.AddPath,
    families: [
      { afi: 1, safi: 1, sendReceive: 3 },
      { afi: 2, safi: 1, sendReceive: 1 },
    ],
  },
  { kind: 'extended-message', code: CapabilityCode.ExtendedMessage },
  { kind: 'extended-next-hop', code: CapabilityCode.ExtendedNextHop, tuples: [{ nlriAfi: 1, nlriSafi: 1, nextHopAfi: 2 }] },
  { kind: 'role', code: CapabilityCode.Role, role: BgpRole.Customer },
  { kind: 'fqdn', code: CapabilityCode.Fqdn, hostname: 'node-1', domainName: 'example.test' },
  { kind: 'unknown', code: 200, value: Uint8Array.of(1, 2) },
];

function viaWire(capabilities: Capability[], asn = 4200000001) {
  const bytes = encodeOpen(buildOpen({ asn, holdTime: 90, bgpIdentifier: 0xcb007109, capabilities }));
  const decoded = decodeOpenBody(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH);
  assert.ok(decoded.ok, 'codec decodes its own OPEN');
  return summarizeOpen(decoded.value);
}

test('every capability the summary knows survives encode → decode → summarize', () => {
  const s = viaWire(caps);
  assert.equal(s.version, 4);
  assert.equal(s.myAs, AS_TRANS);
  assert.equal(s.holdTime, 90);
  assert.equal(s.bgpIdentifier, 0xcb007109);
  assert.deepEqual(s.capabilities, {
    multiprotocol: [
      { afi: 1, safi: 1 },
      { afi: 2, safi: 1 },
    ],
    routeRefresh: true,
    enhancedRouteRefresh: true,
    fourOctetAs: 4200000001,
    gracefulRestart: { restartTime: 120, restarting: true, notification: false, families: [{ afi: 1, safi: 1, forwardingState: true }] },
    addPath: [
      { afi: 1, safi: 1, send: true, receive: true },
      { afi: 2, safi: 1, send: false, receive: true },
    ],
    extendedMessage: true,
    extendedNextHop: [{ nlriAfi: 1, nlriSafi: 1, nextHopAfi: 2 }],
    role: BgpRole.Customer,
    fqdn: { hostname: 'node-1', domain: 'example.test' },
  });
});

test('an OPEN without capabilities summarizes to none; validation and negotiation take the summary', () => {
  const bare = viaWire([], 65002);
  assert.equal(bare.myAs, 65002);
  assert.deepEqual(bare.capabilities.multiprotocol, []);
  assert.equal(bare.capabilities.fourOctetAs, null);
  const full = viaWire(caps);
  assert.deepEqual(validateOpen(full, { localAs: 65001, localBgpId: 0xc0000201, peerAs: 4200000001 }), {
    ok: true,
    peerAs: 4200000001,
    internal: false,
  });
  const n = negotiate(full, bare);
  assert.deepEqual(n.families, [afiSafiKey(1, 1)]);
  assert.equal(n.fourOctetAs, false);
});
