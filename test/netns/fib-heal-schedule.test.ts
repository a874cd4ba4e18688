/**
 * ResyncScheduler (when kernel routes are re-synced) without a kernel: a storm of events makes one re-sync,
 * a busy FIB postpones an event re-sync instead of losing it, not-ready drops it, scan ticks are skipped while
 * busy or running, at most one re-sync runs, and event re-syncs are spaced by the duty-cycle bound.
 * Run: node --test dist/test/netns/fib-heal-schedule.test.js (no root needed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResyncScheduler, type ResyncGate, type ResyncReason } from '../../src/fib/resync.js';

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** A scheduler over a settable gate and a re-sync taking `takesMs`, recording what ran and how many at once. */
function harness(scanMs: number, debounceMs: number, takesMs = 5) {
  const h = { gate: 'ready' as ResyncGate, runs: [] as { reason: ResyncReason; at: number }[], concurrent: 0, maxConcurrent: 0, takesMs };
  const t0 = Date.now();
  const s = new ResyncScheduler(() => h.gate, async (reason) => {
    h.runs.push({ reason, at: Date.now() - t0 });
    h.concurrent++;
    h.maxConcurrent = Math.max(h.maxConcurrent, h.concurrent);
    await sleep(h.takesMs);
    h.concurrent--;
  }, { scanMs, debounceMs });
  return { h, s };
}

test('a storm of events makes one re-sync, debounced from the first event', async () => {
  const { h, s } = harness(0, 200);
  try {
    for (let i = 0; i < 1000; i++) s.event();
    await sleep(50);
    for (let i = 0; i < 1000; i++) s.event();
    assert.equal(h.runs.length, 0, 'not before the debounce');
    await sleep(350);
    assert.deepEqual(h.runs.map((r) => r.reason), ['event']);
    assert.ok(h.runs[0]!.at >= 195, `debounced: ${h.runs[0]!.at} ms`);
    assert.equal(s.stats.events, 2000);
  } finally {
    await s.stop();
  }
});

test('busy postpones an event re-sync until quiet; not-ready drops it', async () => {
  const { h, s } = harness(0, 40);
  try {
    h.gate = 'busy';
    s.event();
    await sleep(150);
    assert.equal(h.runs.length, 0, 'nothing while busy');
    h.gate = 'ready';
    await sleep(80);
    assert.equal(h.runs.length, 1, 'ran once it was quiet');
    h.gate = 'not-ready';
    await sleep(100); // past the duty-cycle spacing
    s.event();
    await sleep(120);
    h.gate = 'ready';
    await sleep(120);
    assert.equal(h.runs.length, 1, 'dropped while not ready (the first reconcile does the work)');
  } finally {
    await s.stop();
  }
});

test('scan ticks: skipped while busy, not ready or a re-sync runs; never two at once', async () => {
  const { h, s } = harness(30, 1000, 100);
  try {
    h.gate = 'not-ready';
    await sleep(100);
    assert.equal(h.runs.length, 0);
    assert.ok(s.stats.skipped >= 2);
    h.gate = 'ready';
    const skipped = s.stats.skipped;
    await sleep(330);
    // Each run takes 100 ms, ticks come every 30 ms: ticks during a run are skipped.
    assert.ok(h.runs.length >= 1 && h.runs.length <= 4, `${h.runs.length} runs`);
    assert.ok(s.stats.skipped > skipped, 'ticks during a run were skipped');
    assert.equal(h.maxConcurrent, 1);
    assert.ok(h.runs.every((r) => r.reason === 'scan'));
  } finally {
    await s.stop();
  }
  const n = h.runs.length;
  await sleep(100);
  assert.equal(h.runs.length, n, 'stop() ends the scan');
});

test('event re-syncs are spaced by nine times the last one\'s duration', async () => {
  const { h, s } = harness(0, 10, 50);
  try {
    s.event();
    await sleep(150); // one run: 10 ms debounce + 50 ms
    assert.equal(h.runs.length, 1);
    s.event();
    await sleep(150);
    assert.equal(h.runs.length, 1, 'held back: 9 × 50 ms = 450 ms after the last one ended');
    await sleep(400);
    assert.equal(h.runs.length, 2);
    const gap = h.runs[1]!.at - h.runs[0]!.at;
    assert.ok(gap >= 50 + 440, `spaced: ${gap} ms`);
  } finally {
    await s.stop();
  }
});
