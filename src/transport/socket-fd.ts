/**
 * The one place that reaches into a net.Socket's private libuv handle to get
 * its file descriptor. Node has no public API for it; `_handle.fd` has been
 * stable across Node 12..22 for TCP handles. Everything else in tsbgpd calls
 * socketFd() so the private access is audited here only.
 */
import type { Server, Socket } from 'node:net';
import { TransportError } from './errors.js';

interface HandleWithFd {
  readonly fd?: unknown;
}

function fdOf(owner: Socket | Server, what: string): number {
  const handle = (owner as unknown as { _handle?: HandleWithFd | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new TransportError('ERR_TSBGPD_SOCKET_FD', `${what} has no open file descriptor (closed or not yet connected)`);
  }
  return fd;
}

/** The kernel fd behind an open net.Socket. Throws ERR_TSBGPD_SOCKET_FD when closed. */
export function socketFd(socket: Socket): number {
  return fdOf(socket, 'socket');
}

/** The kernel fd behind a listening net.Server. */
export function serverFd(server: Server): number {
  return fdOf(server, 'server');
}
