// `tsbgpd check-config` as a subprocess: the Calico guide's manifests verbatim, with and without secrets,
// an invalid configuration (every problem listed with its resource and field path), a not-implemented
// field (a warning naming it), and `tsbgpd run` refusing an invalid configuration. The guide's peer
// (192.20.30.40) is outside TEST-NET, so the runs that see it happen in a namespace whose only route leads
// into a dead-end veth, where the IP counters prove nothing was sent.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NetnsLab, REPO_ROOT, type Namespace } from '../netns/harness.js';
import { missingEnvironment, tsbgpdCli } from './daemon.js';
import { removeDir, writeConfigFile, workDir, writeSecretVolume } from './files.js';

const GUIDE = join(REPO_ROOT, 'examples/calico-guide');
const GUIDE_PASSWORD = 'very-secret'; // examples/calico-guide/secret.yaml stringData

/** IPv4/IPv6 datagrams handed to the IP layer and TCP active opens in a namespace (/proc/net/snmp{,6}). */
async function sentCounters(ns: Namespace): Promise<{ ip4: number; ip6: number; tcpOpens: number }> {
  const snmp = (await ns.exec('cat', ['/proc/net/snmp'])).stdout.split('\n');
  const field = (proto: string, name: string): number => {
    const rows = snmp.filter((l) => l.startsWith(`${proto}:`));
    const names = rows[0]!.split(/\s+/);
    const values = rows[1]!.split(/\s+/);
    return Number(values[names.indexOf(name)]);
  };
  const snmp6 = (await ns.exec('cat', ['/proc/net/snmp6'])).stdout;
  const m = /^Ip6OutRequests\s+(\d+)/m.exec(snmp6);
  return { ip4: field('Ip', 'OutRequests'), ip6: Number(m?.[1] ?? 0), tcpOpens: field('Tcp', 'ActiveOpens') };
}

const skip = missingEnvironment();

