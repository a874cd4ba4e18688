// Focused tests for the tricky cells: exact action lists, DelayOpen, passive, hold time 0, keepalive,
// jitter, ConnectRetryCounter, automatic start/stop attributes, RFC 6608 subcodes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step, messageSent } from '../../../src/fsm/table.js';
import { createSession, runningTimers } from '../../../src/fsm/session.js';
import type { Action } from '../../../src/fsm/actions.js';
import { CONN_A, CONN_B, inState, peerOpen, rfcConfig, run, types, LOCAL_AS } from './fixtures.js';

const startTimer = (actions: readonly Action[], timer: string) =>
  actions.find((a): a is Extract<Action, { type: 'StartTimer' }> => a.type === 'StartTimer' && a.timer === timer);

test('Idle + ManualStart: initialize, ConnectRetryTimer with jitter, connect, listen → Connect', () => {
  const { session, actions } = step(createSession(rfcConfig(), 42), { type: 'ManualStart' }, 0);
  assert.equal(session.state, 'Connect');
  assert.deepEqual(types(actions), ['InitializeResources', 'StartTimer', 'InitiateTcpConnection', 'Listen']);
  const crt = startTimer(actions, 'ConnectRetryTimer')!;
  // RFC 4271 §10: 120 s × [0.75, 1.0]
  assert.ok(crt.seconds >= 90 && crt.seconds <= 120, `jittered ${crt.seconds}`);
  assert.equal(session.timers.ConnectRetryTimer, crt.seconds * 1000);
});

test('ConnectRetryTimer jitter comes from the injected seed: same seed same value, spread across seeds', () => {
  const crt = (seed: number) =>
    startTimer(step(createSession(rfcConfig(), seed), { type: 'ManualStart' }, 0).actions, 'ConnectRetryTimer')!.seconds;
  assert.equal(crt(5), crt(5));
  const values = Array.from({ length: 200 }, (_, i) => crt(i + 1));
  assert.ok(values.every((v) => v >= 90 && v <= 120));
  assert.ok(Math.min(...values) < 95 && Math.max(...values) > 115, 'covers the [0.75, 1.0] range');
});

test('OpenSent + HoldTimer_Expires: NOTIFICATION Hold Timer Expired (code 4) first, then teardown', () => {
  const s = inState('OpenSent');
  const { session, actions } = step(s, { type: 'HoldTimer_Expires' }, 5000);
  assert.equal(session.state, 'Idle');
  assert.deepEqual(actions[0], { type: 'SendNotification', code: 4, subcode: 0, data: new Uint8Array(0) });
  assert.deepEqual(types(actions), ['SendNotification', 'ReleaseResources', 'DropTcpConnection']);
  assert.deepEqual(actions[2], { type: 'DropTcpConnection', connection: CONN_A });
  assert.equal(session.connectRetryCounter, 4);
  assert.equal(session.lastDown?.event, 'HoldTimer_Expires');
});

test('Established + HoldTimer_Expires: code 4, routes deleted (SessionDown), timers stopped', () => {
  const s = inState('Established');
  const { session, actions } = step(s, { type: 'HoldTimer_Expires' }, 5000);
  assert.deepEqual(types(actions), [
    'SendNotification',
    'StopTimer', // KeepaliveTimer; the expired HoldTimer is no longer running
    'SessionDown',
    'ReleaseResources',
    'DropTcpConnection',
  ]);
  const down = actions.find((a) => a.type === 'SessionDown');
  assert.ok(down && down.type === 'SessionDown' && down.reason.sent?.code === 4);
  assert.deepEqual(runningTimers(session), []);
});

test('unexpected messages get the RFC 6608 subcode of the state', () => {
  const cases = [
    ['OpenSent', { type: 'UpdateMsg' }, 1],
    ['OpenSent', { type: 'KeepAliveMsg' }, 1],
    ['OpenConfirm', { type: 'UpdateMsg' }, 2],
    ['OpenConfirm', { type: 'BGPOpen', open: peerOpen() }, 2],
    ['Established', { type: 'BGPOpen', open: peerOpen() }, 3],
    ['Established', { type: 'BGPOpenMsgErr', notification: { code: 2, subcode: 4, data: new Uint8Array(0) } }, 3],
  ] as const;
  for (const [state, event, subcode] of cases) {
    const { actions } = step(inState(state), event, 0);
    const note = actions.find((a) => a.type === 'SendNotification');
    assert.ok(note && note.type === 'SendNotification', `${state} ${event.type}`);
    assert.equal(note.code, 5);
    assert.equal(note.subcode, subcode, `${state} ${event.type}`);
  }
});

