// The graceful restart helper (RFC 4724 §4.2) over a real Rib, with a fake clock: what stays, what goes, when.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GracefulRestartHelper, STALE_PATH_TIME, type HelperEvent } from '../../../src/peer/gr-helper.js';
import type { GracefulRestartNegotiated } from '../../../src/peer/negotiate.js';
import type { DownReason } from '../../../src/fsm/actions.js';
import { FakeClock } from '../../../src/peer/timers.js';
import { Afi, ErrorCode } from '../../../src/wire/iana.js';
import { afiSafiKey } from '../../../src/wire/types.js';
import { announce, announce6, loc, peerConfig, ribWith, seq } from '../rib/helpers.js';

const BOTH = [afiSafiKey(Afi.IPv4, 1), afiSafiKey(Afi.IPv6, 1)];
const TCP_CLOSED: DownReason = { event: 'TcpConnectionFails', sent: null, received: null };
const HOLD_EXPIRED: DownReason = { event: 'HoldTimer_Expires', sent: { code: ErrorCode.HoldTimerExpired, subcode: 0, data: new Uint8Array(0) }, received: null };
const CEASE_RECEIVED: DownReason = { event: 'NotifMsg', sent: null, received: { code: ErrorCode.Cease, subcode: 2, data: new Uint8Array(0) } };

function gr(restartTime: number, fams: [number, boolean][] = [[Afi.IPv4, true], [Afi.IPv6, true]]): GracefulRestartNegotiated {
  return { restartTime, peerRestarting: false, notification: false, families: fams.map(([afi, f]) => ({ afi, safi: 1, forwardingState: f })) };
}

function setup() {
  const { rib, h } = ribWith([peerConfig('A', '198.51.100.1', 65001)]);
  const a = h.A!;
  a.apply(announce('198.51.100.1', ['198.51.100.0/25', '198.51.100.128/25'], { asPath: seq(65001) }), false);
  a.apply(announce6('2001:db8::a', ['2001:db8:1::/48'], { asPath: seq(65001) }), false);
  rib.process();
  const clock = new FakeClock(1_000_000);
  const events: HelperEvent[] = [];
  const helper = new GracefulRestartHelper(a, clock, (e) => events.push(e));
  const count = () => {
    rib.process();
    return rib.v4.locSize + rib.v6.locSize;
  };
  return { rib, a, clock, helper, events, count };
}

