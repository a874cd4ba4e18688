// Real timers for the FSM's StartTimer/StopTimer actions, over an injected clock. The FSM only says
// "start HoldTimer for 90 s"; a TimerSet arms it and calls back with the timer's name on expiry, which
// the runtime turns into the matching *_Expires event.

import type { Action } from '../fsm/actions.js';
import type { TimerName } from '../fsm/states.js';

/** The clock the runtime injects; tests use FakeClock. Times in milliseconds. */
export interface Clock<H = unknown> {
  now(): number;
  setTimeout(fn: () => void, ms: number): H;
  clearTimeout(handle: H): void;
}

/** Monotonic milliseconds on the wall-clock scale (performance.timeOrigin + performance.now()). */
export const systemClock: Clock<ReturnType<typeof setTimeout>> = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

const EARLY_MS = 2;

interface Armed<H> {
  deadline: number;
  fireAt: number;
  handle: H;
}

/**
 * One named set of one-shot timers. Restarting a timer to a later deadline (the HoldTimer on every
 * UPDATE) does not touch the underlying timer: the early callback re-arms for the rest, so a busy
 * session costs no setTimeout/clearTimeout pair per message. A stopped or restarted timer never fires
 * its old callback.
 */
export class TimerSet<T extends string = TimerName, H = unknown> {
  private readonly armed = new Map<T, Armed<H>>();

  constructor(
    private readonly clock: Clock<H>,
    private readonly onExpire: (timer: T) => void,
  ) {}

  start(timer: T, seconds: number): void {
    const deadline = this.clock.now() + Math.max(0, seconds) * 1000;
    const current = this.armed.get(timer);
    if (current !== undefined && current.fireAt <= deadline) {
      current.deadline = deadline;
      return;
    }
    if (current !== undefined) this.clock.clearTimeout(current.handle);
    this.arm(timer, deadline);
  }

  stop(timer: T): void {
    const current = this.armed.get(timer);
    if (current === undefined) return;
    this.clock.clearTimeout(current.handle);
    this.armed.delete(timer);
  }

  stopAll(): void {
    for (const timer of [...this.armed.keys()]) this.stop(timer);
  }

  isRunning(timer: T): boolean {
    return this.armed.has(timer);
  }

  /** Seconds until the timer expires, or null when it is not running. */
  remaining(timer: T): number | null {
    const current = this.armed.get(timer);
    return current === undefined ? null : Math.max(0, current.deadline - this.clock.now()) / 1000;
  }

  /** Execute the StartTimer/StopTimer actions of one FSM step; other actions are left to the caller. */
  apply(actions: readonly Action[]): void {
    for (const a of actions) {
      if (a.type === 'StartTimer') this.start(a.timer as T, a.seconds);
      else if (a.type === 'StopTimer') this.stop(a.timer as T);
    }
  }

  private arm(timer: T, deadline: number): void {
    const entry: Armed<H> = { deadline, fireAt: deadline, handle: undefined as H };
    entry.handle = this.clock.setTimeout(() => this.fire(timer, entry), Math.max(0, deadline - this.clock.now()));
    this.armed.set(timer, entry);
  }

  private fire(timer: T, entry: Armed<H>): void {
    if (this.armed.get(timer) !== entry) return; // stopped or restarted since
    const now = this.clock.now();
    // Node fires timers against its loop clock, which can run up to a millisecond behind: a timer that is due
    // within EARLY_MS counts as expired, or every timer would wake twice.
    if (now < entry.deadline - EARLY_MS) {
      entry.fireAt = entry.deadline;
      entry.handle = this.clock.setTimeout(() => this.fire(timer, entry), entry.deadline - now);
      return;
    }
    this.armed.delete(timer);
    this.onExpire(timer);
  }
}

/** A manual clock for tests: time moves only by advance(), which runs due callbacks in order. */
export class FakeClock implements Clock<number> {
  private time: number;
  private nextId = 1;
  private readonly pending = new Map<number, { readonly at: number; readonly fn: () => void }>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.pending.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: number): void {
    this.pending.delete(handle);
  }

  /** Number of callbacks waiting. */
  get pendingCount(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: number | null = null;
      let at = Infinity;
      for (const [id, t] of this.pending) {
        if (t.at <= end && t.at < at) {
          at = t.at;
          due = id;
        }
      }
      if (due === null) break;
      const t = this.pending.get(due)!;
      this.pending.delete(due);
      this.time = Math.max(this.time, t.at);
      t.fn();
    }
    this.time = end;
  }
}
