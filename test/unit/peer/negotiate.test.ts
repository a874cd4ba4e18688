// Capability negotiation from both OPENs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from '../../../src/peer/negotiate.js';
import { NO_CAPABILITIES, type CapabilitySummary, type OpenSummary } from '../../../src/fsm/summary.js';
import { afiSafiKey } from '../../../src/wire/types.js';
import { AS_TRANS } from '../../../src/wire/iana.js';

const V4U = { afi: 1, safi: 1 };
const V6U = { afi: 2, safi: 1 };
const V4M = { afi: 1, safi: 2 };
const open = (caps: Partial<CapabilitySummary> = {}, over: Partial<OpenSummary> = {}): OpenSummary => ({
  version: 4,
  myAs: 65001,
  holdTime: 90,
  bgpIdentifier: 0xc0000201,
  ...over,
  capabilities: { ...NO_CAPABILITIES, ...caps },
});

test('hold time is the smaller; keepalive a third, or the configured value capped at that third', () => {
  const n = negotiate(open({}, { holdTime: 180 }), open({}, { holdTime: 30, myAs: 65002 }));
  assert.equal(n.holdTime, 30);
  assert.equal(n.keepaliveTime, 10);
  assert.equal(negotiate(open(), open(), { keepaliveTime: 5 }).keepaliveTime, 5);
  assert.equal(negotiate(open(), open(), { keepaliveTime: 45 }).keepaliveTime, 30);
});

test('hold time 0 on either side: no keepalives', () => {
  for (const [a, b] of [
    [0, 90],
    [90, 0],
  ]) {
    const n = negotiate(open({}, { holdTime: a! }), open({}, { holdTime: b! }), { keepaliveTime: 10 });
    assert.equal(n.holdTime, 0);
    assert.equal(n.keepaliveTime, 0);
  }
});

test('families: intersection of Multiprotocol, in our order; IPv4 unicast implied without MP (RFC 4760)', () => {
  const n = negotiate(open({ multiprotocol: [V6U, V4U, V4M] }), open({ multiprotocol: [V4U, V6U] }));
  assert.deepEqual(n.families, [afiSafiKey(2, 1), afiSafiKey(1, 1)]);
  assert.deepEqual(negotiate(open(), open()).families, [afiSafiKey(1, 1)]);
  assert.deepEqual(negotiate(open({ multiprotocol: [V6U, V4U] }), open()).families, [afiSafiKey(1, 1)]);
  assert.deepEqual(negotiate(open({ multiprotocol: [V6U] }), open()).families, []);
});

test('ADD-PATH: send needs our send and their receive; receive needs our receive and their send (RFC 7911 §4)', () => {
  const ours = open({
    multiprotocol: [V4U, V6U, V4M],
    addPath: [
      { ...V4U, send: true, receive: true },
      { ...V6U, send: true, receive: false },
      { ...V4M, send: true, receive: true },
    ],
  });
  const theirs = open({
    multiprotocol: [V4U, V6U],
    addPath: [
      { ...V4U, send: true, receive: false },
      { ...V6U, send: true, receive: false }, // both only send: nothing
      { ...V4M, send: true, receive: true }, // family not negotiated: ignored
    ],
  });
  const n = negotiate(ours, theirs);
  assert.deepEqual(n.addPath, [{ ...V4U, send: false, receive: true }]);
  assert.deepEqual([...n.codecContext.addPathReceive], [afiSafiKey(1, 1)]);
  assert.deepEqual([...n.codecContext.addPathSend], []);
  const both = negotiate(
    open({ addPath: [{ ...V4U, send: true, receive: true }] }),
    open({ addPath: [{ ...V4U, send: true, receive: true }] }),
  );
  assert.deepEqual(both.addPath, [{ ...V4U, send: true, receive: true }]);
  assert.deepEqual([...both.codecContext.addPathSend], [afiSafiKey(1, 1)]);
});

test('4-octet AS, AS_TRANS and iBGP detection', () => {
  const n = negotiate(
    open({ fourOctetAs: 4200000001 }, { myAs: AS_TRANS }),
    open({ fourOctetAs: 4200000001 }, { myAs: AS_TRANS }),
  );
  assert.equal(n.fourOctetAs, true);
  assert.equal(n.localAs, 4200000001);
  assert.equal(n.peerAs, 4200000001);
  assert.equal(n.codecContext.ibgp, true);
  const old = negotiate(open({ fourOctetAs: 65001 }), open({}, { myAs: 65002 }));
  assert.equal(old.fourOctetAs, false);
  assert.equal(old.codecContext.fourOctetAs, false);
  assert.equal(old.peerAs, 65002);
  assert.equal(old.codecContext.ibgp, false);
});

test('route refresh, enhanced route refresh, extended message need both sides', () => {
  const all = { routeRefresh: true, enhancedRouteRefresh: true, extendedMessage: true };
  const n = negotiate(open(all), open(all));
  assert.equal(n.routeRefresh && n.enhancedRouteRefresh && n.extendedMessage, true);
  assert.equal(n.codecContext.extendedMessage, true);
  const one = negotiate(open(all), open());
  assert.equal(one.routeRefresh || one.enhancedRouteRefresh || one.extendedMessage, false);
  // RFC 7313: Enhanced Route Refresh without Route Refresh is not in force.
  assert.equal(negotiate(open(all), open({ enhancedRouteRefresh: true })).enhancedRouteRefresh, false);
});

test('extended next hop: tuples both listed, keyed by NLRI family in the codec context', () => {
  const t1 = { nlriAfi: 1, nlriSafi: 1, nextHopAfi: 2 };
  const t2 = { nlriAfi: 1, nlriSafi: 2, nextHopAfi: 2 };
  const n = negotiate(open({ extendedNextHop: [t1, t2] }), open({ extendedNextHop: [t1] }));
  assert.deepEqual(n.extendedNextHop, [t1]);
  assert.deepEqual([...n.codecContext.extendedNextHop], [afiSafiKey(1, 1)]);
});

test('graceful restart: the peer restart time, R bit, N bit from both, forwarding state per negotiated family', () => {
  const ours = open({ multiprotocol: [V4U, V6U], gracefulRestart: { restartTime: 120, restarting: false, notification: true, families: [] } });
  const theirs = open({
    multiprotocol: [V4U, V6U],
    gracefulRestart: {
      restartTime: 90,
      restarting: true,
      notification: true,
      families: [
        { ...V4U, forwardingState: true },
        { ...V4M, forwardingState: true },
        { ...V6U, forwardingState: false },
      ],
    },
  });
  const n = negotiate(ours, theirs);
  assert.deepEqual(n.gracefulRestart, {
    restartTime: 90,
    peerRestarting: true,
    notification: true,
    families: [
      { ...V4U, forwardingState: true },
      { ...V6U, forwardingState: false },
    ],
  });
  assert.equal(negotiate(open(), theirs).gracefulRestart, null);
  const noN = negotiate({ ...ours, capabilities: { ...ours.capabilities, gracefulRestart: { restartTime: 120, restarting: false, notification: false, families: [] } } }, theirs);
  assert.equal(noN.gracefulRestart?.notification, false);
});
