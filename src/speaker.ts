// The daemon: wires configuration, secrets, the keyed listener, the peers, the RIB, kernel routes and the control
// API, and runs their lifecycle (start, reload, stop). It holds no protocol logic of its own. Split out of it:
// speaker/keys.ts (keys on the listener, fail closed), speaker/reload.ts (re-read and plan), speaker/restart.ts
// (our own graceful restart, RFC 4724 §4.1), speaker/status.ts (`tsbgpd status`).
import os from 'node:os';
import type { Logger } from 'pino';
import { loadConfig, readSecrets, watchConfig, type ResolvedConfig, type PeerConfig, type SecretResult, type ConfigWatcher } from './config/index.js';
import { readAuthCounters } from './transport/index.js';
import { unmapV4 } from './transport/address.js';
import { parseBgpIdentifier } from './wire/open.js';
import { Peer, type PeerHost, type PeerKeyState } from './peer/peer.js';
import { systemClock } from './peer/timers.js';
import { AttrInterner } from './rib/attr-set.js';
import { ControlServer } from './control/server.js';
import { toPinoLevel } from './log.js';
import type { ControlRequest } from './control/protocol.js';
import type { DaemonStatus, RouteEntry } from './control/status.js';
import { Rib } from './rib/rib.js';
import { ribRoutes } from './rib/table.js';
import { DEFAULT_SCAN_TIME, KernelRoutes } from './fib/programmer.js';
import type { CounterSnapshot } from './peer/auth-diagnosis.js';
import { PeerKeys } from './speaker/keys.js';
import { LocalRestart, SELECTION_DEFERRAL_TIME, stateDirOf } from './speaker/restart.js';
import { daemonStatus } from './speaker/status.js';
import { prepareReload, secretStateChanged, logProblem } from './speaker/reload.js';

export { SELECTION_DEFERRAL_TIME } from './speaker/restart.js';
export { peerStatus } from './speaker/status.js';

export interface SpeakerOptions {
  readonly configPath: string;
  readonly secretsDir: string;
  readonly nodeName: string;
  readonly controlSocket: string | null;
  readonly log: Logger;
  /** Watch the config and secrets for changes (default true). */
  readonly watch?: boolean;
  /** The log level was given on the command line: BGPConfiguration logSeverityScreen does not change it. */
  readonly fixedLogLevel?: boolean;
  /**
   * Where `tsbgpd graceful-restart` leaves its marker for the next start (peer/restart-state.ts); default the
   * control socket's directory; null: no graceful restart of our own.
   */
  readonly stateDir?: string | null;
  /** Called once `tsbgpd graceful-restart` has closed everything and answered: the process should exit. */
  readonly onGracefulRestart?: () => void;
}

const COUNTERS_INTERVAL_MS = 2000;

export class ConfigError extends Error {
  readonly code = 'ERR_TSBGPD_CONFIG';
}

export class Speaker {
  private config!: ResolvedConfig;
  private secrets = new Map<string, SecretResult>();
  private readonly peers = new Map<string, Peer>();
  private readonly byAddress = new Map<string, Peer>();
  private readonly keys: PeerKeys;
  private control: ControlServer | null = null;
  private watcher: ConfigWatcher | null = null;
  private readonly interner = new AttrInterner();
  private rib!: Rib;
  private readonly startedAt = new Date();
  private loadedAt = new Date();
  private configError: string | null = null;
  private configWarnings = 0;
  private reloading: Promise<void> = Promise.resolve();
  private readonly host: PeerHost;
  private routerId = 0;
  private countersTimer: ReturnType<typeof setInterval> | undefined;
  /** Our own graceful restart (RFC 4724 §4.1), read by every peer's OPEN. */
  private readonly restart: LocalRestart;
  private kernel: KernelRoutes | null = null;
  private shuttingDown = false;

  /** A stop (SIGTERM or graceful restart) is under way. */
  get stopping(): boolean {
    return this.shuttingDown;
  }

