// The session benchmark's world: two namespaces on one veth, the DUT (tsbgpd) in `dut` and the load
// generator's speakers in `gen`, each speaker on its own TEST-NET address on gen's loopback, reached from
// the DUT through one route via gen's veth address (one neighbour entry, however many speakers). Also writes
// the Calico resources and the Secret-volume-style password files tsbgpd reads.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NetnsLab, type Namespace } from '../../test/netns/harness.js';
import type { SpeakerSpec } from './loadgen.js';

export type Family = 4 | 6;

export const DUT_V4 = '192.0.2.1';
export const GEN_V4 = '192.0.2.2';
export const DUT_V6 = '2001:db8::1';
export const GEN_V6 = '2001:db8::2';
export const DUT_AS = 64512;
export const SPEAKER_AS = 65001;
export const SECRET_NAME = 'bgp-bench';

/** Speaker addresses: 198.51.100.1-254 then 203.0.113.1-254 (IPv4), 2001:db8:1::1... (IPv6). */
export function speakerAddress(family: Family, i: number): string {
  if (family === 6) return `2001:db8:1::${(i + 1).toString(16)}`;
  if (i < 254) return `198.51.100.${i + 1}`;
  if (i < 508) return `203.0.113.${i - 254 + 1}`;
  throw new Error('at most 508 IPv4 speakers fit in 198.51.100.0/24 and 203.0.113.0/24; use IPv6');
}

/** 198.51.0.0 + i + 1 as a number: unique, and above the DUT's 192.0.2.1, so speaker-opened connections win §6.8. */
const speakerBgpId = (i: number): number => (((198 << 24) | (51 << 16)) + i + 1) >>> 0;

export interface SessionLab {
  readonly lab: NetnsLab;
  readonly dut: Namespace;
  readonly gen: Namespace;
  readonly family: Family;
  readonly dutAddress: string;
  readonly speakers: readonly SpeakerSpec[];
  /** tsbgpd's --config, --secrets-dir and --control-socket. */
  readonly configDir: string;
  readonly secretsDir: string;
  readonly controlSocket: string;
  readonly nodeName: string;
  /** Remove the lab and the files. */
  destroy(): Promise<void>;
}

export interface SessionLabOptions {
  readonly family: Family;
  readonly peers: number;
  /** Set net.core.optmem_max in the DUT namespace (a listener holds all MD5 keys in its option memory). */
  readonly optmemMax?: number;
}

export async function createSessionLab(o: SessionLabOptions): Promise<SessionLab> {
  const speakers: SpeakerSpec[] = [];
  for (let i = 0; i < o.peers; i++) {
    // 32 printable bytes (base64url): no NUL, CR or LF, within the 80-byte TCP-MD5 limit.
    speakers.push({ address: speakerAddress(o.family, i), key: Buffer.from(randomBytes(24).toString('base64url')), bgpIdentifier: speakerBgpId(i), asn: SPEAKER_AS });
  }
  const lab = await NetnsLab.create({
    namespaces: ['dut', 'gen'],
    links: [{ a: 'dut', b: 'gen', aAddrs: [`${DUT_V4}/24`, `${DUT_V6}/64`], bAddrs: [`${GEN_V4}/24`, `${GEN_V6}/64`] }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-bench-'));
  // The directory holds the passwords: remove it however the process ends (the harness exits on SIGINT).
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const cleanup = async (): Promise<void> => {
    await lab.destroy();
    removeDir();
    process.off('exit', removeDir);
  };
  try {
    const dut = lab.ns('dut');
    const gen = lab.ns('gen');
    const batch = speakers.map((s) => `addr add ${s.address}/${o.family === 4 ? 32 : 128} dev lo${o.family === 6 ? ' nodad' : ''}`);
    await gen.exec('ip', ['-batch', '-'], { input: batch.join('\n') + '\n' });
    const routes = o.family === 4
      ? [`route add 198.51.100.0/24 via ${GEN_V4}`, `route add 203.0.113.0/24 via ${GEN_V4}`]
      : [`route add 2001:db8:1::/64 via ${GEN_V6}`];
    await dut.exec('ip', ['-batch', '-'], { input: routes.join('\n') + '\n' });
    if (o.optmemMax !== undefined) await dut.sysctl('net.core.optmem_max', o.optmemMax);

    const configDir = join(dir, 'config');
    const secretsDir = join(dir, 'secrets');
    mkdirSync(configDir);
    mkdirSync(join(secretsDir, SECRET_NAME), { recursive: true });
    const keyName = (i: number): string => `peer-${String(i + 1).padStart(4, '0')}`;
    speakers.forEach((s, i) => writeFileSync(join(secretsDir, SECRET_NAME, keyName(i)), s.key, { mode: 0o600 }));
    const nodeName = 'bench-node';
    writeFileSync(join(configDir, 'node.yaml'), [
      'apiVersion: projectcalico.org/v3',
      'kind: Node',
      'metadata:',
      `  name: ${nodeName}`,
      'spec:',
      '  bgp:',
      `    ipv4Address: ${DUT_V4}/24`,
      `    ipv6Address: ${DUT_V6}/64`,
      `    asNumber: ${DUT_AS}`,
      '',
    ].join('\n'));
    writeFileSync(join(configDir, 'bgpconfiguration.yaml'), [
      'apiVersion: projectcalico.org/v3',
      'kind: BGPConfiguration',
      'metadata:',
      '  name: default',
      '  annotations:',
      '    tsbgpd.io/kernel-routes: "false"',
      'spec:',
      '  logSeverityScreen: Info',
      '  nodeToNodeMeshEnabled: false',
      `  asNumber: ${DUT_AS}`,
      '  listenPort: 179',
      '',
    ].join('\n'));
    // Global BGPPeers (no node selector): tsbgpd is active towards each, as calico/node is towards a ToR.
    const peers = speakers.map((s, i) => [
      'apiVersion: projectcalico.org/v3',
      'kind: BGPPeer',
      'metadata:',
      `  name: bench-${keyName(i)}`,
      'spec:',
      `  peerIP: ${o.family === 6 ? `"${s.address}"` : s.address}`,
      `  asNumber: ${s.asn}`,
      '  password:',
      '    secretKeyRef:',
      `      name: ${SECRET_NAME}`,
      `      key: ${keyName(i)}`,
      '',
    ].join('\n'));
    writeFileSync(join(configDir, 'bgppeers.yaml'), peers.join('---\n'));
    return {
      lab,
      dut,
      gen,
      family: o.family,
      dutAddress: o.family === 4 ? DUT_V4 : DUT_V6,
      speakers,
      configDir,
      secretsDir,
      controlSocket: join(dir, 'tsbgpd.sock'),
      nodeName,
      destroy: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
