// Interop lab: runs tsbgpd the way an operator does — `tsbgpd run` on generated Calico resources
// (projectcalico.org/v3 Node, BGPConfiguration, BGPPeer, BlockAffinity) and Kubernetes-style Secret volume files
// in a private temp dir — inside a network namespace, and reads it back through `tsbgpd status|routes --json`.
// Also: the star topology the interop tests use (one hub namespace for the real daemon on a bridge, one spoke
// namespace per tsbgpd instance), the skip-or-fail environment check, and small polling helpers.
//
//   const lab = await starLab(['good', 'wrong']);           // hub 'peer' at 192.0.2.2 / 2001:db8::2
//   const ts = new Tsbgpd(lab.ns('good'), { asNumber: 65001, ipv4: '192.0.2.1/24', peers: [...] });
//   try { await ts.start(); await ts.waitEstablished('192.0.2.2', 10_000); } finally { await ts.dispose(); await lab.destroy(); }
//
// Passwords are written only to 0600 files in the temp dir; nothing here prints them (log excerpts are redacted).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import { NetnsLab, REPO_ROOT, type Namespace, type NsProcess } from '../netns/harness.js';
import { PEER_BINARIES, type PeerKind } from './peers/index.js';
import type { DaemonStatus, PeerStatus, RouteEntry } from '../../src/control/status.js';

/** The compiled CLI (`tsbgpd` bin) and the native addon it needs for TCP-MD5. */
export const TSBGPD_MAIN = resolve(REPO_ROOT, 'dist/src/main.js');
export const TSBGPD_ADDON = resolve(REPO_ROOT, 'build/Release/tsbgpd_native.node');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// --- environment ----------------------------------------------------------------------------------------------

/**
 * True when the test can run. Otherwise: with CI=true the test fails (a missing daemon must not pass silently);
 * outside CI it skips with the reason.
 */
export function requireEnvironment(t: TestContext, kinds: readonly PeerKind[]): boolean {
  const missing = [TSBGPD_MAIN, TSBGPD_ADDON, ...kinds.flatMap((k) => PEER_BINARIES[k])].filter((b) => !existsSync(b));
  const reason = process.getuid?.() !== 0 ? 'needs root for network namespaces' : missing.length > 0 ? `missing ${missing.join(', ')}` : '';
  if (reason === '') return true;
  if (process.env.CI === 'true') assert.fail(`interop test cannot run in CI: ${reason}`);
  t.skip(reason);
  return false;
}

// --- topology ---------------------------------------------------------------------------------------------------

export const HUB_V4 = '192.0.2.2';
export const HUB_V6 = '2001:db8::2';