  private constructor(private readonly opts: SpeakerOptions) {
    const self = this;
    this.keys = new PeerKeys(opts.log);
    this.restart = new LocalRestart({ stateDir: stateDirOf(opts), log: opts.log, select: () => this.selectAfterRestart() });
    this.host = {
      log: opts.log,
      clock: systemClock,
      get routerId() { return self.routerId; },
      hostname: os.hostname(),
      get rib() { return self.rib; },
      routesChanged: () => self.scheduleFlush(),
      localRestart: self.restart.state,
    };
  }

  static async start(opts: SpeakerOptions): Promise<Speaker> {
    const s = new Speaker(opts);
    await s.init();
    return s;
  }

  private async init(): Promise<void> {
    const log = this.opts.log;
    const r = await loadConfig({ configPath: this.opts.configPath, nodeName: this.opts.nodeName });
    // logSeverityScreen applies from the first line about this configuration on.
    if (r.ok && this.opts.fixedLogLevel !== true) log.level = toPinoLevel(r.config.global.logSeverityScreen);
    for (const p of r.problems) logProblem(log, p);
    if (!r.ok) throw new ConfigError(`configuration ${this.opts.configPath} has ${r.problems.filter((p) => p.severity === 'error').length} error(s); see the log or run tsbgpd check-config`);
    this.config = r.config;
    this.rib = new Rib({
      routerId: parseBgpIdentifier(r.config.node.routerId) ?? 0,
      interner: this.interner,
      trackLocChanges: r.config.global.kernelRoutes,
      ...clusterIdOf(r.config),
    });
    this.rib.configure(r.config, r.config.ipPools ?? r.config.clusterBlocks);
    this.rib.process(); // this node's own routes into the Loc-RIB
    this.configWarnings = r.problems.filter((p) => p.severity === 'warning').length;
    this.routerId = parseBgpIdentifier(this.config.node.routerId) ?? 0;
    this.secrets = await readSecrets(this.config.secretRefs, this.opts.secretsDir);
    // Every key goes on the listening socket before listen(): no SYN can be accepted unsigned in between.
    const keyStates = new Map(this.config.peers.map((pc) => [pc.id, this.keys.stateFor(pc, this.secrets)] as const));
    await this.keys.listen(this.config, keyStates, (address) => this.byAddress.get(address));
    const afterDeferral = this.restart.begin(this.config.global.kernelRoutes);
    for (const pc of this.config.peers) this.addPeer(pc, keyStates.get(pc.id)!);
    if (this.config.global.kernelRoutes) {
      // The first reconcile starts as soon as every enabled peer is Established with End-of-RIB in all its families.
      const settled = (): boolean => [...this.peers.values()].every((p) => !p.runnable ||
        (p.state === 'Established' && (p.negotiated?.families.every((f) => p.endOfRibReceived.has(f)) ?? false)));
      const scanTime = this.config.global.kernelScanTime;
      // After our graceful restart the kernel still holds the previous run's routes. Route selection may end
      // before some peers have sent their tables (RFC 4724 §4.1 does not wait for a peer that is restarting too,
      // or has no GR), but their kept routes must not leave the kernel in between: the reconcile also waits for
      // every running peer's End-of-RIB, within the same deferral bound.
      const bound = Date.now() + SELECTION_DEFERRAL_TIME * 1000;
      const after = afterDeferral === undefined ? undefined : afterDeferral.then(() => until(settled, bound));
      this.kernel = KernelRoutes.open(this.rib, this.config.global.kernelTable, log, () => this.sessionHalfway(),
        { ...(after === undefined ? { settled } : { after }), ...(scanTime !== undefined ? { scanTime } : {}) });
    }
    if (afterDeferral !== undefined) this.scheduleFlush(); // no running peer at all: nothing to wait for
    this.countersTimer = setInterval(() => void this.pollCounters(), COUNTERS_INTERVAL_MS);
    this.countersTimer.unref();
    void this.pollCounters();
    if (this.opts.controlSocket !== null) {
      this.control = new ControlServer(this.opts.controlSocket, (req) => this.handle(req));
      await this.control.start();
    }
    if (this.opts.watch !== false) {
      this.watcher = watchConfig({
        configPath: this.opts.configPath,
        secretsDir: this.opts.secretsDir,
        // inotify sees the kubelet's ..data swaps at once; the poll only backs up lost events, and with a secret per
        // peer it stats every key file, so it runs every 5 s rather than 2 s (measured: half the idle cost at 1,000 peers).
        pollMs: 5000,
        onChange: () => void this.reload('files changed'),
        logger: log,
      });
    }
    log.info({ node: this.config.node.name, routerId: this.config.node.routerId, as: this.config.node.asNumber, peers: this.config.peers.length, port: this.config.global.listenPort }, 'tsbgpd started');
  }

