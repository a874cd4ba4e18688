// The pure BGP FSM (RFC 4271 §8): states, events, actions, step(), collision detection, replay.

export * from './states.js';
export * from './events.js';
export * from './actions.js';
export * from './summary.js';
export * from './hold-time.js';
export * from './session.js';
export { penalize, remainingIdleHold } from './damping.js';
export { step, messageSent, type StepResult } from './table.js';
export { fsmError, HOLD_TIMER_EXPIRED } from './transition.js';
export * from './collision.js';
export * from './replay.js';
