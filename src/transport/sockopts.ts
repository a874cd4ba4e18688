/**
 * Per-socket options on a raw fd: TCP-MD5 keys (RFC 2385) and TTL security
 * (GTSM, RFC 5082). Address-family rules come from kernel-auth.md §2.4 and §6.
 */
import { checkPrefixLength, ipFamily, kernelPeerAddress, unmapV4, type Family } from './address.js';
import { syscallError, TransportError } from './errors.js';
import { validateKey, type KeyMaterial } from './keys.js';
import { IP_MINTTL, IP_TTL, IPPROTO_IP, IPPROTO_IPV6, IPV6_MINHOPCOUNT, IPV6_UNICAST_HOPS, loadNative } from './native.js';

/** Which peers a key applies to: one address, or a prefix (TCP_MD5SIG_EXT). */
export interface PeerSelector {
  /** Peer address (IPv4 or IPv6; v4-mapped is accepted). With prefixLength: any address inside the prefix. */
  readonly peer: string;
  /** Prefix length in the peer address's own family (IPv4 bits for IPv4 peers). Omit for a single address. */
  readonly prefixLength?: number;
}

export function selectorLabel(s: PeerSelector): string {
  return s.prefixLength === undefined ? unmapV4(s.peer) : `${unmapV4(s.peer)}/${s.prefixLength}`;
}

/**
 * Install or replace (the kernel overwrites a key for the same address/prefix)
 * the TCP-MD5 key for `sel` on `fd`. The key is validated before the syscall.
 */
export function setMd5Key(fd: number, socketFamily: Family, sel: PeerSelector, key: KeyMaterial): void {
  const label = selectorLabel(sel);
  const bytes = validateKey(label, key);
  const address = kernelPeerAddress(socketFamily, sel.peer);
  if (sel.prefixLength !== undefined) checkPrefixLength(ipFamily(unmapV4(sel.peer)), sel.prefixLength, label);
  try {
    loadNative().md5Set(fd, address, sel.prefixLength ?? -1, -1, bytes);
  } catch (e) {
    throw syscallError(e, `TCP-MD5 key for peer ${label}`, label);
  }
}

/** Remove the TCP-MD5 key for `sel` (ENOENT if there was none). */
export function deleteMd5Key(fd: number, socketFamily: Family, sel: PeerSelector): void {
  const label = selectorLabel(sel);
  const address = kernelPeerAddress(socketFamily, sel.peer);
  try {
    loadNative().md5Set(fd, address, sel.prefixLength ?? -1, -1, null);
  } catch (e) {
    throw syscallError(e, `removing TCP-MD5 key for peer ${label}`, label);
  }
}

/**
 * TTL handling. `ttl` is the TTL / hop limit we send with; `minTtl` the lowest
 * TTL we accept (IP_MINTTL / IPV6_MINHOPCOUNT). Both must be set before the
 * first SYN or SYN-ACK leaves (kernel-auth.md §6 G5).
 */
export interface TtlOptions {
  readonly ttl?: number;
  readonly minTtl?: number;
}

/** RFC 5082 §3: send with TTL 255, accept only 256 - hops and above (hops 1 = directly connected). */
export function gtsm(hops = 1): TtlOptions {
  if (!Number.isInteger(hops) || hops < 1 || hops > 255) {
    throw new TransportError('ERR_TSBGPD_TTL', `GTSM hop count ${hops} is invalid (1..255)`);
  }
  return { ttl: 255, minTtl: 256 - hops };
}

function checkTtl(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min || v > 255) {
    throw new TransportError('ERR_TSBGPD_TTL', `${name} ${v} is invalid (${min}..255)`);
  }
}

/**
 * Apply TTL options. On an AF_INET6 socket the IPv6 options cover native IPv6
 * peers and the IPv4 (IPPROTO_IP) options cover v4-mapped peers, so a
 * dual-stack socket gets both (kernel-auth.md §6 G7).
 */
export function applyTtl(fd: number, socketFamily: Family, opts: TtlOptions, dualStack: boolean): void {
  const n = loadNative();
  const v4 = socketFamily === 4 || dualStack;
  const v6 = socketFamily === 6;
  try {
    if (opts.ttl !== undefined) {
      checkTtl('TTL', opts.ttl, 1);
      if (v4) n.setsockoptInt(fd, IPPROTO_IP, IP_TTL, opts.ttl);
      if (v6) n.setsockoptInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, opts.ttl);
    }
    if (opts.minTtl !== undefined) {
      checkTtl('minimum TTL', opts.minTtl, 0);
      if (v4) n.setsockoptInt(fd, IPPROTO_IP, IP_MINTTL, opts.minTtl);
      if (v6) n.setsockoptInt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, opts.minTtl);
    }
  } catch (e) {
    throw syscallError(e, 'TTL security');
  }
}
