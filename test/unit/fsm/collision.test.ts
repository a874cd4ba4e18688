// RFC 4271 §6.8 connection collision detection (with RFC 6286 §2.3 for equal identifiers).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareBgpIdentifiers,
  detectCollision,
  forkForSecondConnection,
  promote,
  resolveOpen,
  survivingOrigin,
  type CollisionInput,
} from '../../../src/fsm/collision.js';
import { step } from '../../../src/fsm/table.js';
import { createSession } from '../../../src/fsm/session.js';
import { parseBgpIdentifier } from '../../../src/fsm/summary.js';
import type { ConnectionRef } from '../../../src/fsm/events.js';
import { LOCAL_AS, PEER_AS, peerOpen, rfcConfig, run, types } from './fixtures.js';

const id = (s: string) => parseBgpIdentifier(s)!;
const LOW = id('192.0.2.1');
const HIGH = id('203.0.113.9');

test('BGP Identifiers compare as unsigned 32-bit numbers', () => {
  assert.equal(compareBgpIdentifiers(0x80000000, 0x7fffffff), 1);
  assert.equal(compareBgpIdentifiers(-1, 1), 1, '255.255.255.255 is the largest');
  assert.equal(compareBgpIdentifiers(id('198.51.100.1'), id('198.51.100.2')), -1);
  assert.equal(compareBgpIdentifiers(LOW, LOW), 0);
});

test('the connection initiated by the higher-ID speaker survives; equal IDs fall to the larger AS', () => {
  assert.equal(survivingOrigin(HIGH, LOW, 1, 2), 'local');
  assert.equal(survivingOrigin(LOW, HIGH, 1, 2), 'remote');
  assert.equal(survivingOrigin(LOW, LOW, 65010, 65001), 'local'); // RFC 6286 §2.3
  assert.equal(survivingOrigin(LOW, LOW, 65001, 4200000000), 'remote');
  assert.equal(survivingOrigin(LOW, LOW, 65001, 65001), null);
});

const input = (over: Partial<CollisionInput>, existing: Partial<NonNullable<CollisionInput['existing']>> = {}): CollisionInput => ({
  localBgpId: LOW,
  localAs: LOCAL_AS,
  remoteBgpId: HIGH,
  remoteAs: PEER_AS,
  newConnection: 'remote',
  existing: { state: 'OpenConfirm', initiatedBy: 'local', peerBgpId: HIGH, ...existing },
  collisionDetectEstablishedState: false,
  ...over,
});

test('OpenConfirm collision: lower local ID closes the existing (ours) connection, higher closes the new', () => {
  assert.deepEqual(detectCollision(input({})), { kind: 'CloseExisting' });
  assert.deepEqual(detectCollision(input({ localBgpId: HIGH, remoteBgpId: LOW }, { peerBgpId: LOW })), { kind: 'CloseNew' });
  // The OPEN arrived on our own connection while their connection waits in OpenConfirm.
  assert.deepEqual(
    detectCollision(input({ newConnection: 'local' }, { initiatedBy: 'remote' })),
    { kind: 'CloseNew' },
    'remote is higher: their connection (the existing one) survives',
  );
});

test('no collision in Idle, Connect, Active, or with a different BGP Identifier', () => {
  for (const state of ['Idle', 'Connect', 'Active'] as const) {
    assert.deepEqual(detectCollision(input({}, { state })), { kind: 'NoCollision' });
  }
  assert.deepEqual(detectCollision(input({}, { peerBgpId: id('198.51.100.77') })), { kind: 'NoCollision' });
  assert.deepEqual(detectCollision(input({ existing: null })), { kind: 'NoCollision' });
});

test('OpenSent is examined only when the peer ID is known by configuration', () => {
  assert.deepEqual(detectCollision(input({}, { state: 'OpenSent', peerBgpId: null })), { kind: 'NoCollision' });
  assert.deepEqual(detectCollision(input({}, { state: 'OpenSent', peerBgpId: HIGH })), { kind: 'CloseExisting' });
});

