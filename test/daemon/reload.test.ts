// Hot reload with the real daemon and three BIRD peers: a rotated password (kubelet `..data` swap) goes onto
// the listener and resets only that session with Cease / Other Configuration Change; a changed, removed or
// added peer touches only that peer; SIGHUP and `tsbgpd reload` reload too; an invalid configuration leaves
// the last good one running and is reported in `status` and the log. "Touched" is judged by each peer's
// `since` in `status --json`.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Fabric, Tsbgpd, NODE_AS, NODE_IP, NODE_NAME, eventually, missingEnvironment, sleep } from './daemon.js';
import { removeConfigFile, removeDir, workDir, writeConfigFile, writeNodeConfig, writePeer, writeSecretVolume, type BgpPeerSpec } from './files.js';

const pw = (tag: string): string => `${tag}-${randomBytes(6).toString('hex')}`;
const fp = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 8);
/** BIRD b1 listens here, so tsbgpd's own connects fail and every rotor session comes through tsbgpd's listener. */
const ROTOR_BIRD_PORT = 1179;

const skip = missingEnvironment();

describe('hot reload', { skip: skip ?? false }, () => {
  const work = workDir();
  const keys = { rotor: pw('rotor-old'), bystander: pw('bystander'), extra: pw('extra') };
  let fabric: Fabric;
  let daemon: Tsbgpd;
  let peers: Record<'rotor' | 'bystander' | 'extra', BgpPeerSpec>;
  const since = new Map<string, string>();
  const birdSnapshots: string[] = [];

  const name = (p: BgpPeerSpec): string => `Global_${p.peerIP.replace(/\./g, '_')}`;
  const volume = (): void => writeSecretVolume(work.secrets, 'bgp-secrets', { ...keys });

  /** Every peer but `except` is Established with the since recorded for it. */
  async function othersUntouched(...except: BgpPeerSpec[]): Promise<void> {
    const s = await daemon.status();
    for (const p of Object.values(peers)) {
      if (except.includes(p)) continue;
      const st = s.peers.find((x) => x.name === name(p));
      assert.ok(st !== undefined, `${name(p)} missing`);
      assert.equal(st.state, 'Established', `${name(p)} left Established`);
      assert.equal(st.since, since.get(name(p)), `${name(p)} was touched`);
    }
  }

  before(async () => {
    fabric = await Fabric.create(3);
    const [b1, b2, b3] = fabric.peers;
    peers = {
      rotor: { name: 'rotor', peerIP: b1!.address, asNumber: b1!.as, secret: { name: 'bgp-secrets', key: 'rotor' } },
      bystander: { name: 'bystander', peerIP: b2!.address, asNumber: b2!.as, secret: { name: 'bgp-secrets', key: 'bystander' } },
      extra: { name: 'extra', peerIP: b3!.address, asNumber: b3!.as, secret: { name: 'bgp-secrets', key: 'extra' } },
    };
    writeNodeConfig(work.config, { name: NODE_NAME, ipv4: `${NODE_IP}/24`, asNumber: NODE_AS });
    for (const p of Object.values(peers)) writePeer(work.config, p);
    volume();
    await Promise.all([
      fabric.startBird(1, keys.rotor, { listenPort: ROTOR_BIRD_PORT }),
      fabric.startBird(2, keys.bystander),
      fabric.startBird(3, keys.extra),
    ]);
    daemon = new Tsbgpd(fabric.t, work);
    await daemon.start();
    for (const p of Object.values(peers)) since.set(name(p), (await daemon.waitEstablished(name(p))).since);
  });

  after(async () => {
    await daemon?.stop();
    await fabric?.destroy();
    removeDir(work.root);
  });

  test('a rotated password: listener re-keyed, only that session reset with Cease / Other Configuration Change', async () => {
    const rotor = name(peers.rotor);
    let polling = true;
    const poller = (async () => {
      while (polling) {
        birdSnapshots.push(await fabric.birdProtocol(1).catch(() => ''));
        await sleep(100);
      }
    })();
    try {
      keys.rotor = pw('rotor-new');
      volume();
      await daemon.waitPeer(rotor, 'reset', 8000, (p) => p.state !== 'Established');
      await eventually('the Cease in the log', 5000, async () =>
        daemon.logs().some((l) => l.peer === rotor && l.msg === 'sent NOTIFICATION' && l.notification === 'Cease / Other Configuration Change: "configuration change: key"') ? true : undefined);
      const change = daemon.logs().find((l) => l.peer === rotor && l.msg === 'peer configuration changed');
      assert.deepEqual(change?.changed, ['key']);
      assert.deepEqual(change?.auth, { length: keys.rotor.length, fingerprint: fp(keys.rotor) });
      // BIRD still has the old key: no session for a while.
      for (let i = 0; i < 8; i++) {
        await sleep(250);
        assert.notEqual((await daemon.peer(rotor)).state, 'Established', 'came up although BIRD has the old key');
      }
      const st = await daemon.peer(rotor);
      assert.equal(st.auth.keyFingerprint, fp(keys.rotor));
      await othersUntouched(peers.rotor);
    } finally {
      polling = false;
      await poller;
    }
    // BIRD gets the new key; it alone can open the session (tsbgpd's connects to port 179 are refused), so
    // coming up proves the listener holds the new key.
    await fabric.startBird(1, keys.rotor, { listenPort: ROTOR_BIRD_PORT });
    since.set(rotor, (await daemon.waitEstablished(rotor, 15_000)).since);
    await othersUntouched(peers.rotor);
  });

  test('BIRD received the Cease / Other Configuration Change', () => {
    assert.ok(birdSnapshots.length > 0, 'no BIRD snapshots');
    assert.ok(birdSnapshots.some((s) => /Received: Other configuration change/i.test(s)), birdSnapshots.at(-1));
  });

  test('SIGHUP and `tsbgpd reload` reload without touching unchanged peers', async () => {
    daemon.signal('SIGHUP');
    await eventually('reload after SIGHUP', 5000, async () =>
      daemon.logs().some((l) => l.msg === 'configuration reloaded' && l.why === 'SIGHUP') ? true : undefined);
    const r = await daemon.cli(['reload']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'configuration reloaded');
    assert.ok(daemon.logs().some((l) => l.msg === 'configuration reloaded' && l.why === 'control request'));
    await othersUntouched();
  });

  test('a changed peer (keepaliveTime) is reset alone', async () => {
    const bystander = name(peers.bystander);
    peers.bystander = { ...peers.bystander, keepaliveTime: '20s' };
    writePeer(work.config, peers.bystander);
    await eventually('bystander reset', 8000, async () => ((await daemon.peer(bystander)).since !== since.get(bystander) ? true : undefined));
    const change = daemon.logs().find((l) => l.peer === bystander && l.msg === 'peer configuration changed');
    assert.deepEqual(change?.changed, ['timers']);
    since.set(bystander, (await daemon.waitEstablished(bystander, 15_000)).since);
    await othersUntouched(peers.bystander);
  });

  test('a removed peer goes alone; an added one comes up alone', async () => {
    const extra = name(peers.extra);
    removeConfigFile(work.config, `peer-${peers.extra.name}.yaml`);
    await eventually('extra removed from status', 8000, async () => ((await daemon.status()).peers.some((p) => p.name === extra) ? undefined : true));
    await eventually('BIRD b3 down', 8000, async () => ((await fabric.birdState(3)) !== 'Established' ? true : undefined));
    await othersUntouched(peers.extra);
    writePeer(work.config, peers.extra);
    since.set(extra, (await daemon.waitEstablished(extra, 15_000)).since);
    await fabric.bird(3).waitEstablished(NODE_IP, 5000);
    await othersUntouched(peers.extra);
  });

  test('an invalid configuration keeps the last good one running (with its Secrets followed) and is reported', async () => {
    writeConfigFile(work.config, 'peer-broken.yaml', `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: broken
spec:
  peerIP: 198.51.100.77
  asNumber: not-a-number
`);
    const s = await eventually('config.lastError', 8000, async () => {
      const st = await daemon.status();
      return st.config.lastError !== null ? st : undefined;
    });
    assert.match(s.config.lastError!, /BGPPeer\/broken spec\.asNumber/);
    assert.ok(daemon.logs().some((l) => l.msg === 'new configuration is invalid; running the last good configuration'));
    assert.ok(daemon.logs().some((l) => l.level === 50 && l.resource === 'BGPPeer/broken' && l.path === 'spec.asNumber'));
    const table = await daemon.cli(['status']);
    assert.match(table.stdout, /config: last reload failed, running the last good config: .*BGPPeer\/broken spec\.asNumber/);
    const r = await daemon.cli(['reload']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /reload failed, running the last good configuration/);
    assert.ok(!s.peers.some((p) => p.peerIP === '198.51.100.77'));
    await sleep(500);
    await othersUntouched();
    // The last good configuration still follows its Secrets: a key rotated now applies now, to that peer only.
    const bystander = name(peers.bystander);
    keys.bystander = pw('bystander-new');
    volume();
    await eventually('bystander re-keyed', 8000, async () => ((await daemon.peer(bystander)).auth.keyFingerprint === fp(keys.bystander) ? true : undefined));
    await othersUntouched(peers.bystander);
    await fabric.startBird(2, keys.bystander);
    since.set(bystander, (await daemon.waitEstablished(bystander, 15_000)).since);
    assert.match((await daemon.status()).config.lastError ?? '', /BGPPeer\/broken spec\.asNumber/, 'the config error was forgotten');
    await othersUntouched(peers.bystander);
    removeConfigFile(work.config, 'peer-broken.yaml');
    await eventually('config.lastError cleared', 8000, async () => ((await daemon.status()).config.lastError === null ? true : undefined));
    await othersUntouched();
  });
});
