// Logs and secrets: the daemon is driven through a key rotation, bad secrets (trailing newline, 81 bytes) and
// a configuration error, at log level trace, while every CLI output is collected; then no password's bytes
// (as text, hex or base64) may appear in stdout, stderr, or any `status`, `status --json`, `routes`,
// `routes --json`, `reload`, `peer` or `check-config` output. Then the log level: --log-level wins over
// logSeverityScreen; without it, logSeverityScreen applies from the start and follows a reload.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Fabric, Tsbgpd, NODE_AS, NODE_IP, NODE_NAME, eventually, missingEnvironment, sleep, tsbgpdCli, type CliResult, type LogLine } from './daemon.js';
import { removeDir, workDir, writeConfigFile, writeNodeConfig, writePeer, writeSecretVolume, removeConfigFile, type SecretValue } from './files.js';

/** Distinctive passwords: a leak of any of them cannot be a coincidence. */
const secret = (tag: string): string => `Zq${tag}${randomBytes(9).toString('base64url')}Xw`;
const fp = (key: string | Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

const skip = missingEnvironment();

describe('logs and secrets', { skip: skip ?? false }, () => {
  const work = workDir();
  let fabric: Fabric;
  const outputs: { what: string; text: string }[] = [];
  const passwords: string[] = [];
  const keys: Record<'alpha' | 'beta', SecretValue> = { alpha: secret('A1'), beta: secret('B1') };
  passwords.push(keys.alpha as string, keys.beta as string);

  const volume = (): void => writeSecretVolume(work.secrets, 'bgp-secrets', { ...keys });
  const record = (what: string, r: CliResult): CliResult => {
    outputs.push({ what: `${what} stdout`, text: r.stdout }, { what: `${what} stderr`, text: r.stderr });
    return r;
  };
  async function snapshot(d: Tsbgpd, phase: string): Promise<void> {
    for (const args of [['status'], ['status', '--json'], ['routes'], ['routes', '--json']]) {
      const r = record(`${phase}: ${args.join(' ')}`, await d.cli(args));
      assert.equal(r.code, 0, r.stderr);
    }
  }
  const nameOf = (i: number): string => fabric.peers[i - 1]!.tsbgpdName;

  before(async () => {
    fabric = await Fabric.create(2);
    const [b1, b2] = fabric.peers;
    // logSeverityScreen says Warning; the daemon under test runs with --log-level trace, which must win.
    writeNodeConfig(work.config, { name: NODE_NAME, ipv4: `${NODE_IP}/24`, asNumber: NODE_AS, logSeverityScreen: 'Warning', block: '203.0.113.0/26' });
    writePeer(work.config, { name: 'alpha', peerIP: b1!.address, asNumber: b1!.as, secret: { name: 'bgp-secrets', key: 'alpha' } });
    writePeer(work.config, { name: 'beta', peerIP: b2!.address, asNumber: b2!.as, secret: { name: 'bgp-secrets', key: 'beta' } });
    volume();
    await Promise.all([fabric.startBird(1, keys.alpha as string, { prefixes: ['192.0.2.0/26'] }), fabric.startBird(2, keys.beta as string)]);
  });

  after(async () => {
    await fabric?.destroy();
    removeDir(work.root);
  });

  test('rotation, bad secrets and a config error leave no password bytes in any output', async () => {
    const d = new Tsbgpd(fabric.t, work, ['--log-level', 'trace']);
    await d.start();
    try {
      await d.waitEstablished(nameOf(1));
      await d.waitEstablished(nameOf(2));
      await snapshot(d, 'up');
      record('check-config', await tsbgpdCli(['check-config', '--config', work.config, '--secrets-dir', work.secrets, '--node-name', NODE_NAME]));

      // 1. Rotation of alpha's key, on both sides.
      keys.alpha = secret('A2');
      passwords.push(keys.alpha);
      volume();
      await d.waitPeer(nameOf(1), 're-keyed', 8000, (p) => p.auth.keyFingerprint === fp(keys.alpha as string));
      await snapshot(d, 'rotated, peer still on the old key');
      await fabric.startBird(1, keys.alpha);
      await d.waitEstablished(nameOf(1), 15_000);
      await snapshot(d, 'rotated');

      // 2. Bad secrets for beta: the real password with a trailing newline, then an 81-byte one.
      const withNewline = `${keys.beta as string}\n`;
      keys.beta = withNewline;
      volume();
      await d.waitPeer(nameOf(2), 'newline reason', 8000, (p) => /ends with a newline/.test(p.lastError ?? ''));
      await snapshot(d, 'newline');
      record('check-config newline', await tsbgpdCli(['check-config', '--config', work.config, '--secrets-dir', work.secrets, '--node-name', NODE_NAME]));
      const long = secret('B81').padEnd(81, 'Q');
      passwords.push(long);
      keys.beta = long;
      volume();
      await d.waitPeer(nameOf(2), 'too-long reason', 8000, (p) => /is 81 bytes/.test(p.lastError ?? ''));
      await snapshot(d, 'too long');
      record('peer reset', await d.cli(['peer', 'reset', nameOf(1), '--message', 'log test']));
      await d.waitEstablished(nameOf(1), 15_000);

      // 3. A configuration error (while beta's secret is still bad), then everything fixed.
      writeConfigFile(work.config, 'peer-broken.yaml', 'apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: broken}\nspec: {peerIP: 198.51.100.99, asNumber: 64999, password: {secretKeyRef: {name: bgp-secrets}}}\n');
      await eventually('config error reported', 8000, async () => ((await d.status()).config.lastError !== null ? true : undefined));
      record('reload (invalid)', await d.cli(['reload']));
      await snapshot(d, 'config error');
      removeConfigFile(work.config, 'peer-broken.yaml');
      keys.beta = secret('B2');
      passwords.push(keys.beta);
      await fabric.startBird(2, keys.beta);
      volume();
      await d.waitEstablished(nameOf(2), 15_000);
      record('reload', await d.cli(['reload']));
      await snapshot(d, 'fixed');
    } finally {
      await d.stop();
    }
    outputs.push({ what: 'daemon stdout', text: d.stdout() }, { what: 'daemon stderr', text: d.stderr() });

    // The run did exercise what it claims (so the absence of passwords below means something).
    const logs = d.logs();
    assert.ok(logs.every((l) => l.level >= 0), 'non-JSON log lines');
    assert.ok(logs.some((l) => l.msg === 'peer configuration changed' && (l.auth as { fingerprint?: string } | undefined)?.fingerprint === fp(keys.alpha as string)));
    assert.ok(logs.some((l) => /fail closed/.test(l.msg) && /ends with a newline/.test(String(l.reason))));
    assert.ok(logs.some((l) => /fail closed/.test(l.msg) && /is 81 bytes/.test(String(l.reason))));
    assert.ok(logs.some((l) => l.msg === 'new configuration is invalid; running the last good configuration'));
    assert.ok(logs.some((l) => l.level === 30), '--log-level trace did not win over logSeverityScreen Warning');
    assert.ok(outputs.length > 40);

    for (const pw of passwords) {
      const forms = [pw, Buffer.from(pw).toString('hex'), Buffer.from(pw).toString('base64'), JSON.stringify(pw).slice(1, -1)];
      for (const o of outputs) {
        for (const f of forms) assert.ok(!o.text.includes(f), `a password (fingerprint ${fp(pw)}) appears in ${o.what}`);
      }
    }
  });

  test('without --log-level, logSeverityScreen applies from the first line and follows a reload', async () => {
    const d = new Tsbgpd(fabric.t, work);
    await d.start();
    try {
      await d.waitEstablished(nameOf(1));
      await d.waitEstablished(nameOf(2));
      await sleep(300);
      const early = d.logs();
      assert.ok(early.length === 0 || early.every((l) => l.level >= 40), `info lines under logSeverityScreen Warning: ${JSON.stringify(early.filter((l: LogLine) => l.level < 40).slice(0, 3))}`);
      writeNodeConfig(work.config, { name: NODE_NAME, ipv4: `${NODE_IP}/24`, asNumber: NODE_AS, logSeverityScreen: 'Info', block: '203.0.113.0/26' });
      await eventually('an info line after logSeverityScreen: Info', 8000, async () =>
        d.logs().some((l) => l.level === 30 && l.msg === 'configuration reloaded') ? true : undefined);
    } finally {
      await d.stop();
      writeNodeConfig(work.config, { name: NODE_NAME, ipv4: `${NODE_IP}/24`, asNumber: NODE_AS, logSeverityScreen: 'Warning', block: '203.0.113.0/26' });
    }
  });

  test('--log-level error keeps a reload to logSeverityScreen Debug from changing it', async () => {
    const d = new Tsbgpd(fabric.t, work, ['--log-level', 'error']);
    await d.start();
    try {
      await d.waitEstablished(nameOf(1));
      writeNodeConfig(work.config, { name: NODE_NAME, ipv4: `${NODE_IP}/24`, asNumber: NODE_AS, logSeverityScreen: 'Debug', block: '203.0.113.0/26' });
      const r = await d.cli(['reload']);
      assert.equal(r.code, 0);
      await sleep(500);
      assert.deepEqual(d.logs().filter((l) => l.level < 50), []);
    } finally {
      await d.stop();
    }
  });
});
