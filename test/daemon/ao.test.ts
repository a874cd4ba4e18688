// TCP-AO peers fail closed on a kernel without TCP-AO: the peer configured with `tsbgpd.io/auth: ao` stays down
// with the kernel's reason in status, and never comes up unauthenticated, even though the far end (BIRD without
// any password) would accept an unsigned session; an MD5 peer on the same daemon is unaffected.
// Where the kernel has TCP-AO (probe), the first part is skipped with the probe's reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Fabric, Tsbgpd, NODE_AS, NODE_IP, NODE_NAME, eventually, missingEnvironment, sleep } from './daemon.js';
import { removeDir, workDir, writeConfigFile, writeNodeConfig, writePeer, writeSecretVolume } from './files.js';
import { probeAo } from '../../src/transport/index.js';

const MD5_PW = `md5-${randomBytes(6).toString('hex')}`;
const AO_KEY = `ao-${randomBytes(8).toString('hex')}`;
const skip = missingEnvironment();
const ao = skip === null ? probeAo() : { supported: false, reason: skip };

describe('TCP-AO peers on a kernel without TCP-AO', { skip: skip ?? (ao.supported ? `this kernel has TCP-AO` : false) }, () => {
  const work = workDir();
  let fabric: Fabric;
  let daemon: Tsbgpd;

  before(async () => {
    fabric = await Fabric.create(2);
    writeNodeConfig(work.config, { name: NODE_NAME, ipv4: `${NODE_IP}/24`, asNumber: NODE_AS });
    writeSecretVolume(work.secrets, 'bgp-secrets', { md5: MD5_PW });
    writeSecretVolume(work.secrets, 'bgp-ao', { key1: AO_KEY });
    writePeer(work.config, { name: 'md5-peer', peerIP: fabric.peers[0]!.address, asNumber: fabric.peers[0]!.as, secret: { name: 'bgp-secrets', key: 'md5' } });
    const p2 = fabric.peers[1]!;
    writeConfigFile(work.config, 'ao-peer.yaml', [
      'apiVersion: projectcalico.org/v3',
      'kind: BGPPeer',
      'metadata:',
      '  name: ao-peer',
      '  annotations:',
      '    tsbgpd.io/auth: ao',
      '    tsbgpd.io/ao-keys: |',
      '      - {sendId: 1, recvId: 1, algorithm: hmac-sha-1-96, secretKeyRef: {name: bgp-ao, key: key1}}',
      'spec:',
      `  peerIP: ${p2.address}`,
      `  asNumber: ${p2.as}`,
      '',
    ].join('\n'));
    await fabric.startBird(1, MD5_PW);
    await fabric.startBird(2, undefined); // would accept an unauthenticated session
    daemon = new Tsbgpd(fabric.t, work);
    await daemon.start();
  });

  after(async () => {
    await daemon?.stop();
    await fabric?.destroy();
    removeDir(work.root);
  });

  test('the AO peer stays down with the kernel reason; the MD5 peer comes up', async () => {
    await eventually('md5 peer Established', 15_000, async () => ((await daemon.peer(fabric.peers[0]!.tsbgpdName)).state === 'Established' ? true : undefined));
    const p = await daemon.peer(fabric.peers[1]!.tsbgpdName);
    assert.equal(p.auth.method, 'ao');
    assert.match(p.lastError ?? '', /TCP-AO is not supported by this kernel/);
    assert.match(p.lastError ?? '', new RegExp(ao.reason.replace(/[()+.]/g, '\\$&')));
  });

  test('it never comes up unauthenticated, neither side', async () => {
    await sleep(4000); // BIRD retries every second or so
    const p = await daemon.peer(fabric.peers[1]!.tsbgpdName);
    assert.notEqual(p.state, 'Established');
    assert.notEqual(await fabric.bird(2).sessionState(NODE_IP), 'Established');
    assert.ok(!JSON.stringify(await daemon.status()).includes(AO_KEY), 'AO key in status output');
  });
});
