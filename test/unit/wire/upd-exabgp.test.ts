// Cross-check against another implementation: ExaBGP's decoder (`exabgp --decode`) must read what this
// encoder writes, 4-octet and 2-octet AS sessions alike. Skipped only when exabgp is not installed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUpdate, encodeUpdate } from '../../../src/wire/update.js';
import { ctx, hex } from './upd-fixtures.js';

const haveExabgp = spawnSync('exabgp', ['--version'], { stdio: 'ignore' }).status === 0;
let dir = '';

function exabgpDecode(bytesHex: string, asn4: boolean): Record<string, unknown> {
  const conf = join(dir, `exa-${asn4 ? 4 : 2}.conf`);
  writeFileSync(
    conf,
    `neighbor 127.0.0.1 {\n router-id 192.0.2.10;\n local-address 127.0.0.1;\n local-as 65000;\n peer-as 65001;\n` +
      ` family { ipv4 unicast; ipv6 unicast; }\n capability { asn4 ${asn4 ? 'enable' : 'disable'}; }\n}\n`,
  );
  const out = execFileSync('exabgp', ['--decode', bytesHex, conf], { cwd: dir, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = out.split('\n').find((l) => l.includes('update json'));
  assert.ok(line !== undefined, `exabgp printed no update json:\n${out.slice(-2000)}`);
  return JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
}

const update = (j: Record<string, unknown>) => ((j.neighbor as { message: unknown }).message as { update: { attribute: Record<string, unknown>; announce: Record<string, Record<string, { nlri: string }[]>> } }).update;

describe('interop: exabgp decodes our UPDATEs', { skip: haveExabgp ? false : 'exabgp not installed' }, () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `tsbgpd-exa-${process.pid}-`));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('4-octet session: attributes, IPv4 NLRI and MP_REACH_NLRI with a link-local next hop', () => {
    const c = ctx();
    const u = buildUpdate({
      attributes: { origin: 0, asPath: [{ type: 2, asns: [65000, 70000] }], nextHop: 0xc0000201, med: 5, communities: [0xfde80064], largeCommunities: [{ globalAdmin: 70000, localData1: 1, localData2: 2 }] },
      nlri: ['198.51.100.0/24', '203.0.113.128/25'],
      mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'], nlri: ['2001:db8:1::/48'] },
    }, c);
    const u2 = update(exabgpDecode(hex(encodeUpdate(u, c)), true));
    assert.deepEqual(u2.attribute['as-path'], [65000, 70000]);
    assert.equal(u2.attribute.med, 5);
    assert.deepEqual(u2.attribute.community, [[65000, 100]]);
    assert.deepEqual(u2.attribute['large-community'], [[70000, 1, 2]]);
    assert.deepEqual(u2.announce['ipv4 unicast']!['192.0.2.1']!.map((n) => n.nlri), ['198.51.100.0/24', '203.0.113.128/25']);
    assert.deepEqual(u2.announce['ipv6 unicast']!['2001:db8::1']!.map((n) => n.nlri), ['2001:db8:1::/48']);
  });

  it('2-octet session: AS_TRANS in AS_PATH plus AS4_PATH give back the 4-octet path (RFC 6793 §4.2.2)', () => {
    const c = ctx({ fourOctetAs: false });
    const u = buildUpdate({ attributes: { origin: 0, asPath: [{ type: 2, asns: [65001, 70000, 4200000000] }], nextHop: 0xc0000201 }, nlri: ['198.51.100.0/24'] }, c);
    const u2 = update(exabgpDecode(hex(encodeUpdate(u, c)), false));
    assert.deepEqual(u2.attribute['as-path'], [65001, 70000, 4200000000]);
  });
});