export interface Spoke {
  readonly short: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface StarLab {
  readonly lab: NetnsLab;
  readonly hub: Namespace;
  readonly spokes: readonly Spoke[];
  ns(short: string): Namespace;
  spoke(short: string): Spoke;
  destroy(): Promise<void>;
}

/**
 * Hub namespace `peer` with a bridge holding 192.0.2.2/24 and 2001:db8::2/64, and one namespace per spoke on a
 * veth into that bridge, numbered 192.0.2.(10+i) and 2001:db8::(10+i) (hex). One real daemon in the hub can then
 * peer with several tsbgpd instances from its one source address, while each tsbgpd has a namespace (and so
 * kernel MD5 counters) of its own.
 */
export async function starLab(spokeNames: readonly string[]): Promise<StarLab> {
  const spokes: Spoke[] = spokeNames.map((short, i) => ({ short, ipv4: `192.0.2.${10 + i}`, ipv6: `2001:db8::${(10 + i).toString(16)}` }));
  const lab = await NetnsLab.create({
    namespaces: ['peer', ...spokeNames],
    links: spokes.map((s, i) => ({ a: 'peer', b: s.short, aIf: `hub${i}`, bIf: 'up0', bAddrs: [`${s.ipv4}/24`, `${s.ipv6}/64`] })),
  });
  try {
    const hub = lab.ns('peer');
    await hub.exec('ip', ['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    for (let i = 0; i < spokes.length; i++) await hub.exec('ip', ['link', 'set', `hub${i}`, 'master', 'br0']);
    await hub.addAddress('br0', `${HUB_V4}/24`);
    await hub.addAddress('br0', `${HUB_V6}/64`);
    await hub.exec('ip', ['link', 'set', 'br0', 'up']);
    await waitOperUp(hub, 'br0');
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  return {
    lab,
    hub: lab.ns('peer'),
    spokes,
    ns: (short) => lab.ns(short),
    spoke: (short) => {
      const s = spokes.find((x) => x.short === short);
      if (s === undefined) throw new Error(`no spoke ${short}`);
      return s;
    },
    destroy: () => lab.destroy(),
  };
}

async function waitOperUp(ns: Namespace, ifname: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await ns.exec('ip', ['-o', 'link', 'show', 'dev', ifname]);
    if (/\bstate UP\b/.test(r.stdout)) return;
    if (Date.now() > deadline) throw new Error(`${ifname} in ${ns.short} did not come up`);
    await sleep(25);
  }
}

/** `ss` address → plain form: `[::ffff:192.0.2.2]:179` and `192.0.2.2%br0:179` both become `192.0.2.2:179`. */
export function plainEndpoint(s: string): string {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(s);
  if (m === null) return s;
  const host = m[1]!.replace(/%[^%]*$/, '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return `${host}:${m[2]}`;
}

/** Established TCP connections to or from port 179 in a namespace (`ss`), as "local peer" pairs. */
export async function establishedBgpConnections(ns: Namespace): Promise<string[]> {
  const r = await ns.exec('ss', ['-Htn', 'state', 'established', '( sport = :179 or dport = :179 )']);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(/\s+/).slice(-2).map(plainEndpoint).join(' '));
}

/** TCP sockets in SYN-SENT towards port 179 in a namespace. */
export async function synSentTo179(ns: Namespace): Promise<number> {
  const r = await ns.exec('ss', ['-Htn', 'state', 'syn-sent', '( dport = :179 )']);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

// --- tsbgpd -----------------------------------------------------------------------------------------------------

export interface TsbgpdPeerSpec {
  readonly peerIP: string;
  readonly asNumber: number;
  /** TCP-MD5 password, written to `<secrets>/bgp-secrets/<key>` and referenced by `password.secretKeyRef`. */
  readonly password?: string;
  /** `tsbgpd.io/hold-time` on this BGPPeer. */
  readonly holdTime?: number;
}

export interface TsbgpdSpec {
  readonly nodeName?: string;
  readonly asNumber: number;
  /** Node `spec.bgp.ipv4Address` / `ipv6Address`, CIDR form ("192.0.2.10/24"). */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** `tsbgpd.io/hold-time` on BGPConfiguration `default`. */
  readonly holdTime?: number;
  /** `tsbgpd.io/kernel-routes`: program learned routes into the namespace's kernel (default false). */
  readonly kernelRoutes?: boolean;
  /** Confirmed BlockAffinity CIDRs of this node (IPv4 and IPv6): what it advertises. */
  readonly blocks?: readonly string[];
  readonly peers: readonly TsbgpdPeerSpec[];
}

/** calico/node's (and tsbgpd's) name for a global BGPPeer on port 179: `Global_192_0_2_2`. */
export const globalPeerName = (ip: string): string => `Global_${ip.replace(/[.:]/g, '_')}`;

export class Tsbgpd {
  readonly dir: string;
  readonly configDir: string;
  readonly secretsDir: string;
  readonly controlSocket: string;
  readonly nodeName: string;
  private proc: NsProcess | undefined;
  /** Output of earlier runs (before restart()), so log checks see the whole history. */
  private earlierLogs = '';

  constructor(
    readonly ns: Namespace,
    readonly spec: TsbgpdSpec,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'tsbgpd-lab-'));
    this.configDir = join(this.dir, 'config');
    this.secretsDir = join(this.dir, 'secrets');
    this.controlSocket = join(this.dir, 'run', 'control.sock');
    this.nodeName = spec.nodeName ?? `node-${ns.short}`;
  }

  get pid(): number | undefined {
    return this.proc?.running === true ? this.proc.pid : undefined;
  }

  /** Writes the Calico resources and Secret files (what a ConfigMap and Secret volume would hold). */
  writeConfig(): void {
    const s = this.spec;
    mkdirSync(this.configDir, { recursive: true });
    const secretDir = join(this.secretsDir, 'bgp-secrets');
    mkdirSync(secretDir, { recursive: true, mode: 0o700 });
    const bgp: Record<string, unknown> = { asNumber: s.asNumber };
    if (s.ipv4 !== undefined) bgp.ipv4Address = s.ipv4;
    if (s.ipv6 !== undefined) bgp.ipv6Address = s.ipv6;
    const docs: unknown[] = [
      { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: this.nodeName }, spec: { bgp } },
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'BGPConfiguration',
        metadata: {
          name: 'default',
          // Unless a test asks for them, learned routes stay out of the kernel: the test reads them from `routes`.
          annotations: { 'tsbgpd.io/kernel-routes': String(s.kernelRoutes === true), ...(s.holdTime !== undefined ? { 'tsbgpd.io/hold-time': String(s.holdTime) } : {}) },
        },
        spec: { logSeverityScreen: 'Info', nodeToNodeMeshEnabled: false, asNumber: s.asNumber, listenPort: 179 },
      },
    ];
    s.peers.forEach((p, i) => {
      const spec: Record<string, unknown> = { peerIP: p.peerIP, asNumber: p.asNumber };
      if (p.password !== undefined) {
        const key = `peer-${i}-password`;
        writeFileSync(join(secretDir, key), p.password, { mode: 0o600 }); // no trailing newline (`--from-literal`)
        spec.password = { secretKeyRef: { name: 'bgp-secrets', key } };
      }
      const metadata: Record<string, unknown> = { name: `peer-${i}` };
      if (p.holdTime !== undefined) metadata.annotations = { 'tsbgpd.io/hold-time': String(p.holdTime) };
      docs.push({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata, spec });
    });
    (s.blocks ?? []).forEach((cidr) => {
      const name = `${this.nodeName}-${cidr.replace(/[^0-9a-f]+/gi, '-')}`.replace(/-+$/, '').toLowerCase();
      docs.push({ apiVersion: 'projectcalico.org/v3', kind: 'BlockAffinity', metadata: { name }, spec: { node: this.nodeName, cidr, state: 'confirmed' } });
    });
    writeFileSync(join(this.configDir, 'calico.yaml'), docs.map((d) => stringify(d)).join('---\n'));
  }

