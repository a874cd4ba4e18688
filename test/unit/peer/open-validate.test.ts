// RFC 4271 §6.2 OPEN checks: each failure names the NOTIFICATION (code 2, subcode, data).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateOpen, versionToOffer, type OpenPolicy } from '../../../src/peer/open-validate.js';
import { NO_CAPABILITIES, parseBgpIdentifier, type OpenSummary } from '../../../src/fsm/summary.js';
import { AS_TRANS, BgpRole } from '../../../src/wire/iana.js';

const OUR_ID = parseBgpIdentifier('192.0.2.1')!;
const PEER_ID = parseBgpIdentifier('198.51.100.2')!;
const policy: OpenPolicy = { localAs: 65001, localBgpId: OUR_ID, peerAs: 65002 };
const open = (over: Partial<OpenSummary> = {}, caps: Partial<OpenSummary['capabilities']> = {}): OpenSummary => ({
  version: 4,
  myAs: 65002,
  holdTime: 90,
  bgpIdentifier: PEER_ID,
  ...over,
  capabilities: { ...NO_CAPABILITIES, ...caps },
});

function rejected(r: ReturnType<typeof validateOpen>, code: string, subcode: number, data: number[] = []) {
  assert.equal(r.ok, false, 'must be rejected');
  if (r.ok) return;
  assert.equal(r.code, code);
  assert.deepEqual(r.notification, { code: 2, subcode, data: Uint8Array.from(data) });
  assert.ok(r.reason.length > 0);
}

test('a well-formed eBGP OPEN is accepted with the peer AS', () => {
  assert.deepEqual(validateOpen(open(), policy), { ok: true, peerAs: 65002, internal: false });
  assert.deepEqual(validateOpen(open(), { ...policy, peerAs: null }), { ok: true, peerAs: 65002, internal: false });
});

test('Unsupported Version Number carries the version we offer as 2 octets', () => {
  rejected(validateOpen(open({ version: 3 }), policy), 'ERR_BGP_OPEN_UNSUPPORTED_VERSION', 1, [0, 4]);
  rejected(validateOpen(open({ version: 5 }), policy), 'ERR_BGP_OPEN_UNSUPPORTED_VERSION', 1, [0, 4]);
  // The rule: the largest supported below the bid, else the smallest supported.
  assert.equal(versionToOffer(6, [3, 4, 5]), 5);
  assert.equal(versionToOffer(2, [3, 4]), 3);
});

test('Bad Peer AS: configured AS mismatch', () => {
  rejected(validateOpen(open({ myAs: 65003 }), policy), 'ERR_BGP_OPEN_BAD_PEER_AS', 2);
});

test('4-octet AS: AS_TRANS with the capability is the capability AS (RFC 6793 §4.1)', () => {
  const p = { ...policy, peerAs: 4200000001 };
  assert.deepEqual(validateOpen(open({ myAs: AS_TRANS }, { fourOctetAs: 4200000001 }), p), {
    ok: true,
    peerAs: 4200000001,
    internal: false,
  });
  // A 2-octet AS may also come with the capability, in both fields.
  assert.equal(validateOpen(open({}, { fourOctetAs: 65002 }), policy).ok, true);
  rejected(validateOpen(open({ myAs: AS_TRANS }, { fourOctetAs: 4200000002 }), p), 'ERR_BGP_OPEN_BAD_PEER_AS', 2);
});

test('4-octet AS: AS_TRANS without the capability, or My AS disagreeing with it, is Bad Peer AS', () => {
  rejected(validateOpen(open({ myAs: AS_TRANS }), { ...policy, peerAs: null }), 'ERR_BGP_OPEN_BAD_PEER_AS', 2);
  rejected(validateOpen(open({ myAs: 65002 }, { fourOctetAs: 65009 }), { ...policy, peerAs: null }), 'ERR_BGP_OPEN_BAD_PEER_AS', 2);
});

