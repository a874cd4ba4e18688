// The OPEN held back by a collision with an Established session (RFC 4271 §6.8): carried on when the peer
// closed the old connection, dumped (§8.1.1 default) when the grace time runs out, dropped when the new one closed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpenCollision, type CollisionSides } from '../../../src/peer/open-collision.js';
import type { FsmEvent } from '../../../src/fsm/index.js';
import type { OpenSummary } from '../../../src/fsm/summary.js';
import { summarizeOpen } from '../../../src/peer/open-summary.js';
import { localOpen } from '../../../src/peer/local-open.js';

const OPEN: OpenSummary = summarizeOpen(localOpen(65001, 90, 0xc6336401, 'peer'));

function sides(initial: boolean | null) {
  const s = {
    other: initial as boolean | null,
    decided: [] as [number, FsmEvent][],
    waits: 0,
  };
  const cs: CollisionSides = {
    otherEstablished: () => s.other,
    decide: (id, e) => s.decided.push([id, e]),
    waiting: () => s.waits++,
  };
  return { s, cs };
}

describe('OpenCollision', () => {
  it('held while the other connection is Established; the peer closes it: the held OPEN goes on', () => {
    const { s, cs } = sides(true);
    const c = new OpenCollision(cs, 60_000);
    assert.equal(c.decided, false, 'nothing held');
    c.defer(5, OPEN);
    assert.equal(s.waits, 1);
    assert.equal(c.decided, false);
    s.other = false;
    assert.equal(c.decided, true);
    c.resolve();
    assert.deepEqual(s.decided, [[5, { type: 'BGPOpen', open: OPEN }]]);
    assert.equal(c.decided, false, 'released');
    c.resolve();
    assert.equal(s.decided.length, 1, 'once');
  });

  it('the peer closes the new connection: nothing to hand over', () => {
    const { s, cs } = sides(true);
    const c = new OpenCollision(cs, 60_000);
    c.defer(5, OPEN);
    s.other = null;
    assert.equal(c.decided, true);
    c.resolve();
    assert.deepEqual(s.decided, []);
  });

  it('grace time over with both connections up: OpenCollisionDump (RFC 4271 §8.1.1 default)', async () => {
    const { s, cs } = sides(true);
    const c = new OpenCollision(cs, 20);
    c.defer(9, OPEN);
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(s.decided, [[9, { type: 'OpenCollisionDump' }]]);
  });
});
