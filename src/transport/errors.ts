/**
 * Transport error values. Each carries a stable `code`; errors from a failed
 * system call also carry `errno` and `syscall`. No message ever contains key
 * material: at most a key's length and fingerprint.
 */
import { isNativeError } from './native.js';

export type TransportErrorCode =
  | 'ERR_TSBGPD_KEY_LENGTH'
  | 'ERR_TSBGPD_KEY_TYPE'
  | 'ERR_TSBGPD_ADDRESS'
  | 'ERR_TSBGPD_AO_UNSUPPORTED'
  | 'ERR_TSBGPD_AO_PARAM'
  | 'ERR_TSBGPD_TTL'
  | 'ERR_TSBGPD_CONNECT_TIMEOUT'
  | 'ERR_TSBGPD_CONNECT_ABORTED'
  | 'ERR_TSBGPD_SOCKET_FD'
  | 'ERR_TSBGPD_LISTENER_CLOSED';

export class TransportError extends Error {
  /** Our ERR_TSBGPD_* code, or the errno name ('EINVAL') for a failed system call. */
  readonly code: TransportErrorCode | string;
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  readonly peer: string | undefined;

  constructor(
    code: TransportErrorCode | string,
    message: string,
    extra: { errno?: number; syscall?: string; peer?: string; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'TransportError';
    this.code = code;
    this.errno = extra.errno;
    this.syscall = extra.syscall;
    this.peer = extra.peer;
  }
}

/** Re-throwable wrapper adding which peer an addon error was about. */
export function syscallError(e: unknown, context: string, peer?: string): Error {
  if (!isNativeError(e)) return e instanceof Error ? e : new Error(String(e));
  const opts: { errno: number; syscall: string; cause: unknown; peer?: string } = {
    errno: e.errno,
    syscall: e.syscall,
    cause: e,
  };
  if (peer !== undefined) opts.peer = peer;
  return new TransportError(e.code, `${context}: ${e.message}`, opts);
}
