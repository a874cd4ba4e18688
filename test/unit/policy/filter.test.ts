// BGPFilter evaluation as calico/node's BIRD configuration applies it (see src/policy/README.md).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, PolicyFamilyError } from '../../../src/policy/filter.js';
import { resolveText } from '../config/helpers.js';
import { filter, LOCAL, PEER, pfx, rule } from './helpers.js';

const imp4 = (...rules: ReturnType<typeof rule>[]) => compilePolicy([filter('f', { importV4: rules })], 4);
const exp4 = (...rules: ReturnType<typeof rule>[]) => compilePolicy([filter('f', { exportV4: rules })], 4);
const imp6 = (...rules: ReturnType<typeof rule>[]) => compilePolicy([filter('f', { importV6: rules })], 6);

/** Import verdicts of `policy` for each prefix text, as one string for readable failures. */
function verdicts(policy: ReturnType<typeof compilePolicy>, prefixes: readonly string[]): string {
  return prefixes.map((p) => `${p}:${policy.import(pfx(p))}`).join(' ');
}

const AROUND_24 = ['198.51.100.0/24', '198.51.100.0/25', '198.51.100.128/26', '198.51.100.7/32', '198.51.0.0/16', '203.0.113.0/24', '0.0.0.0/0'];

describe('policy: match operators without prefixLength (BIRD net =, !=, ~, !~)', () => {
  it('Equal matches only the same prefix and length', () => {
    assert.equal(verdicts(imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'Equal' })), AROUND_24),
      '198.51.100.0/24:reject 198.51.100.0/25:accept 198.51.100.128/26:accept 198.51.100.7/32:accept 198.51.0.0/16:accept 203.0.113.0/24:accept 0.0.0.0/0:accept');
  });
  it('NotEqual matches everything but that prefix', () => {
    assert.equal(verdicts(imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'NotEqual' })), AROUND_24),
      '198.51.100.0/24:accept 198.51.100.0/25:reject 198.51.100.128/26:reject 198.51.100.7/32:reject 198.51.0.0/16:reject 203.0.113.0/24:reject 0.0.0.0/0:reject');
  });
  it('In matches the prefix and every more-specific inside it, not a shorter covering prefix', () => {
    assert.equal(verdicts(imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'In' })), AROUND_24),
      '198.51.100.0/24:reject 198.51.100.0/25:reject 198.51.100.128/26:reject 198.51.100.7/32:reject 198.51.0.0/16:accept 203.0.113.0/24:accept 0.0.0.0/0:accept');
  });
  it('NotIn matches everything outside the prefix (and shorter ones covering it)', () => {
    assert.equal(verdicts(imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'NotIn' })), AROUND_24),
      '198.51.100.0/24:accept 198.51.100.0/25:accept 198.51.100.128/26:accept 198.51.100.7/32:accept 198.51.0.0/16:reject 203.0.113.0/24:reject 0.0.0.0/0:reject');
  });
  it('In 0.0.0.0/0 matches every route', () => {
    assert.equal(verdicts(imp4(rule('Reject', { cidr: '0.0.0.0/0', op: 'In' })), AROUND_24).includes('accept'), false);
  });
});

