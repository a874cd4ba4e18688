// Every peer's TCP-MD5 (RFC 2385) or TCP-AO (RFC 5925) key on the listening socket, and the accept that keeps
// them in force. Fail closed throughout: a key that cannot be read or that the kernel refuses keeps that peer down
// with the reason, never unauthenticated; the other peers are unaffected.
import type { Logger } from 'pino';
import { secretRefId, type ResolvedConfig, type PeerConfig, type SecretKeyRef, type AoAlgorithm, type SecretResult } from '../config/index.js';
import { KeyedListener, probeAo, setSocketMd5Key, socketAoKeys, type FeatureSupport, type PeerKey } from '../transport/index.js';
import { applyTtl, gtsm } from '../transport/sockopts.js';
import { socketFd } from '../transport/socket-fd.js';
import { unmapV4 } from '../transport/address.js';
import type { Peer, AoMaterial, LoadedKey, PeerKeyState } from '../peer/peer.js';

/** RFC 5926 / draft MAC names in the config → the kernel's crypto API names (its TCP-AO takes any ahash). */
const AO_KERNEL_ALGORITHM: Readonly<Record<AoAlgorithm, string>> = {
  'hmac-sha-1-96': 'hmac(sha1)',
  'aes-128-cmac-96': 'cmac(aes128)',
  'hmac-sha-256': 'hmac(sha256)',
};

export class PeerKeys {
  private listening: KeyedListener | null = null;
  private aoSupport: FeatureSupport | undefined;
  /** The TCP-AO MKTs on the listener, per peer address (to add, keep or remove on a change). */
  private readonly aoInstalled = new Map<string, readonly AoMaterial[]>();

  constructor(private readonly log: Logger) {}

  /** The keyed listener once `listen` has opened it. */
  get listener(): KeyedListener | null {
    return this.listening;
  }

  /** The peer's key as configured and read: none, loaded, or failed with the reason (the peer then stays down). */
  stateFor(pc: PeerConfig, secrets: ReadonlyMap<string, SecretResult>): PeerKeyState {
    const auth = pc.auth;
    if (auth.method === 'none') return { kind: 'none' };
    const read = (ref: SecretKeyRef): { ok: true; key: LoadedKey } | { ok: false; reason: string; source: string } => {
      const id = secretRefId(ref);
      const s = secrets.get(id);
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
   * Open the listener with every loaded key in `keyStates` on it before listen(), so no SYN can be accepted
   * unsigned in between. A key the kernel refuses turns that peer's entry in `keyStates` to failed. Accepted
   * connections go to `peerFor(address)`'s peer, or are closed.
   */
  async listen(config: ResolvedConfig, keyStates: Map<string, PeerKeyState>, peerFor: (address: string) => Peer | undefined): Promise<KeyedListener> {
    const g = config.global;
    const host = g.bindMode === 'NodeIP' && config.node.ipv4 !== undefined && config.node.ipv6 === undefined
      ? config.node.ipv4.address
      : '::';
    // Outgoing TTL 255 on the listener, so SYN-ACKs pass a GTSM peer (accepted sockets inherit it; RFC 5082 §3).
    // The minimum TTL is per peer, set on each accepted socket (a listener-wide one would apply to all peers).
    // Keys go on per peer (install) before the peer exists; until then a connection from its address is closed.
    const keys: PeerKey[] = [];
    const owner = new Map<PeerKey, string>();
    for (const pc of config.peers) {
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
    const listener = await KeyedListener.open({
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
    this.listening = listener;
    listener.on('error', (err) => this.log.error({ err: err.message }, 'listener error'));
    listener.on('connection', ({ socket, remoteAddress }) => {
      const peer = peerFor(unmapV4(remoteAddress));
      if (peer === undefined) {
        // RFC 4271 §8: no configured peer: close without reading a byte.
        this.log.debug({ remote: remoteAddress }, 'connection from an unknown address closed');
        socket.destroy();
        return;
      }
      if (peer.config.ttlSecurity > 0) {
        try {
          applyTtl(socketFd(socket), listener.family, { minTtl: gtsm(peer.config.ttlSecurity).minTtl! }, listener.dualStack);
        } catch (e) {
          this.log.error({ peer: peer.name, err: (e as Error).message }, 'cannot set GTSM on accepted socket; closing');
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
          this.log.warn({ peer: peer.name, err: (e as Error).message }, 'accepted connection not authenticated; closed');
          socket.destroy();
          return;
        }
      }
      peer.acceptIncoming(socket, unmapV4(remoteAddress));
    });
    return listener;
  }

  /**
   * Put the peer's key(s) on the listener, or take them off. A key the kernel refuses (ENOMEM past about 963 keys
   * at the default optmem_max, TCP-AO errors) keeps the peer down with that reason: never unauthenticated.
   */
  install(pc: PeerConfig, prev: PeerConfig | undefined, key: PeerKeyState): PeerKeyState {
    const l = this.listening;
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
  logFailure(pc: PeerConfig, key: PeerKeyState): void {
    if (key.kind === 'failed') this.log.error({ peer: pc.name, reason: key.reason, source: key.source }, 'peer kept down: its password cannot be used (fail closed)');
  }

  async close(): Promise<void> {
    await this.listening?.close();
  }
}
