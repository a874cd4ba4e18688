// Properties: the RIB's prefix table (open addressing over typed arrays, src/rib/prefix-table.ts) behaves as a
// Map from (address, length) to a stable slot under any sequence of intern / find / release, through growth
// (rehash) and deleted cells, for IPv4 and IPv6.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PrefixTable } from '../../src/rib/prefix-table.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() & 0x7fffffff);
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED, interruptAfterTimeLimit: 8000 });

// Few distinct addresses and lengths, so operations hit the same prefixes again (and prefixes that share an
// address but differ in length, or the reverse).
const op4 = fc.record({
  kind: fc.constantFrom('intern', 'intern', 'find', 'release'),
  addr: fc.constantFrom(0, 0xc0000200, 0xc0000201, 0xc6336400, 0xcb007100, 0x80000000, 0xffffffff, 0x0a000000),
  len: fc.constantFrom(0, 8, 24, 25, 32),
});
const op6 = fc.record({
  kind: fc.constantFrom('intern', 'intern', 'find', 'release'),
  w0: fc.constantFrom(0x20010db8, 0xfe800000, 0),
  w3: fc.constantFrom(0, 1, 0xffffffff),
  len: fc.constantFrom(0, 32, 64, 128),
});

describe('PrefixTable against a Map', () => {
  it('IPv4: slots are stable, distinct and found until released; sizes agree', () => {
    fc.assert(fc.property(fc.array(op4, { maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (ops, initial) => {
      const t = new PrefixTable(1, initial);
      const model = new Map<string, number>();
      for (const o of ops) {
        const k = `${o.addr}/${o.len}`;
        const have = model.get(k);
        if (o.kind === 'intern') {
          const slot = t.intern4(o.addr, o.len);
          if (have !== undefined) assert.equal(slot, have, 'an interned prefix keeps its slot');
          else {
            assert.ok(![...model.values()].includes(slot), 'a new prefix gets a free slot');
            model.set(k, slot);
          }
          assert.equal(t.addrs[slot], o.addr >>> 0);
          assert.equal(t.lens[slot], o.len);
        } else if (o.kind === 'find') assert.equal(t.find4(o.addr, o.len), have ?? -1);
        else if (have !== undefined) {
          t.release(have);
          model.delete(k);
          assert.equal(t.find4(o.addr, o.len), -1);
        }
        assert.equal(t.size, model.size);
      }
      for (const [k, slot] of model) {
        const [a, l] = k.split('/').map(Number);
        assert.equal(t.find4(a!, l!), slot);
      }
    }), params(400));
  });

  it('IPv4: a table grown past many rehashes still finds every prefix', () => {
    const t = new PrefixTable(1, 16);
    const slots = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) slots.set(i, t.intern4((0xc0000000 + i * 256) >>> 0, 24));
    for (let i = 0; i < 50_000; i += 2) t.release(slots.get(i)!);
    for (let i = 0; i < 50_000; i++) assert.equal(t.find4((0xc0000000 + i * 256) >>> 0, 24), i % 2 === 0 ? -1 : slots.get(i));
    assert.equal(t.size, 25_000);
  });

  it('IPv6: slots are stable and found until released; sizes agree', () => {
    fc.assert(fc.property(fc.array(op6, { maxLength: 200 }), (ops) => {
      const t = new PrefixTable(4, 4);
      const model = new Map<string, number>();
      const w = new Uint32Array(4);
      for (const o of ops) {
        w[0] = o.w0;
        w[3] = o.w3;
        const k = `${o.w0}:${o.w3}/${o.len}`;
        const have = model.get(k);
        if (o.kind === 'intern') {
          const slot = t.intern6(w, 0, o.len);
          if (have !== undefined) assert.equal(slot, have);
          else model.set(k, slot);
          assert.deepEqual([...t.addrs.subarray(slot * 4, slot * 4 + 4)], [...w]);
        } else if (o.kind === 'find') assert.equal(t.find6(w, 0, o.len), have ?? -1);
        else if (have !== undefined) {
          t.release(have);
          model.delete(k);
          assert.equal(t.find6(w, 0, o.len), -1);
        }
        assert.equal(t.size, model.size);
      }
    }), params(300));
  });
});
