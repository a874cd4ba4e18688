/**
 * Keys on established connections. An accepted or connected socket holds its
 * own copy of the key, so an MD5 rekey must touch the listener (future
 * sessions) and every established socket of the peer, within the retransmit
 * and hold-time budget: a one-sided change stalls the session silently
 * (kernel-auth.md §4). TCP-AO rollover (RFC 5925 §7.5.2) is hitless instead:
 * add the new MKT on both ends, move RNextKeyID, then delete the old MKT.
 */
import type { Socket } from 'node:net';
import { unmapV4 } from './address.js';
import { addAoKey, deleteAoKey, getAoInfo, listAoKeys, requestAoRnext, type AoInfo, type AoKey, type AoKeyInfo, type AoKeyRef } from './ao.js';
import { TransportError } from './errors.js';
import type { KeyMaterial } from './keys.js';
import { loadNative } from './native.js';
import { socketFd } from './socket-fd.js';
import { deleteMd5Key, setMd5Key } from './sockopts.js';

function remote(socket: Socket): string {
  const r = socket.remoteAddress;
  if (r === undefined) throw new TransportError('ERR_TSBGPD_SOCKET_FD', 'socket is not connected');
  return unmapV4(r);
}

function fdAndFamily(socket: Socket): { fd: number; family: 4 | 6 } {
  const fd = socketFd(socket);
  return { fd, family: loadNative().socketFamily(fd) };
}

/** Replace (or add) the TCP-MD5 key for the connected peer on an established socket. */
export function setSocketMd5Key(socket: Socket, key: KeyMaterial): void {
  const { fd, family } = fdAndFamily(socket);
  setMd5Key(fd, family, { peer: remote(socket) }, key);
}

/** Remove the connected peer's TCP-MD5 key (the session continues unsigned only if the peer does the same). */
export function deleteSocketMd5Key(socket: Socket): void {
  const { fd, family } = fdAndFamily(socket);
  deleteMd5Key(fd, family, { peer: remote(socket) });
}

/** Add an MKT to an established TCP-AO session (defaults the peer to the connected address). */
export function addSocketAoKey(socket: Socket, k: Omit<AoKey, 'peer'> & { peer?: string }): void {
  const { fd, family } = fdAndFamily(socket);
  addAoKey(fd, family, { ...k, peer: k.peer ?? remote(socket) });
}

export function deleteSocketAoKey(socket: Socket, ref: Omit<AoKeyRef, 'peer'> & { peer?: string }): void {
  const { fd, family } = fdAndFamily(socket);
  deleteAoKey(fd, family, { ...ref, peer: ref.peer ?? remote(socket) });
}

/** Ask the peer to switch to the MKT whose SendID equals our `recvId`. */
export function requestSocketAoRnext(socket: Socket, recvId: number): AoInfo {
  return requestAoRnext(socketFd(socket), recvId);
}

export function socketAoInfo(socket: Socket): AoInfo {
  return getAoInfo(socketFd(socket));
}

export function socketAoKeys(socket: Socket): AoKeyInfo[] {
  return listAoKeys(socketFd(socket));
}
