// The tsbgpd CLI against a running daemon with one BIRD peer: `status` (table and --json), `routes` (table
// and --json), the control socket's permissions, `peer disable` (Cease / Administrative Shutdown with an
// RFC 9003 message) and `peer enable`, `doctor --json`, and the CLI without a daemon.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { Fabric, MAIN, Tsbgpd, NODE_AS, NODE_IP, NODE_NAME, eventually, missingEnvironment, sleep, tsbgpdCli } from './daemon.js';
import { removeDir, workDir, writeNodeConfig, writePeer, writeSecretVolume } from './files.js';
import type { RouteEntry } from '../../src/control/status.js';

const PASSWORD = `cli-${randomBytes(8).toString('hex')}`;
const BIRD_PREFIX = '192.0.2.0/26';
const BLOCK = '203.0.113.0/26';
const SHUTDOWN_MESSAGE = 'maintenance window 42, back at 03:00';

/** Runs the CLI as user nobody (uid/gid 65534). */
function asNobody(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN, ...args], { timeout: 10_000 }, (err, _out, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr: String(stderr) });
    });
  });
}

const skip = missingEnvironment();

describe('tsbgpd CLI', { skip: skip ?? false }, () => {
  const work = workDir();
  // The control socket lives under a world-traversable dir, so only tsbgpd's own permissions protect it.
  const open = mkdtempSync(join(tmpdir(), 'tsbgpd-ctl-'));
  chmodSync(open, 0o755);
  const socket = join(open, 'run', 'tsbgpd.sock');
  let fabric: Fabric;
  let daemon: Tsbgpd;
  let name = '';
  const shutdownSeen: string[] = [];

  before(async () => {
    fabric = await Fabric.create(1);
    const b1 = fabric.peers[0]!;
    name = b1.tsbgpdName;
    writeNodeConfig(work.config, { name: NODE_NAME, ipv4: `${NODE_IP}/24`, asNumber: NODE_AS, block: BLOCK });
    writePeer(work.config, { name: 'tor', peerIP: b1.address, asNumber: b1.as, secret: { name: 'bgp-secrets', key: 'tor' } });
    writeSecretVolume(work.secrets, 'bgp-secrets', { tor: PASSWORD });
    await fabric.startBird(1, PASSWORD, { prefixes: [BIRD_PREFIX] });
    daemon = new Tsbgpd(fabric.t, { ...work, socket });
    await daemon.start();
    await daemon.waitEstablished(name);
    await daemon.waitPeer(name, 'one route received', 10_000, (p) => p.prefixes.received === 1 && p.prefixes.advertised === 1);
  });

  after(async () => {
    await daemon?.stop();
    await fabric?.destroy();
    removeDir(work.root);
    removeDir(open);
  });

  test('status --json: the peer fields, auth by length and fingerprint', async () => {
    const s = await daemon.status();
    assert.equal(s.nodeName, NODE_NAME);
    assert.equal(s.localAS, NODE_AS);
    assert.equal(s.routerId, NODE_IP);
    assert.equal(s.peers.length, 1);
    const p = s.peers[0]!;
    const b1 = fabric.peers[0]!;
    assert.equal(p.name, name);
    assert.equal(p.peerIP, b1.address);
    assert.equal(p.peerAS, b1.as);
    assert.equal(p.localAS, NODE_AS);
    assert.equal(p.state, 'Established');
    const since = Date.parse(p.since);
    assert.ok(Number.isFinite(since) && since <= Date.now() && since > Date.now() - 60_000, p.since);
    assert.equal(p.lastError, null);
    assert.deepEqual(p.auth, {
      method: 'md5',
      keyLength: PASSWORD.length,
      keyFingerprint: createHash('sha256').update(PASSWORD).digest('hex').slice(0, 8),
      source: 'secret bgp-secrets/tor',
    });
    assert.deepEqual(p.prefixes, { received: 1, accepted: 1, advertised: 1 });
    // BIRD sends End-of-RIB (RFC 4724 §2) after its initial table, graceful restart or not.
    assert.deepEqual(p.negotiated?.endOfRibReceived, ['ipv4-unicast']);
  });

  test('status: one table row per peer', async () => {
    const r = await daemon.cli(['status']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(`^tsbgpd on ${NODE_NAME}: router id ${NODE_IP}, AS ${NODE_AS}, port 179$`));
    // The peer's one route is in the kernel (kernel routes are on in this configuration).
    assert.match(lines[1]!, /^kernel routes: table 254, 1 installed, re-sync every 60 s \(\d+ scans, \d+ after link events\)$/);
    assert.match(lines[2]!, /^Name\s+Peer\s+AS\s+State\s+Since\s+Auth\s+Routes\s+Info$/);
    const fp = createHash('sha256').update(PASSWORD).digest('hex').slice(0, 8);
    const b1 = fabric.peers[0]!;
    assert.match(lines[3]!, new RegExp(`^${name}\\s+${b1.address.replace(/\./g, '\\.')}\\s+${b1.as}\\s+Established\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+md5:${fp}\\s+1/1$`));
    assert.equal(lines.length, 4);
  });

  test('routes --json and routes: learned and local routes with their attributes', async () => {
    const r = await daemon.cli(['routes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const routes = JSON.parse(r.stdout) as RouteEntry[];
    const b1 = fabric.peers[0]!;
    const learned = routes.find((x) => x.prefix === BIRD_PREFIX);
    assert.ok(learned, r.stdout);
    assert.equal(learned.nextHop, b1.address);
    assert.equal(learned.asPath, String(b1.as));
    assert.equal(learned.origin, 'IGP');
    assert.deepEqual(learned.communities, [`${b1.as}:100`]);
    assert.equal(learned.peer, name);
    assert.equal(learned.best, true);
    const local = routes.find((x) => x.prefix === BLOCK);
    assert.ok(local, r.stdout);
    assert.equal(local.peer, 'local');
    assert.equal(local.best, true);
    assert.equal(routes.length, 2);
    // BIRD got the block from us.
    assert.deepEqual(await fabric.bird(1).receivedPrefixes(NODE_IP), [BLOCK]);
    const t = await daemon.cli(['routes']);
    assert.equal(t.code, 0);
    const lines = t.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^\s+Prefix\s+Next hop\s+AS path\s+Origin\s+Communities\s+Peer/);
    assert.ok(lines.some((l) => new RegExp(`^\\*\\s+${BIRD_PREFIX.replace(/\./g, '\\.')}\\s+${b1.address.replace(/\./g, '\\.')}\\s+${b1.as}\\s+IGP\\s+${b1.as}:100\\s+${name}`).test(l)), t.stdout);
    assert.ok(lines.some((l) => new RegExp(`^\\*\\s+${BLOCK.replace(/\./g, '\\.')}\\s+self\\s+\\(local\\)\\s+IGP\\s+local`).test(l)), t.stdout);
  });

  test('the control socket is mode 0600 in a root-only directory; others cannot use it', async () => {
    const st = statSync(socket);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, 0);
    const dir = statSync(dirname(socket));
    assert.equal(dir.mode & 0o777, 0o700);
    assert.equal(dir.uid, 0);
    const denied = await asNobody(['status', '--control-socket', socket]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /EACCES/);
    // Even with the directory opened up, the socket's own mode keeps others out.
    chmodSync(dirname(socket), 0o755);
    try {
      const still = await asNobody(['status', '--control-socket', socket]);
      assert.notEqual(still.code, 0);
      assert.match(still.stderr, /EACCES/);
    } finally {
      chmodSync(dirname(socket), 0o700);
    }
  });

  test('peer disable sends Cease / Administrative Shutdown with the message; peer enable brings it back', async () => {
    let polling = true;
    const poller = (async () => {
      while (polling) {
        shutdownSeen.push(await fabric.birdProtocol(1).catch(() => ''));
        await sleep(100);
      }
    })();
    try {
      const r = await daemon.cli(['peer', 'disable', name, '--message', SHUTDOWN_MESSAGE]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { peer: name, action: 'disable' });
      const p = await daemon.waitPeer(name, 'disabled', 5000, (x) => !x.enabled && x.state === 'Idle');
      assert.equal(p.prefixes.received, 0);
      assert.ok(daemon.logs().some((l) => l.peer === name && l.msg === 'sent NOTIFICATION' &&
        l.notification === `Cease / Administrative Shutdown: "${SHUTDOWN_MESSAGE}"`), 'no Cease in the log');
      await eventually('BIRD down', 5000, async () => ((await fabric.birdState(1)) !== 'Established' ? true : undefined));
      assert.match((await daemon.cli(['status'])).stdout, new RegExp(`${name}.*Disabled`));
      // BIRD keeps trying; a disabled peer stays down.
      for (let i = 0; i < 6; i++) {
        await sleep(250);
        assert.notEqual(await fabric.birdState(1), 'Established');
      }
    } finally {
      polling = false;
      await poller;
    }
    const e = await daemon.cli(['peer', 'enable', fabric.peers[0]!.address]); // by address works too
    assert.equal(e.code, 0, e.stderr);
    const up = await daemon.waitEstablished(name, 15_000);
    assert.equal(up.enabled, true);
    await fabric.bird(1).waitEstablished(NODE_IP, 5000);
  });

  test('BIRD shows the RFC 9003 shutdown message', () => {
    assert.ok(shutdownSeen.length > 0);
    assert.ok(shutdownSeen.some((s) => s.includes(`Message:        ${SHUTDOWN_MESSAGE}`) || s.includes(`Message: ${SHUTDOWN_MESSAGE}`)), shutdownSeen.at(-1));
  });

  test('peer on an unknown name fails with a message', async () => {
    const r = await daemon.cli(['peer', 'reset', 'no-such-peer']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no peer named no-such-peer/);
  });

  test('doctor --json: TCP-MD5 supported; TCP-AO reported with a reason when absent', async () => {
    const r = await tsbgpdCli(['doctor', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as { md5: { supported: boolean; reason: string }; ao: { supported: boolean; reason: string } };
    assert.equal(d.md5.supported, true);
    assert.equal(typeof d.ao.supported, 'boolean');
    if (!d.ao.supported) assert.ok(d.ao.reason.length > 0, 'ao unsupported without a reason');
    // This machine's kernel has no CONFIG_TCP_AO (see test/netns/transport-ao.test.ts, gated the same way).
    if (process.env.TSBGPD_EXPECT_AO !== '1') {
      assert.equal(d.ao.supported, false);
      assert.match(d.ao.reason, /CONFIG_TCP_AO|not supported|ENOPROTOOPT/);
    }
  });

  test('status without a daemon: exit 1 and a hint', async () => {
    const r = await tsbgpdCli(['status', '--control-socket', join(work.root, 'nothing-here.sock')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the control socket .*ENOENT.*is tsbgpd running\?/);
  });
});