describe('policy: prefixLength (BIRD prefix set [C{min,max}])', () => {
  it('min only: max defaults to 32', () => {
    assert.equal(verdicts(imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'In', min: 26 })), AROUND_24),
      '198.51.100.0/24:accept 198.51.100.0/25:accept 198.51.100.128/26:reject 198.51.100.7/32:reject 198.51.0.0/16:accept 203.0.113.0/24:accept 0.0.0.0/0:accept');
  });
  it('max only: min defaults to the cidr length', () => {
    const p = imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'In', max: 25 }));
    assert.equal(verdicts(p, AROUND_24),
      '198.51.100.0/24:reject 198.51.100.0/25:reject 198.51.100.128/26:accept 198.51.100.7/32:accept 198.51.0.0/16:accept 203.0.113.0/24:accept 0.0.0.0/0:accept');
    assert.equal(p.importRules[0]!.text, 'if net ~ [ 198.51.100.0/24{24,25} ] then reject');
  });
  it('a min below the cidr length is raised to it (calico/node clamps: a covering /16 is never in the set)', () => {
    const p = imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'In', min: 16, max: 24 }));
    assert.equal(p.importRules[0]!.minLength, 24);
    assert.equal(p.import(pfx('198.51.0.0/16')), 'accept');
    assert.equal(p.import(pfx('198.51.100.0/24')), 'reject');
  });
  it('NotIn with a range matches what the set does not hold, inside the cidr too', () => {
    assert.equal(verdicts(imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'NotIn', min: 25, max: 26 })), AROUND_24),
      '198.51.100.0/24:reject 198.51.100.0/25:accept 198.51.100.128/26:accept 198.51.100.7/32:reject 198.51.0.0/16:reject 203.0.113.0/24:reject 0.0.0.0/0:reject');
  });
  it('Equal with prefixLength never matches and NotEqual with prefixLength always does (net vs prefix set), with a note', () => {
    const eq = imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'Equal', min: 24, max: 24 }));
    assert.equal(verdicts(eq, AROUND_24).includes('reject'), false);
    assert.equal(eq.notes[0]?.code, 'ERR_POLICY_EQUAL_WITH_PREFIX_LENGTH');
    const ne = imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'NotEqual', max: 25 }));
    assert.equal(verdicts(ne, AROUND_24).includes('accept'), false);
    assert.equal(ne.notes[0]?.rule, 'importV4[0]');
  });
  it('an empty range (max below the cidr length) holds nothing: In never, NotIn always, with a note', () => {
    const inn = imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'In', max: 16 }));
    assert.equal(verdicts(inn, AROUND_24).includes('reject'), false);
    assert.equal(inn.notes[0]?.code, 'ERR_POLICY_EMPTY_LENGTH_RANGE');
    const notIn = imp4(rule('Reject', { cidr: '198.51.100.0/24', op: 'NotIn', max: 16 }));
    assert.equal(verdicts(notIn, AROUND_24).includes('accept'), false);
  });
});

describe('policy: order, chaining and defaults', () => {
  it('with no rules: import accepts, export leaves it to the default policy', () => {
    const p = compilePolicy([], 4);
    assert.equal(p.empty, true);
    assert.equal(p.import(pfx('192.0.2.0/24')), 'accept');
    assert.equal(p.export(pfx('192.0.2.0/24'), PEER), 'default');
    assert.equal(p.export(pfx('192.0.2.0/24'), LOCAL), 'default');
    assert.match(p.explainImport(pfx('192.0.2.0/24')).reason, /no BGPFilter rule matched/);
  });
  it('no rule matching: import accepts, export falls through', () => {
    const p = compilePolicy([filter('f', { importV4: [rule('Reject', { cidr: '203.0.113.0/24', op: 'In' })], exportV4: [rule('Accept', { cidr: '203.0.113.0/24', op: 'In' })] })], 4);
    assert.equal(p.import(pfx('192.0.2.0/24')), 'accept');
    assert.equal(p.export(pfx('192.0.2.0/24'), LOCAL), 'default');
    assert.equal(p.export(pfx('203.0.113.0/25'), LOCAL), 'accept');
  });
  it('the first matching rule wins', () => {
    const p = imp4(
      rule('Accept', { cidr: '198.51.100.0/25', op: 'In' }),
      rule('Reject', { cidr: '198.51.100.0/24', op: 'In' }),
      rule('Accept'),
    );
    assert.equal(p.import(pfx('198.51.100.0/26')), 'accept');
    assert.equal(p.import(pfx('198.51.100.128/26')), 'reject');
    assert.equal(p.import(pfx('192.0.2.0/24')), 'accept');
    assert.equal(p.matchImport(pfx('198.51.100.128/26')), 1);
    assert.equal(p.matchImport(pfx('192.0.2.0/24')), 2);
  });
  it('an action-only rule matches everything (a catch-all Reject turns the default around)', () => {
    const p = imp4(rule('Accept', { cidr: '192.0.2.0/24', op: 'Equal' }), rule('Reject'));
    assert.equal(p.import(pfx('192.0.2.0/24')), 'accept');
    assert.equal(p.import(pfx('203.0.113.0/24')), 'reject');
  });
  it('filters chain in BGPPeer order: the first filter with a matching rule decides, later ones are not reached', () => {
    const a = filter('a', { importV4: [rule('Reject', { cidr: '198.51.100.0/24', op: 'In' })] });
    const b = filter('b', { importV4: [rule('Accept', { cidr: '198.51.100.0/24', op: 'Equal' }), rule('Reject', { cidr: '203.0.113.0/24', op: 'In' })] });
    const ab = compilePolicy([a, b], 4);
    assert.equal(ab.import(pfx('198.51.100.0/24')), 'reject');
    assert.equal(ab.import(pfx('203.0.113.0/24')), 'reject');
    assert.equal(ab.import(pfx('192.0.2.0/24')), 'accept');
    const ba = compilePolicy([b, a], 4);
    assert.equal(ba.import(pfx('198.51.100.0/24')), 'accept');
    assert.equal(ba.import(pfx('198.51.100.0/25')), 'reject');
    const d = ab.explainImport(pfx('203.0.113.0/24'));
    assert.equal(d.rule?.filter, 'b');
    assert.equal(d.reason, 'BGPFilter b importV4[1]: if net ~ 203.0.113.0/24 then reject');
  });
  it('a filter with rules only for the other family or direction takes no part', () => {
    const v6only = filter('v6only', { importV6: [rule('Reject')], exportV4: [rule('Reject')] });
    const p = compilePolicy([v6only, filter('x', { importV4: [rule('Reject', { cidr: '192.0.2.0/24', op: 'In' })] })], 4);
    assert.equal(p.import(pfx('203.0.113.0/24')), 'accept');
    assert.equal(p.import(pfx('192.0.2.0/24')), 'reject');
    assert.equal(p.importRules.length, 1);
    assert.equal(p.export(pfx('203.0.113.0/24'), LOCAL), 'reject');
  });
});

