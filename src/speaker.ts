// The daemon: wires configuration, secrets, the keyed listener, the peers, the RIB and the control API.
// It holds no protocol logic of its own.
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  loadConfig, readSecrets, fingerprints, planReload, watchConfig, secretRefId,
  type ResolvedConfig, type ResolveResult, type PeerConfig, type SecretKeyRef, type AoAlgorithm, type SecretResult, type ConfigWatcher, type Fingerprints,
} from './config/index.js';
import { KeyedListener, probeAo, readAuthCounters, setSocketMd5Key, socketAoKeys, type FeatureSupport, type PeerKey } from './transport/index.js';
import { applyTtl, gtsm } from './transport/sockopts.js';
import { socketFd } from './transport/socket-fd.js';
import { unmapV4 } from './transport/address.js';
import { parseBgpIdentifier } from './wire/open.js';
import { Peer, familyName, type AoMaterial, type LoadedKey, type PeerHost, type PeerKeyState } from './peer/peer.js';
import { systemClock } from './peer/timers.js';
import { AttrInterner } from './rib/attr-set.js';
import { ControlServer } from './control/server.js';
import { toPinoLevel } from './log.js';
import type { ControlRequest } from './control/protocol.js';
import type { DaemonStatus, PeerStatus, RouteEntry } from './control/status.js';
import { Rib } from './rib/rib.js';
import { ribRoutes } from './rib/table.js';
import { KernelRoutes } from './fib/programmer.js';
import type { CounterSnapshot } from './peer/auth-diagnosis.js';
import { takeRestartMarker, writeRestartMarker } from './peer/restart-state.js';
import { MAX_RESTART_TIME } from './peer/local-open.js';

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

/**
 * RFC 4724 §4.1 Selection_Deferral_Timer (seconds): after our graceful restart, route selection and our
 * advertisements wait for End-of-RIB from every GR-capable peer, at most this long (calico's default Restart
 * Time). Kernel routes of the previous run stay untouched meanwhile.
 */
export const SELECTION_DEFERRAL_TIME = 120;

const COUNTERS_INTERVAL_MS = 2000;

/** RFC 5926 / draft MAC names in the config → the kernel's crypto API names (its TCP-AO takes any ahash). */
const AO_KERNEL_ALGORITHM: Readonly<Record<AoAlgorithm, string>> = {
  'hmac-sha-1-96': 'hmac(sha1)',
  'aes-128-cmac-96': 'cmac(aes128)',
  'hmac-sha-256': 'hmac(sha256)',
};

export class ConfigError extends Error {
  readonly code = 'ERR_TSBGPD_CONFIG';
}

export class Speaker {
  private config!: ResolvedConfig;
  private secrets = new Map<string, SecretResult>();
  private readonly peers = new Map<string, Peer>();
  private readonly byAddress = new Map<string, Peer>();
  private listener: KeyedListener | null = null;
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
  private aoSupport: FeatureSupport | undefined;
  private readonly aoInstalled = new Map<string, readonly AoMaterial[]>();
  private countersTimer: ReturnType<typeof setInterval> | undefined;
  /** Our own graceful restart (RFC 4724 §4.1), read by every peer's OPEN. */
  private readonly restart = { restarting: false, forwardingPreserved: false, selectionDeferred: false };
  private deferral: { readonly deadline: number; readonly timer: ReturnType<typeof setTimeout>; readonly done: () => void } | null = null;
  private shuttingDown = false;

  /** A stop (SIGTERM or graceful restart) is under way. */
  get stopping(): boolean {
    return this.shuttingDown;
  }

