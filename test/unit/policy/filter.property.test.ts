// The compiled evaluator against a naive reference written from calico/node's rendering of a rule
// (prefixes as bit strings, rules re-read from the raw BGPFilterRule each time).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compilePolicy, type PolicyPrefix } from '../../../src/policy/filter.js';
import type { FilterConfig } from '../../../src/config/model.js';
import type { BGPFilterRule, MatchOperator } from '../../../src/config/schema.js';
import { Afi } from '../../../src/wire/iana.js';
import { filter, rule } from './helpers.js';

const params = { numRuns: 400, interruptAfterTimeLimit: 8000 };

function bits(p: PolicyPrefix): string {
  let s = '';
  if (typeof p.addr === 'number') s = (p.addr >>> 0).toString(2).padStart(32, '0');
  else for (const b of p.addr) s += b.toString(2).padStart(8, '0');
  return s.slice(0, p.len);
}

function cidrBits(r: BGPFilterRule): string {
  const c = r.cidr!;
  const [addr] = c.cidr.split('/');
  if (c.family === 4) return addr!.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('').slice(0, c.prefixLength);
  const full = new URL(`http://[${addr}]`).hostname.slice(1, -1); // normalise, then expand groups
  const [head, tail] = full.includes('::') ? full.split('::') : [full, undefined];
  const hs = head ? head.split(':') : [];
  const ts = tail ? tail.split(':') : [];
  const groups = tail === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts];
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('').slice(0, c.prefixLength);
}

/** BIRD: `net = C`, `net ~ C` (subnet), `net ~ [C{min,max}]`; net vs prefix set is never equal. */
function refMatches(r: BGPFilterRule, p: PolicyPrefix, fromPeer: boolean, exporting: boolean, family: 4 | 6): boolean {
  if (r.interface !== undefined) return false;
  if (r.source === 'RemotePeers' && exporting && !fromPeer) return false;
  if (r.cidr === undefined || r.matchOperator === undefined) return true;
  const cb = cidrBits(r);
  const rb = bits(p);
  const op = r.matchOperator;
  if (r.prefixLength === undefined) {
    const equal = rb === cb;
    const within = rb.length >= cb.length && rb.startsWith(cb);
    return op === 'Equal' ? equal : op === 'NotEqual' ? !equal : op === 'In' ? within : !within;
  }
  if (op === 'Equal') return false;
  if (op === 'NotEqual') return true;
  const lo = Math.max(cb.length, r.prefixLength.min ?? 0);
  const hi = Math.min(family === 4 ? 32 : 128, r.prefixLength.max ?? 128);
  const inSet = p.len >= lo && p.len <= hi && rb.startsWith(cb);
  return op === 'In' ? inSet : !inSet;
}

function reference(filters: readonly FilterConfig[], family: 4 | 6, dir: 'import' | 'export', p: PolicyPrefix, fromPeer: boolean): string {
  for (const f of filters) {
    for (const r of f[`${dir}V${family}`]) if (refMatches(r, p, fromPeer, dir === 'export', family)) return r.action.toLowerCase();
  }
  return dir === 'import' ? 'accept' : 'default';
}

// Networks drawn near each other so that rules and routes overlap often.
const v4Base = fc.constantFrom(0xc6336400, 0xc6330000, 0xcb007100, 0xc0000200, 0xc6336480);
const v4Prefix = fc.record({ base: v4Base, noise: fc.integer({ min: 0, max: 0xffff }), len: fc.integer({ min: 0, max: 32 }) }).map(({ base, noise, len }) => {
  const a = (base ^ (noise & 0xff) ^ ((noise >> 8) << 8 & 0x300)) >>> 0;
  return { afi: Afi.IPv4, addr: len === 0 ? 0 : (a & (-1 << (32 - len))) >>> 0, len } as PolicyPrefix;
});
const v6Base = fc.constantFrom('20010db8000100000000000000000000', '20010db8000180000000000000000000', '20010db8000000000000000000000000', '20010db8ffff00000000000000000000');
const v6Prefix = fc.record({ base: v6Base, flip: fc.integer({ min: 0, max: 127 }), doFlip: fc.boolean(), len: fc.integer({ min: 0, max: 128 }) }).map(({ base, flip, doFlip, len }) => {
  const b = Uint8Array.from(base.match(/../g)!.map((h) => parseInt(h, 16)));
  if (doFlip) b[flip >> 3]! ^= 0x80 >> (flip & 7);
  for (let i = len; i < 128; i++) b[i >> 3]! &= ~(0x80 >> (i & 7));
  return { afi: Afi.IPv6, addr: b, len } as PolicyPrefix;
});