test('Established: the new connection closes unless CollisionDetectEstablishedState', () => {
  assert.deepEqual(detectCollision(input({}, { state: 'Established' })), { kind: 'CloseNew' });
  assert.deepEqual(
    detectCollision(input({ collisionDetectEstablishedState: true }, { state: 'Established' })),
    { kind: 'CloseExisting' },
  );
  assert.deepEqual(
    detectCollision(input({ collisionDetectEstablishedState: true, localBgpId: HIGH, remoteBgpId: LOW }, { state: 'Established', peerBgpId: LOW })),
    { kind: 'CloseNew' },
  );
});

test('two FSMs: the loser sends Cease / Connection Collision Resolution (6/7) and goes Idle', () => {
  const cfg = rfcConfig();
  const ours: ConnectionRef = { id: 10, initiatedBy: 'local' };
  const theirs: ConnectionRef = { id: 11, initiatedBy: 'remote' };
  const open = peerOpen({ bgpIdentifier: HIGH });
  // Our connection got its OPEN first and waits in OpenConfirm.
  const existing = run(createSession(cfg, 3), [
    { type: 'ManualStart' },
    { type: 'Tcp_CR_Acked', connection: ours },
    { type: 'BGPOpen', open },
  ]).session;
  assert.equal(existing.state, 'OpenConfirm');
  // Their connection shows up; the primary asks to track it; the runtime forks a second FSM.
  const track = step(existing, { type: 'TcpConnectionConfirmed', connection: theirs }, 0);
  assert.deepEqual(track.actions, [{ type: 'TrackSecondConnection', connection: theirs }]);
  let second = forkForSecondConnection(existing);
  assert.equal(second.state, 'Active');
  const opened = step(second, { type: 'TcpConnectionConfirmed', connection: theirs }, 0);
  assert.deepEqual(types(opened.actions), ['SendOpen', 'StartTimer']);
  second = opened.session;
  // Their OPEN arrives on the second connection: we are lower, so our (existing) connection loses.
  const d = resolveOpen(second, existing, open, LOW);
  assert.equal(d.outcome.kind, 'CloseExisting');
  assert.deepEqual(d.existing, { type: 'OpenCollisionDump' });
  const loser = step(existing, d.existing!, 0);
  assert.equal(loser.session.state, 'Idle');
  assert.deepEqual(loser.actions[0], { type: 'SendNotification', code: 6, subcode: 7, data: new Uint8Array(0) });
  assert.ok(loser.actions.some((a) => a.type === 'DropTcpConnection' && a.connection?.id === 10));
  const winner = step(second, d.incoming, 0);
  assert.equal(winner.session.state, 'OpenConfirm');
  const promoted = promote(winner.session);
  assert.equal(promoted.secondary, false);
  assert.equal(step(promoted, { type: 'KeepAliveMsg' }, 0).session.state, 'Established');

  // Same race with a higher local ID: the OPEN's own (new) connection is dumped instead.
  const d2 = resolveOpen(second, existing, open, id('255.255.255.254'));
  assert.equal(d2.outcome.kind, 'CloseNew');
  assert.equal(d2.existing, null);
  const dumped = step(second, d2.incoming, 0);
  assert.deepEqual(dumped.actions[0], { type: 'SendNotification', code: 6, subcode: 7, data: new Uint8Array(0) });
  assert.equal(dumped.session.pendingStart, null, 'a second-connection FSM never restarts itself');
});

test('a forked second-connection FSM never initiates TCP', () => {
  const primary = run(createSession(rfcConfig({ idleHoldTime: 5 })), [{ type: 'ManualStart' }]).session;
  const fork = forkForSecondConnection(primary);
  const r = step(fork, { type: 'ConnectRetryTimer_Expires' }, 0);
  assert.ok(!types(r.actions).includes('InitiateTcpConnection'));
  assert.equal(r.session.state, 'Active');
});
