// Daemon-level test plumbing: a fabric of network namespaces (tsbgpd in `t`, one BIRD per `b<i>` namespace,
// all on one bridge in `t`, so every peer has its own address on 198.51.100.0/24), the real `tsbgpd run`
// started by PID inside `t`, and the real CLI run as a subprocess against its control socket.
// Run the suite with its files in parallel (each has its own namespaces):
//   node --test --test-concurrency=5 dist/test/daemon/*.test.js      (~20 s; ~45 s one file at a time)

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { NetnsLab, REPO_ROOT, type Namespace, type NsProcess } from '../netns/harness.js';
import { BirdDaemon } from '../interop/peers/bird.js';
import { PEER_BINARIES } from '../interop/peers/index.js';
import type { DaemonStatus, PeerStatus } from '../../src/control/status.js';

export const MAIN = join(REPO_ROOT, 'dist/src/main.js');
export const NODE_NAME = 'tsbgpd-test';
export const NODE_IP = '198.51.100.1';
export const NODE_AS = 64512;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Why this machine cannot run the namespace tests, or null. */
export function missingEnvironment(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  const missing = PEER_BINARIES.bird.filter((b) => !existsSync(b));
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  if (!existsSync(MAIN)) return `${MAIN} not built`;
  return null;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/src/main.js ...args` (host namespace unless `netns`), never throwing on a non-zero exit. */
export function tsbgpdCli(args: readonly string[], opts: { netns?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const [file, argv] = opts.netns !== undefined
    ? ['ip', ['netns', 'exec', opts.netns, process.execPath, MAIN, ...args]]
    : [process.execPath, [MAIN, ...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { timeout: opts.timeoutMs ?? 15_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Polls `probe` until it returns a non-undefined value; fails with `what` and the last note after timeoutMs. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${last !== undefined ? ` (last: ${String(last)})` : ''}`);
    await sleep(intervalMs);
  }
}