function toText(p: PolicyPrefix): string {
  if (typeof p.addr === 'number') return `${p.addr >>> 24}.${(p.addr >>> 16) & 255}.${(p.addr >>> 8) & 255}.${p.addr & 255}/${p.len}`;
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((p.addr[i]! << 8) | p.addr[i + 1]!).toString(16));
  return `${g.join(':')}/${p.len}`;
}

function ruleArb(prefix: fc.Arbitrary<PolicyPrefix>, family: 4 | 6, exporting: boolean): fc.Arbitrary<BGPFilterRule> {
  const max = family === 4 ? 32 : 128;
  return fc.record({
    action: fc.constantFrom('Accept' as const, 'Reject' as const),
    cidr: fc.option(prefix, { freq: 4 }),
    op: fc.constantFrom<MatchOperator>('Equal', 'NotEqual', 'In', 'NotIn'),
    min: fc.option(fc.integer({ min: 0, max }), { freq: 2 }),
    max: fc.option(fc.integer({ min: 0, max }), { freq: 2 }),
    source: fc.option(fc.constant('RemotePeers' as const), { freq: 3 }),
    iface: fc.option(fc.constant('eth0'), { freq: 8 }),
  }).map((x) => {
    const withCidr = x.cidr !== null;
    const hasRange = withCidr && (x.min !== null || x.max !== null);
    return rule(x.action, {
      ...(withCidr ? { cidr: toText(x.cidr!), op: x.op } : {}),
      ...(hasRange && x.min !== null ? { min: x.min } : {}),
      ...(hasRange && x.max !== null ? { max: x.max } : {}),
      ...(x.source !== null && exporting ? { source: x.source } : {}),
      ...(x.iface !== null ? { iface: x.iface } : {}),
    });
  });
}

function filtersArb(prefix: fc.Arbitrary<PolicyPrefix>, family: 4 | 6): fc.Arbitrary<FilterConfig[]> {
  const lists = fc.record({ imp: fc.array(ruleArb(prefix, family, false), { maxLength: 6 }), exp: fc.array(ruleArb(prefix, family, true), { maxLength: 6 }) });
  return fc.array(lists, { maxLength: 3 }).map((fs) => fs.map((l, i) => filter(`f${i}`, family === 4 ? { importV4: l.imp, exportV4: l.exp } : { importV6: l.imp, exportV6: l.exp })));
}

for (const [family, prefix] of [[4, v4Prefix], [6, v6Prefix]] as const) {
  describe(`policy property: IPv${family} compiled evaluator == naive reference`, () => {
    it('import and export verdicts and the deciding rule agree for random filters and prefixes', () => {
      fc.assert(
        fc.property(filtersArb(prefix, family), fc.array(prefix, { minLength: 1, maxLength: 12 }), (filters, routes) => {
          const p = compilePolicy(filters, family);
          for (const r of routes) {
            assert.equal(p.import(r), reference(filters, family, 'import', r, true), `import ${toText(r)}`);
            for (const fromPeer of [true, false]) {
              const ctx = { source: fromPeer ? 'peer' : 'local' } as const;
              assert.equal(p.export(r, ctx), reference(filters, family, 'export', r, fromPeer), `export ${toText(r)} ${ctx.source}`);
              const d = p.explainExport(r, ctx);
              assert.equal(d.verdict, p.export(r, ctx));
            }
            if (typeof r.addr === 'number') assert.equal(p.importV4(r.addr, r.len), p.import(r));
            else assert.equal(p.importV6(r.addr, r.len), p.import(r));
          }
        }),
        params,
      );
    });
  });
}