  /** One read of the namespace's TcpExt counters for all peers (authentication diagnosis). */
  private async pollCounters(): Promise<void> {
    let snap: CounterSnapshot;
    try {
      snap = await readAuthCounters();
    } catch {
      return;
    }
    const trying = [...this.peers.values()].filter((p) => p.runnable && !p.established).length;
    for (const p of this.peers.values()) p.observeCounters(snap, trying);
  }

  /** A new peer; `installed` when its key is already on the listener (start-up). */
  private addPeer(pc: PeerConfig, installed?: PeerKeyState): void {
    const key = installed ?? this.keys.install(pc, undefined, this.keys.stateFor(pc, this.secrets));
    this.keys.logFailure(pc, key);
    const peer = new Peer(pc, key, this.host);
    this.peers.set(pc.id, peer);
    this.byAddress.set(unmapV4(pc.peerIP), peer);
    peer.start();
  }

  /** Reload config and secrets; an invalid config keeps the last good one running. */
  reload(why: string): Promise<void> {
    this.reloading = this.reloading.then(() => this.doReload(why)).catch((e: Error) => {
      this.configError = e.message;
      this.opts.log.error({ err: e.message }, 'reload failed; running the last good configuration');
    });
    return this.reloading;
  }

  private async doReload(why: string): Promise<void> {
    const log = this.opts.log;
    const prev = this.secrets;
    const next = await prepareReload({
      configPath: this.opts.configPath, nodeName: this.opts.nodeName, secretsDir: this.opts.secretsDir, config: this.config, secrets: prev,
    }, log);
    if (next.loaded) {
      this.configError = null;
      this.configWarnings = next.problems.filter((p) => p.severity === 'warning').length;
      this.loadedAt = new Date();
    } else {
      this.configError = next.configError;
    }
    const before = this.config.global;
    this.config = next.config;
    // Filters, this node's routes and every peer's settings; Adj-RIB-Outs are re-evaluated (no session reset).
    this.rib.configure(this.config, this.config.ipPools ?? this.config.clusterBlocks);
    this.scheduleFlush();
    this.secrets = next.secrets;
    this.routerId = parseBgpIdentifier(this.config.node.routerId) ?? this.routerId;
    const { peers, global } = next.plan;
    for (const pc of peers.removed) {
      const p = this.peers.get(pc.id);
      if (p === undefined) continue;
      p.destroy();
      this.rib.removePeer(p.ribIn);
      this.scheduleFlush();
      this.peers.delete(pc.id);
      if (this.byAddress.get(unmapV4(pc.peerIP)) === p) this.byAddress.delete(unmapV4(pc.peerIP));
      this.keys.install(pc, undefined, { kind: 'none' });
      log.info({ peer: pc.name }, 'peer removed');
    }
    for (const pc of peers.added) {
      this.addPeer(pc);
      log.info({ peer: pc.name }, 'peer added');
    }
    for (const ch of peers.changed) {
      const p = this.peers.get(ch.peer.id);
      if (p === undefined) continue;
      const what = ch.what;
      if (what.length === 1 && what[0] === 'policy') {
        // BGPFilters changed: the RIB re-imports from the routes it kept before import policy and re-exports
        // (Rib.configure above), so the session stays up (issue: policy change without a reset).
        p.config = ch.peer;
        continue;
      }
      const key = this.keys.install(ch.peer, ch.previous, this.keys.stateFor(ch.peer, this.secrets));
      this.byAddress.delete(unmapV4(ch.previous.peerIP));
      this.byAddress.set(unmapV4(ch.peer.peerIP), p);
      this.keys.logFailure(ch.peer, key);
      log.info({ peer: ch.peer.name, changed: what, auth: key.kind === 'loaded' ? { length: key.key.length, fingerprint: key.key.fingerprint } : key.kind }, 'peer configuration changed');
      p.reconfigure(ch.peer, key, `configuration change: ${what.join(', ')}`);
    }
    for (const pc of peers.unchanged) {
      if (!secretStateChanged(pc, prev, this.secrets)) continue;
      const p = this.peers.get(pc.id);
      if (p === undefined) continue;
      const key = this.keys.install(pc, pc, this.keys.stateFor(pc, this.secrets));
      this.keys.logFailure(pc, key); // a different reason (missing → empty, ...) is news to the operator
      p.reconfigure(pc, key, 'password state changed');
    }
    if (global.includes('log') && this.opts.fixedLogLevel !== true) log.level = this.logLevel();
    if (global.includes('listen') || global.includes('identity')) {
      log.warn({ changes: global }, 'listener or identity changes take effect on restart');
    }
    if (global.includes('kernel')) {
      const now = this.config.global;
      if (now.kernelScanTime !== before.kernelScanTime) this.kernel?.setScanTime(now.kernelScanTime ?? DEFAULT_SCAN_TIME);
      if (now.kernelRoutes !== before.kernelRoutes || now.kernelTable !== before.kernelTable) {
        log.warn({ kernelRoutes: now.kernelRoutes, kernelTable: now.kernelTable }, 'kernel-routes and kernel-table changes take effect on restart');
      }
    }
    if (next.loaded) log.info({ why, added: peers.added.length, removed: peers.removed.length, changed: peers.changed.length }, 'configuration reloaded');
    else if (peers.changed.length > 0) log.info({ why, changed: peers.changed.length }, 'secrets reloaded for the last good configuration');
  }