describe('GracefulRestartHelper (RFC 4724 §4.2)', () => {
  it('TCP closed: routes kept stale for the restart time, then all swept', () => {
    const { helper, clock, count, events, a } = setup();
    assert.equal(helper.sessionDown(gr(5), TCP_CLOSED), true);
    assert.equal(helper.state, 'restarting');
    assert.equal(count(), 3, 'still in the Loc-RIB');
    assert.equal(a.staleCount(), 3);
    assert.equal(helper.status().restartTimeRemaining, 5);
    clock.advance(4900);
    assert.equal(count(), 3);
    clock.advance(200);
    assert.equal(helper.state, 'idle');
    assert.equal(count(), 0, 'restart time expired: gone');
    assert.deepEqual(events.filter((e) => e.type === 'swept').map((e) => e.type === 'swept' && e.why), ['restart time expired', 'restart time expired']);
  });

  it('comes back: re-announced routes stay, the rest go at End-of-RIB, per family', () => {
    const { helper, clock, count, a, rib } = setup();
    helper.sessionDown(gr(120), TCP_CLOSED);
    clock.advance(3000);
    a.established(0xc6336401, [Afi.IPv4, Afi.IPv6], true);
    helper.established(gr(120), BOTH);
    assert.equal(helper.state, 'recovering');
    assert.equal(helper.status().restartTimeRemaining, null, 'restart timer stopped');
    assert.equal(helper.status().stalePathTimeRemaining, STALE_PATH_TIME);
    a.apply(announce('198.51.100.1', ['198.51.100.0/25'], { asPath: seq(65001) }), false);
    helper.endOfRib(Afi.IPv4);
    assert.equal(count(), 2, 'IPv4 swept down to the re-announced route; IPv6 still stale');
    assert.equal(loc(rib, '198.51.100.128/25'), undefined);
    assert.equal(helper.state, 'recovering');
    helper.endOfRib(Afi.IPv6);
    assert.equal(helper.state, 'idle');
    assert.equal(count(), 1);
    assert.equal(a.staleCount(), 0);
    clock.advance(STALE_PATH_TIME * 1000);
    assert.equal(count(), 1, 'no timer left to sweep the live route');
  });

  it('a family without the F bit (or not listed) in the new capability is swept at once', () => {
    const { helper, count, a } = setup();
    helper.sessionDown(gr(120), TCP_CLOSED);
    helper.established(gr(120, [[Afi.IPv4, false]]), BOTH);
    assert.equal(a.staleCount(), 0);
    assert.equal(count(), 0);
    assert.equal(helper.state, 'idle');
  });

  it('the peer comes back without GR at all: every stale route goes', () => {
    const { helper, count } = setup();
    helper.sessionDown(gr(120), TCP_CLOSED);
    helper.established(null, BOTH);
    assert.equal(count(), 0);
    assert.equal(helper.state, 'idle');
  });

  it('only the families the peer listed are kept; the stale-path timer bounds the wait for End-of-RIB', () => {
    const { helper, clock, count, a } = setup();
    helper.sessionDown(gr(120, [[Afi.IPv6, true]]), TCP_CLOSED);
    assert.equal(count(), 1, 'IPv4 not listed: removed at once');
    assert.deepEqual(helper.status().staleFamilies, [Afi.IPv6]);
    helper.established(gr(120, [[Afi.IPv6, true]]), BOTH);
    clock.advance(STALE_PATH_TIME * 1000 - 10);
    assert.equal(a.staleCount(), 1);
    clock.advance(20);
    assert.equal(count(), 0);
    assert.equal(helper.state, 'idle');
  });

  it('a second drop before End-of-RIB keeps everything stale and restarts the restart timer', () => {
    const { helper, clock, count, a } = setup();
    helper.sessionDown(gr(10), TCP_CLOSED);
    clock.advance(8000);
    a.established(0xc6336401, [Afi.IPv4, Afi.IPv6], true);
    helper.established(gr(10), BOTH);
    a.apply(announce('198.51.100.1', ['203.0.113.0/24'], { asPath: seq(65001) }), false);
    assert.equal(helper.sessionDown(gr(10), TCP_CLOSED), true);
    assert.equal(a.staleCount(), 4, 'the new route is stale too');
    clock.advance(9000);
    assert.equal(count(), 4, 'the timer restarted at the second drop (17 s after the first)');
    clock.advance(1500);
    assert.equal(count(), 0);
  });

  it('NOTIFICATION sent (hold timer expired) or received (Cease) removes the routes at once', () => {
    for (const reason of [HOLD_EXPIRED, CEASE_RECEIVED]) {
      const { helper, count, clock } = setup();
      assert.equal(helper.sessionDown(gr(120), reason), false);
      assert.equal(count(), 0, reason.event);
      assert.equal(helper.state, 'idle');
      assert.equal(clock.pendingCount, 0, 'no timer left running');
    }
  });

  it('a NOTIFICATION end while routes are stale removes the stale ones too', () => {
    const { helper, count, a } = setup();
    helper.sessionDown(gr(120), TCP_CLOSED);
    a.established(0xc6336401, [Afi.IPv4, Afi.IPv6], true);
    helper.established(gr(120), BOTH);
    helper.sessionDown(gr(120), CEASE_RECEIVED);
    assert.equal(count(), 0);
    assert.equal(helper.status().staleRoutes, 0);
  });

  it('no GR negotiated, or Restart Time 0: routes removed at once', () => {
    for (const g of [null, gr(0)]) {
      const { helper, count } = setup();
      assert.equal(helper.sessionDown(g, TCP_CLOSED), false);
      assert.equal(count(), 0);
    }
  });
});