/** One JSON log line of tsbgpd (pino). */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export class Tsbgpd {
  private proc: NsProcess | null = null;

  constructor(
    readonly ns: Namespace,
    readonly paths: { readonly config: string; readonly secrets: string; readonly socket: string },
    readonly extraArgs: readonly string[] = [],
  ) {}

  get pid(): number {
    assert.ok(this.proc !== null, 'tsbgpd not started');
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** Starts `tsbgpd run` in the namespace and waits for its control socket to answer. */
  async start(): Promise<void> {
    this.proc = this.ns.spawn(process.execPath, [
      MAIN, 'run', '--config', this.paths.config, '--secrets-dir', this.paths.secrets, '--node-name', NODE_NAME,
      '--control-socket', this.paths.socket, ...this.extraArgs,
    ]);
    const proc = this.proc;
    await eventually('tsbgpd control socket', 10_000, async () => {
      if (!proc.running) assert.fail(`tsbgpd exited early: ${proc.stderr().slice(-2000)} ${proc.stdout().slice(-2000)}`);
      return (await this.cli(['status', '--json'])).code === 0 ? true : undefined;
    });
  }

  /** The CLI against this daemon's control socket. */
  cli(args: readonly string[]): Promise<CliResult> {
    return tsbgpdCli([...args, '--control-socket', this.paths.socket]);
  }

  async status(): Promise<DaemonStatus> {
    const r = await this.cli(['status', '--json']);
    assert.equal(r.code, 0, `status --json failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as DaemonStatus;
  }

  async peer(name: string): Promise<PeerStatus> {
    const s = await this.status();
    const p = s.peers.find((x) => x.name === name);
    assert.ok(p !== undefined, `no peer ${name} in status (have ${s.peers.map((x) => x.name).join(', ')})`);
    return p;
  }

  /** Waits until peer `name` satisfies `pred`; returns that status. */
  waitPeer(name: string, what: string, timeoutMs: number, pred: (p: PeerStatus) => boolean): Promise<PeerStatus> {
    return eventually(`${name}: ${what}`, timeoutMs, async () => {
      const p = await this.peer(name);
      return pred(p) ? p : undefined;
    });
  }

  waitEstablished(name: string, timeoutMs = 20_000): Promise<PeerStatus> {
    return this.waitPeer(name, 'Established', timeoutMs, (p) => p.state === 'Established');
  }

  stdout(): string {
    return this.proc?.stdout() ?? '';
  }

  stderr(): string {
    return this.proc?.stderr() ?? '';
  }

  logs(): LogLine[] {
    const out: LogLine[] = [];
    for (const l of this.stdout().split('\n')) {
      if (l.trim() === '') continue;
      try {
        out.push(JSON.parse(l) as LogLine);
      } catch {
        out.push({ level: -1, msg: l }); // not JSON: kept so a test can see it
      }
    }
    return out;
  }

  /** Sends a signal by PID. */
  signal(sig: NodeJS.Signals): void {
    process.kill(this.pid, sig);
  }

  async stop(): Promise<number | null> {
    if (this.proc === null) return null;
    await this.proc.kill('SIGTERM', 5000);
    return this.proc.exited;
  }
}

// --- the fabric ---------------------------------------------------------------------------------------------------

export interface BirdPeer {
  readonly ns: Namespace;
  readonly address: string;
  readonly as: number;
  /** The tsbgpd peer name calico/node would give it (Global_<ip>). */
  readonly tsbgpdName: string;
  bird: BirdDaemon | null;
}

export const peerAddress = (i: number): string => `198.51.100.${i + 1}`; // i ≥ 1
export const peerAs = (i: number): number => 64600 + i;
export const globalPeerName = (ip: string): string => `Global_${ip.replace(/[.:]/g, '_')}`;

/** Namespace `t` (tsbgpd, 198.51.100.1 on a bridge) and `b1..bn` (198.51.100.2.. on veths into the bridge). */
export class Fabric {
  readonly peers: BirdPeer[] = [];

  private constructor(readonly lab: NetnsLab) {}

  static async create(n: number): Promise<Fabric> {
    const names = Array.from({ length: n }, (_, i) => `b${i + 1}`);
    const lab = await NetnsLab.create({
      namespaces: ['t', ...names],
      links: names.map((b, i) => ({ a: 't', b, bAddrs: [`${peerAddress(i + 1)}/24`] })),
    });
    const f = new Fabric(lab);
    try {
      const t = lab.ns('t');
      await t.exec('ip', ['link', 'add', 'br0', 'type', 'bridge']);
      for (const b of names) await t.exec('ip', ['link', 'set', `v-${b}`, 'master', 'br0']);
      await t.exec('ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', 'br0']);
      await t.exec('ip', ['link', 'set', 'br0', 'up']);
      names.forEach((b, i) => f.peers.push({
        ns: lab.ns(b), address: peerAddress(i + 1), as: peerAs(i + 1), tsbgpdName: globalPeerName(peerAddress(i + 1)), bird: null,
      }));
      // The bridge forwards once it is operationally up (its ports already are).
      await eventually('br0 up', 5000, async () => (/\bstate UP\b/.test((await t.exec('ip', ['-o', 'link', 'show', 'br0'])).stdout) ? true : undefined), 50);
    } catch (e) {
      await f.destroy();
      throw e;
    }
    return f;
  }

  get t(): Namespace {
    return this.lab.ns('t');
  }

  /**
   * Starts (or restarts, replacing) BIRD for peer i (1-based) with `password` or none. With `listenPort` BIRD
   * listens elsewhere than 179, so tsbgpd's own connects are refused and every session is one BIRD opened to
   * tsbgpd's listener (which proves the listener holds the right key).
   */
  async startBird(i: number, password: string | undefined, opts: { prefixes?: readonly string[]; listenPort?: number } = {}): Promise<BirdDaemon> {
    const p = this.peers[i - 1]!;
    if (p.bird !== null) await p.bird.stop();
    p.bird = null;
    const bird = new BirdDaemon(p.ns.name, {
      routerId: p.address,
      localAs: p.as,
      localAddresses: [p.address],
      neighbors: [{ address: NODE_IP, peerAs: NODE_AS, families: ['ipv4'], ...(password !== undefined ? { password } : {}) }],
      prefixes: opts.prefixes ?? [],
      communities: [`${p.as}:100`],
      ...(opts.listenPort !== undefined ? { listenPort: opts.listenPort } : {}),
    });
    await bird.start();
    p.bird = bird;
    return bird;
  }

  /** `birdc show protocols all` for peer i's session to tsbgpd. */
  async birdProtocol(i: number): Promise<string> {
    const p = this.peers[i - 1]!;
    assert.ok(p.bird !== null, `bird ${i} not running`);
    const r = await new Promise<string>((resolve, reject) => {
      execFile('birdc', ['-s', join(p.bird!.dir, 'bird.ctl'), 'show', 'protocols', 'all', 'n0'], { timeout: 5000 }, (err, stdout) => {
        if (err) reject(new Error(`birdc failed: ${err.message}`));
        else resolve(String(stdout));
      });
    });
    return r;
  }

  /** The running BIRD of peer i. */
  bird(i: number): BirdDaemon {
    const b = this.peers[i - 1]!.bird;
    assert.ok(b !== null, `bird ${i} not running`);
    return b;
  }

  /** BIRD's BGP state of peer i's session to tsbgpd. */
  async birdState(i: number): Promise<string> {
    const b = this.peers[i - 1]!.bird;
    assert.ok(b !== null, `bird ${i} not running`);
    return b.sessionState(NODE_IP);
  }

  async destroy(): Promise<void> {
    for (const p of this.peers) {
      if (p.bird !== null) await p.bird.stop().catch(() => undefined);
      p.bird = null;
    }
    await this.lab.destroy();
  }
}