describe('policy: source RemotePeers and interface', () => {
  it('an export rule with source RemotePeers matches only routes learned from a BGP peer', () => {
    const p = exp4(rule('Reject', { source: 'RemotePeers' }), rule('Accept', { cidr: '192.0.2.0/24', op: 'In' }));
    assert.equal(p.export(pfx('192.0.2.0/26'), PEER), 'reject');
    assert.equal(p.export(pfx('192.0.2.0/26'), LOCAL), 'accept');
    assert.equal(p.export(pfx('203.0.113.0/24'), LOCAL), 'default');
  });
  it('source combines with cidr as a conjunction', () => {
    const p = exp4(rule('Accept', { cidr: '198.51.100.0/24', op: 'In', source: 'RemotePeers' }), rule('Reject', { source: 'RemotePeers' }));
    assert.equal(p.export(pfx('198.51.100.0/24'), PEER), 'accept');
    assert.equal(p.export(pfx('203.0.113.0/24'), PEER), 'reject');
    assert.equal(p.export(pfx('198.51.100.0/24'), LOCAL), 'default');
    assert.equal(p.exportRules[0]!.text, 'if net ~ 198.51.100.0/24 && source RemotePeers then accept');
  });
  it('on import, source RemotePeers always holds (every imported route is from BGP)', () => {
    const p = imp4(rule('Reject', { source: 'RemotePeers' }));
    assert.equal(p.import(pfx('192.0.2.0/24')), 'reject');
    assert.equal(p.notes[0]?.code, 'ERR_POLICY_SOURCE_ON_IMPORT');
  });
  it('an interface rule never matches (tsbgpd exports no interface routes)', () => {
    const p = exp4(rule('Reject', { iface: '*.calico' }), rule('Reject', { iface: 'eth0', cidr: '192.0.2.0/24', op: 'In' }));
    assert.equal(p.export(pfx('192.0.2.0/24'), LOCAL), 'default');
    assert.equal(p.export(pfx('192.0.2.0/24'), PEER), 'default');
    assert.equal(p.notes.filter((n) => n.code === 'ERR_POLICY_INTERFACE').length, 2);
  });
});

