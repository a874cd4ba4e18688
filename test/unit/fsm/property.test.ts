// Random event sequences under random session attributes: step() never throws, the state is always
// one of the six, every fall to Idle releases resources and leaves at most the IdleHoldTimer running,
// the timer bookkeeping matches the actions, and a recorded run replays to the same outcome.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { step } from '../../../src/fsm/table.js';
import { createSession, runningTimers, type SessionState } from '../../../src/fsm/session.js';
import { STATES, TIMERS, type TimerName } from '../../../src/fsm/states.js';
import { EVENT_TYPES, type FsmEvent } from '../../../src/fsm/events.js';
import { Recorder, replay } from '../../../src/fsm/replay.js';
import { rfcConfig, peerOpen } from './fixtures.js';

const conn = fc.record({ id: fc.integer({ min: 1, max: 3 }), initiatedBy: fc.constantFrom('local' as const, 'remote' as const) });
const spec = fc.record({
  code: fc.integer({ min: 1, max: 6 }),
  subcode: fc.integer({ min: 0, max: 11 }),
  data: fc.uint8Array({ maxLength: 4 }),
});
const open = fc
  .record({ holdTime: fc.constantFrom(0, 3, 9, 90, 180), myAs: fc.constantFrom(65001, 65002) })
  .map((o) => peerOpen(o));

const eventOf = (types: fc.Arbitrary<FsmEvent['type']>): fc.Arbitrary<FsmEvent> => types.chain((type): fc.Arbitrary<FsmEvent> => {
  switch (type) {
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return conn.map((connection) => ({ type, connection }));
    case 'TcpConnectionFails':
      return fc.option(conn, { nil: undefined }).map((c) => (c === undefined ? { type } : { type, connection: c }));
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
      return open.map((o) => ({ type, open: o }));
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
    case 'NotifMsgVerErr':
    case 'NotifMsg':
    case 'UpdateMsgErr':
      return spec.map((notification) => ({ type, notification }));
    case 'ManualStop':
    case 'AutomaticStop':
      return fc.constant({ type });
    default:
      return fc.constant({ type } as FsmEvent);
  }
});

// Uniform events rarely get past OpenSent; weight the handshake so Established is well covered.
const HANDSHAKE = ['ManualStart', 'Tcp_CR_Acked', 'TcpConnectionConfirmed', 'BGPOpen', 'KeepAliveMsg', 'UpdateMsg'] as const;
const event: fc.Arbitrary<FsmEvent> = fc.oneof(
  { weight: 3, arbitrary: eventOf(fc.constantFrom(...HANDSHAKE)) },
  { weight: 2, arbitrary: eventOf(fc.constantFrom(...EVENT_TYPES)) },
);

const config = fc
  .record({
    delayOpen: fc.boolean(),
    passiveTcpEstablishment: fc.boolean(),
    allowAutomaticStart: fc.boolean(),
    allowAutomaticStop: fc.boolean(),
    dampPeerOscillations: fc.boolean(),
    sendNotificationWithoutOpen: fc.boolean(),
    idleHoldTime: fc.constantFrom(0, 1, 5),
    holdTime: fc.constantFrom(0, 3, 90),
    keepaliveTime: fc.constantFrom(null, 1, 60),
  })
  .map((c) => rfcConfig({ ...c, delayOpenTime: 2 }));

const run = fc.record({
  config,
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  steps: fc.array(fc.tuple(event, fc.integer({ min: 0, max: 400_000 })), { minLength: 10, maxLength: 80, size: 'max' }),
});

test('random event sequences keep every FSM invariant', () => {
  const reached = new Set<string>();
  fc.assert(
    fc.property(run, ({ config, seed, steps }) => {
      let s: SessionState = createSession(config, seed);
      let now = 0;
      for (const [e, dt] of steps) {
        now += dt;
        const before = s;
        const { session, actions } = step(s, e, now);
        assert.ok(STATES.includes(session.state));
        assert.ok(session.connectRetryCounter >= 0);
        // Timer bookkeeping equals the fold of the actions over the previous timers.
        const expected: Record<TimerName, boolean> = Object.fromEntries(
          TIMERS.map((t) => [t, before.timers[t] !== null && !e.type.startsWith(t)]),
        ) as Record<TimerName, boolean>;
        for (const a of actions) {
          if (a.type === 'StartTimer') expected[a.timer] = true;
          if (a.type === 'StopTimer') {
            assert.ok(expected[a.timer], `StopTimer ${a.timer} only for a running timer`);
            expected[a.timer] = false;
          }
          if (a.type === 'StartTimer') assert.ok(a.seconds >= 0 && Number.isFinite(a.seconds));
        }
        for (const t of TIMERS) assert.equal(session.timers[t] !== null, expected[t], `timer ${t} after ${e.type}`);
        if (session.state === 'Idle' && before.state !== 'Idle') {
          assert.ok(actions.some((a) => a.type === 'ReleaseResources'), `${before.state} → Idle releases`);
          assert.deepEqual(runningTimers(session).filter((t) => t !== 'IdleHoldTimer'), []);
          assert.equal(session.connection, null);
          assert.equal(actions.some((a) => a.type === 'SessionDown'), before.state === 'Established');
        }
        if (session.state === 'Established' && before.state !== 'Established') {
          assert.equal(before.state, 'OpenConfirm');
          assert.ok(actions.some((a) => a.type === 'SessionEstablished'));
        }
        if (actions.some((a) => a.type === 'InitiateTcpConnection')) assert.ok(!session.passive);
        reached.add(`${before.state}>${session.state}`);
        s = session;
      }
    }),
    { numRuns: 300, interruptAfterTimeLimit: 8000 },
  );
  // The generator must exercise the whole machine for the invariants to mean something.
  for (const t of ['OpenConfirm>Established', 'Established>Idle', 'Established>Established', 'OpenSent>Active']) {
    assert.ok(reached.has(t), `transition ${t} exercised; saw ${[...reached].sort().join(" ")}`);
  }
});

test('a recorded run replays to the same sessions and actions', () => {
  fc.assert(
    fc.property(run, ({ config, seed, steps }) => {
      const rec = new Recorder(createSession(config, seed));
      const live: unknown[] = [];
      let now = 0;
      for (const [e, dt] of steps) live.push(rec.step(e, (now += dt)).actions);
      const again = replay(rec.recording());
      assert.deepEqual(again.actions, live);
      assert.deepEqual(again.session, rec.session);
    }),
    { numRuns: 100, interruptAfterTimeLimit: 5000 },
  );
});