  private constructor(private readonly opts: SpeakerOptions) {
    const self = this;
    this.host = {
      log: opts.log,
      clock: systemClock,
      get routerId() { return self.routerId; },
      hostname: os.hostname(),
      get rib() { return self.rib; },
      routesChanged: () => self.scheduleFlush(),
      localRestart: self.restart,
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
    const keys = new Map(this.config.peers.map((pc) => [pc.id, this.keyStateFor(pc)] as const));
    await this.openListener(keys);
    const afterDeferral = this.beginRestart();
    for (const pc of this.config.peers) this.addPeer(pc, keys.get(pc.id)!);
    if (this.config.global.kernelRoutes) {
      // The first reconcile starts as soon as every enabled peer is Established with End-of-RIB in all its families.
      const settled = (): boolean => [...this.peers.values()].every((p) => !p.runnable ||
        (p.state === 'Established' && (p.negotiated?.families.every((f) => p.endOfRibReceived.has(f)) ?? false)));
      this.kernel = KernelRoutes.open(this.rib, this.config.global.kernelTable, log, () => this.sessionHalfway(), afterDeferral === undefined ? { settled } : { after: afterDeferral });
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

  private async openListener(keyStates: Map<string, PeerKeyState>): Promise<void> {
    const g = this.config.global;
    const host = g.bindMode === 'NodeIP' && this.config.node.ipv4 !== undefined && this.config.node.ipv6 === undefined
      ? this.config.node.ipv4.address
      : '::';
    // Outgoing TTL 255 on the listener, so SYN-ACKs pass a GTSM peer (accepted sockets inherit it; RFC 5082 §3).
    // The minimum TTL is per peer, set on each accepted socket (a listener-wide one would apply to all peers).
    // Keys go on per peer (installKey) before the peer exists; until then a connection from its address is closed.
    const keys: PeerKey[] = [];
    const owner = new Map<PeerKey, string>();
    for (const pc of this.config.peers) {
      const k = keyStates.get(pc.id);
      if (k?.kind !== 'loaded') continue;
      const list: PeerKey[] = k.ao === undefined
        ? [{ kind: 'md5', peer: pc.peerIP, key: k.key.key }]
        : k.ao.map((a) => ({ kind: 'ao', peer: pc.peerIP, algorithm: a.algorithm, sendId: a.sendId, recvId: a.recvId, key: a.key.key }));
      for (const pk of list) {
        keys.push(pk);
        owner.set(pk, pc.id);
      }
      if (k.ao !== undefined) this.aoInstalled.set(pc.peerIP, k.ao);
    }
    this.listener = await KeyedListener.open({
      host,
      port: g.listenPort,
      ttl: { ttl: 255 },
      keys,
      // A key the kernel refuses keeps that peer down (fail closed); the others are unaffected.
      onKeyError: (pk, err) => {
        const id = owner.get(pk)!;
        const prev = keyStates.get(id)!;
        keyStates.set(id, { kind: 'failed', reason: `the kernel refused the key on the listening socket: ${err.message}`, source: prev.kind === 'none' ? '' : prev.source });
      },
    });
    this.listener.on('error', (err) => this.opts.log.error({ err: err.message }, 'listener error'));
    this.listener.on('connection', ({ socket, remoteAddress }) => {
      const peer = this.byAddress.get(unmapV4(remoteAddress));
      if (peer === undefined) {
        // RFC 4271 §8: no configured peer: close without reading a byte.
        this.opts.log.debug({ remote: remoteAddress }, 'connection from an unknown address closed');
        socket.destroy();
        return;
      }
      if (peer.config.ttlSecurity > 0) {
        try {
          applyTtl(socketFd(socket), this.listener!.family, { minTtl: gtsm(peer.config.ttlSecurity).minTtl! }, this.listener!.dualStack);
        } catch (e) {
          this.opts.log.error({ peer: peer.name, err: (e as Error).message }, 'cannot set GTSM on accepted socket; closing');
          socket.destroy();
          return;
        }
      }
      // Fail closed even for a connection the kernel completed before this peer's key was on the listener (a
      // key added or changed at run time): put the key on the accepted socket too. On a connection the listener
      // keyed this changes nothing; on an unsigned one it makes every further segment need a signature, so the
      // session stalls instead of running unauthenticated (kernel-auth notes §4 R7). TCP-AO cannot be added to
      // an established connection, so there the socket must already hold an MKT.
      const key = peer.key;
      if (key.kind === 'loaded') {
        try {
          if (key.ao === undefined) setSocketMd5Key(socket, key.key.key);
          else if (socketAoKeys(socket).length === 0) throw new Error('the accepted connection holds no TCP-AO key');
        } catch (e) {
          this.opts.log.warn({ peer: peer.name, err: (e as Error).message }, 'accepted connection not authenticated; closed');
          socket.destroy();
          return;
        }
      }
      peer.acceptIncoming(socket, unmapV4(remoteAddress));
    });
  }

  private keyStateFor(pc: PeerConfig): PeerKeyState {
    const auth = pc.auth;
    if (auth.method === 'none') return { kind: 'none' };
    const read = (ref: SecretKeyRef): { ok: true; key: LoadedKey } | { ok: false; reason: string; source: string } => {
      const id = secretRefId(ref);
      const s = this.secrets.get(id);
      if (s === undefined) return { ok: false, reason: 'not read', source: `secret ${id}` };
      if (!s.ok) return { ok: false, reason: s.reason, source: `secret ${id}` };
      return { ok: true, key: { key: s.key, length: s.length, fingerprint: s.fingerprint } };
    };
    if (auth.method === 'md5') {
      const r = read(auth.secretRef);
      if (!r.ok) return { kind: 'failed', reason: r.reason, source: r.source };
      return { kind: 'loaded', key: r.key, source: `secret ${secretRefId(auth.secretRef)}` };
    }
    // TCP-AO (RFC 5925): every MKT must load, and the kernel must have TCP-AO; otherwise the peer stays down.
    const source = `tsbgpd.io/ao-keys (${auth.keys.map((k) => secretRefId(k.secretRef)).join(', ')})`;
    this.aoSupport ??= probeAo();
    if (!this.aoSupport.supported) return { kind: 'failed', reason: `TCP-AO is not supported by this kernel: ${this.aoSupport.reason}`, source };
    const ao: AoMaterial[] = [];
    for (const k of auth.keys) {
      const r = read(k.secretRef);
      if (!r.ok) return { kind: 'failed', reason: `MKT ${k.sendId}/${k.recvId}: ${r.reason}`, source: r.source };
      ao.push({ algorithm: AO_KERNEL_ALGORITHM[k.algorithm], sendId: k.sendId, recvId: k.recvId, key: r.key });
    }
    const current = ao.find((k) => k.sendId === auth.currentKeyId) ?? ao[0]!;
    return { kind: 'loaded', key: current.key, source, ao };
  }

  /**
   * Put the peer's key(s) on the listener, or take them off. A key the kernel refuses (ENOMEM past about 963 keys
   * at the default optmem_max, TCP-AO errors) keeps the peer down with that reason: never unauthenticated.
   */
  private installKey(pc: PeerConfig, prev: PeerConfig | undefined, key: PeerKeyState): PeerKeyState {
    const l = this.listener;
    if (l === null) return key;
    const removeMd5 = (ip: string): void => {
      try { l.removeKey({ kind: 'md5', peer: ip }); } catch { /* none installed */ }
    };
    const removeAo = (ip: string, keep: readonly AoMaterial[] = []): void => {
      for (const k of this.aoInstalled.get(ip) ?? []) {
        if (keep.some((x) => x.sendId === k.sendId && x.recvId === k.recvId)) continue;
        try { l.removeKey({ kind: 'ao', peer: ip, sendId: k.sendId, recvId: k.recvId }); } catch { /* gone */ }
      }
      if (keep.length === 0) this.aoInstalled.delete(ip);
    };
    if (prev !== undefined && prev.peerIP !== pc.peerIP) {
      removeMd5(prev.peerIP);
      removeAo(prev.peerIP);
    }
    if (key.kind !== 'loaded') {
      removeMd5(pc.peerIP);
      removeAo(pc.peerIP);
      return key;
    }
    try {
      if (key.ao === undefined) {
        removeAo(pc.peerIP);
        // TCP_MD5SIG on an address that has a key replaces it in place: never a moment without a key.
        l.setKey({ kind: 'md5', peer: pc.peerIP, key: key.key.key });
      } else {
        removeMd5(pc.peerIP);
        const had = this.aoInstalled.get(pc.peerIP) ?? [];
        for (const k of key.ao) {
          const old = had.find((x) => x.sendId === k.sendId && x.recvId === k.recvId);
          if (old !== undefined && old.key.fingerprint === k.key.fingerprint && old.algorithm === k.algorithm) continue;
          if (old !== undefined) l.removeKey({ kind: 'ao', peer: pc.peerIP, sendId: k.sendId, recvId: k.recvId });
          l.setKey({ kind: 'ao', peer: pc.peerIP, algorithm: k.algorithm, sendId: k.sendId, recvId: k.recvId, key: k.key.key });
        }
        removeAo(pc.peerIP, key.ao);
        this.aoInstalled.set(pc.peerIP, key.ao);
      }
      return key;
    } catch (e) {
      removeMd5(pc.peerIP);
      removeAo(pc.peerIP);
      return { kind: 'failed', reason: `the kernel refused the key on the listening socket: ${(e as Error).message}`, source: key.source };
    }
  }

  /** Once per distinct failure: at start, and on each reload that changes the key or the reason. */
  private logKeyFailure(pc: PeerConfig, key: PeerKeyState): void {
    if (key.kind === 'failed') this.opts.log.error({ peer: pc.name, reason: key.reason, source: key.source }, 'peer kept down: its password cannot be used (fail closed)');
  }

  /** A new peer; `installed` when its key is already on the listener (start-up). */
  private addPeer(pc: PeerConfig, installed?: PeerKeyState): void {
    const key = installed ?? this.installKey(pc, undefined, this.keyStateFor(pc));
    this.logKeyFailure(pc, key);
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
    const loaded = await loadConfig({ configPath: this.opts.configPath, nodeName: this.opts.nodeName });
    let r: ResolveResult = loaded;
    if (!loaded.ok) {
      const errors = loaded.problems.filter((p) => p.severity === 'error');
      this.configError = errors.map((p) => `${p.resource} ${p.path}: ${p.message}`).join('; ');
      for (const p of errors) logProblem(log, p);
      log.error({ errors: errors.length }, 'new configuration is invalid; running the last good configuration');
      // The last good configuration keeps running, and so does its Secret handling: a key rotated or revoked
      // while the ConfigMap is broken still applies (the kubelet updates the two independently).
      r = { ok: true, config: this.config, problems: [] };
    }
    const prevFp: Fingerprints = fingerprints(this.secrets);
    const secrets = r.ok ? await readSecrets(r.config.secretRefs, this.opts.secretsDir) : this.secrets;
    const plan = planReload(this.config, r, prevFp, fingerprints(secrets));
    if (!plan.ok) return; // not reached: r is ok here
    const prevSecrets = this.secrets;
    if (loaded.ok) {
      this.configError = null;
      this.configWarnings = plan.problems.filter((p) => p.severity === 'warning').length;
      this.loadedAt = new Date();
    }
    const prevConfig = this.config;
    this.config = plan.config;
    // Filters, this node's routes and every peer's settings; Adj-RIB-Outs are re-evaluated (no session reset).
    this.rib.configure(this.config, this.config.ipPools ?? this.config.clusterBlocks);
    this.scheduleFlush();
    this.secrets = secrets;
    this.routerId = parseBgpIdentifier(this.config.node.routerId) ?? this.routerId;
    const { peers } = plan.plan;
    // A secret whose read result changed without changing the fingerprint (e.g. it became unreadable) is a key change too.
    const keyStatusChanged = (pc: PeerConfig): boolean => {
      if (pc.auth.method !== 'md5') return false;
      const id = secretRefId(pc.auth.secretRef);
      return (prevSecrets.get(id)?.ok ?? false) !== (secrets.get(id)?.ok ?? false) ||
        (!(secrets.get(id)?.ok ?? true) && prevSecrets.get(id)?.ok === false && (prevSecrets.get(id) as { reason?: string }).reason !== (secrets.get(id) as { reason?: string }).reason);
    };
    for (const pc of peers.removed) {
      const p = this.peers.get(pc.id);
      if (p === undefined) continue;
      p.destroy();
      this.rib.removePeer(p.ribIn);
      this.scheduleFlush();
      this.peers.delete(pc.id);
      if (this.byAddress.get(unmapV4(pc.peerIP)) === p) this.byAddress.delete(unmapV4(pc.peerIP));
      this.installKey(pc, undefined, { kind: 'none' });
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
      const key = this.installKey(ch.peer, ch.previous, this.keyStateFor(ch.peer));
      this.byAddress.delete(unmapV4(ch.previous.peerIP));
      this.byAddress.set(unmapV4(ch.peer.peerIP), p);
      this.logKeyFailure(ch.peer, key);
      log.info({ peer: ch.peer.name, changed: what, auth: key.kind === 'loaded' ? { length: key.key.length, fingerprint: key.key.fingerprint } : key.kind }, 'peer configuration changed');
      p.reconfigure(ch.peer, key, `configuration change: ${what.join(', ')}`);
    }
    for (const pc of peers.unchanged) {
      if (!keyStatusChanged(pc)) continue;
      const p = this.peers.get(pc.id);
      if (p === undefined) continue;
      const key = this.installKey(pc, pc, this.keyStateFor(pc));
      this.logKeyFailure(pc, key); // a different reason (missing → empty, ...) is news to the operator
      p.reconfigure(pc, key, 'password state changed');
    }
    if (plan.plan.global.includes('log') && this.opts.fixedLogLevel !== true) log.level = this.logLevel();
    if (plan.plan.global.includes('listen') || plan.plan.global.includes('identity')) {
      log.warn({ changes: plan.plan.global }, 'listener or identity changes take effect on restart');
    }
    void prevConfig;
    if (loaded.ok) log.info({ why, added: peers.added.length, removed: peers.removed.length, changed: peers.changed.length }, 'configuration reloaded');
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
    return {
      nodeName: this.config.node.name,
      routerId: this.config.node.routerId,
      localAS: this.config.node.asNumber,
      listenPort: this.listener?.port ?? this.config.global.listenPort,
      startedAt: this.startedAt.toISOString(),
      config: { loadedAt: this.loadedAt.toISOString(), lastError: this.configError, warnings: this.configWarnings },
      gracefulRestart: {
        ...this.restart,
        deferralRemaining: this.deferral === null ? null : Math.max(0, this.deferral.deadline - Date.now()) / 1000,
        waitingFor: this.restart.selectionDeferred ? [...this.peers.values()].filter((p) => !p.readyForSelection).map((p) => p.name).sort() : [],
      },
      peers: [...this.peers.values()].sort((a, b) => a.name.localeCompare(b.name)).map((p) => peerStatus(p)),
    };
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
      if (this.restart.selectionDeferred) {
        // RFC 4724 §4.1: no decision and no UPDATE until every GR-capable peer has sent End-of-RIB.
        if ([...this.peers.values()].every((p) => p.readyForSelection)) this.endDeferral('End-of-RIB from every peer');
        return;
      }
      this.rib.process();
      for (const p of this.peers.values()) p.flushUpdates();
      this.kernel?.follow();
    });
  }

  // --- graceful restart, restarting speaker (RFC 4724 §4.1) ----------------------------------------------------

  private get stateDir(): string | null {
    if (this.opts.stateDir !== undefined) return this.opts.stateDir;
    return this.opts.controlSocket === null ? null : path.dirname(this.opts.controlSocket);
  }

  /**
   * At start: did the previous run stop with `tsbgpd graceful-restart` within its Restart Time? Then our OPENs
   * carry the R bit (and the F bit when its kernel routes were kept) and route selection is deferred; the
   * promise resolves when the deferral ends. Undefined for an ordinary start.
   */
  private beginRestart(): Promise<void> | undefined {
    const dir = this.stateDir;
    if (dir === null) return undefined;
    const log = this.opts.log;
    const r = takeRestartMarker(dir, Date.now());
    if (r.kind === 'none') return undefined;
    if (r.kind !== 'graceful') {
      log.warn({ reason: r.reason }, 'graceful restart marker not used: starting normally');
      return undefined;
    }
    // F bit: our forwarding state survived when the kernel routes were kept, or when we program none at all
    // (a route reflector's restart does not touch forwarding).
    this.restart.restarting = true;
    this.restart.forwardingPreserved = r.marker.kernelRoutesKept || !this.config.global.kernelRoutes;
    this.restart.selectionDeferred = true;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.endDeferral(`selection deferral timer (${SELECTION_DEFERRAL_TIME} s) expired`), SELECTION_DEFERRAL_TIME * 1000);
      timer.unref();
      this.deferral = { deadline: Date.now() + SELECTION_DEFERRAL_TIME * 1000, timer, done: resolve };
      log.info({ downSeconds: Math.round(r.ageMs / 1000), forwardingPreserved: this.restart.forwardingPreserved, selectionDeferral: SELECTION_DEFERRAL_TIME }, 'graceful restart: deferring route selection until End-of-RIB from every peer');
    });
  }

  /** RFC 4724 §4.1: run the decision, send every Established peer its table and End-of-RIB, reconcile the kernel. */
  private endDeferral(why: string): void {
    const d = this.deferral;
    if (d === null || this.shuttingDown) return;
    clearTimeout(d.timer);
    this.deferral = null;
    this.restart.selectionDeferred = false;
    this.restart.restarting = false; // our later OPENs (a session reset) are ordinary ones
    const changed = this.rib.process();
    for (const p of this.peers.values()) p.selectionDone();
    for (const p of this.peers.values()) p.flushUpdates();
    this.opts.log.info({ why, locRibChanges: changed }, 'graceful restart: route selection done');
    d.done(); // the kernel reconcile follows
  }

  /**
   * `tsbgpd graceful-restart` (RFC 4724 §4.1, as BIRD's `graceful restart` command): leave a marker for the
   * next start, close every session without a NOTIFICATION (so GR-capable peers keep our routes, stale), keep
   * our kernel routes, and stop. Nothing secret is written. Resolves once everything is closed.
   */
  async gracefulRestart(): Promise<{ marker: string | null; restartTime: number; kernelRoutesKept: boolean }> {
    if (this.shuttingDown) throw new Error('tsbgpd is already stopping');
    this.shuttingDown = true;
    const log = this.opts.log;
    const restartTime = Math.min(MAX_RESTART_TIME, Math.max(0, ...this.config.peers.map((p) => p.maxRestartTime)));
    const kernelRoutesKept = this.kernel !== null;
    const dir = this.stateDir;
    let marker: string | null = null;
    if (dir !== null) {
      try {
        marker = writeRestartMarker(dir, { stoppedAt: Date.now(), restartTime, kernelRoutesKept });
      } catch (e) {
        log.error({ err: (e as NodeJS.ErrnoException).code ?? (e as Error).message, dir }, 'graceful restart: cannot write the marker; the next start will be an ordinary one');
      }
    }
    if (this.deferral !== null) clearTimeout(this.deferral.timer);
    this.watcher?.close();
    clearInterval(this.countersTimer);
    for (const p of this.peers.values()) p.closeForRestart();
    await this.listener?.close();
    await this.kernel?.stop({ keep: true });
    log.info({ restartTime, kernelRoutesKept, marker }, 'graceful restart: sessions closed without NOTIFICATION, kernel routes kept');
    return { marker, restartTime, kernelRoutesKept };
  }

  /** Close the control socket last (after answering `graceful-restart`). */
  async closeControl(): Promise<void> {
    await this.control?.close();
  }

  // --- kernel routes ------------------------------------------------------------------------------------------

  private kernel: KernelRoutes | null = null;

  /** A session between OpenSent and its End-of-RIB for every family: its table is still on the way. */
  private sessionHalfway(): boolean {
    return [...this.peers.values()].some((p) => p.runnable && (p.state === 'OpenSent' || p.state === 'OpenConfirm' ||
      (p.state === 'Established' && (p.negotiated?.families.some((f) => !p.endOfRibReceived.has(f)) ?? true))));
  }

  async close(message = 'tsbgpd shutting down'): Promise<void> {
    this.shuttingDown = true;
    if (this.deferral !== null) clearTimeout(this.deferral.timer);
    this.watcher?.close();
    clearInterval(this.countersTimer);
    for (const p of this.peers.values()) p.stop(2, message);
    // Give the Cease NOTIFICATIONs a moment to leave.
    await new Promise((r) => setTimeout(r, 300));
    for (const p of this.peers.values()) p.destroy();
    await this.control?.close();
    await this.listener?.close();
    await this.kernel?.stop();
  }
}

