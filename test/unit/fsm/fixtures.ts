// Shared fixtures for the FSM tests: a config, OPENs, and sessions driven into each state through the
// FSM itself (so fixtures are reachable states, not hand-built ones).

import { createSession, sessionConfig, type SessionConfig, type SessionState } from '../../../src/fsm/session.js';
import { step } from '../../../src/fsm/table.js';
import type { ConnectionRef, FsmEvent } from '../../../src/fsm/events.js';
import type { Action } from '../../../src/fsm/actions.js';
import { NO_CAPABILITIES, type OpenSummary } from '../../../src/fsm/summary.js';
import type { State } from '../../../src/fsm/states.js';

export const LOCAL_AS = 65001;
export const PEER_AS = 65002;

/** Plain RFC 4271 behaviour: no FSM-scheduled restarts, no damping, no DelayOpen. */
export const rfcConfig = (over: Partial<SessionConfig> = {}): SessionConfig =>
  sessionConfig({ localAs: LOCAL_AS, idleHoldTime: 0, ...over });

export const CONN_A: ConnectionRef = { id: 1, initiatedBy: 'local' };
export const CONN_B: ConnectionRef = { id: 2, initiatedBy: 'remote' };

export const peerOpen = (over: Partial<OpenSummary> = {}): OpenSummary => ({
  version: 4,
  myAs: PEER_AS,
  holdTime: 90,
  bgpIdentifier: 0xc6336401, // 198.51.100.1
  capabilities: NO_CAPABILITIES,
  ...over,
});

/** Step through events, returning the final session and every step's actions. */
export function run(
  session: SessionState,
  events: readonly FsmEvent[],
  now = 0,
): { session: SessionState; actions: Action[][] } {
  const actions: Action[][] = [];
  for (const e of events) {
    const r = step(session, e, now);
    session = r.session;
    actions.push([...r.actions]);
  }
  return { session, actions };
}

/** A session in `state`, reached from Idle by RFC events, with ConnectRetryCounter preset to 3. */
export function inState(state: State, config: SessionConfig = rfcConfig(), open = peerOpen()): SessionState {
  const path: Record<State, FsmEvent[]> = {
    Idle: [],
    Connect: [{ type: 'ManualStart' }],
    // Through OpenSent and back (Event 18), so the session is not passive and Event 9 reconnects.
    Active: [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked', connection: CONN_A }, { type: 'TcpConnectionFails' }],
    OpenSent: [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked', connection: CONN_A }],
    OpenConfirm: [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked', connection: CONN_A }, { type: 'BGPOpen', open }],
    Established: [
      { type: 'ManualStart' },
      { type: 'Tcp_CR_Acked', connection: CONN_A },
      { type: 'BGPOpen', open },
      { type: 'KeepAliveMsg' },
    ],
  };
  const s = run(createSession(config, 7), path[state]).session;
  if (s.state !== state) throw new Error(`fixture for ${state} ended in ${s.state}`);
  return { ...s, connectRetryCounter: 3 };
}

export const types = (actions: readonly Action[]): string[] => actions.map((a) => a.type);
