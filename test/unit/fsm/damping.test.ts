// DampPeerOscillations as an IdleHold backoff, and the FSM's own automatic restart on the IdleHoldTimer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../../src/fsm/table.js';
import { createSession, type SessionState } from '../../../src/fsm/session.js';
import type { FsmEvent } from '../../../src/fsm/events.js';
import { CONN_A, peerOpen, rfcConfig, run, types } from './fixtures.js';

const damped = rfcConfig({ dampPeerOscillations: true, idleHoldTime: 5, idleHoldTimeMax: 40, dampStableTime: 300 });
const notif: FsmEvent = { type: 'NotifMsg', notification: { code: 6, subcode: 2, data: new Uint8Array(0) } };

/** From Idle (pending restart), let the IdleHoldTimer fire, connect, and fail in OpenSent at `t`. */
function flap(s: SessionState, t: number): { session: SessionState; idleHold: number | undefined } {
  if (s.state === 'Idle' && s.pendingStart !== null) s = step(s, { type: 'IdleHoldTimer_Expires' }, t).session;
  else s = step(s, { type: 'ManualStart' }, t).session;
  s = run(s, [{ type: 'Tcp_CR_Acked', connection: CONN_A }], t).session;
  const r = step(s, notif, t);
  const hold = r.actions.find((a) => a.type === 'StartTimer' && a.timer === 'IdleHoldTimer');
  return { session: r.session, idleHold: hold?.type === 'StartTimer' ? hold.seconds : undefined };
}

test('each flap doubles the idle hold up to the cap; restarts come from the IdleHoldTimer', () => {
  let s = createSession(damped);
  const holds: (number | undefined)[] = [];
  let t = 0;
  for (let i = 0; i < 6; i++) {
    const r = flap(s, t);
    s = r.session;
    holds.push(r.idleHold);
    assert.equal(s.state, 'Idle');
    assert.equal(s.pendingStart, 'active');
    t += 60_000;
  }
  assert.deepEqual(holds, [5, 10, 20, 40, 40, 40]);
  // The restart is an automatic start that keeps the ConnectRetryCounter.
  const restarted = step(s, { type: 'IdleHoldTimer_Expires' }, t);
  assert.equal(restarted.session.state, 'Connect');
  assert.equal(restarted.session.connectRetryCounter, 6);
  assert.ok(types(restarted.actions).includes('InitiateTcpConnection'));
});

test('a session Established for dampStableTime resets the backoff; a short one does not', () => {
  let s = createSession(damped);
  for (let i = 0; i < 3; i++) s = flap(s, i * 1000).session; // 5, 10, 20
  assert.equal(s.damping.idleHoldTime, 20);
  const establish = (from: SessionState, t: number) =>
    run(
      from,
      [
        { type: 'IdleHoldTimer_Expires' },
        { type: 'Tcp_CR_Acked', connection: CONN_A },
        { type: 'BGPOpen', open: peerOpen() },
        { type: 'KeepAliveMsg' },
      ],
      t,
    ).session;
  // Established at t=100 s, down 10 s later: not stable, the backoff grows.
  let e = establish(s, 100_000);
  assert.equal(e.state, 'Established');
  let down = step(e, { type: 'HoldTimer_Expires' }, 110_000);
  assert.equal(down.session.damping.idleHoldTime, 40);
  // Established again, down after 301 s: back to the first step.
  e = establish(down.session, 200_000);
  down = step(e, notif, 200_000 + 301_000);
  assert.equal(down.session.damping.idleHoldTime, 5);
  const hold = down.actions.find((a) => a.type === 'StartTimer' && a.timer === 'IdleHoldTimer');
  assert.deepEqual(hold, { type: 'StartTimer', timer: 'IdleHoldTimer', seconds: 5 });
});

test('AutomaticStart_with_DampPeerOscillations waits out the rest of the idle hold', () => {
  const cfg = rfcConfig({ dampPeerOscillations: true, idleHoldTime: 8, allowAutomaticStart: true });
  let s = flap(createSession(cfg), 10_000).session; // idle hold 8 s from t=10 s
  s = step(s, { type: 'ManualStop' }, 10_000).session; // cancel the FSM's own restart
  assert.equal(s.pendingStart, null);
  const early = step(s, { type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' }, 13_000);
  assert.equal(early.session.state, 'Idle');
  assert.deepEqual(early.actions, [{ type: 'StartTimer', timer: 'IdleHoldTimer', seconds: 5 }]);
  const fired = step(early.session, { type: 'IdleHoldTimer_Expires' }, 18_000);
  assert.equal(fired.session.state, 'Active', 'the passive flavour was remembered');
  const late = step(s, { type: 'AutomaticStart_with_DampPeerOscillations' }, 18_001);
  assert.equal(late.session.state, 'Connect');
});

test('ManualStop in Idle cancels a pending automatic restart', () => {
  const cfg = rfcConfig({ idleHoldTime: 5 });
  const down = flap(createSession(cfg), 0);
  assert.equal(down.idleHold, 5, 'without damping the idle hold is fixed');
  const stopped = step(down.session, { type: 'ManualStop' }, 1000);
  assert.deepEqual(stopped.actions, [{ type: 'StopTimer', timer: 'IdleHoldTimer' }]);
  const stale = step(stopped.session, { type: 'IdleHoldTimer_Expires' }, 5000);
  assert.equal(stale.session.state, 'Idle');
  assert.deepEqual(stale.actions, []);
});

test('no automatic restart after ManualStop, AutomaticStop or a collision dump', () => {
  const cfg = rfcConfig({ idleHoldTime: 5 });
  const est = run(createSession(cfg), [
    { type: 'ManualStart' },
    { type: 'Tcp_CR_Acked', connection: CONN_A },
    { type: 'BGPOpen', open: peerOpen() },
    { type: 'KeepAliveMsg' },
  ]).session;
  for (const e of [{ type: 'ManualStop' }, { type: 'AutomaticStop' }, { type: 'OpenCollisionDump' }] as const) {
    const r = step(est, e, 0);
    assert.equal(r.session.state, 'Idle');
    assert.equal(r.session.pendingStart, null, e.type);
    assert.ok(!r.actions.some((a) => a.type === 'StartTimer'), e.type);
  }
  const hold = step(est, { type: 'HoldTimer_Expires' }, 0);
  assert.equal(hold.session.pendingStart, 'active');
});
