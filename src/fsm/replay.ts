// Record a run of the FSM as data and replay it: step() is pure, so the same initial session and the
// same (time, event) list always give the same sessions and actions.

import type { Action } from './actions.js';
import type { FsmEvent } from './events.js';
import type { SessionState } from './session.js';
import { step, type StepResult } from './table.js';

export interface RecordedEvent {
  /** The step clock (ms) the event was fed at. */
  readonly at: number;
  readonly event: FsmEvent;
}

export interface Recording {
  readonly initial: SessionState;
  readonly events: readonly RecordedEvent[];
}

/** Feeds events to one FSM and keeps the log. */
export class Recorder {
  private current: SessionState;
  private readonly log: RecordedEvent[] = [];

  constructor(private readonly initial: SessionState) {
    this.current = initial;
  }

  get session(): SessionState {
    return this.current;
  }

  step(event: FsmEvent, now: number): StepResult {
    this.log.push({ at: now, event });
    const result = step(this.current, event, now);
    this.current = result.session;
    return result;
  }

  recording(): Recording {
    return { initial: this.initial, events: [...this.log] };
  }
}

export interface ReplayResult {
  readonly session: SessionState;
  /** The actions of each step, in order. */
  readonly actions: readonly (readonly Action[])[];
}

export function replay(recording: Recording): ReplayResult {
  let session = recording.initial;
  const actions: (readonly Action[])[] = [];
  for (const { at, event } of recording.events) {
    const r = step(session, event, at);
    session = r.session;
    actions.push(r.actions);
  }
  return { session, actions };
}
