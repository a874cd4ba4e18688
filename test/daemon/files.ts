// Test fixtures on disk for daemon tests: a Calico config directory and a Secret volume laid out the way the
// kubelet writes it (`<dir>/<name>/..<timestamp>/<key>`, `..data -> ..<timestamp>`, `<key> -> ..data/<key>`),
// updated with the kubelet's atomic `..data` swap.

import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A secret value: bytes or text; `{ dir: true }` puts a directory where the key file should be (unreadable as a key). */
export type SecretValue = string | Buffer | { readonly dir: true };

let swapSeq = 0;

/**
 * Writes Secret `name` under `secretsDir` as the kubelet does: a fresh timestamped directory with every key, a
 * `..data_tmp` symlink renamed over `..data` (one atomic step), per-key symlinks, then the old directory removed.
 * A key left out of `data` disappears (its symlink is removed).
 */
export function writeSecretVolume(secretsDir: string, name: string, data: Readonly<Record<string, SecretValue>>): void {
  const vol = join(secretsDir, name);
  mkdirSync(vol, { recursive: true });
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}${String(++swapSeq).padStart(4, '0')}`;
  const tsDir = join(vol, stamp);
  mkdirSync(tsDir, { mode: 0o755 });
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'object' && !Buffer.isBuffer(v)) mkdirSync(join(tsDir, k));
    else writeFileSync(join(tsDir, k), v, { mode: 0o644 });
  }
  let old: string | null = null;
  try {
    old = readlinkSync(join(vol, '..data'));
  } catch {
    old = null;
  }
  const tmp = join(vol, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(stamp, tmp);
  renameSync(tmp, join(vol, '..data'));
  for (const entry of readdirSync(vol)) {
    if (entry.startsWith('..')) continue;
    if (!(entry in data)) rmSync(join(vol, entry), { force: true });
  }
  for (const k of Object.keys(data)) {
    try {
      symlinkSync(join('..data', k), join(vol, k));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  if (old !== null && old !== stamp) rmSync(join(vol, old), { recursive: true, force: true });
}

/** Replaces a config file atomically (write a dotfile, rename), as a ConfigMap update would be seen. */
export function writeConfigFile(configDir: string, file: string, text: string): void {
  const tmp = join(configDir, `.tmp-${file}-${process.pid}`);
  writeFileSync(tmp, text);
  renameSync(tmp, join(configDir, file));
}

export function removeConfigFile(configDir: string, file: string): void {
  rmSync(join(configDir, file), { force: true });
}

/** A private work dir: config/, secrets/, run/ (for the control socket). Remove with `rmSync(root, {recursive})`. */
export function workDir(prefix = 'tsbgpd-dtest-'): { root: string; config: string; secrets: string; socket: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o700);
  const config = join(root, 'config');
  const secrets = join(root, 'secrets');
  mkdirSync(config);
  mkdirSync(secrets);
  return { root, config, secrets, socket: join(root, 'run', 'tsbgpd.sock') };
}

/** Removes a work dir. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// --- Calico resources -------------------------------------------------------------------------------------------

export interface NodeSpec {
  readonly name: string;
  readonly ipv4: string; // CIDR
  readonly asNumber: number;
}

export function nodeYaml(n: NodeSpec): string {
  return `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: ${n.name}
spec:
  bgp:
    ipv4Address: ${n.ipv4}
    asNumber: ${n.asNumber}
`;
}

export function bgpConfigurationYaml(o: { readonly asNumber: number; readonly logSeverityScreen?: string }): string {
  return `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  logSeverityScreen: ${o.logSeverityScreen ?? 'Info'}
  nodeToNodeMeshEnabled: false
  asNumber: ${o.asNumber}
`;
}

export interface BgpPeerSpec {
  readonly name: string;
  readonly peerIP: string;
  readonly asNumber: number;
  /** Secret name and key of the TCP-MD5 password. */
  readonly secret?: { readonly name: string; readonly key: string };
  readonly keepaliveTime?: string;
}

export function bgpPeerYaml(p: BgpPeerSpec): string {
  const lines = [
    'apiVersion: projectcalico.org/v3',
    'kind: BGPPeer',
    'metadata:',
    `  name: ${p.name}`,
    'spec:',
    `  peerIP: ${p.peerIP}`,
    `  asNumber: ${p.asNumber}`,
  ];
  if (p.keepaliveTime !== undefined) lines.push(`  keepaliveTime: ${p.keepaliveTime}`);
  if (p.secret !== undefined) {
    lines.push('  password:', '    secretKeyRef:', `      name: ${p.secret.name}`, `      key: ${p.secret.key}`);
  }
  return lines.join('\n') + '\n';
}

export function blockAffinityYaml(node: string, cidr: string): string {
  return `apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata:
  name: ${node}-${cidr.replace(/[./]/g, '-')}
spec:
  node: ${node}
  cidr: ${cidr}
  state: confirmed
`;
}

/** The standard test node: Node + BGPConfiguration (+ a confirmed block to advertise) in `configDir`. */
export function writeNodeConfig(configDir: string, o: { readonly name: string; readonly ipv4: string; readonly asNumber: number; readonly logSeverityScreen?: string; readonly block?: string }): void {
  writeConfigFile(configDir, 'node.yaml', nodeYaml(o));
  writeConfigFile(configDir, 'bgpconfiguration.yaml', bgpConfigurationYaml(o));
  if (o.block !== undefined) writeConfigFile(configDir, 'block.yaml', blockAffinityYaml(o.name, o.block));
}

/** One BGPPeer per file (`peer-<name>.yaml`), so a test can add, change or remove one peer. */
export function writePeer(configDir: string, p: BgpPeerSpec): void {
  writeConfigFile(configDir, `peer-${p.name}.yaml`, bgpPeerYaml(p));
}