  // --- control API ------------------------------------------------------------------------------------------

  private async handle(req: ControlRequest): Promise<unknown> {
    switch (req.cmd) {
      case 'status':
        return this.status();
      case 'routes':
        return this.routes();
      case 'graceful-restart': {
        const r = await this.gracefulRestart();
        // Answer first; the daemon then closes the control socket and exits.
        setTimeout(() => this.opts.onGracefulRestart?.(), 50).unref();
        return { restarting: true, pid: process.pid, ...r };
      }
      case 'reload':
        await this.reload('control request');
        return { reloaded: true, lastError: this.configError };
      case 'peer': {
        const p = [...this.peers.values()].find((x) => x.name === req.name || x.config.peerIP === req.name);
        if (p === undefined) throw new Error(`no peer named ${req.name}`);
        if (req.action === 'disable') p.disable(req.message);
        else if (req.action === 'enable') p.enable();
        else p.reset(req.message);
        return { peer: p.name, action: req.action };
      }
    }
  }

  /** pino level from BGPConfiguration logSeverityScreen. */
  logLevel(): string {
    return toPinoLevel(this.config.global.logSeverityScreen);
  }

  status(): DaemonStatus {
    return daemonStatus({
      config: this.config,
      listenPort: this.keys.listener?.port ?? this.config.global.listenPort,
      startedAt: this.startedAt,
      loadedAt: this.loadedAt,
      configError: this.configError,
      configWarnings: this.configWarnings,
      restart: this.restart,
      peers: [...this.peers.values()],
      kernel: this.kernel,
    });
  }

  routes(): RouteEntry[] {
    return ribRoutes(this.rib);
  }