describe('policy: IPv6', () => {
  const AROUND_V6 = ['2001:db8:1::/48', '2001:db8:1::/64', '2001:db8:1:8000::/49', '2001:db8::/32', '2001:db8:2::/48', '::/0', '2001:db8:1::1/128'];
  it('each operator', () => {
    const c = '2001:db8:1::/48';
    assert.equal(verdicts(imp6(rule('Reject', { cidr: c, op: 'Equal' })), AROUND_V6),
      '2001:db8:1::/48:reject 2001:db8:1::/64:accept 2001:db8:1:8000::/49:accept 2001:db8::/32:accept 2001:db8:2::/48:accept ::/0:accept 2001:db8:1::1/128:accept');
    assert.equal(verdicts(imp6(rule('Reject', { cidr: c, op: 'NotEqual' })), AROUND_V6),
      '2001:db8:1::/48:accept 2001:db8:1::/64:reject 2001:db8:1:8000::/49:reject 2001:db8::/32:reject 2001:db8:2::/48:reject ::/0:reject 2001:db8:1::1/128:reject');
    assert.equal(verdicts(imp6(rule('Reject', { cidr: c, op: 'In' })), AROUND_V6),
      '2001:db8:1::/48:reject 2001:db8:1::/64:reject 2001:db8:1:8000::/49:reject 2001:db8::/32:accept 2001:db8:2::/48:accept ::/0:accept 2001:db8:1::1/128:reject');
    assert.equal(verdicts(imp6(rule('Reject', { cidr: c, op: 'NotIn' })), AROUND_V6),
      '2001:db8:1::/48:accept 2001:db8:1::/64:accept 2001:db8:1:8000::/49:accept 2001:db8::/32:reject 2001:db8:2::/48:reject ::/0:reject 2001:db8:1::1/128:accept');
  });
  it('prefixLength defaults to the cidr length and 128; a partial byte is compared bit by bit', () => {
    const p = imp6(rule('Reject', { cidr: '2001:db8:1:8000::/49', op: 'In', min: 64 }));
    assert.equal(p.importRules[0]!.maxLength, 128);
    assert.equal(p.import(pfx('2001:db8:1:8000::/64')), 'reject');
    assert.equal(p.import(pfx('2001:db8:1:ff00::/64')), 'reject');
    assert.equal(p.import(pfx('2001:db8:1:7f00::/64')), 'accept');
    assert.equal(p.import(pfx('2001:db8:1:8000::/49')), 'accept');
    assert.equal(p.import(pfx('2001:db8:1:8000::1/128')), 'reject');
  });
  it('export with source in IPv6', () => {
    const p = compilePolicy([filter('f', { exportV6: [rule('Reject', { source: 'RemotePeers' }), rule('Accept', { cidr: '2001:db8::/32', op: 'In' })] })], 6);
    assert.equal(p.export(pfx('2001:db8:5::/48'), PEER), 'reject');
    assert.equal(p.export(pfx('2001:db8:5::/48'), LOCAL), 'accept');
    assert.equal(p.export(pfx('2001:db9::/32'), LOCAL), 'default');
  });
});

describe('policy: API', () => {
  it('the typed hot-path methods agree with the object-shaped ones', () => {
    const p = compilePolicy([filter('f', {
      importV4: [rule('Accept', { cidr: '198.51.100.0/24', op: 'In', min: 25 }), rule('Reject', { cidr: '198.51.0.0/16', op: 'In' })],
      exportV4: [rule('Reject', { cidr: '192.0.2.0/24', op: 'NotIn', source: 'RemotePeers' })],
    })], 4);
    for (const t of AROUND_24) {
      const x = pfx(t);
      assert.equal(p.importV4(x.addr as number, x.len), p.import(x), t);
      assert.equal(p.exportV4(x.addr as number, x.len, true), p.export(x, PEER), t);
      assert.equal(p.exportV4(x.addr as number, x.len, false), p.export(x, LOCAL), t);
    }
    assert.equal(p.import(pfx('198.51.7.0/24')), 'reject');
    assert.equal(p.export(pfx('203.0.113.0/24'), PEER), 'reject');
  });
  it('a prefix of the other family is a programming error', () => {
    const p = compilePolicy([], 4);
    assert.throws(() => p.import(pfx('2001:db8::/32')), (e: unknown) => e instanceof PolicyFamilyError && e.code === 'ERR_POLICY_FAMILY');
  });
  it('compiles BGPFilters as the config loader resolves them for a peer', () => {
    const yaml = `
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n1}
spec: {bgp: {ipv4Address: 192.0.2.1/24}}
---
apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: only-pods}
spec:
  importV4:
    - {action: Accept, matchOperator: In, cidr: 198.51.100.0/24, prefixLength: {max: 26}}
    - {action: Reject}
  exportV4:
    - {action: Reject, source: RemotePeers}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: tor}
spec: {peerIP: 203.0.113.1, asNumber: 64513, filters: [only-pods]}
`;
    const { config, problems } = resolveText(yaml, 'n1');
    assert.ok(config, JSON.stringify(problems));
    const peer = config.peers.find((x) => x.peerIP === '203.0.113.1');
    assert.ok(peer);
    const p = compilePolicy(peer.filters.map((n) => config.filters[n]!), 4);
    assert.equal(p.import(pfx('198.51.100.64/26')), 'accept');
    assert.equal(p.import(pfx('198.51.100.64/27')), 'reject');
    assert.equal(p.export(pfx('198.51.100.64/26'), PEER), 'reject');
    assert.equal(p.export(pfx('198.51.100.64/26'), LOCAL), 'default');
  });
});