  /** `tsbgpd run` inside the namespace; resolves once the control socket answers `status`. */
  async start(): Promise<void> {
    if (this.pid !== undefined) throw new Error(`tsbgpd in ${this.ns.short} already running (pid ${this.pid})`);
    this.writeConfig();
    const proc = this.ns.spawn(process.execPath, [
      TSBGPD_MAIN, 'run',
      '--config', this.configDir,
      '--secrets-dir', this.secretsDir,
      '--node-name', this.nodeName,
      '--control-socket', this.controlSocket,
    ]);
    this.proc = proc;
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await this.status();
        return;
      } catch (e) {
        if (!proc.running) throw new Error(`tsbgpd in ${this.ns.short} exited (${proc.child.exitCode}) during start: ${this.logTail()}`);
        if (Date.now() > deadline) throw new Error(`tsbgpd in ${this.ns.short} did not answer status: ${(e as Error).message}`);
      }
      await sleep(150);
    }
  }

  /** Signals the daemon by PID (SIGTERM: graceful Cease to every peer; SIGKILL: none) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (p === undefined) return;
    await p.kill(signal, 3000);
    this.earlierLogs += p.stdout() + p.stderr();
    this.proc = undefined;
  }

  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  /** Stops the daemon and removes its temp dir (config, secrets, socket). */
  async dispose(): Promise<void> {
    try {
      await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Run a `tsbgpd` CLI command against this daemon's control socket (`graceful-restart` waits for the exit). */
  cli(cmd: string, ...args: string[]): Promise<string> {
    return new Promise((res, rej) => {
      execFile(process.execPath, [TSBGPD_MAIN, cmd, ...args, '--control-socket', this.controlSocket], { timeout: 20_000 }, (err, stdout, stderr) => {
        if (err) rej(new Error(`tsbgpd ${cmd} failed: ${this.redact(String(stderr)).trim() || err.message}`));
        else res(String(stdout));
      });
    });
  }

  async status(): Promise<DaemonStatus> {
    return JSON.parse(await this.cli('status', '--json')) as DaemonStatus;
  }

  async routes(): Promise<RouteEntry[]> {
    return JSON.parse(await this.cli('routes', '--json')) as RouteEntry[];
  }

  /** `tsbgpd peer enable|disable|reset NAME`. */
  async peerCommand(action: 'enable' | 'disable' | 'reset', name: string): Promise<void> {
    await this.cli('peer', action, name);
  }

  async peer(peerIP: string): Promise<PeerStatus> {
    const st = await this.status();
    const p = st.peers.find((x) => x.peerIP === peerIP);
    if (p === undefined) throw new Error(`tsbgpd status has no peer ${peerIP} (has ${st.peers.map((x) => x.peerIP).join(', ') || 'none'})`);
    return p;
  }

  /** Prefixes in `routes` learned from the peer at `peerIP`, sorted. */
  async routesFrom(peerIP: string): Promise<RouteEntry[]> {
    const name = (await this.peer(peerIP)).name;
    return (await this.routes()).filter((r) => r.peer === name).sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
  }

  /** Polls status until the peer is Established; resolves with the wait in ms, rejects with state and reasons. */
  async waitEstablished(peerIP: string, timeoutMs: number, intervalMs = 250): Promise<number> {
    const started = Date.now();
    let last: PeerStatus | undefined;
    for (;;) {
      last = await this.peer(peerIP);
      if (last.state === 'Established') return Date.now() - started;
      if (this.pid === undefined) throw new Error(`tsbgpd in ${this.ns.short} exited: ${this.logTail()}`);
      if (Date.now() - started > timeoutMs) {
        throw new Error(`tsbgpd peer ${peerIP} not Established after ${timeoutMs} ms: state ${last.state}, lastError ${last.lastError}, authDiagnosis ${last.authDiagnosis}`);
      }
      await sleep(intervalMs);
    }
  }

  /** Polls status until `pred` holds for the peer; resolves with that status. */
  async waitPeer(peerIP: string, what: string, timeoutMs: number, pred: (p: PeerStatus) => boolean, intervalMs = 400): Promise<PeerStatus> {
    const started = Date.now();
    for (;;) {
      const p = await this.peer(peerIP);
      if (pred(p)) return p;
      if (Date.now() - started > timeoutMs) {
        throw new Error(`tsbgpd peer ${peerIP}: ${what} not seen after ${timeoutMs} ms: state ${p.state}, lastError ${p.lastError}, authDiagnosis ${p.authDiagnosis}`);
      }
      await sleep(intervalMs);
    }
  }

  /** The daemon's JSON log lines (this run and earlier ones), parsed. */
  logRecords(): Record<string, unknown>[] {
    const text = this.earlierLogs + (this.proc ? this.proc.stdout() : '');
    const out: Record<string, unknown>[] = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line still being written
      }
    }
    return out;
  }

  /** How many times the daemon logged `msg` for the peer named `peer`. */
  countLog(msg: string, peer: string): number {
    return this.logRecords().filter((r) => r.msg === msg && r.peer === peer).length;
  }

  /** The whole log text, every configured password replaced: proof that none leaked, and safe to print. */
  rawLog(): string {
    return this.earlierLogs + (this.proc ? this.proc.stdout() + this.proc.stderr() : '');
  }

  logTail(lines = 8): string {
    return this.redact(this.rawLog()).trim().split('\n').slice(-lines).join(' | ') || '(empty log)';
  }

  private redact(text: string): string {
    for (const p of this.spec.peers) if (p.password !== undefined) text = text.split(p.password).join('<redacted>');
    return text;
  }
}

// --- polling ----------------------------------------------------------------------------------------------------

/** Polls `probe` until it returns true; fails the test with `what` after timeoutMs. */
export async function eventually(what: string, timeoutMs: number, probe: () => Promise<boolean>, intervalMs = 300): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
  return Date.now() - started;
}
