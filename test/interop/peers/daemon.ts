// Process plumbing shared by the drivers: private temp dir, start inside a namespace, stop by PID, restart,
// and the polling helpers. Each driver supplies its config, command line and queries.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitExit } from './netns.js';
import type { PeerDaemon, PeerKind, PeerSpec, SessionState } from './types.js';

export interface LaunchCommand {
  readonly program: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

const STOP_GRACE_MS = 5_000;

export abstract class BaseDaemon implements PeerDaemon {
  abstract readonly kind: PeerKind;
  version = 'unknown';
  readonly dir: string;
  protected child: ChildProcess | undefined;
  /** The prefixes currently originated, in insertion order (announce/withdraw edit it, restart keeps it). */
  protected readonly prefixes: string[];

  constructor(
    readonly netns: string,
    readonly spec: PeerSpec,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'tsbgp-peer-'));
    // FRR and BIRD may drop privileges; the dir only holds our own files, and the config (with keys) is 0600.
    chmodSync(this.dir, 0o711);
    this.prefixes = [...(spec.prefixes ?? [])];
  }

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  protected abstract writeConfig(): void;
  protected abstract command(): LaunchCommand;
  /** Waits until the daemon answers queries; also fills `version`. */
  protected abstract ready(): Promise<void>;

  abstract sessionState(neighbor: string): Promise<SessionState>;
  abstract receivedPrefixes(neighbor?: string): Promise<string[]>;
  abstract announce(prefix: string): Promise<void>;
  abstract withdraw(prefix: string): Promise<void>;
  abstract softResetIn(neighbor: string): Promise<void>;
  abstract shutdownNeighbor(neighbor: string, message?: string): Promise<void>;

  async start(): Promise<void> {
    if (this.pid !== undefined) throw new Error(`${this.kind}: already running (pid ${this.pid})`);
    this.writeConfig();
    const child = this.spawnInNetns(this.command());
    this.child = child;
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    spawnError.catch(() => undefined);
    try {
      await Promise.race([this.ready(), spawnError]);
    } catch (e) {
      await this.kill();
      throw e;
    }
  }

  /** Starts a process inside the namespace, output appended to daemon.log. */
  protected spawnInNetns(cmd: LaunchCommand): ChildProcess {
    const log = openSync(join(this.dir, 'daemon.log'), 'a', 0o600);
    try {
      // `ip netns exec` execs the program, so the child's PID is the daemon's own PID.
      return spawn('ip', ['netns', 'exec', this.netns, cmd.program, ...cmd.args], {
        stdio: ['ignore', log, log],
        env: { ...process.env, ...(cmd.env ?? {}) },
        cwd: cmd.cwd ?? this.dir,
      });
    } finally {
      closeSync(log);
    }
  }

  /** SIGTERM by PID, wait, SIGKILL on timeout. Keeps the dir. */
  protected async kill(): Promise<void> {
    await killChild(this.child);
  }

  async stop(): Promise<void> {
    try {
      await this.kill();
    } finally {
      // For debugging a driver: TSBGP_PEER_KEEP_DIR=1 leaves config and logs behind (they may hold keys).
      if (process.env.TSBGP_PEER_KEEP_DIR === '1') console.error(`${this.kind}: kept ${this.dir}`);
      else rmSync(this.dir, { recursive: true, force: true });
    }
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async waitEstablished(neighbor: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'unknown';
    for (;;) {
      try {
        last = await this.sessionState(neighbor);
        if (last === 'Established') return;
      } catch (e) {
        last = `query failed: ${(e as Error).message}`;
      }
      if (this.pid === undefined) throw new Error(`${this.kind}: daemon exited while waiting for ${neighbor}: ${this.logTail()}`);
      if (Date.now() >= deadline) throw new Error(`${this.kind}: ${neighbor} not Established after ${timeoutMs} ms (last state: ${last})`);
      await sleep(150);
    }
  }

  /** Polls `probe` until it resolves without throwing, or rejects with its last error after timeoutMs. */
  protected async poll<T>(probe: () => Promise<T>, timeoutMs: number, what: string, alive: () => boolean = () => this.pid !== undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await probe();
      } catch (e) {
        if (!alive()) throw new Error(`${this.kind}: daemon exited before ${what}: ${this.logTail()}`);
        if (Date.now() >= deadline) throw new Error(`${this.kind}: ${what} timed out: ${(e as Error).message}`);
      }
      await sleep(100);
    }
  }

  /** The last lines of the daemon's own log, with every configured password replaced (they may echo config). */
  logTail(lines = 5): string {
    let text: string;
    try {
      text = readFileSync(join(this.dir, 'daemon.log'), 'utf8');
    } catch {
      return '(no log)';
    }
    for (const n of this.spec.neighbors) if (n.password) text = text.split(n.password).join('<redacted>');
    return text.trim().split('\n').slice(-lines).join(' | ') || '(empty log)';
  }

  protected addPrefix(prefix: string): boolean {
    if (this.prefixes.includes(prefix)) return false;
    this.prefixes.push(prefix);
    return true;
  }

  protected removePrefix(prefix: string): boolean {
    const i = this.prefixes.indexOf(prefix);
    if (i < 0) return false;
    this.prefixes.splice(i, 1);
    return true;
  }

  protected neighborIndex(address: string): number {
    const i = this.spec.neighbors.findIndex((n) => n.address === address);
    if (i < 0) throw new Error(`${this.kind}: no neighbor ${address} in the spec`);
    return i;
  }

  protected get ipv4Local(): string | undefined {
    return this.spec.localAddresses.find((a) => !a.includes(':'));
  }

  protected get ipv6Local(): string | undefined {
    return this.spec.localAddresses.find((a) => a.includes(':'));
  }

  /** The local address a session to `address` is sourced from (same family). */
  protected localFor(address: string): string {
    const local = address.includes(':') ? this.ipv6Local : this.ipv4Local;
    if (!local) throw new Error(`${this.kind}: no local ${address.includes(':') ? 'IPv6' : 'IPv4'} address for neighbor ${address}`);
    return local;
  }
}

/** "65001:100" → [65001, 100]; validates ranges so a typo fails at config time, not as a silent daemon error. */
export function parseCommunity(c: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(c);
  if (!m || Number(m[1]) > 0xffff || Number(m[2]) > 0xffff) throw new Error(`bad community ${c}`);
  return [Number(m[1]), Number(m[2])];
}

/** "65001:1:2" → [65001, 1, 2] (RFC 8092: three 4-octet fields). */
export function parseLargeCommunity(c: string): [number, number, number] {
  const m = /^(\d+):(\d+):(\d+)$/.exec(c);
  if (!m || [m[1], m[2], m[3]].some((x) => Number(x) > 0xffffffff)) throw new Error(`bad large community ${c}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** SIGTERM a child by PID, wait, SIGKILL on timeout. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, STOP_GRACE_MS))) {
    child.kill('SIGKILL');
    await waitExit(child, STOP_GRACE_MS);
  }
}

export const sortPrefixes = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();
