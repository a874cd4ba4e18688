// Secrets fail closed, with the real daemon and real BIRD peers in namespaces. Peer "guarded" (BIRD b2,
// configured WITHOUT a password) references a key that is missing, then unreadable, empty, 81 bytes long,
// newline-terminated: each time the session must stay down (an unsigned session never comes up), the reason
// must be in `status --json` lastError and in the log exactly once, and peer "steady" (BIRD b1) must stay
// Established with the same `since`. Fixing the file with a kubelet-style `..data` swap brings "guarded" up
// without a restart; breaking it again takes it down.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Fabric, Tsbgpd, NODE_AS, NODE_IP, NODE_NAME, eventually, missingEnvironment, sleep, type LogLine } from './daemon.js';
import { removeDir, workDir, writeNodeConfig, writePeer, writeSecretVolume, type SecretValue } from './files.js';

const STEADY_PW = `steady-${randomBytes(6).toString('hex')}`;
const GUARDED_PW = `guarded-${randomBytes(6).toString('hex')}`;

interface Mode {
  readonly name: string;
  /** The `guarded` key's file, or undefined for "not in the Secret". */
  readonly value: SecretValue | undefined;
  readonly reason: RegExp;
}

const MODES: readonly Mode[] = [
  { name: 'missing', value: undefined, reason: /secret bgp-secrets key guarded does not exist/ },
  { name: 'unreadable', value: { dir: true }, reason: /secret bgp-secrets key guarded .*cannot be read as a key: it is a directory/ },
  { name: 'empty', value: '', reason: /secret bgp-secrets key guarded is empty/ },
  { name: 'too long (81 bytes)', value: Buffer.alloc(81, 'k'), reason: /secret bgp-secrets key guarded is 81 bytes; .*at most 80 bytes/ },
  { name: 'newline-terminated', value: `${GUARDED_PW}\n`, reason: /secret bgp-secrets key guarded ends with a newline/ },
];

const skip = missingEnvironment();

describe('secrets fail closed', { skip: skip ?? false }, () => {
  const work = workDir();
  let fabric: Fabric;
  let daemon: Tsbgpd;
  let steadySince = '';
  let startedAt = '';
  let pid = 0;
  const steady = (): string => fabric.peers[0]!.tsbgpdName;
  const guarded = (): string => fabric.peers[1]!.tsbgpdName;

  const volume = (guardedValue: SecretValue | undefined): void =>
    writeSecretVolume(work.secrets, 'bgp-secrets', guardedValue === undefined ? { steady: STEADY_PW } : { steady: STEADY_PW, guarded: guardedValue });

  /** The fail-closed log lines about "guarded" whose reason matches. */
  const failLogs = (reason: RegExp): LogLine[] =>
    daemon.logs().filter((l) => l.peer === guarded() && /fail closed/.test(l.msg) && reason.test(String(l.reason)));

  /** "steady" is Established with its original since, now. */
  async function assertSteady(): Promise<void> {
    const p = await daemon.peer(steady());
    assert.equal(p.state, 'Established', `steady peer left Established: ${p.lastError}`);
    assert.equal(p.since, steadySince, 'steady peer was touched');
  }

  before(async () => {
    fabric = await Fabric.create(2);
    writeNodeConfig(work.config, { name: NODE_NAME, ipv4: `${NODE_IP}/24`, asNumber: NODE_AS });
    const [b1, b2] = fabric.peers;
    writePeer(work.config, { name: 'steady', peerIP: b1!.address, asNumber: b1!.as, secret: { name: 'bgp-secrets', key: 'steady' } });
    writePeer(work.config, { name: 'guarded', peerIP: b2!.address, asNumber: b2!.as, secret: { name: 'bgp-secrets', key: 'guarded' } });
    volume(undefined);
    await Promise.all([fabric.startBird(1, STEADY_PW), fabric.startBird(2, undefined)]);
    daemon = new Tsbgpd(fabric.t, work);
    await daemon.start();
    steadySince = (await daemon.waitEstablished(steady())).since;
    const s = await daemon.status();
    startedAt = s.startedAt;
    pid = daemon.pid;
  });

  after(async () => {
    await daemon?.stop();
    await fabric?.destroy();
    removeDir(work.root);
  });

  for (const [i, mode] of MODES.entries()) {
    test(`${mode.name}: that peer stays down, reason in status and logged once, the other peer untouched`, async () => {
      if (i > 0) volume(mode.value); // the first mode is the starting state
      const st = await daemon.waitPeer(guarded(), `lastError matching ${mode.reason}`, 8000, (p) => mode.reason.test(p.lastError ?? ''));
      assert.notEqual(st.state, 'Established');
      assert.match(st.lastError!, /^password unusable \(secret bgp-secrets\/guarded\)/);
      assert.equal(st.auth.method, 'md5');
      assert.equal(st.auth.keyLength, null);
      assert.equal(st.auth.keyFingerprint, null);
      // Hold the bad state for a while: BIRD b2 (no password) keeps connecting; nothing may come up.
      const until = Date.now() + 2000;
      while (Date.now() < until) {
        assert.notEqual(await fabric.birdState(2), 'Established', 'an unauthenticated session came up');
        const g = await daemon.peer(guarded());
        assert.equal(g.state, 'Idle', `guarded left Idle: ${g.state}`);
        await assertSteady();
        await sleep(250);
      }
      assert.equal(failLogs(mode.reason).length, 1, `expected one fail-closed log line for ${mode.name}, got ${JSON.stringify(failLogs(mode.reason))}`);
    });
  }

  test('an unsigned session never started: guarded never left Idle in the log, BIRD b2 was trying', async () => {
    const moves = daemon.logs().filter((l) => l.peer === guarded() && l.msg === 'BGP state change');
    assert.deepEqual(moves, [], 'guarded changed state while its key was unusable');
    // BIRD's connects reached tsbgpd and were closed without a session (no password on its side).
    assert.match(await fabric.birdProtocol(2), /Last error:\s+Socket: Connection (reset by peer|closed)/);
  });

  test('fixing the file (atomic ..data swap) brings the peer up without a restart', async () => {
    await fabric.startBird(2, GUARDED_PW); // the peer gets the password too
    volume(GUARDED_PW);
    const g = await daemon.waitEstablished(guarded(), 15_000);
    assert.equal(g.lastError, null);
    assert.equal(g.auth.keyLength, GUARDED_PW.length);
    assert.equal(daemon.pid, pid);
    assert.equal(daemon.running, true);
    assert.equal((await daemon.status()).startedAt, startedAt, 'the daemon restarted');
    await fabric.bird(2).waitEstablished(NODE_IP, 5000);
    await assertSteady();
  });

  test('breaking it again takes only that session down', async () => {
    const reason = /is 81 bytes/;
    const before = failLogs(reason).length;
    volume(Buffer.alloc(81, 'z'));
    await daemon.waitPeer(guarded(), 'down with the long-key reason', 8000, (p) => p.state !== 'Established' && reason.test(p.lastError ?? ''));
    await eventually('BIRD b2 down', 8000, async () => ((await fabric.birdState(2)) !== 'Established' ? true : undefined));
    await sleep(1500);
    assert.notEqual(await fabric.birdState(2), 'Established');
    assert.equal(failLogs(reason).length, before + 1);
    await assertSteady();
  });
});