  private flushScheduled = false;

  /** Decide and send in one batch per event-loop turn, however many UPDATEs arrived in it. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.shuttingDown) return;
      if (this.restart.state.selectionDeferred) {
        // RFC 4724 §4.1: no decision and no UPDATE until every GR-capable peer has sent End-of-RIB.
        if ([...this.peers.values()].every((p) => p.readyForSelection)) this.restart.end('End-of-RIB from every peer');
        return;
      }
      this.rib.process();
      for (const p of this.peers.values()) p.flushUpdates();
      this.kernel?.follow();
    });
  }

  // --- graceful restart, restarting speaker (RFC 4724 §4.1) ----------------------------------------------------

  /** RFC 4724 §4.1, the deferral over: run the decision, send every Established peer its table and End-of-RIB. */
  private selectAfterRestart(): number {
    const changed = this.rib.process();
    for (const p of this.peers.values()) p.selectionDone();
    for (const p of this.peers.values()) p.flushUpdates();
    return changed;
  }

  /**
   * `tsbgpd graceful-restart` (RFC 4724 §4.1, as BIRD's `graceful restart` command): leave a marker for the
   * next start, close every session without a NOTIFICATION (so GR-capable peers keep our routes, stale), keep
   * our kernel routes, and stop. Nothing secret is written. Resolves once everything is closed.
   */
  async gracefulRestart(): Promise<{ marker: string | null; restartTime: number; kernelRoutesKept: boolean }> {
    if (this.shuttingDown) throw new Error('tsbgpd is already stopping');
    this.shuttingDown = true;
    const kernelRoutesKept = this.kernel !== null;
    const { marker, restartTime } = this.restart.writeMarker(this.config.peers, kernelRoutesKept);
    this.restart.stop();
    this.watcher?.close();
    clearInterval(this.countersTimer);
    for (const p of this.peers.values()) p.closeForRestart();
    await this.keys.close();
    await this.kernel?.stop({ keep: true });
    this.opts.log.info({ restartTime, kernelRoutesKept, marker }, 'graceful restart: sessions closed without NOTIFICATION, kernel routes kept');
    return { marker, restartTime, kernelRoutesKept };
  }

  /** Close the control socket last (after answering `graceful-restart`). */
  async closeControl(): Promise<void> {
    await this.control?.close();
  }

  // --- kernel routes ------------------------------------------------------------------------------------------

  /** A session between OpenSent and its End-of-RIB for every family: its table is still on the way. */
  private sessionHalfway(): boolean {
    return [...this.peers.values()].some((p) => p.runnable && (p.state === 'OpenSent' || p.state === 'OpenConfirm' ||
      (p.state === 'Established' && (p.negotiated?.families.some((f) => !p.endOfRibReceived.has(f)) ?? true))));
  }

  async close(message = 'tsbgpd shutting down'): Promise<void> {
    this.shuttingDown = true;
    this.restart.stop();
    this.watcher?.close();
    clearInterval(this.countersTimer);
    for (const p of this.peers.values()) p.stop(2, message);
    // Give the Cease NOTIFICATIONs a moment to leave.
    await new Promise((r) => setTimeout(r, 300));
    for (const p of this.peers.values()) p.destroy();
    await this.control?.close();
    await this.keys.close();
    await this.kernel?.stop();
  }
}

/** RFC 4456 CLUSTER_ID: the Node's routeReflectorClusterID (dotted quad), when set. */
function clusterIdOf(c: ResolvedConfig): { clusterId?: number } {
  const id = c.node.routeReflectorClusterID === undefined ? undefined : parseBgpIdentifier(c.node.routeReflectorClusterID);
  return id === undefined ? {} : { clusterId: id };
}

/** Resolves once `done()` is true (checked every 100 ms) or at `deadline` (ms since the epoch). */
function until(done: () => boolean, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (done() || Date.now() >= deadline) resolve();
      else setTimeout(check, 100).unref();
    };
    check();
  });
}