test('OpenSent + BGPOpen: KEEPALIVE, KeepaliveTimer (jittered third), HoldTimer = min(ours, theirs)', () => {
  const s = inState('OpenSent', rfcConfig({ holdTime: 90 }));
  const { session, actions } = step(s, { type: 'BGPOpen', open: peerOpen({ holdTime: 30 }) }, 0);
  assert.equal(session.state, 'OpenConfirm');
  assert.deepEqual(types(actions), ['SendKeepalive', 'StartTimer', 'StartTimer']);
  assert.equal(session.negotiatedHoldTime, 30);
  assert.equal(session.keepaliveTime, 10);
  assert.equal(startTimer(actions, 'HoldTimer')!.seconds, 30);
  const ka = startTimer(actions, 'KeepaliveTimer')!.seconds;
  assert.ok(ka >= 7.5 && ka <= 10, `keepalive ${ka}`);
  assert.equal(session.internal, false);
});

test('configured keepaliveTime is used but never exceeds a third of the hold time', () => {
  const open = peerOpen({ holdTime: 90 });
  const short = step(inState('OpenSent', rfcConfig({ keepaliveTime: 5 })), { type: 'BGPOpen', open }, 0).session;
  assert.equal(short.keepaliveTime, 5);
  const long = step(inState('OpenSent', rfcConfig({ keepaliveTime: 60 })), { type: 'BGPOpen', open }, 0).session;
  assert.equal(long.keepaliveTime, 30);
});

test('hold time 0 on either side: no HoldTimer, no KeepaliveTimer, KEEPALIVEs do not rearm anything', () => {
  for (const [ours, theirs] of [
    [0, 90],
    [90, 0],
  ]) {
    const s = inState('OpenSent', rfcConfig({ holdTime: ours }));
    const oc = step(s, { type: 'BGPOpen', open: peerOpen({ holdTime: theirs! }) }, 0);
    assert.equal(oc.session.negotiatedHoldTime, 0);
    assert.equal(oc.session.keepaliveTime, 0);
    // The large OpenSent HoldTimer is stopped; nothing new starts.
    assert.deepEqual(types(oc.actions), ['SendKeepalive', 'StopTimer']);
    assert.deepEqual(runningTimers(oc.session), []);
    const est = step(oc.session, { type: 'KeepAliveMsg' }, 0);
    assert.equal(est.session.state, 'Established');
    assert.deepEqual(types(est.actions), ['SessionEstablished']);
    assert.deepEqual(step(est.session, { type: 'KeepAliveMsg' }, 0).actions, []);
    assert.deepEqual(types(step(est.session, { type: 'UpdateMsg' }, 0).actions), ['ProcessUpdate']);
  }
});

test('OpenConfirm + KeepAliveMsg: SessionEstablished carries the negotiated values', () => {
  const s = inState('OpenConfirm', rfcConfig(), peerOpen({ myAs: LOCAL_AS }));
  const { session, actions } = step(s, { type: 'KeepAliveMsg' }, 777);
  assert.equal(session.state, 'Established');
  assert.deepEqual(types(actions), ['StartTimer', 'SessionEstablished']);
  const est = actions[1]!;
  assert.ok(est.type === 'SessionEstablished');
  assert.equal(est.holdTime, 90);
  assert.equal(est.keepaliveTime, 30);
  assert.equal(est.internal, true);
  assert.equal(session.damping.establishedAt, 777);
});

test('Established: UPDATE is processed and restarts the HoldTimer; KeepaliveTimer restarts after a send', () => {
  const s = inState('Established');
  const u = step(s, { type: 'UpdateMsg' }, 1000);
  assert.deepEqual(u.actions, [{ type: 'ProcessUpdate' }, { type: 'StartTimer', timer: 'HoldTimer', seconds: 90 }]);
  assert.equal(u.session.timers.HoldTimer, 1000 + 90_000);
  const sent = messageSent(s, 2000);
  assert.equal(sent.actions.length, 1);
  const ka = startTimer(sent.actions, 'KeepaliveTimer')!;
  assert.ok(ka.seconds >= 22.5 && ka.seconds <= 30);
  assert.deepEqual(messageSent(inState('OpenSent'), 0).actions, []);
});

