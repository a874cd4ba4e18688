// Our side of the TCP connection (RFC 4271 §8 InitiateTcpConnection): the keyed connect built from the peer's
// configuration and key — TCP-MD5 (RFC 2385) or the TCP-AO MKTs (RFC 5925), GTSM (RFC 5082), the update-source
// address — and the one dial a peer may have pending at a time.
import type { Socket } from 'node:net';
import type { PeerConfig } from '../config/model.js';
import { connectKeyed, gtsm, type ConnectOptions } from '../transport/index.js';
import type { PeerKeyState } from './host.js';

export type DialOptions = Omit<ConnectOptions, 'signal'>;

/** The connect options for `config` with `key`. Throws (ERR_TSBGPD_TTL) on a GTSM hop count out of range. */
export function dialOptions(config: PeerConfig, key: PeerKeyState, timeoutMs: number, netns?: string): DialOptions {
  const ttl = config.ttlSecurity > 0 ? gtsm(config.ttlSecurity) : undefined;
  const md5Key = key.kind === 'loaded' && key.ao === undefined ? key.key.key : undefined;
  const aoKeys = key.kind === 'loaded' && key.ao !== undefined
    ? key.ao.map((k) => ({ peer: config.peerIP, algorithm: k.algorithm, sendId: k.sendId, recvId: k.recvId, key: k.key.key }))
    : undefined;
  // No update-source configured: the wildcard address, the kernel picks the source.
  const localAddress = config.localAddress ?? (config.family === 4 ? '0.0.0.0' : '::');
  return {
    host: config.peerIP,
    port: config.port,
    localAddress,
    ...(md5Key !== undefined ? { md5Key } : {}),
    ...(aoKeys !== undefined ? { aoKeys } : {}),
    ...(ttl !== undefined ? { ttl } : {}),
    timeoutMs,
    ...(netns !== undefined ? { netns } : {}),
  };
}

/** At most one outgoing connection attempt; an aborted or superseded one is dropped when it settles. */
export class Dialer {
  private pending: { readonly id: number; readonly abort: AbortController } | null = null;

  constructor(private readonly connect: (o: ConnectOptions) => Promise<Socket> = connectKeyed) {}

  get busy(): boolean {
    return this.pending !== null;
  }

  /**
   * Dial as connection `id`. `connected` gets the socket, `failed` the error, only while this dial is still the
   * pending one; a socket that arrives after `abort()` (or a newer dial) is destroyed.
   */
  dial(id: number, o: DialOptions, connected: (socket: Socket) => void, failed: (err: Error) => void): void {
    const abort = new AbortController();
    this.pending = { id, abort };
    this.connect({ ...o, signal: abort.signal }).then(
      (socket) => {
        if (this.pending?.id !== id) {
          socket.destroy();
          return;
        }
        this.pending = null;
        connected(socket);
      },
      (err: Error) => {
        if (this.pending?.id !== id) return;
        this.pending = null;
        failed(err);
      },
    );
  }

  abort(): void {
    this.pending?.abort.abort();
    this.pending = null;
  }
}
