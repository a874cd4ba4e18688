// Address and prefix validation at the configuration edge, via `ip-address`. Addresses leave this file in
// canonical text form (RFC 5952 for IPv6), which is also the form calico/node compares as strings.

import { Address4, Address6 } from 'ip-address';

export type Family = 4 | 6;

export interface IpAddress {
  readonly family: Family;
  /** Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
  readonly address: string;
}

export interface IpCidr extends IpAddress {
  readonly prefixLength: number;
  /** The network address (host bits cleared), canonical text. */
  readonly network: string;
  /** `network/prefixLength`. */
  readonly cidr: string;
  /** True when `address` has host bits set (e.g. a Node's `192.0.2.1/24`). */
  readonly hostBitsSet: boolean;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

/** Parses a bare IPv4 or IPv6 address (no prefix, no zone, no port). */
export function parseIp(text: string): Parsed<IpAddress> {
  const s = text.trim();
  if (s === '') return bad('is empty');
  if (s.includes('/')) return bad(`"${s}" has a prefix length; an address is expected here`);
  if (s.includes('%')) return bad(`"${s}" has a zone index; zones are not supported`);
  if (s.includes(':')) {
    try {
      return { ok: true, value: { family: 6, address: new Address6(s).correctForm() } };
    } catch {
      return bad(`"${s}" is not a valid IPv6 address`);
    }
  }
  try {
    const a = new Address4(s);
    return { ok: true, value: { family: 4, address: a.correctForm() } };
  } catch {
    return bad(`"${s}" is not a valid IPv4 address`);
  }
}

/** Parses `address/length`. `requirePrefix` false lets a bare address through as a host prefix (/32, /128). */
export function parseCidr(text: string, requirePrefix = true): Parsed<IpCidr> {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash < 0 && requirePrefix) return bad(`"${s}" has no prefix length (write it as address/length, e.g. 192.0.2.0/24)`);
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip.ok) return ip;
  const max = ip.value.family === 4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const lenText = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
      return bad(`"${s}" has an invalid prefix length (0 to ${max} for IPv${ip.value.family})`);
    }
    len = Number(lenText);
  }
  const network =
    ip.value.family === 4
      ? new Address4(`${ip.value.address}/${len}`).startAddress().correctForm()
      : new Address6(`${ip.value.address}/${len}`).startAddress().correctForm();
  return {
    ok: true,
    value: {
      family: ip.value.family,
      address: ip.value.address,
      prefixLength: len,
      network,
      cidr: `${network}/${len}`,
      hostBitsSet: network !== ip.value.address,
    },
  };
}

export interface PeerEndpoint extends IpAddress {
  /** The port written in `peerIP`, or undefined when none was given. */
  readonly port: number | undefined;
}

/**
 * Calico's `peerIP`: `ip`, `ip:port` (IPv4) or `[ipv6]:port`; a bare IPv6 address has no port
 * (Go's net.SplitHostPort fails on it and calico/node keeps the whole string as the address).
 */
export function parsePeerIP(text: string): Parsed<PeerEndpoint> {
  const s = text.trim();
  let host = s;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return bad(`"${s}" has "[" without "]"; write [ipv6]:port`);
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest === '') return bad(`"${s}" has brackets but no port; write the IPv6 address without brackets or add :port`);
    if (!rest.startsWith(':')) return bad(`"${s}" must be [ipv6]:port`);
    portText = rest.slice(1);
    if (!host.includes(':')) return bad(`"${s}": brackets are only for IPv6 addresses`);
  } else {
    const colons = s.split(':').length - 1;
    if (colons === 1) {
      host = s.slice(0, s.indexOf(':'));
      portText = s.slice(s.indexOf(':') + 1);
    }
  }
  const ip = parseIp(host);
  if (!ip.ok) return ip;
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return bad(`"${s}" has an invalid port "${portText}" (1 to 65535)`);
    }
    port = Number(portText);
  }
  return { ok: true, value: { ...ip.value, port } };
}

/** Formats an endpoint for messages and ids: `192.0.2.1:179`, `[2001:db8::1]:179`. */
export const formatEndpoint = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
