// Calico selector parser and evaluation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matches, parseSelector, type Selector } from '../../../src/config/selector.js';

function sel(src: string): Selector {
  const p = parseSelector(src);
  if (!p.ok) assert.fail(`${src}: ${p.reason}`);
  return p.selector;
}

const L = { rack: 'r1', zone: 'a', 'topology.kubernetes.io/region': 'eu-1', 'route-reflector': 'true' };

test('basic forms evaluate as Calico defines them', () => {
  const cases: [string, boolean][] = [
    ['all()', true],
    ["rack == 'r1'", true],
    ["rack == 'r2'", false],
    ["rack != 'r2'", true],
    ["missing != 'x'", true], // != also matches an absent label
    ['has(rack)', true],
    ['has(missing)', false],
    ['!has(missing)', true],
    ['!has(rack)', false],
    ["rack in {'r1', 'r2'}", true],
    ["rack in {'r3'}", false],
    ['rack in {}', false],
    ["missing in {'r1'}", false],
    ["rack not in {'r3'}", true],
    ["missing not in {'r3'}", true],
    ["rack contains '1'", true],
    ["rack starts with 'r'", true],
    ["rack ends with '2'", false],
    ["topology.kubernetes.io/region == 'eu-1'", true],
    ['route-reflector == "true"', true],
  ];
  for (const [src, want] of cases) assert.equal(matches(sel(src), L), want, src);
});

test('&& binds tighter than ||; parentheses override', () => {
  // false && false || true  => true ; false && (false || true) => false
  assert.equal(matches(sel("rack == 'x' && zone == 'x' || has(zone)"), L), true);
  assert.equal(matches(sel("rack == 'x' && (zone == 'x' || has(zone))"), L), false);
  assert.equal(matches(sel("(rack == 'r1' || rack == 'r2') && !has(spine)"), L), true);
  assert.equal(matches(sel("!(rack == 'r1')"), L), false);
});

test('errors say what was expected and where', () => {
  const cases: [string, RegExp][] = [
    ['', /is empty.*all\(\)/],
    ["rack = 'r1'", /unexpected character "=" at column 6/],
    ['rack ==', /expected a quoted string after "rack ==", found end of selector at column 8/],
    ["rack == 'r1", /unterminated string/],
    ["has(rack", /expected "\)" to close "has\(", found end of selector/],
    ["rack in {'a' 'b'}", /expected "," or "}" in the set, found string 'b' at column 14/],
    ["(rack == 'r1'", /expected "\)" to close "\("/],
    ["rack == 'r1' zone == 'a'", /unexpected "zone"; join terms with && or \|\|/],
    ['foo(bar)', /unknown function "foo\(\)"/],
    ['rack', /expected an operator .* after label key "rack", found end of selector/],
    ["rack == 'a' &&", /expected a label key, all\(\), has\(key\) or "\(", found end of selector/],
  ];
  for (const [src, re] of cases) {
    const p = parseSelector(src);
    assert.equal(p.ok, false, src);
    if (!p.ok) assert.match(p.reason, re, src);
  }
});

const key = fc.constantFrom('a', 'b', 'c');
const val = fc.constantFrom('x', 'y');
const atom: fc.Arbitrary<string> = fc.oneof(
  fc.constant('all()'),
  key.map((k) => `has(${k})`),
  fc.tuple(key, fc.constantFrom('==', '!='), val).map(([k, o, v]) => `${k} ${o} '${v}'`),
  fc.tuple(key, val, val).map(([k, v, w]) => `${k} in {'${v}', '${w}'}`),
);
const labels = fc.record({ a: fc.option(val, { nil: undefined }), b: fc.option(val, { nil: undefined }), c: fc.option(val, { nil: undefined }) }).map((r) => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
  return out;
});

test('property: !, && and || of parsed selectors agree with boolean logic', () => {
  fc.assert(
    fc.property(atom, atom, labels, (x, y, l) => {
      const a = matches(sel(x), l);
      const b = matches(sel(y), l);
      assert.equal(matches(sel(`!(${x})`), l), !a);
      assert.equal(matches(sel(`${x} && ${y}`), l), a && b);
      assert.equal(matches(sel(`${x} || ${y}`), l), a || b);
      assert.equal(matches(sel(`!(${x} && ${y})`), l), !a || !b);
    }),
    { numRuns: 300, interruptAfterTimeLimit: 2000 },
  );
});
