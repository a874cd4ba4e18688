// Property: whatever the interleaving of UPDATEs, decision runs, Adj-RIB-Out flushes and Loc-RIB drains, a peer
// that applies every UPDATE it is sent ends up with exactly the routes the RIB has for it, and the FIB's drain
// names the right prefixes. Prefix slots are freed and reused along the way (a withdrawn prefix, then others),
// so a slot given back while still queued for a withdrawal would send or drain the wrong prefix.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rib } from '../../src/rib/rib.js';
import { Afi } from '../../src/wire/iana.js';
import { announce, CTX, peerConfig, readOut, resolvedConfig, ROUTER_ID, seq, withdraw } from '../unit/rib/helpers.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() & 0x7fffffff);
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED, interruptAfterTimeLimit: 8000 });

const POOL = ['192.0.2.0/24', '192.0.2.0/25', '198.51.100.0/24', '198.51.100.128/25', '203.0.113.0/24', '203.0.113.7/32', '192.0.2.128/26', '198.51.100.64/27'];

const step = fc.oneof(
  fc.record({ op: fc.constant('announce' as const), from: fc.constantFrom('A', 'C'), prefixes: fc.subarray(POOL, { minLength: 1 }), hop: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('withdraw' as const), from: fc.constantFrom('A', 'C'), prefixes: fc.subarray(POOL, { minLength: 1 }) }),
  fc.constant({ op: 'process' as const }),
  fc.constant({ op: 'flush' as const }),
  fc.constant({ op: 'drain' as const }),
  // Sessions of B and C going down and up: with neither up, a route from A is exported to nobody, and only
  // its Adj-RIB-In entry and the queues keep its slot.
  fc.record({ op: fc.constantFrom('down' as const, 'up' as const), who: fc.constantFrom('B', 'C') }),
);

describe('RIB slots under reuse', () => {
  it('B learns exactly what it is owed and the Loc-RIB drain names the right prefixes', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const peers = [peerConfig('A', '192.0.2.10', 65001), peerConfig('B', '192.0.2.11', 65002), peerConfig('C', '192.0.2.12', 65003)];
      const rib = new Rib({ routerId: ROUTER_ID, trackLocChanges: true });
      rib.configure(resolvedConfig({ peers }));
      const h = Object.fromEntries(peers.map((p, i) => {
        const x = rib.addPeer(p);
        x.established(0xc6336400 + i, [Afi.IPv4, Afi.IPv6], true);
        return [p.name, x];
      }));
      const learned = new Map<string, string>(); // what B holds: prefix → next hop
      const installed = new Set<string>(); // what a FIB following drainLocChanges holds
      const flushB = (): void => {
        for (const [p, r] of readOut(h['B']!.takeUpdates(CTX)).routes) {
          if (r === null) learned.delete(p);
          else learned.set(p, r.nextHop);
        }
      };
      const drain = (): void => {
        rib.v4.drainLocChanges((slot, best) => {
          const p = rib.v4.table.text(slot);
          if (best === undefined) installed.delete(p);
          else installed.add(p);
        });
      };
      const up = new Set(['A', 'B', 'C']);
      for (const s of steps) {
        if ((s.op === 'announce' || s.op === 'withdraw') && !up.has(s.from)) continue;
        if (s.op === 'down' || s.op === 'up') {
          if ((s.op === 'up') === up.has(s.who)) continue;
          if (s.op === 'down') {
            h[s.who]!.down();
            up.delete(s.who);
            if (s.who === 'B') learned.clear(); // a new session starts from nothing
          } else {
            h[s.who]!.established(0xc6336400 + (s.who === 'B' ? 1 : 2), [Afi.IPv4, Afi.IPv6], true);
            up.add(s.who);
          }
          continue;
        }
        if (s.op === 'announce') h[s.from]!.apply(announce(`192.0.2.${s.from === 'A' ? 10 : 12}`, s.prefixes, { asPath: seq(s.from === 'A' ? 65001 : 65003, ...Array(s.hop).fill(64999)) }), false);
        else if (s.op === 'withdraw') h[s.from]!.apply(withdraw(s.prefixes), false);
        else if (s.op === 'process') rib.process();
        else if (s.op === 'flush') {
          rib.process();
          if (up.has('B')) flushB();
          // A and C are sent routes too (not checked here); taking theirs lets slots go back and be reused.
          h['A']!.takeUpdates(CTX);
          h['C']!.takeUpdates(CTX);
        } else {
          rib.process();
          drain();
        }
      }
      if (!up.has('B')) h['B']!.established(0xc6336401, [Afi.IPv4, Afi.IPv6], true);
      rib.process();
      flushB();
      drain();
      // The Loc-RIB by prefix text, from the RIB's own view.
      const want = new Set<string>();
      rib.v4.forEachSlot((slot) => {
        if (rib.v4.best(slot) !== undefined) want.add(rib.v4.table.text(slot));
      });
      assert.deepEqual([...learned.keys()].sort(), [...want].sort(), 'B holds the Loc-RIB (both senders are eBGP, B is neither)');
      assert.deepEqual([...installed].sort(), [...want].sort(), 'the drained Loc-RIB changes add up to the Loc-RIB');
      for (const p of learned.keys()) assert.equal(learned.get(p), '192.0.2.1', 'next hop self towards eBGP B');
      // Withdraw everything: every slot is given back.
      h['A']!.apply(withdraw(POOL), false);
      if (up.has('C')) h['C']!.apply(withdraw(POOL), false);
      rib.process();
      flushB();
      drain();
      // C and A were sent routes too (never read here): their queues hold slots until taken.
      h['A']!.takeUpdates(CTX);
      h['C']!.takeUpdates(CTX);
      assert.equal(learned.size, 0);
      assert.equal(installed.size, 0);
      assert.equal(rib.v4.table.size, 0, 'no slot is kept once nothing refers to it');
    }), params(300));
  });
});
