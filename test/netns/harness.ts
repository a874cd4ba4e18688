/**
 * Network-namespace test harness (not a test file). Needs root and iproute2.
 *
 * Quick start
 * ```ts
 * import { NetnsLab, withLab } from './harness.js';
 * await withLab({
 *   namespaces: ['a', 'b'],
 *   links: [{ a: 'a', b: 'b', aAddrs: ['192.0.2.1/24', '2001:db8::1/64'], bAddrs: ['192.0.2.2/24', '2001:db8::2/64'] }],
 * }, async (lab) => {
 *   const b = lab.ns('b');
 *   await b.exec('ip', ['addr']);                          // run a command inside b
 *   const bird = b.spawn('bird', ['-f', '-c', conf]);      // long-running process in b
 *   await bird.kill();                                     // SIGTERM by PID (SIGKILL after 2 s)
 *   const r = await b.runJs(async (arg) => arg.x + 1, { x: 1 }); // a JS function in b (own node process)
 *   const c = await b.counters();                          // TcpExt auth counters of b
 * });
 * ```
 *
 * API
 * - `NetnsLab.create(spec)` / `withLab(spec, fn)`: create namespaces and veth links; `withLab` always destroys.
 *   `spec.namespaces`: short names. `spec.links`: `{ a, b, aAddrs?, bAddrs?, aIf?, bIf? }` one veth pair per
 *   link; interface names default to `v-<other>`. Addresses are CIDR strings (use TEST-NET only:
 *   192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32). IPv6 DAD is off (`accept_dad=0` and `nodad`),
 *   so addresses are usable at once. `lo` is up in every namespace.
 * - `lab.ns(short)`: a `Namespace` with
 *   - `name` (unique: `tsb<pid>x<rand>-<short>`), `path` (`/run/netns/<name>`, usable as the `netns` option of
 *     the transport listener/connector, which create their sockets inside it via setns),
 *   - `exec(cmd, args, { allowFail?, input?, timeoutMs? })` → `{ code, stdout, stderr }` (`ip netns exec`),
 *   - `spawn(cmd, args, { env? })` → `NsProcess { pid, child, stdout(), stderr(), kill(signal?) }`,
 *   - `runJs(fn, arg, { timeoutMs? })`: runs `fn` (self-contained: no closure; import modules inside with
 *     `await import(url)`, see `distUrl()`) in a fresh `node` inside the namespace; resolves its JSON result,
 *   - `counters()` → TcpExt authentication counters (`TCPMD5Failure`, `TCPMinTTLDrop`, ...) of the namespace,
 *   - `waitForCounter(name, before, minDelta, timeoutMs)`: poll until a counter grew by `minDelta`,
 *   - `addAddress(ifname, cidr)`, `sysctl(key, value)`.
 * - `lab.destroy()`: kills every process the lab spawned (by PID) and deletes its namespaces (which removes
 *   the veths). Also runs on process exit, SIGINT and SIGTERM, so nothing leaks when a test fails.
 * - Socket helpers: `echo(socket)` (resume and echo everything back), `roundTrip(socket, text, timeoutMs)`
 *   (write, resolve with the echoed text or reject on timeout/close).
 * - `distUrl(pathFromRepoRoot)`: file URL of a compiled module, e.g. `distUrl('dist/src/transport/index.js')`.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  authCountersFrom,
  diffCounters,
  type AuthCounterName,
  type AuthCounters,
} from '../../src/transport/counters.js';

export interface LinkSpec {
  readonly a: string;
  readonly b: string;
  readonly aAddrs?: readonly string[];
  readonly bAddrs?: readonly string[];
  readonly aIf?: string;
  readonly bIf?: string;
}

export interface LabSpec {
  readonly namespaces: readonly string[];
  readonly links?: readonly LinkSpec[];
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Repository root, from dist/test/netns/harness.js. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** file:// URL of a path relative to the repository root (e.g. 'dist/src/transport/index.js'). */
export function distUrl(pathFromRoot: string): string {
  return pathToFileURL(resolve(REPO_ROOT, pathFromRoot)).href;
}

