/**
 * Keyed connector (active side): native socket → bind(local address) → keys →
 * TTL options, then new net.Socket({ fd }) and socket.connect() in the same
 * tick, so Node runs the non-blocking connect itself (no threadpool; a later
 * connect() would fail with ENOTCONN, kernel-auth.md §2.1 and §8.1).
 *
 * The local address is required: keys match the peer's view of our actual
 * source address (kernel-auth.md §2.4).
 */
import { Socket } from 'node:net';
import { ipFamily, unmapV4 } from './address.js';
import { addAoKey, type AoKey } from './ao.js';
import { syscallError, TransportError } from './errors.js';
import { validateKey, type KeyMaterial } from './keys.js';
import { loadNative } from './native.js';
import { applyTtl, selectorLabel, setMd5Key, type TtlOptions } from './sockopts.js';

export interface ConnectOptions {
  /** Peer address (numeric). */
  readonly host: string;
  readonly port: number;
  /** Local (update-source) address to bind; must be the peer's configured neighbor address for us. */
  readonly localAddress: string;
  readonly localPort?: number;
  /** TCP-MD5 key for `host`. */
  readonly md5Key?: KeyMaterial;
  /** TCP-AO MKTs (at least one must cover `host`); the first matching one becomes current. */
  readonly aoKeys?: readonly AoKey[];
  readonly ttl?: TtlOptions;
  /** Give up after this long (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Create the socket inside this network namespace (path such as /run/netns/NAME). */
  readonly netns?: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

function timeoutMessage(o: ConnectOptions, ms: number): string {
  const base = `no TCP connection to ${o.host} port ${o.port} from ${o.localAddress} within ${ms} ms`;
  const keyed = o.md5Key !== undefined || (o.aoKeys?.length ?? 0) > 0;
  const why: string[] = [];
  if (keyed) {
    why.push(
      'a signed SYN gets no RST, so a closed port, a key mismatch and a key missing on the peer all look like ' +
        'this timeout; the peer namespace counters (TCPMD5Failure, TCPMD5Unexpected, TCPAOBad, TCPAOKeyNotFound) tell which',
    );
  }
  if (o.ttl?.minTtl !== undefined) why.push('with a minimum TTL, a SYN-ACK sent with a lower TTL is dropped (TCPMinTTLDrop)');
  return why.length > 0 ? `${base}; ${why.join('; ')}` : base;
}

/** Connect with keys and TTL options in place before the SYN. Resolves with a connected, flowing socket. */
export function connectKeyed(o: ConnectOptions): Promise<Socket> {
  const n = loadNative();
  const family = ipFamily(o.host);
  if (ipFamily(unmapV4(o.localAddress)) !== family) {
    return Promise.reject(
      new TransportError('ERR_TSBGPD_ADDRESS', `local address ${o.localAddress} and peer ${o.host} are different address families`, {
        peer: o.host,
      }),
    );
  }
  // Keys are checked before any system call (no socket is created for a bad key).
  try {
    if (o.md5Key !== undefined) validateKey(o.host, o.md5Key);
    for (const k of o.aoKeys ?? []) validateKey(selectorLabel(k), k.key);
  } catch (e) {
    return Promise.reject(e);
  }
  let fd: number;
  try {
    fd = n.socket(family, o.netns ?? null);
  } catch (e) {
    return Promise.reject(syscallError(e, `socket for peer ${o.host}`, o.host));
  }
  try {
    try {
      n.bind(fd, o.localAddress, o.localPort ?? 0);
    } catch (e) {
      throw syscallError(e, `binding ${o.localAddress} for peer ${o.host}`, o.host);
    }
    if (o.md5Key !== undefined) setMd5Key(fd, family, { peer: o.host }, o.md5Key);
    for (const k of o.aoKeys ?? []) addAoKey(fd, family, k);
    if (o.ttl !== undefined) applyTtl(fd, family, o.ttl, false);
  } catch (e) {
    n.close(fd);
    return Promise.reject(e);
  }

  let socket: Socket;
  try {
    socket = new Socket({ fd, readable: true, writable: true });
  } catch (e) {
    n.close(fd);
    return Promise.reject(e);
  }
  const ms = o.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise<Socket>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      o.signal?.removeEventListener('abort', onAbort);
      if (err === null) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(err);
      }
    };
    const onConnect = (): void => finish(null);
    const onError = (e: Error): void => finish(e);
    const onAbort = (): void =>
      finish(new TransportError('ERR_TSBGPD_CONNECT_ABORTED', `connect to ${o.host} port ${o.port} aborted`, { peer: o.host }));
    const timer = setTimeout(
      () => finish(new TransportError('ERR_TSBGPD_CONNECT_TIMEOUT', timeoutMessage(o, ms), { peer: o.host })),
      ms,
    );
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (o.signal?.aborted === true) {
      onAbort();
      return;
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    // Same tick as the constructor: see the file comment.
    socket.connect({ host: o.host, port: o.port });
  });
}
