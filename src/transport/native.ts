/**
 * Typed wrapper around the tsbgpd_native addon (native/binding.c).
 *
 * Every function either returns a value or throws a {@link NativeError} carrying
 * `code` ('EINVAL', ...), `errno` and `syscall`; messages never contain key bytes.
 * The addon is loaded lazily so that modules importing transport code (config
 * checks, unit tests of encoders) work on machines where it was not built.
 */
import { createRequire } from 'node:module';

/** One entry of the compiled struct layouts: `size` plus field offsets. */
export type StructLayout = Readonly<Record<string, number>> & { readonly size: number };

export interface NativeLayout {
  readonly tcp_md5sig: StructLayout;
  readonly tcp_ao_add: StructLayout;
  readonly tcp_ao_del: StructLayout;
  readonly tcp_ao_info_opt: StructLayout;
  readonly tcp_ao_getsockopt: StructLayout;
}

export interface ProbeResult {
  readonly supported: boolean;
  /** errno the probe saw (ENOENT = supported, ENOPROTOOPT = not compiled in), 0 if the call succeeded. */
  readonly errno: number;
  readonly code: string;
}

export interface NativeBinding {
  socket(family: 4 | 6, netnsPath?: string | null): number;
  setReuseAddr(fd: number): number;
  setV6Only(fd: number, on: boolean): number;
  bind(fd: number, address: string, port: number): number;
  listen(fd: number, backlog: number): number;
  close(fd: number): number;
  localPort(fd: number): number;
  socketFamily(fd: number): 4 | 6;
  setsockoptInt(fd: number, level: number, optname: number, value: number): number;
  getsockoptInt(fd: number, level: number, optname: number): number;
  /** Add (key non-empty) or delete (key null) a TCP-MD5 key. prefixLen/ifindex -1 = unset. */
  md5Set(fd: number, address: string, prefixLen: number, ifindex: number, key: Uint8Array | null): number;
  aoSetsockopt(fd: number, optname: number, struct: Uint8Array): number;
  aoGetInfo(fd: number): Buffer;
  aoGetKeys(fd: number, elements: Uint8Array): number;
  probeMd5(): ProbeResult;
  probeAo(): ProbeResult;
  layout(): NativeLayout;
  platformSupported(): boolean;
}

/** Error thrown by the addon for a failed system call. */
export interface NativeError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
}

export function isNativeError(e: unknown): e is NativeError {
  return (
    e instanceof Error &&
    typeof (e as Partial<NativeError>).errno === 'number' &&
    typeof (e as Partial<NativeError>).syscall === 'string' &&
    typeof (e as Partial<NativeError>).code === 'string'
  );
}

// Socket option levels and names (Linux UAPI), used with setsockoptInt.
export const IPPROTO_IP = 0;
export const IPPROTO_IPV6 = 41;
export const IP_TTL = 2;
export const IP_MINTTL = 21;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MINHOPCOUNT = 73;
export const TCP_AO_ADD_KEY = 38;
export const TCP_AO_DEL_KEY = 39;
export const TCP_AO_INFO = 40;
export const TCP_AO_GET_KEYS = 41;
export const ENOENT = 2;
export const ENOPROTOOPT = 92;

/** Where the compiled addon lives, relative to dist/src/transport/native.js. */
export const NATIVE_ADDON_PATH = '../../../build/Release/tsbgpd_native.node';

let cached: NativeBinding | undefined;

export class NativeLoadError extends Error {
  readonly code = 'ERR_TSBGPD_NATIVE_LOAD';
  constructor(cause: unknown) {
    super(
      `cannot load the tsbgpd_native addon (${NATIVE_ADDON_PATH}); build it with "npm run install" ` +
        `(node-gyp rebuild): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'NativeLoadError';
  }
}

export function loadNative(): NativeBinding {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = require(NATIVE_ADDON_PATH) as NativeBinding;
  } catch (e) {
    throw new NativeLoadError(e);
  }
  return cached;
}
