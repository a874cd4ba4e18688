// Our OPEN's Graceful Restart capability (RFC 4724 §3), checked on the bytes: encoded, decoded again and
// summarized as the peer would see them; and negotiated against a BIRD-like peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localOpen, MAX_RESTART_TIME } from '../../../src/peer/local-open.js';
import { summarizeOpen } from '../../../src/peer/open-summary.js';
import { negotiate } from '../../../src/peer/negotiate.js';
import { encodeMessage, decodeMessage } from '../../../src/wire/message.js';
import { DEFAULT_CONTEXT } from '../../../src/wire/types.js';
import { NO_CAPABILITIES } from '../../../src/fsm/summary.js';

function wireSummary(gr: Parameters<typeof localOpen>[4]) {
  const bytes = encodeMessage(localOpen(65001, 90, 0xc0000201, 'node-a', gr), DEFAULT_CONTEXT);
  const back = decodeMessage(bytes, 0, DEFAULT_CONTEXT);
  assert.ok(back.ok, 'our OPEN decodes');
  assert.equal(back.value.type, 'OPEN');
  return { bytes, summary: summarizeOpen(back.value as Parameters<typeof summarizeOpen>[0]) };
}

test('normal start: GR for IPv4 and IPv6 unicast, restart time = maxRestartTime, no R, no F, no N', () => {
  const g = wireSummary({ restartTime: 120, restarting: false, forwardingPreserved: true }).summary.capabilities.gracefulRestart;
  assert.ok(g !== null);
  assert.equal(g.restartTime, 120);
  assert.equal(g.restarting, false);
  assert.equal(g.notification, false, 'RFC 8538 not implemented, so the N bit is never set');
  assert.deepEqual(g.families, [
    { afi: 1, safi: 1, forwardingState: false },
    { afi: 2, safi: 1, forwardingState: false },
  ]);
});

test('after a graceful restart: R bit, F per family only when forwarding was preserved', () => {
  const kept = wireSummary({ restartTime: 300, restarting: true, forwardingPreserved: true }).summary.capabilities.gracefulRestart!;
  assert.equal(kept.restarting, true);
  assert.equal(kept.restartTime, 300);
  assert.ok(kept.families.every((f) => f.forwardingState));
  const lost = wireSummary({ restartTime: 300, restarting: true, forwardingPreserved: false }).summary.capabilities.gracefulRestart!;
  assert.equal(lost.restarting, true);
  assert.ok(lost.families.every((f) => !f.forwardingState));
});

test('restart time is capped at 4095 (12 bits) and the first flag/time octets are as RFC 4724 §3 draws them', () => {
  const { bytes, summary } = wireSummary({ restartTime: 100_000, restarting: true, forwardingPreserved: true });
  assert.equal(summary.capabilities.gracefulRestart!.restartTime, MAX_RESTART_TIME);
  // Capability code 64, length 2 + 2*4, flags R (0x8) | time 0xfff, then 0001 01 80, 0002 01 80.
  const at = Buffer.from(bytes).indexOf(Buffer.from([64, 10]));
  assert.ok(at > 0, 'GR capability present with length 10');
  assert.deepEqual([...bytes.subarray(at + 2, at + 12)], [0x8f, 0xff, 0, 1, 1, 0x80, 0, 2, 1, 0x80]);
});

test('without the GR argument nothing is advertised (and then nothing is negotiated)', () => {
  assert.equal(wireSummary(undefined).summary.capabilities.gracefulRestart, null);
});

test('negotiated with a peer that lists IPv4 only with F: the helper sees the peer restart time and F bit', () => {
  const ours = wireSummary({ restartTime: 120, restarting: false, forwardingPreserved: false }).summary;
  const theirs = {
    version: 4, myAs: 65002, holdTime: 90, bgpIdentifier: 0xc0000202,
    capabilities: {
      ...NO_CAPABILITIES,
      multiprotocol: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }],
      gracefulRestart: { restartTime: 5, restarting: true, notification: false, families: [{ afi: 1, safi: 1, forwardingState: true }] },
    },
  };
  const n = negotiate(ours, theirs);
  assert.deepEqual(n.gracefulRestart, { restartTime: 5, peerRestarting: true, notification: false, families: [{ afi: 1, safi: 1, forwardingState: true }] });
});
