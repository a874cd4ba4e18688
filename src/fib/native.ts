/**
 * Typed view of the rtnetlink functions of the tsbgpd_native addon (native/netlink.h, glue in
 * native/binding.c). The addon itself is loaded by the transport wrapper; this module only adds the
 * netlink part of its shape and checks that the loaded build has it.
 */
import { loadNative, type NativeError } from '../transport/native.js';

export interface NetlinkRecvResult {
  /** Bytes stored: whole datagrams back to back, each padded to 4 bytes. 0 = nothing within the timeout. */
  readonly bytes: number;
  /** An error the kernel reported after (or instead of) data, e.g. ENOBUFS when replies were dropped. */
  readonly error: NativeError | null;
}

export interface NetlinkBinding {
  /** socket(AF_NETLINK, SOCK_RAW|SOCK_NONBLOCK|SOCK_CLOEXEC, NETLINK_ROUTE) + bind, optionally inside a netns. */
  nlOpen(netnsPath?: string | null): number;
  /** SO_RCVBUF(FORCE) / SO_SNDBUF(FORCE) in bytes; 0 leaves one alone. */
  nlSetBuffers(fd: number, rcvbuf: number, sndbuf: number): number;
  /** setsockopt(SOL_NETLINK, optname, value). */
  nlSetOpt(fd: number, optname: number, value: number): number;
  /** The port id the kernel bound us to (nlmsg_pid of replies). */
  nlPortId(fd: number): number;
  /** sendto(kernel) on the libuv threadpool; resolves the bytes sent, rejects with a NativeError. */
  nlSend(fd: number, buffer: Uint8Array): Promise<number>;
  /** Queued datagrams into buffer, waiting at most timeoutMs for the first (on the threadpool). */
  nlRecv(fd: number, buffer: Uint8Array, timeoutMs: number): Promise<NetlinkRecvResult>;
  nlClose(fd: number): number;
}

// SOL_NETLINK options (linux/netlink.h).
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

export class NetlinkUnavailableError extends Error {
  readonly code = 'ERR_FIB_NETLINK_UNAVAILABLE';
  constructor(detail: string) {
    super(`rtnetlink is not available in the tsbgpd_native addon: ${detail}`);
    this.name = 'NetlinkUnavailableError';
  }
}

let cached: NetlinkBinding | undefined;

export function loadNetlink(): NetlinkBinding {
  if (cached !== undefined) return cached;
  const b = loadNative() as unknown as Partial<NetlinkBinding>;
  const need = ['nlOpen', 'nlSetBuffers', 'nlSetOpt', 'nlPortId', 'nlSend', 'nlRecv', 'nlClose'] as const;
  const missing = need.filter((n) => typeof b[n] !== 'function');
  if (missing.length > 0) {
    throw new NetlinkUnavailableError(`missing ${missing.join(', ')}; rebuild it with "npm run install"`);
  }
  cached = b as NetlinkBinding;
  return cached;
}
