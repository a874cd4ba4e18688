/**
 * Keyed listener (passive side). The socket is created natively —
 * socket → SO_REUSEADDR → bind → keys and TTL options → listen — and only then
 * handed to Node with server.listen({ fd }), so keys and GTSM are in force
 * before the first SYN can arrive (kernel-auth.md §0, §6). Accepted sockets
 * inherit the MD5 key (as a /32 or /128 copy), TTL and minimum TTL.
 *
 * Connections are accepted paused (pauseOnConnect): the caller sees the
 * remote address first and can destroy an unknown peer's socket without a
 * single byte being read.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ipFamily, unmapV4, type Family } from './address.js';
import { syscallError, TransportError } from './errors.js';
import { loadNative } from './native.js';
import { applyPeerKey, peerKeyId, peerKeyInfo, removePeerKey, type PeerKey, type PeerKeyInfo, type PeerKeyRef } from './peer-key.js';
import { validateKey } from './keys.js';
import { applyTtl, selectorLabel, type TtlOptions } from './sockopts.js';

export interface KeyedListenerOptions {
  /** Local address to bind: '::' is dual-stack (unless v6Only), '0.0.0.0' IPv4 only. */
  readonly host: string;
  /** Local port; 0 picks a free one (see KeyedListener.port). */
  readonly port: number;
  /** For '::': refuse IPv4 peers (IPV6_V6ONLY). Default false. */
  readonly v6Only?: boolean;
  readonly backlog?: number;
  /** Outgoing TTL and minimum accepted TTL, e.g. gtsm(1). */
  readonly ttl?: TtlOptions;
  /** Keys installed before listen(). */
  readonly keys?: readonly PeerKey[];
  /**
   * Called for a key the kernel refuses (e.g. ENOMEM past optmem_max); that key is skipped and the others still
   * go on before listen(). Without it, the first refused key fails open().
   */
  readonly onKeyError?: (key: PeerKey, error: Error) => void;
  /** Create the socket inside this network namespace (path such as /run/netns/NAME). */
  readonly netns?: string;
}

/** An accepted connection, still paused: nothing has been read from it. */
export interface AcceptedConnection {
  readonly socket: Socket;
  /** Peer address as the peer sees itself: IPv4 peers of a dual-stack listener are unmapped. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

interface ListenerEvents {
  connection: [AcceptedConnection];
  error: [Error];
}

export class KeyedListener extends EventEmitter<ListenerEvents> {
  readonly family: Family;
  /** True for an AF_INET6 '::' listener that also accepts IPv4 (v4-mapped) peers. */
  readonly dualStack: boolean;
  readonly host: string;
  readonly port: number;
  readonly fd: number;
  private readonly server: Server;
  private readonly installed = new Map<string, PeerKeyInfo>();
  private closed = false;

  private constructor(server: Server, fd: number, family: Family, dualStack: boolean, host: string, port: number) {
    super();
    this.server = server;
    this.fd = fd;
    this.family = family;
    this.dualStack = dualStack;
    this.host = host;
    this.port = port;
    server.on('connection', (socket) => this.onConnection(socket));
    server.on('error', (e) => this.emit('error', e));
  }

  static async open(opts: KeyedListenerOptions): Promise<KeyedListener> {
    const n = loadNative();
    const family = ipFamily(opts.host);
    const dualStack = family === 6 && opts.v6Only !== true && /^::0*$|^::$/.test(opts.host);
    const keys = (opts.keys ?? []).filter((k) => {
      try {
        validateKey(selectorLabel(k), k.key); // before any system call
        return true;
      } catch (e) {
        if (opts.onKeyError === undefined) throw e;
        opts.onKeyError(k, e as Error);
        return false;
      }
    });
    const fd = (() => {
      try {
        return n.socket(family, opts.netns ?? null);
      } catch (e) {
        throw syscallError(e, `listener socket for ${opts.host}`);
      }
    })();
    let port = opts.port;
    const installed: PeerKeyInfo[] = [];
    try {
      try {
        n.setReuseAddr(fd);
        if (family === 6) n.setV6Only(fd, !dualStack);
        n.bind(fd, opts.host, opts.port);
        port = n.localPort(fd);
      } catch (e) {
        throw syscallError(e, `listener on [${opts.host}]:${opts.port}`);
      }
      for (const k of keys) {
        try {
          applyPeerKey(fd, family, k);
        } catch (e) {
          if (opts.onKeyError === undefined) throw e;
          opts.onKeyError(k, e as Error);
          continue;
        }
        installed.push(peerKeyInfo(k));
      }
      if (opts.ttl !== undefined) applyTtl(fd, family, opts.ttl, dualStack);
      try {
        n.listen(fd, opts.backlog ?? 128);
      } catch (e) {
        throw syscallError(e, `listener on [${opts.host}]:${port}`);
      }
    } catch (e) {
      n.close(fd);
      throw e;
    }
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => {
        // Node may already have closed the fd on this path; only close it if it is still our socket.
        try {
          if (n.localPort(fd) === port) n.close(fd);
        } catch {
          /* already closed by Node */
        }
        reject(e);
      };
      server.once('error', onError);
      server.listen({ fd, backlog: opts.backlog ?? 128 }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const l = new KeyedListener(server, fd, family, dualStack, opts.host, port);
    for (const info of installed) l.installed.set(peerKeyId(info.kind === 'ao' ? { kind: 'ao', peer: info.peer, sendId: info.sendId!, recvId: info.recvId! } : { kind: 'md5', peer: info.peer }), info);
    return l;
  }

  /** Add or replace a peer key. New connections need it; established ones keep their own copy (see rekey.ts). */
  setKey(k: PeerKey): void {
    this.assertOpen();
    const id = peerKeyId(k);
    // An AO MKT with the same KeyIDs cannot be added twice (EEXIST): replace = delete + add (listeners have no current key).
    if (k.kind === 'ao' && this.installed.has(id)) removePeerKey(this.fd, this.family, k);
    applyPeerKey(this.fd, this.family, k);
    this.installed.set(id, peerKeyInfo(k));
  }

  removeKey(ref: PeerKeyRef): void {
    this.assertOpen();
    removePeerKey(this.fd, this.family, ref);
    this.installed.delete(peerKeyId(ref));
  }

  /** Installed keys, as length + fingerprint only. */
  keys(): PeerKeyInfo[] {
    return [...this.installed.values()];
  }

  /** Stop accepting. Connections already accepted are the caller's and stay open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    await new Promise<void>((r) => setImmediate(r));
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportError('ERR_TSBGPD_LISTENER_CLOSED', `listener [${this.host}]:${this.port} is closed`);
  }

  private onConnection(socket: Socket): void {
    const remoteAddress = socket.remoteAddress;
    if (remoteAddress === undefined) {
      socket.destroy(); // already reset by the peer
      return;
    }
    this.emit('connection', {
      socket,
      remoteAddress: unmapV4(remoteAddress),
      remotePort: socket.remotePort ?? 0,
      localAddress: unmapV4(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    });
  }
}