test('AS 0 is Bad Peer AS (RFC 7607)', () => {
  rejected(validateOpen(open({ myAs: 0 }), { ...policy, peerAs: null }), 'ERR_BGP_OPEN_BAD_PEER_AS', 2);
  rejected(validateOpen(open({ myAs: AS_TRANS }, { fourOctetAs: 0 }), { ...policy, peerAs: null }), 'ERR_BGP_OPEN_BAD_PEER_AS', 2);
});

test('Unacceptable Hold Time for 1 and 2 seconds; 0 and 3 are fine; local minimum applies to non-zero', () => {
  rejected(validateOpen(open({ holdTime: 1 }), policy), 'ERR_BGP_OPEN_UNACCEPTABLE_HOLD_TIME', 6);
  rejected(validateOpen(open({ holdTime: 2 }), policy), 'ERR_BGP_OPEN_UNACCEPTABLE_HOLD_TIME', 6);
  assert.equal(validateOpen(open({ holdTime: 0 }), policy).ok, true);
  assert.equal(validateOpen(open({ holdTime: 3 }), policy).ok, true);
  rejected(validateOpen(open({ holdTime: 9 }), { ...policy, minHoldTime: 10 }), 'ERR_BGP_OPEN_UNACCEPTABLE_HOLD_TIME', 6);
  assert.equal(validateOpen(open({ holdTime: 0 }), { ...policy, minHoldTime: 10 }).ok, true);
});

test('Bad BGP Identifier: zero, or our own from an internal peer (RFC 6286 §2.2); eBGP may share it', () => {
  rejected(validateOpen(open({ bgpIdentifier: 0 }), policy), 'ERR_BGP_OPEN_BAD_BGP_IDENTIFIER', 3);
  const ibgp = { ...policy, peerAs: 65001 };
  rejected(validateOpen(open({ myAs: 65001, bgpIdentifier: OUR_ID }), ibgp), 'ERR_BGP_OPEN_BAD_BGP_IDENTIFIER', 3);
  assert.deepEqual(validateOpen(open({ myAs: 65001 }), ibgp), { ok: true, peerAs: 65001, internal: true });
  assert.equal(validateOpen(open({ bgpIdentifier: OUR_ID }), policy).ok, true);
});

test('RFC 9234 roles: Table 2 pairs pass, others are Role Mismatch; strict mode requires a role', () => {
  const p = { ...policy, localRole: BgpRole.Provider };
  assert.equal(validateOpen(open({}, { role: BgpRole.Customer }), p).ok, true);
  rejected(validateOpen(open({}, { role: BgpRole.Peer }), p), 'ERR_BGP_OPEN_ROLE_MISMATCH', 11);
  rejected(validateOpen(open({}, { role: BgpRole.Provider }), p), 'ERR_BGP_OPEN_ROLE_MISMATCH', 11);
  assert.equal(validateOpen(open({}, { role: BgpRole.RSClient }), { ...policy, localRole: BgpRole.RS }).ok, true);
  assert.equal(validateOpen(open({}, { role: BgpRole.Peer }), { ...policy, localRole: BgpRole.Peer }).ok, true);
  assert.equal(validateOpen(open(), p).ok, true, 'no role from the peer is fine unless strict');
  rejected(validateOpen(open(), { ...p, strictRole: true }), 'ERR_BGP_OPEN_ROLE_MISMATCH', 11);
});

test('checks run in RFC 4271 §6.2 order: version before AS before hold time before identifier', () => {
  const bad = open({ version: 3, myAs: 1, holdTime: 1, bgpIdentifier: 0 });
  rejected(validateOpen(bad, policy), 'ERR_BGP_OPEN_UNSUPPORTED_VERSION', 1, [0, 4]);
  rejected(validateOpen({ ...bad, version: 4 }, policy), 'ERR_BGP_OPEN_BAD_PEER_AS', 2);
  rejected(validateOpen({ ...bad, version: 4, myAs: 65002 }, policy), 'ERR_BGP_OPEN_UNACCEPTABLE_HOLD_TIME', 6);
});