test('DelayOpen: connection waits on DelayOpenTimer; its expiry sends OPEN with the large HoldTimer', () => {
  const cfg = rfcConfig({ delayOpen: true, delayOpenTime: 5 });
  const c = step(createSession(cfg), { type: 'ManualStart' }, 0).session;
  const acked = step(c, { type: 'Tcp_CR_Acked', connection: CONN_A }, 0);
  assert.equal(acked.session.state, 'Connect');
  assert.deepEqual(acked.actions, [
    { type: 'StopTimer', timer: 'ConnectRetryTimer' },
    { type: 'StartTimer', timer: 'DelayOpenTimer', seconds: 5 },
  ]);
  const expired = step(acked.session, { type: 'DelayOpenTimer_Expires' }, 5000);
  assert.equal(expired.session.state, 'OpenSent');
  assert.deepEqual(expired.actions, [{ type: 'SendOpen' }, { type: 'StartTimer', timer: 'HoldTimer', seconds: 240 }]);
});

test('DelayOpen: an OPEN while the DelayOpenTimer runs is Event 20: OPEN then KEEPALIVE → OpenConfirm', () => {
  const cfg = rfcConfig({ delayOpen: true, delayOpenTime: 5 });
  for (const start of ['ManualStart', 'ManualStart_with_PassiveTcpEstablishment'] as const) {
    const waiting = run(createSession(cfg), [{ type: start }, { type: 'TcpConnectionConfirmed', connection: CONN_B }]).session;
    assert.equal(waiting.state, start === 'ManualStart' ? 'Connect' : 'Active');
    // The runtime may feed plain BGPOpen: the FSM knows its DelayOpenTimer runs.
    const { session, actions } = step(waiting, { type: 'BGPOpen', open: peerOpen() }, 1000);
    assert.equal(session.state, 'OpenConfirm');
    assert.deepEqual(types(actions).slice(0, 3), ['StopTimer', 'SendOpen', 'SendKeepalive']);
    assert.equal(session.timers.DelayOpenTimer, null);
    assert.equal(session.timers.HoldTimer, 1000 + 90_000);
  }
});