describe('tsbgpd check-config', { skip: skip ?? false }, () => {
  let lab: NetnsLab;
  let ns: Namespace;
  const work = workDir();

  before(async () => {
    lab = await NetnsLab.create({ namespaces: ['cc'] });
    ns = lab.ns('cc');
    // A route to everywhere, into a veth whose other end is in the same namespace and has no address: a packet
    // "sent" to 192.20.30.40 would be counted, and go nowhere.
    // No IPv6 on it: link-local addresses would send router solicitations and MLD reports on their own.
    await ns.sysctl('net.ipv6.conf.all.disable_ipv6', 1);
    await ns.sysctl('net.ipv6.conf.default.disable_ipv6', 1);
    await ns.exec('ip', ['link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1']);
    await ns.exec('ip', ['link', 'set', 'd1', 'up']);
    await ns.exec('ip', ['addr', 'add', '192.0.2.1/24', 'dev', 'd0']);
    await ns.exec('ip', ['link', 'set', 'd0', 'up']);
    await ns.exec('ip', ['route', 'add', 'default', 'dev', 'd0']);
  });

  after(async () => {
    await lab?.destroy();
    removeDir(work.root);
  });

  test('the guide manifests verbatim, --no-secrets: exit 0, nothing sent', async () => {
    const before = await sentCounters(ns);
    const r = await tsbgpdCli(['check-config', '--config', GUIDE, '--no-secrets'], { netns: ns.name });
    const afterCounters = await sentCounters(ns);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /0 error\(s\), 0 warning\(s\).*configuration is valid/);
    assert.match(r.stdout, /secrets were not read/);
    assert.deepEqual(afterCounters, before, 'check-config sent packets');
  });

  test('the guide manifests verbatim, with bgp-secrets/rr-password mounted: exit 0, key shown only by fingerprint', async () => {
    writeSecretVolume(work.secrets, 'bgp-secrets', { 'rr-password': GUIDE_PASSWORD });
    const before = await sentCounters(ns);
    const r = await tsbgpdCli(['check-config', '--config', GUIDE, '--secrets-dir', work.secrets], { netns: ns.name });
    assert.deepEqual(await sentCounters(ns), before, 'check-config sent packets');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const fp = createHash('sha256').update(GUIDE_PASSWORD).digest('hex').slice(0, 8);
    // Both resources that reference the key were checked against the mounted file.
    assert.match(r.stdout, new RegExp(`BGPConfiguration/default spec\\.nodeMeshPassword\\.secretKeyRef: .*${GUIDE_PASSWORD.length} bytes, fingerprint ${fp}`));
    assert.match(r.stdout, new RegExp(`BGPPeer/bgppeer-global-3040 spec\\.password\\.secretKeyRef: .*${GUIDE_PASSWORD.length} bytes, fingerprint ${fp}`));
    assert.ok(!r.stdout.includes(GUIDE_PASSWORD) && !r.stderr.includes(GUIDE_PASSWORD), 'password printed');
  });

  test('the guide manifests with the secret missing: exit 1, both references named', async () => {
    const empty = workDir();
    try {
      const r = await tsbgpdCli(['check-config', '--config', GUIDE, '--secrets-dir', empty.secrets], { netns: ns.name });
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /^error\s+BGPConfiguration\/default spec\.nodeMeshPassword\.secretKeyRef: .*Secret bgp-secrets is not mounted/m);
      assert.match(r.stdout, /^error\s+BGPPeer\/bgppeer-global-3040 spec\.password\.secretKeyRef: .*Secret bgp-secrets is not mounted/m);
      assert.match(r.stdout, /2 error\(s\).*INVALID/);
    } finally {
      removeDir(empty.root);
    }
  });

  test('an invalid configuration: exit 1, every problem with its resource and field path', async () => {
    const dir = join(work.root, 'invalid');
    mkdirSync(dir);
    writeConfigFile(dir, 'bad.yaml', `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: bad-one
spec:
  peerIP: 198.51.100.300
  asNumber: 99999999999
  password:
    secretKeyRef:
      name: bgp-secrets
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: bad-two
spec:
  peerIP: 198.51.100.7
  asNumber: 64600
  filters: [no-such-filter]
  keepaliveTime: soon
`);
    writeConfigFile(dir, 'global.yaml', `kind: BGPConfiguration
apiVersion: projectcalico.org/v3
metadata:
  name: default
spec:
  listenPort: 70000
  logSeverityScreen: Loud
`);
    const r = await tsbgpdCli(['check-config', '--config', dir, '--no-secrets']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const expected: [string, string][] = [
      ['BGPPeer/bad-one', 'spec.peerIP'],
      ['BGPPeer/bad-one', 'spec.asNumber'],
      ['BGPPeer/bad-one', 'spec.password.secretKeyRef.key'],
      ['BGPPeer/bad-two', 'spec.filters[0]'],
      ['BGPPeer/bad-two', 'spec.keepaliveTime'],
      ['BGPConfiguration/default', 'spec.listenPort'],
    ];
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('error'));
    for (const [res, path] of expected) {
      assert.ok(errors.some((l) => l.includes(`${res} ${path}:`)), `no error line for ${res} ${path}:\n${r.stdout}`);
    }
    assert.equal(errors.length, expected.length, `unexpected extra errors:\n${r.stdout}`);
    // An unknown log level is not fatal (Info is used) but is listed, with its path.
    assert.match(r.stdout, /^warning\s+BGPConfiguration\/default spec\.logSeverityScreen: is "Loud"/m);
    assert.match(r.stdout, new RegExp(`${expected.length} error\\(s\\).*INVALID`));
  });

  test('a field tsbgpd does not implement: a warning that names it, still valid', async () => {
    const dir = join(work.root, 'notimpl');
    mkdirSync(dir);
    writeConfigFile(dir, 'peer.yaml', `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: tor
spec:
  peerIP: 198.51.100.9
  asNumber: 64600
  failureDetectionMode: BFDIfDirectlyConnected
`);
    const r = await tsbgpdCli(['check-config', '--config', dir, '--no-secrets']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^warning\s+BGPPeer\/tor spec\.failureDetectionMode: is not implemented/m);
    assert.match(r.stdout, /0 error\(s\), 1 warning\(s\)/);
  });

  test('tsbgpd run with an invalid configuration exits 1 before opening anything', async () => {
    const dir = join(work.root, 'invalid');
    const r = await tsbgpdCli(['run', '--config', dir, '--secrets-dir', work.secrets, '--node-name', 'n1',
      '--control-socket', join(work.root, 'run-invalid', 'sock')], { netns: ns.name });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error\(s\); see the log or run tsbgpd check-config/);
    // The log names each problem with resource and path, like check-config.
    assert.match(r.stdout, /"resource":"BGPPeer\/bad-one".*"path":"spec\.peerIP"/);
  });
});
