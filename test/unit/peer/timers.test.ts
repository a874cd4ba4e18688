// TimerSet over the injected clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, TimerSet, type Clock } from '../../../src/peer/timers.js';
import type { TimerName } from '../../../src/fsm/states.js';

function setup() {
  const clock = new FakeClock(1_000_000);
  const fired: [TimerName, number][] = [];
  const timers = new TimerSet<TimerName, number>(clock, (t) => fired.push([t, clock.now()]));
  return { clock, fired, timers };
}

test('a started timer fires once at its deadline', () => {
  const { clock, fired, timers } = setup();
  timers.start('HoldTimer', 90);
  assert.equal(timers.remaining('HoldTimer'), 90);
  clock.advance(89_999);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [['HoldTimer', 1_090_000]]);
  assert.equal(timers.isRunning('HoldTimer'), false);
  clock.advance(1_000_000);
  assert.equal(fired.length, 1);
});

test('restarting to a later deadline postpones expiry without a new setTimeout per restart', () => {
  const { clock, fired } = setup();
  let calls = 0;
  const counting: Clock<number> = {
    now: () => clock.now(),
    setTimeout: (fn, ms) => (calls++, clock.setTimeout(fn, ms)),
    clearTimeout: (h) => clock.clearTimeout(h),
  };
  const t2 = new TimerSet<TimerName, number>(counting, (t) => fired.push([t, clock.now()]));
  t2.start('HoldTimer', 90);
  for (let i = 0; i < 1000; i++) {
    clock.advance(50); // an UPDATE every 50 ms
    t2.start('HoldTimer', 90);
  }
  assert.equal(calls, 1, 'one underlying timer for 1001 restarts');
  const restartedAt = clock.now();
  clock.advance(89_999);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [['HoldTimer', restartedAt + 90_000]]);
  assert.ok(calls <= 3, `re-armed lazily (${calls} setTimeout calls)`);
});

test('restarting to an earlier deadline re-arms', () => {
  const { clock, fired, timers } = setup();
  timers.start('KeepaliveTimer', 30);
  timers.start('KeepaliveTimer', 10);
  clock.advance(10_000);
  assert.deepEqual(fired, [['KeepaliveTimer', 1_010_000]]);
  clock.advance(30_000);
  assert.equal(fired.length, 1);
});

test('stop and stopAll cancel; stopped timers never fire; apply() executes FSM actions', () => {
  const { clock, fired, timers } = setup();
  timers.apply([
    { type: 'StartTimer', timer: 'ConnectRetryTimer', seconds: 5 },
    { type: 'StartTimer', timer: 'HoldTimer', seconds: 7 },
    { type: 'SendOpen' },
    { type: 'StopTimer', timer: 'ConnectRetryTimer' },
  ]);
  assert.equal(timers.isRunning('ConnectRetryTimer'), false);
  assert.equal(timers.isRunning('HoldTimer'), true);
  clock.advance(6000);
  assert.deepEqual(fired, []);
  timers.stopAll();
  assert.equal(clock.pendingCount, 0);
  clock.advance(10_000);
  assert.deepEqual(fired, []);
  assert.equal(timers.remaining('HoldTimer'), null);
});

test('FakeClock runs due callbacks in deadline order, then insertion order', () => {
  const clock = new FakeClock();
  const seen: string[] = [];
  clock.setTimeout(() => seen.push('b'), 20);
  clock.setTimeout(() => seen.push('a'), 10);
  clock.setTimeout(() => seen.push('c'), 20);
  const gone = clock.setTimeout(() => seen.push('x'), 5);
  clock.clearTimeout(gone);
  clock.advance(25);
  assert.deepEqual(seen, ['a', 'b', 'c']);
  assert.equal(clock.now(), 25);
});