test('DelayOpen: Connect + TcpConnectionFails with DelayOpenTimer running → Active, still listening', () => {
  const cfg = rfcConfig({ delayOpen: true, delayOpenTime: 5 });
  const waiting = run(createSession(cfg), [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked', connection: CONN_A }]).session;
  const { session, actions } = step(waiting, { type: 'TcpConnectionFails' }, 0);
  assert.equal(session.state, 'Active');
  assert.deepEqual(types(actions), ['StartTimer', 'StopTimer']);
  assert.equal(session.connection, null);
  // Version error while our OPEN was delayed: Idle, not counted.
  const v = step(waiting, { type: 'NotifMsgVerErr', notification: { code: 2, subcode: 1, data: Uint8Array.of(0, 4) } }, 0);
  assert.equal(v.session.state, 'Idle');
  assert.equal(v.session.connectRetryCounter, waiting.connectRetryCounter);
});

test('SendNOTIFICATIONwithoutOPEN: errors before our OPEN send their NOTIFICATION; ManualStop sends Cease', () => {
  const cfg = rfcConfig({ sendNotificationWithoutOpen: true, delayOpen: true, delayOpenTime: 5 });
  const c = step(createSession(cfg), { type: 'ManualStart' }, 0).session;
  const err = { code: 1, subcode: 1, data: new Uint8Array(0) };
  const r = step(c, { type: 'BGPHeaderErr', notification: err }, 0);
  assert.deepEqual(r.actions[0], { type: 'SendNotification', ...err });
  const waitingActive = run(createSession(cfg), [
    { type: 'ManualStart_with_PassiveTcpEstablishment' },
    { type: 'TcpConnectionConfirmed', connection: CONN_B },
  ]).session;
  const stop = step(waitingActive, { type: 'ManualStop' }, 0);
  assert.equal(stop.session.state, 'Idle');
  assert.deepEqual(stop.actions[0], { type: 'SendNotification', code: 6, subcode: 2, data: new Uint8Array(0) });
  // Without the attribute, nothing is sent.
  const quiet = step(step(createSession(rfcConfig()), { type: 'ManualStart' }, 0).session, { type: 'BGPHeaderErr', notification: err }, 0);
  assert.ok(!types(quiet.actions).includes('SendNotification'));
});

test('ManualStop carries the operator Cease subcode and RFC 9003 shutdown communication', () => {
  const data = Uint8Array.of(5, 0x6d, 0x61, 0x69, 0x6e, 0x74);
  const { actions } = step(inState('Established'), { type: 'ManualStop', cease: { subcode: 4, data } }, 0);
  assert.deepEqual(actions[0], { type: 'SendNotification', code: 6, subcode: 4, data });
});

test('PassiveTcpEstablishment: never initiates; ConnectRetryTimer expiry keeps listening in Active', () => {
  const a = step(createSession(rfcConfig()), { type: 'ManualStart_with_PassiveTcpEstablishment' }, 0);
  assert.equal(a.session.state, 'Active');
  assert.deepEqual(types(a.actions), ['InitializeResources', 'StartTimer', 'Listen']);
  const e = step(a.session, { type: 'ConnectRetryTimer_Expires' }, 120_000);
  assert.equal(e.session.state, 'Active');
  assert.deepEqual(types(e.actions), ['StartTimer']);
  const c = step(e.session, { type: 'TcpConnectionConfirmed', connection: CONN_B }, 0);
  assert.equal(c.session.state, 'OpenSent');
  assert.deepEqual(c.session.connection, CONN_B);
  // A config-level passive session started by plain ManualStart is passive too.
  const p = step(createSession(rfcConfig({ passiveTcpEstablishment: true })), { type: 'ManualStart_with_PassiveTcpEstablishment' }, 0);
  assert.ok(!types(p.actions).includes('InitiateTcpConnection'));
});

test('ConnectRetryCounter: counts failures, zeroed by ManualStop and by ManualStart', () => {
  const cfg = rfcConfig();
  let s = createSession(cfg);
  const fail = [
    { type: 'ManualStart' },
    { type: 'Tcp_CR_Acked', connection: CONN_A },
    { type: 'NotifMsg', notification: { code: 6, subcode: 2, data: new Uint8Array(0) } },
  ] as const;
  s = run(s, fail).session;
  assert.equal(s.connectRetryCounter, 1);
  s = run(s, [{ type: 'AutomaticStart_with_DampPeerOscillations' }, ...fail.slice(1)]).session;
  assert.equal(s.connectRetryCounter, 2, 'a damped automatic start keeps the counter');
  s = run(s, [{ type: 'ManualStart' }]).session;
  assert.equal(s.connectRetryCounter, 0, 'ManualStart zeroes it');
  s = run(s, [{ type: 'Tcp_CR_Acked', connection: CONN_A }, { type: 'HoldTimer_Expires' }]).session;
  assert.equal(s.connectRetryCounter, 1);
  s = run(s, [{ type: 'ManualStart' }, { type: 'ManualStop' }]).session;
  assert.equal(s.connectRetryCounter, 0);
});

test('AllowAutomaticStart / AllowAutomaticStop false: the automatic events cannot occur', () => {
  const cfg = rfcConfig({ allowAutomaticStart: false, allowAutomaticStop: false });
  for (const type of [
    'AutomaticStart',
    'AutomaticStart_with_PassiveTcpEstablishment',
    'AutomaticStart_with_DampPeerOscillations',
    'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
  ] as const) {
    const r = step(createSession(cfg), { type }, 0);
    assert.equal(r.session.state, 'Idle', type);
    assert.deepEqual(r.actions, []);
  }
  for (const state of ['Connect', 'OpenSent', 'Established'] as const) {
    const r = step(inState(state, cfg), { type: 'AutomaticStop' }, 0);
    assert.equal(r.session.state, state);
    assert.deepEqual(r.actions, []);
  }
});

test('second connections are tracked, not adopted; a failure of a foreign connection is ignored', () => {
  for (const state of ['OpenSent', 'OpenConfirm', 'Established'] as const) {
    const s = inState(state);
    const r = step(s, { type: 'TcpConnectionConfirmed', connection: CONN_B }, 0);
    assert.deepEqual(r.actions, [{ type: 'TrackSecondConnection', connection: CONN_B }]);
    assert.deepEqual(r.session.connection, CONN_A);
    const f = step(s, { type: 'TcpConnectionFails', connection: CONN_B }, 0);
    assert.equal(f.session, s);
    assert.deepEqual(f.actions, []);
    const own = step(s, { type: 'TcpConnectionFails', connection: CONN_A }, 0);
    assert.notEqual(own.session.state, state);
  }
});
