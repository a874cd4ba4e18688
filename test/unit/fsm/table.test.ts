// RFC 4271 §8.2.2, cell by cell: every state × every event (1-28) gives the RFC's next state and the
// externally visible actions. Expectations are written from the RFC text, one string per cell:
//   <next state> [code/subcode of the NOTIFICATION sent] [c0 | c+1 (ConnectRetryCounter, preset 3)] [flags]
// flags: I InitiateTcpConnection, O SendOpen, K SendKeepalive, T TrackSecondConnection, E SessionEstablished,
//        U ProcessUpdate, S SessionDown, R ReleaseResources, D DropTcpConnection.
// Flags not listed must be absent; no NOTIFICATION and an unchanged counter must hold when not listed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step } from '../../../src/fsm/table.js';
import { EVENT_NUMBER, EVENT_TYPES, type FsmEvent, type FsmEventType } from '../../../src/fsm/events.js';
import { STATES, type State } from '../../../src/fsm/states.js';
import { runningTimers } from '../../../src/fsm/session.js';
import type { Action } from '../../../src/fsm/actions.js';
import { CONN_B, inState, peerOpen } from './fixtures.js';

const n = (code: number, subcode: number) => ({ code, subcode, data: new Uint8Array(0) });

/** One sample of each event, in RFC order. */
const EVENTS: Record<FsmEventType, FsmEvent> = {
  ManualStart: { type: 'ManualStart' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStart: { type: 'AutomaticStart' },
  ManualStart_with_PassiveTcpEstablishment: { type: 'ManualStart_with_PassiveTcpEstablishment' },
  AutomaticStart_with_PassiveTcpEstablishment: { type: 'AutomaticStart_with_PassiveTcpEstablishment' },
  AutomaticStart_with_DampPeerOscillations: { type: 'AutomaticStart_with_DampPeerOscillations' },
  AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment: {
    type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
  },
  AutomaticStop: { type: 'AutomaticStop' },
  ConnectRetryTimer_Expires: { type: 'ConnectRetryTimer_Expires' },
  HoldTimer_Expires: { type: 'HoldTimer_Expires' },
  KeepaliveTimer_Expires: { type: 'KeepaliveTimer_Expires' },
  DelayOpenTimer_Expires: { type: 'DelayOpenTimer_Expires' },
  IdleHoldTimer_Expires: { type: 'IdleHoldTimer_Expires' },
  TcpConnection_Valid: { type: 'TcpConnection_Valid', connection: CONN_B },
  Tcp_CR_Invalid: { type: 'Tcp_CR_Invalid', connection: CONN_B },
  Tcp_CR_Acked: { type: 'Tcp_CR_Acked', connection: CONN_B },
  TcpConnectionConfirmed: { type: 'TcpConnectionConfirmed', connection: CONN_B },
  TcpConnectionFails: { type: 'TcpConnectionFails' },
  BGPOpen: { type: 'BGPOpen', open: peerOpen() },
  BGPOpen_with_DelayOpenTimer_running: { type: 'BGPOpen_with_DelayOpenTimer_running', open: peerOpen() },
  BGPHeaderErr: { type: 'BGPHeaderErr', notification: n(1, 2) },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', notification: n(2, 2) },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsgVerErr: { type: 'NotifMsgVerErr', notification: n(2, 1) },
  NotifMsg: { type: 'NotifMsg', notification: n(6, 2) },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg' },
  UpdateMsgErr: { type: 'UpdateMsgErr', notification: n(3, 1) },
};

const x28 = (cells: string[]): string[] => {
  assert.equal(cells.length, 28);
  return cells;
};
const rep = (cell: string, times: number): string[] => Array<string>(times).fill(cell);

// Index i holds the expectation for event number i + 1.
const TABLE: Record<State, string[]> = {
  Idle: x28([
    'Connect c0 I', // 1
    'Idle', // 2 ignored
    'Connect c0 I', // 3
    'Active c0', // 4
    'Active c0', // 5
    'Connect I', // 6 (damping off: an automatic start that keeps the counter)
    'Active', // 7
    'Idle', // 8 ignored
    ...rep('Idle', 5), // 9-13
    ...rep('Idle D', 4), // 14-17: Idle refuses connections
    ...rep('Idle', 11), // 18-28
  ]),
  Connect: x28([
    'Connect', // 1
    'Idle c0 RD', // 2
    ...rep('Connect', 5), // 3-7
    'Idle c+1 RD', // 8
    'Connect ID', // 9: drop the attempt, restart timer, reconnect
    'Idle c+1 RD', // 10
    'Idle c+1 RD', // 11
    'OpenSent O', // 12
    'Idle c+1 RD', // 13
    'Connect', // 14
    'Connect D', // 15
    'OpenSent O', // 16
    'OpenSent O', // 17
    'Idle RD', // 18 (DelayOpenTimer not running): not counted
    'Idle c+1 RD', // 19
    'OpenConfirm OK', // 20
    'Idle c+1 RD', // 21 (SendNOTIFICATIONwithoutOPEN false)
    'Idle c+1 RD', // 22
    'Idle c+1 RD', // 23
    'Idle c+1 RD', // 24 (DelayOpenTimer not running)
    ...rep('Idle c+1 RD', 4), // 25-28
  ]),
  Active: x28([
    'Active', // 1
    'Idle c0 RD', // 2
    ...rep('Active', 5), // 3-7
    'Idle c+1 RD', // 8
    'Connect I', // 9
    'Idle c+1 RD', // 10
    'Idle c+1 RD', // 11
    'OpenSent O', // 12
    'Idle c+1 RD', // 13
    'Active', // 14
    'Active D', // 15
    'OpenSent O', // 16
    'OpenSent O', // 17
    'Idle c+1 R', // 18
    'Idle c+1 RD', // 19
    'OpenConfirm OK', // 20
    ...rep('Idle c+1 RD', 8), // 21-28
  ]),
  OpenSent: x28([
    'OpenSent', // 1
    'Idle 6/2 c0 RD', // 2 Cease / Administrative Shutdown
    ...rep('OpenSent', 5), // 3-7
    'Idle 6/0 c+1 RD', // 8 Cease
    'Idle 5/1 c+1 RD', // 9 FSM error (RFC 6608 subcode 1)
    'Idle 4/0 c+1 RD', // 10 Hold Timer Expired
    'Idle 5/1 c+1 RD', // 11
    'Idle 5/1 c+1 RD', // 12
    'Idle 5/1 c+1 RD', // 13
    'OpenSent T', // 14
    'OpenSent', // 15 ignored
    'OpenSent T', // 16
    'OpenSent T', // 17
    'Active D', // 18
    'OpenConfirm K', // 19
    'Idle 5/1 c+1 RD', // 20
    'Idle 1/2 c+1 RD', // 21 the header error's own NOTIFICATION
    'Idle 2/2 c+1 RD', // 22 the OPEN error's own NOTIFICATION
    'Idle 6/7 c+1 RD', // 23 Cease / Connection Collision Resolution
    'Idle RD', // 24 not counted
    ...rep('Idle 5/1 c+1 RD', 4), // 25-28
  ]),
  OpenConfirm: x28([
    'OpenConfirm', // 1
    'Idle 6/2 c0 RD', // 2
    ...rep('OpenConfirm', 5), // 3-7
    'Idle 6/0 c+1 RD', // 8
    'Idle 5/2 c+1 RD', // 9
    'Idle 4/0 c+1 RD', // 10
    'OpenConfirm K', // 11
    'Idle 5/2 c+1 RD', // 12
    'Idle 5/2 c+1 RD', // 13
    'OpenConfirm T', // 14
    'OpenConfirm', // 15
    'OpenConfirm T', // 16
    'OpenConfirm T', // 17
    'Idle c+1 RD', // 18
    'Idle 5/2 c+1 RD', // 19 a second OPEN on this connection
    'Idle 5/2 c+1 RD', // 20
    'Idle 1/2 c+1 RD', // 21
    'Idle 2/2 c+1 RD', // 22
    'Idle 6/7 c+1 RD', // 23
    'Idle RD', // 24
    'Idle c+1 RD', // 25
    'Established E', // 26
    'Idle 5/2 c+1 RD', // 27
    'Idle 5/2 c+1 RD', // 28
  ]),
  Established: x28([
    'Established', // 1
    'Idle 6/2 c0 SRD', // 2
    ...rep('Established', 5), // 3-7
    'Idle 6/0 c+1 SRD', // 8
    'Idle 5/3 c+1 SRD', // 9
    'Idle 4/0 c+1 SRD', // 10
    'Established K', // 11
    'Idle 5/3 c+1 SRD', // 12
    'Idle 5/3 c+1 SRD', // 13
    'Established T', // 14
    'Established', // 15
    'Established T', // 16
    'Established T', // 17
    'Idle c+1 SRD', // 18
    'Idle 5/3 c+1 SRD', // 19
    'Idle 5/3 c+1 SRD', // 20
    'Idle 1/2 c+1 SRD', // 21 (RFC 4271 §6.1: header errors keep their code)
    'Idle 5/3 c+1 SRD', // 22
    'Idle 6/7 c+1 SRD', // 23
    'Idle c+1 SRD', // 24
    'Idle c+1 SRD', // 25
    'Established', // 26
    'Established U', // 27
    'Idle 3/1 c+1 SRD', // 28
  ]),
};

const FLAG: Partial<Record<Action['type'], string>> = {
  InitiateTcpConnection: 'I',
  SendOpen: 'O',
  SendKeepalive: 'K',
  TrackSecondConnection: 'T',
  SessionEstablished: 'E',
  ProcessUpdate: 'U',
  SessionDown: 'S',
  ReleaseResources: 'R',
  DropTcpConnection: 'D',
};

function describeOutcome(before: number, next: State, counter: number, actions: readonly Action[]): string {
  const parts: string[] = [next];
  const notes = actions.filter((a) => a.type === 'SendNotification');
  assert.ok(notes.length <= 1, 'at most one NOTIFICATION per step');
  for (const a of notes) if (a.type === 'SendNotification') parts.push(`${a.code}/${a.subcode}`);
  if (counter !== before) parts.push(counter === 0 ? 'c0' : counter === before + 1 ? 'c+1' : `c=${counter}`);
  const flags = [...new Set(actions.map((a) => FLAG[a.type] ?? ''))].join('');
  const ordered = 'IOKTEUSRD'.split('').filter((f) => flags.includes(f)).join('');
  if (ordered) parts.push(ordered);
  return parts.join(' ');
}

for (const state of STATES) {
  test(`RFC 4271 §8.2.2 ${state}: all 28 events`, () => {
    const session = inState(state);
    for (const type of EVENT_TYPES) {
      const expected = TABLE[state][EVENT_NUMBER[type] - 1]!;
      const { session: next, actions } = step(session, EVENTS[type], 1000);
      const got = describeOutcome(session.connectRetryCounter, next.state, next.connectRetryCounter, actions);
      assert.equal(got, expected, `${state} × Event ${EVENT_NUMBER[type]} ${type}`);
      if (next.state === 'Idle' && state !== 'Idle') {
        assert.deepEqual(runningTimers(next), [], `${state} × ${type}: no timer runs in Idle`);
        assert.equal(next.connection, null);
      }
    }
  });
}

test('the table covers 6 states × 28 events and the event numbers are 1..28', () => {
  assert.deepEqual(
    EVENT_TYPES.map((t) => EVENT_NUMBER[t]),
    Array.from({ length: 28 }, (_, i) => i + 1),
  );
  for (const s of STATES) assert.equal(TABLE[s].length, 28);
});
