// A minimal, self-contained network-namespace helper for the peer drivers and the vector capture tool.
// (The project's general harness lives in test/netns/; this one exists so the drivers depend on nothing
// unfinished. Merge later.)
//
// Only TEST-NET addresses are used, names carry the PID plus a random suffix so parallel test processes
// never collide, and everything created here is removed by `destroy()`.

import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  readonly code = 'ERR_PEER_COMMAND';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Runs a command (optionally inside a namespace) and resolves with its output. The error message names only
 * the program and exit code plus the tail of stderr: arguments may carry a password, so they are never echoed.
 */
export function run(program: string, args: readonly string[], opts: { netns?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, program, ...args]] : [program, [...args]];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
        reject(new CommandError(`${program} ${args[0] ?? ''} failed (exit ${code ?? 'signal'}): ${stderr.trim().slice(-400)}`, code, stderr));
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A name unique to this process: `prefix` + base36 pid + 4 random hex digits (kept ≤ 15 chars for links). */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid.toString(36)}${randomBytes(2).toString('hex')}`.slice(0, 15);
}

export interface LinkEnd {
  readonly netns: string;
  readonly ifname: string;
  readonly ipv4: string; // without prefix length
  readonly ipv6: string;
}

/** Two namespaces joined by a veth pair, each end with one IPv4 (/24) and one IPv6 (/64) TEST-NET address. */
export interface NetnsPair {
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  destroy(): Promise<void>;
}

export interface PairOptions {
  /** Third octet of 192.0.2.0/24 is fixed; pick the host numbers and the IPv6 /64 index. */
  readonly ipv4?: readonly [string, string];
  readonly ipv6?: readonly [string, string];
}

/**
 * Creates namespaces A and B, a veth pair between them, loopback up, and addresses (DAD off so IPv6 is usable
 * at once). On any failure the partial setup is torn down before the error propagates.
 */
export async function createPair(opts: PairOptions = {}): Promise<NetnsPair> {
  const tag = uniqueName('');
  const a: LinkEnd = { netns: `tsbgpA${tag}`, ifname: `va${tag}`.slice(0, 15), ipv4: opts.ipv4?.[0] ?? '192.0.2.1', ipv6: opts.ipv6?.[0] ?? '2001:db8::1' };
  const b: LinkEnd = { netns: `tsbgpB${tag}`, ifname: `vb${tag}`.slice(0, 15), ipv4: opts.ipv4?.[1] ?? '192.0.2.2', ipv6: opts.ipv6?.[1] ?? '2001:db8::2' };
  const created: string[] = [];
  const destroy = async (): Promise<void> => {
    for (const ns of created.splice(0)) {
      await killNetnsProcesses(ns);
      await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
  };
  try {
    for (const end of [a, b]) {
      await run('ip', ['netns', 'add', end.netns]);
      created.push(end.netns);
      // DAD would leave the addresses (and the link-local) tentative for ~1 s.
      await run('sysctl', ['-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'], { netns: end.netns });
      await run('ip', ['-n', end.netns, 'link', 'set', 'lo', 'up']);
    }
    await run('ip', ['link', 'add', a.ifname, 'netns', a.netns, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.netns]);
    for (const end of [a, b]) {
      await run('ip', ['-n', end.netns, 'addr', 'add', `${end.ipv4}/24`, 'dev', end.ifname]);
      await run('ip', ['-n', end.netns, 'addr', 'add', `${end.ipv6}/64`, 'dev', end.ifname, 'nodad']);
      await run('ip', ['-n', end.netns, 'link', 'set', end.ifname, 'up']);
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  return { a, b, destroy };
}

/** Safety net: SIGKILL, by PID, whatever still runs in a namespace this process created. */
export async function killNetnsProcesses(netns: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'pids', netns]).catch(() => ({ stdout: '', stderr: '' }));
  for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
    if (pid !== process.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Waits for a child to exit; resolves false on timeout. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}
