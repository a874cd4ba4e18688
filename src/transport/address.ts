/**
 * Address handling for keyed sockets. Keys match the peer's actual source
 * address, and an AF_INET6 dual-stack socket sees IPv4 peers as v4-mapped
 * (::ffff:a.b.c.d) with prefixes counted in IPv4 bits (kernel-auth.md §2.4).
 */
import { isIP } from 'node:net';
import { TransportError } from './errors.js';

export type Family = 4 | 6;

export function ipFamily(address: string): Family {
  const f = isIP(address);
  if (f === 4 || f === 6) return f;
  throw new TransportError('ERR_TSBGPD_ADDRESS', `not a numeric IP address: ${JSON.stringify(address)}`);
}

const MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** "::ffff:192.0.2.1" → "192.0.2.1"; anything else unchanged. */
export function unmapV4(address: string): string {
  const m = MAPPED.exec(address);
  return m !== null && m[1] !== undefined ? m[1] : address;
}

export function checkPrefixLength(family: Family, prefixLength: number, peer: string): void {
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) {
    throw new TransportError('ERR_TSBGPD_ADDRESS', `prefix length ${prefixLength} is invalid for ${peer} (0..${max})`, {
      peer,
    });
  }
}

/**
 * The address to give the kernel for a peer key on a socket of `socketFamily`:
 * IPv4 peers on AF_INET6 sockets become v4-mapped; IPv6 peers cannot be keyed
 * on an AF_INET socket.
 */
export function kernelPeerAddress(socketFamily: Family, peer: string): string {
  const plain = unmapV4(peer);
  const fam = ipFamily(plain);
  if (fam === 6 && socketFamily === 4) {
    throw new TransportError('ERR_TSBGPD_ADDRESS', `IPv6 peer ${peer} cannot be keyed on an IPv4 socket`, { peer });
  }
  return fam === 4 && socketFamily === 6 ? `::ffff:${plain}` : plain;
}