function run(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((res) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 20_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        res({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

async function must(cmd: string, args: readonly string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export class NsProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  private out = '';
  private err = '';
  readonly exited: Promise<number | null>;

  constructor(child: ChildProcess) {
    if (child.pid === undefined) throw new Error('spawn failed: no pid');
    this.child = child;
    this.pid = child.pid;
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((r) => {
      if (child.exitCode !== null) r(child.exitCode);
      else child.once('exit', (code) => r(code));
    });
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Signal this process by PID; escalate to SIGKILL after graceMs. Resolves when it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 2000): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      return;
    }
    const t = setTimeout(() => {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, graceMs);
    await this.exited;
    clearTimeout(t);
  }
}

export class Namespace {
  readonly short: string;
  readonly name: string;
  readonly path: string;
  private readonly lab: NetnsLab;

  constructor(lab: NetnsLab, short: string, name: string) {
    this.lab = lab;
    this.short = short;
    this.name = name;
    this.path = `/run/netns/${name}`;
  }

  exec(cmd: string, args: readonly string[] = [], opts: { allowFail?: boolean; input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], opts).then((r) => {
      if (r.code !== 0 && opts.allowFail !== true) {
        throw new Error(`[${this.short}] ${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
      }
      return r;
    });
  }

  spawn(cmd: string, args: readonly string[] = [], opts: { env?: NodeJS.ProcessEnv } = {}): NsProcess {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    const p = new NsProcess(child);
    this.lab.track(p);
    return p;
  }

  /**
   * Run a self-contained function in a new node process inside this namespace.
   * `fn` is serialised with toString(): it must not use variables from its scope.
   */
  async runJs<A, R>(fn: (arg: A) => R | Promise<R>, arg: A, opts: { timeoutMs?: number } = {}): Promise<R> {
    const marker = `__HARNESS_RESULT_${randomBytes(4).toString('hex')}__`;
    const script =
      `const fn = (${fn.toString()});\n` +
      `const arg = JSON.parse(process.env.TSBGPD_HARNESS_ARG);\n` +
      `let out;\n` +
      `try { out = { ok: true, value: await fn(arg) }; }\n` +
      `catch (e) { out = { ok: false, message: String(e && e.message), code: e && e.code }; }\n` +
      `process.stdout.write('\\n${marker}' + JSON.stringify(out) + '\\n');\n` +
      `process.exit(0);\n`;
    const p = this.spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { TSBGPD_HARNESS_ARG: JSON.stringify(arg) },
    });
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const timer = setTimeout(() => void p.kill('SIGKILL'), timeoutMs);
    const code = await p.exited;
    clearTimeout(timer);
    const line = p
      .stdout()
      .split('\n')
      .find((l) => l.startsWith(marker));
    if (line === undefined) {
      throw new Error(`[${this.short}] runJs exited ${code} without a result: ${p.stderr().trim().slice(0, 2000)}`);
    }
    const res = JSON.parse(line.slice(marker.length)) as { ok: boolean; value?: R; message?: string; code?: string };
    if (!res.ok) {
      const e = new Error(`[${this.short}] runJs: ${res.message ?? 'error'}`) as Error & { code?: string };
      if (res.code !== undefined) e.code = res.code;
      throw e;
    }
    return res.value as R;
  }

  async counters(): Promise<AuthCounters> {
    const r = await this.exec('cat', ['/proc/net/netstat']);
    return authCountersFrom(r.stdout);
  }

  /** Poll until counter `name` is at least `minDelta` above `before`; returns the final delta. */
  async waitForCounter(name: AuthCounterName, before: AuthCounters, minDelta = 1, timeoutMs = 3000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = diffCounters(before, await this.counters())[name];
      if (d >= minDelta || Date.now() >= deadline) return d;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async addAddress(ifname: string, cidr: string): Promise<void> {
    const args = ['-n', this.name, 'addr', 'add', cidr, 'dev', ifname];
    if (cidr.includes(':')) args.push('nodad');
    await must('ip', args);
  }

  async sysctl(key: string, value: string | number): Promise<void> {
    await this.exec('sysctl', ['-qw', `${key}=${value}`]);
  }
}

/**
 * The kernel's linkwatch activates a new veth's qdisc up to ~1 s after both ends are up; until then
 * every packet is dropped (a first SYN would be retransmitted a second later). Wait for operstate UP.
 */
async function waitOperUp(ns: Namespace, ifname: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await must('ip', ['-n', ns.name, '-o', 'link', 'show', 'dev', ifname]);
    if (/\bstate UP\b/.test(out)) return;
    if (Date.now() > deadline) throw new Error(`[${ns.short}] ${ifname} did not come up: ${out.trim()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const liveLabs = new Set<NetnsLab>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const l of liveLabs) l.destroySync();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const l of liveLabs) l.destroySync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export class NetnsLab {
  /** Unique per process and lab: `tsb<pid>x<rand>`. */
  readonly tag: string;
  private readonly spaces = new Map<string, Namespace>();
  private readonly procs = new Set<NsProcess>();
  private destroyed = false;

  private constructor() {
    this.tag = `tsb${process.pid}x${randomBytes(3).toString('hex')}`;
  }

  static async create(spec: LabSpec): Promise<NetnsLab> {
    installExitHooks();
    const lab = new NetnsLab();
    liveLabs.add(lab);
    try {
      for (const short of spec.namespaces) {
        if (!/^[A-Za-z0-9_]{1,8}$/.test(short)) throw new Error(`namespace short name ${short} must be 1-8 [A-Za-z0-9_]`);
        const ns = new Namespace(lab, short, `${lab.tag}-${short}`);
        await must('ip', ['netns', 'add', ns.name]);
        lab.spaces.set(short, ns);
        await must('ip', ['-n', ns.name, 'link', 'set', 'lo', 'up']);
        await ns.sysctl('net.ipv6.conf.all.accept_dad', 0);
        await ns.sysctl('net.ipv6.conf.default.accept_dad', 0);
      }
      for (const l of spec.links ?? []) {
        const a = lab.ns(l.a);
        const b = lab.ns(l.b);
        const aIf = l.aIf ?? `v-${l.b}`;
        const bIf = l.bIf ?? `v-${l.a}`;
        await must('ip', ['-n', a.name, 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', b.name]);
        for (const c of l.aAddrs ?? []) await a.addAddress(aIf, c);
        for (const c of l.bAddrs ?? []) await b.addAddress(bIf, c);
        await must('ip', ['-n', a.name, 'link', 'set', aIf, 'up']);
        await must('ip', ['-n', b.name, 'link', 'set', bIf, 'up']);
        await waitOperUp(a, aIf);
        await waitOperUp(b, bIf);
      }
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  ns(short: string): Namespace {
    const n = this.spaces.get(short);
    if (n === undefined) throw new Error(`no namespace ${short} in lab ${this.tag}`);
    return n;
  }

  get namespaces(): readonly Namespace[] {
    return [...this.spaces.values()];
  }

  /** @internal used by Namespace.spawn */
  track(p: NsProcess): void {
    this.procs.add(p);
    void p.exited.then(() => this.procs.delete(p));
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all([...this.procs].map((p) => p.kill('SIGTERM', 1000)));
    for (const ns of this.spaces.values()) await run('ip', ['netns', 'del', ns.name]);
    liveLabs.delete(this);
  }

  /** Synchronous teardown for exit/signal handlers. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.procs) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const ns of this.spaces.values()) {
      try {
        execFileSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
    liveLabs.delete(this);
  }
}

/** Create a lab, run fn, and always destroy the lab. */
export async function withLab<T>(spec: LabSpec, fn: (lab: NetnsLab) => Promise<T>): Promise<T> {
  const lab = await NetnsLab.create(spec);
  try {
    return await fn(lab);
  } finally {
    await lab.destroy();
  }
}

/** Two namespaces 'a' (client) and 'b' (server) on one veth: 192.0.2.1/2 and 2001:db8::1/2. */
export const PAIR: LabSpec = {
  namespaces: ['a', 'b'],
  links: [{ a: 'a', b: 'b', aAddrs: ['192.0.2.1/24', '2001:db8::1/64'], bAddrs: ['192.0.2.2/24', '2001:db8::2/64'] }],
};

/** Resume a (paused) socket and echo everything back. */
export function echo(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
  socket.resume();
}

/** Write `text` and wait until as many bytes came back; rejects on timeout or close. */
export function roundTrip(socket: Socket, text: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err === null) resolve(got);
      else reject(err);
    };
    const onData = (d: Buffer): void => {
      got += d.toString();
      if (got.length >= text.length) done(null);
    };
    const onClose = (): void => done(new Error(`socket closed after ${got.length} of ${text.length} bytes`));
    const timer = setTimeout(() => done(new Error(`no echo within ${timeoutMs} ms (${got.length} of ${text.length} bytes)`)), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(text);
  });
}