/** RFC 4456 CLUSTER_ID: the Node's routeReflectorClusterID (dotted quad), when set. */
function clusterIdOf(c: ResolvedConfig): { clusterId?: number } {
  const id = c.node.routeReflectorClusterID === undefined ? undefined : parseBgpIdentifier(c.node.routeReflectorClusterID);
  return id === undefined ? {} : { clusterId: id };
}

function logProblem(log: Logger, p: { severity: string; resource: string; file: string; path: string; message: string }): void {
  const o = { resource: p.resource, file: p.file, path: p.path };
  if (p.severity === 'error') log.error(o, p.message);
  else if (p.severity === 'warning') log.warn(o, p.message);
  else log.info(o, p.message);
}

export function peerStatus(p: Peer): PeerStatus {
  const c = p.config;
  const k = p.key;
  const n = p.negotiated;
  const received = p.ribIn.size;
  return {
    name: c.name,
    peerIP: c.peerIP,
    peerPort: c.port,
    peerAS: c.peerAS,
    localAS: c.localAS,
    localAddress: c.localAddress ?? null,
    passive: c.passive,
    enabled: p.enabled,
    state: p.state,
    since: p.since.toISOString(),
    lastError: p.state === 'Established' ? null : k.kind === 'failed' ? `password unusable (${k.source}): ${k.reason}` : p.lastError,
    authDiagnosis: p.state === 'Established' ? null : p.authDiagnosis,
    auth: {
      method: c.auth.method,
      keyLength: k.kind === 'loaded' ? k.key.length : null,
      keyFingerprint: k.kind === 'loaded' ? k.key.fingerprint : null,
      source: k.kind === 'none' ? null : k.source,
    },
    prefixes: { received, accepted: p.ribIn.accepted, advertised: p.ribIn.advertised },
    negotiated: n === null ? null : {
      holdTime: n.holdTime,
      keepaliveTime: n.keepaliveTime,
      families: n.families.map((f) => `${(f >> 8) === 1 ? 'ipv4' : 'ipv6'}-unicast`),
      fourOctetAs: n.fourOctetAs,
      routeRefresh: n.routeRefresh,
      gracefulRestart: n.gracefulRestart !== null,
      endOfRibReceived: [...p.endOfRibReceived].map((f) => familyName(f)),
    },
    remoteRouterId: p.remoteRouterId === null ? null : [p.remoteRouterId >>> 24, (p.remoteRouterId >>> 16) & 255, (p.remoteRouterId >>> 8) & 255, p.remoteRouterId & 255].join('.'),
    messages: { sent: p.messagesOut, received: p.messagesIn },
    gracefulRestart: helperStatus(p),
  };
}

function helperStatus(p: Peer): PeerStatus['gracefulRestart'] {
  const h = p.grHelper.status();
  return {
    helper: h.state,
    restartTimeRemaining: h.restartTimeRemaining,
    stalePathTimeRemaining: h.stalePathTimeRemaining,
    staleFamilies: h.staleFamilies.map((afi) => familyName((afi << 8) | 1)),
    staleRoutes: h.staleRoutes,
  };
}
