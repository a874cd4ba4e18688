/**
 * TCP-AO (RFC 5925, algorithms RFC 5926) for Linux 6.7+: struct encoding in TS,
 * checked byte by byte in tests against kernel-auth.md §5.2 and against the
 * addon's compiled layout(); the addon only passes the bytes to setsockopt.
 *
 * Host-order fields (family, ifindex, flag words, counters) use this machine's
 * endianness, addresses network order, exactly as the kernel reads them.
 * On a kernel without CONFIG_TCP_AO every operation throws
 * ERR_TSBGPD_AO_UNSUPPORTED carrying the errno (ENOPROTOOPT).
 */
import { endianness } from 'node:os';
import { isIPv4 } from 'node:net';
import { checkPrefixLength, ipFamily, kernelPeerAddress, unmapV4, type Family } from './address.js';
import { syscallError, TransportError } from './errors.js';
import { validateKey, type KeyMaterial } from './keys.js';
import { ENOPROTOOPT, isNativeError, loadNative, TCP_AO_ADD_KEY, TCP_AO_DEL_KEY, TCP_AO_INFO } from './native.js';
import { selectorLabel, type PeerSelector } from './sockopts.js';

export const AO_ADD_SIZE = 288;
export const AO_DEL_SIZE = 144;
export const AO_INFO_SIZE = 48;
export const AO_GETSOCKOPT_SIZE = 304;
export const AO_ALG_NAME_MAX = 64;
/** kernel-auth.md §5.3: 4 + maclen must fit the SYN option space, so 16 at most; 0 means 12. */
export const AO_MAX_MAC_LENGTH = 16;

const KEYF_EXCLUDE_OPT = 0x2;
const LE = endianness() === 'LE';
const AF_INET = 2;
const AF_INET6 = 10;

/** One master key tuple (RFC 5925 §3.1 MKT): peer range, KeyIDs, algorithm, secret. */
export interface AoKey extends PeerSelector {
  /** Kernel crypto name: 'hmac(sha1)' and 'cmac(aes128)' are RFC 5926's; 'hmac(sha256)' also works. */
  readonly algorithm: string;
  /** SendID: KeyID we put in outgoing segments (0..255). */
  readonly sendId: number;
  /** RecvID: KeyID we expect in incoming segments (0..255). */
  readonly recvId: number;
  readonly key: KeyMaterial;
  /** MAC length in bytes; 0 or undefined = 12 (RFC 5926 §3.1). */
  readonly macLength?: number;
  /** RFC 5925 §3.1 "TCP option flag": exclude TCP options from the MAC. */
  readonly excludeOptions?: boolean;
}

export interface AoKeyRef extends PeerSelector {
  readonly sendId: number;
  readonly recvId: number;
}

export interface AoInfo {
  readonly aoRequired: boolean;
  readonly acceptIcmps: boolean;
  readonly currentKey: number;
  readonly rnext: number;
  readonly pktGood: bigint;
  readonly pktBad: bigint;
  readonly pktKeyNotFound: bigint;
  readonly pktAoRequired: bigint;
  readonly pktDroppedIcmp: bigint;
}

/** What a TCP_AO_INFO set may change; currentKey/rnext set the set_current/set_rnext bits. */
export interface AoInfoWrite {
  readonly aoRequired: boolean;
  readonly acceptIcmps: boolean;
  readonly currentKey?: number;
  readonly rnext?: number;
}

/** Key metadata from TCP_AO_GET_KEYS; the key bytes are zeroed by the addon. */
export interface AoKeyInfo {
  readonly peer: string;
  readonly prefixLength: number;
  readonly algorithm: string;
  readonly sendId: number;
  readonly recvId: number;
  readonly macLength: number;
  readonly keyLength: number;
  readonly excludeOptions: boolean;
  readonly isCurrent: boolean;
  readonly isRnext: boolean;
  readonly pktGood: bigint;
  readonly pktBad: bigint;
}

function u8(name: string, v: number, max = 255): number {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new TransportError('ERR_TSBGPD_AO_PARAM', `TCP-AO ${name} ${v} is out of range (0..${max})`);
  }
  return v;
}

function w16(b: Buffer, off: number, v: number): void {
  if (LE) b.writeUInt16LE(v, off);
  else b.writeUInt16BE(v, off);
}
function w32(b: Buffer, off: number, v: number): void {
  if (LE) b.writeUInt32LE(v >>> 0, off);
  else b.writeUInt32BE(v >>> 0, off);
}
function wi32(b: Buffer, off: number, v: number): void {
  if (LE) b.writeInt32LE(v, off);
  else b.writeInt32BE(v, off);
}
function r16(b: Buffer, off: number): number {
  return LE ? b.readUInt16LE(off) : b.readUInt16BE(off);
}
function r32(b: Buffer, off: number): number {
  return LE ? b.readUInt32LE(off) : b.readUInt32BE(off);
}
function r64(b: Buffer, off: number): bigint {
  return LE ? b.readBigUInt64LE(off) : b.readBigUInt64BE(off);
}

/**
 * Write the peer into a 128-byte sockaddr_storage at offset 0 (port 0: AO has
 * no port matching) and return the prefix length to use. AO always uses the
 * prefix: a single host is /32 or /128 (kernel-auth.md §5.3).
 */
function writePeer(b: Buffer, socketFamily: Family, sel: PeerSelector): number {
  const label = selectorLabel(sel);
  const address = kernelPeerAddress(socketFamily, sel.peer);
  const peerFamily = ipFamily(unmapV4(sel.peer));
  const prefix = sel.prefixLength ?? (peerFamily === 4 ? 32 : 128);
  checkPrefixLength(peerFamily, prefix, label);
  if (isIPv4(address)) {
    w16(b, 0, AF_INET);
    Buffer.from(address.split('.').map(Number)).copy(b, 4);
  } else {
    w16(b, 0, AF_INET6);
    ipv6Bytes(address).copy(b, 8);
  }
  return prefix;
}

/** 16 bytes of an IPv6 address (also handles a trailing dotted quad). */
export function ipv6Bytes(address: string): Buffer {
  let text = address;
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (m !== null && m[1] !== undefined && m[2] !== undefined) {
    const q = m[2].split('.').map(Number);
    text = `${m[1]}${(((q[0] ?? 0) << 8) | (q[1] ?? 0)).toString(16)}:${(((q[2] ?? 0) << 8) | (q[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const hs = head === '' ? [] : head.split(':');
  const ts = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** RFC 5952 text form of 16 address bytes (longest run of ≥2 zero groups becomes "::"). */
export function formatIPv6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[i * 2] ?? 0) << 8) | (b[i * 2 + 1] ?? 0));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

function readPeer(b: Buffer, off: number): string {
  const fam = r16(b, off);
  if (fam === AF_INET) return Array.from(b.subarray(off + 4, off + 8)).join('.');
  const a = b.subarray(off + 8, off + 24);
  // v4-mapped ::ffff:a.b.c.d
  if (a.subarray(0, 10).every((x) => x === 0) && a[10] === 0xff && a[11] === 0xff) return Array.from(a.subarray(12)).join('.');
  return formatIPv6(a);
}

/** struct tcp_ao_add (288 bytes). The returned buffer holds the key: wipe it after use. */
export function encodeAoAdd(socketFamily: Family, k: AoKey, opts: { setCurrent?: boolean; setRnext?: boolean } = {}): Buffer {
  const label = selectorLabel(k);
  const key = validateKey(label, k.key);
  const alg = Buffer.from(k.algorithm, 'utf8');
  if (alg.length === 0 || alg.length >= AO_ALG_NAME_MAX) {
    throw new TransportError('ERR_TSBGPD_AO_PARAM', `TCP-AO algorithm name for ${label} must be 1..63 bytes`);
  }
  const b = Buffer.alloc(AO_ADD_SIZE);
  const prefix = writePeer(b, socketFamily, k);
  alg.copy(b, 128); // NUL-terminated: the rest is already zero
  wi32(b, 192, 0); // ifindex (VRF) unused: no KEYF_IFINDEX
  w32(b, 196, (opts.setCurrent === true ? 0x1 : 0) | (opts.setRnext === true ? 0x2 : 0));
  b[202] = prefix;
  b[203] = u8('SendID', k.sendId);
  b[204] = u8('RecvID', k.recvId);
  b[205] = u8('MAC length', k.macLength ?? 0, AO_MAX_MAC_LENGTH);
  b[206] = k.excludeOptions === true ? KEYF_EXCLUDE_OPT : 0;
  b[207] = key.length;
  Buffer.from(key.buffer, key.byteOffset, key.length).copy(b, 208);
  return b;
}

/** struct tcp_ao_del (144 bytes). */
export function encodeAoDel(
  socketFamily: Family,
  ref: AoKeyRef,
  opts: { currentKey?: number; rnext?: number; async?: boolean } = {},
): Buffer {
  const b = Buffer.alloc(AO_DEL_SIZE);
  const prefix = writePeer(b, socketFamily, ref);
  wi32(b, 128, 0);
  w32(b, 132, (opts.currentKey !== undefined ? 0x1 : 0) | (opts.rnext !== undefined ? 0x2 : 0) | (opts.async === true ? 0x4 : 0));
  b[138] = prefix;
  b[139] = u8('SendID', ref.sendId);
  b[140] = u8('RecvID', ref.recvId);
  b[141] = u8('current key', opts.currentKey ?? 0);
  b[142] = u8('RNextKeyID', opts.rnext ?? 0);
  b[143] = 0;
  return b;
}

/** struct tcp_ao_info_opt (48 bytes) for a set. Counters are not written (set_counters stays 0). */
export function encodeAoInfo(w: AoInfoWrite): Buffer {
  const b = Buffer.alloc(AO_INFO_SIZE);
  const flags =
    (w.currentKey !== undefined ? 0x1 : 0) |
    (w.rnext !== undefined ? 0x2 : 0) |
    (w.aoRequired ? 0x4 : 0) |
    (w.acceptIcmps ? 0x10 : 0);
  w32(b, 0, flags);
  b[6] = u8('current key', w.currentKey ?? 0);
  b[7] = u8('RNextKeyID', w.rnext ?? 0);
  return b;
}

export function decodeAoInfo(b: Buffer): AoInfo {
  const flags = r32(b, 0);
  return {
    aoRequired: (flags & 0x4) !== 0,
    acceptIcmps: (flags & 0x10) !== 0,
    currentKey: b[6] ?? 0,
    rnext: b[7] ?? 0,
    pktGood: r64(b, 8),
    pktBad: r64(b, 16),
    pktKeyNotFound: r64(b, 24),
    pktAoRequired: r64(b, 32),
    pktDroppedIcmp: r64(b, 40),
  };
}

/** TCP_AO_GET_KEYS request: `capacity` elements, the first asking for all keys (get_all). */
export function encodeAoGetKeysRequest(capacity: number): Buffer {
  const b = Buffer.alloc(AO_GETSOCKOPT_SIZE * capacity);
  w32(b, 272, capacity);
  w16(b, 276, 0x4);
  return b;
}

export function decodeAoGetKeys(b: Buffer, count: number): AoKeyInfo[] {
  const out: AoKeyInfo[] = [];
  const n = Math.min(count, Math.floor(b.length / AO_GETSOCKOPT_SIZE));
  for (let i = 0; i < n; i++) {
    const o = i * AO_GETSOCKOPT_SIZE;
    const nul = b.indexOf(0, o + 128);
    const flags = r16(b, o + 276);
    out.push({
      peer: readPeer(b, o),
      prefixLength: b[o + 280] ?? 0,
      algorithm: b.toString('utf8', o + 128, nul < 0 || nul > o + 192 ? o + 192 : nul),
      sendId: b[o + 278] ?? 0,
      recvId: b[o + 279] ?? 0,
      macLength: b[o + 281] ?? 0,
      keyLength: b[o + 283] ?? 0,
      excludeOptions: ((b[o + 282] ?? 0) & KEYF_EXCLUDE_OPT) !== 0,
      isCurrent: (flags & 0x1) !== 0,
      isRnext: (flags & 0x2) !== 0,
      pktGood: r64(b, o + 288),
      pktBad: r64(b, o + 296),
    });
  }
  return out;
}

/** Thrown for any AO operation on a kernel without CONFIG_TCP_AO. */
export class AoUnsupportedError extends TransportError {
  constructor(syscall: string, errno: number, peer?: string) {
    const extra: { errno: number; syscall: string; peer?: string } = { errno, syscall };
    if (peer !== undefined) extra.peer = peer;
    super(
      'ERR_TSBGPD_AO_UNSUPPORTED',
      `TCP-AO is not supported by this kernel (it needs CONFIG_TCP_AO, Linux 6.7+): ${syscall} failed with ENOPROTOOPT`,
      extra,
    );
    this.name = 'AoUnsupportedError';
  }
}

export const AO_UNSUPPORTED_REASON = 'kernel built without CONFIG_TCP_AO (Linux 6.7+ needed)';

function aoCall<T>(what: string, peer: string | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isNativeError(e) && e.errno === ENOPROTOOPT) throw new AoUnsupportedError(e.syscall, e.errno, peer);
    throw syscallError(e, what, peer);
  }
}

/** TCP_AO_ADD_KEY. The encoded struct (with the key) is wiped after the call. */
export function addAoKey(fd: number, socketFamily: Family, k: AoKey, opts: { setCurrent?: boolean; setRnext?: boolean } = {}): void {
  const label = selectorLabel(k);
  const b = encodeAoAdd(socketFamily, k, opts);
  try {
    aoCall(`TCP-AO key ${k.sendId}/${k.recvId} for peer ${label}`, label, () =>
      loadNative().aoSetsockopt(fd, TCP_AO_ADD_KEY, b),
    );
  } finally {
    b.fill(0);
  }
}

/** TCP_AO_DEL_KEY (EBUSY while the key is current or rnext, unless opts switch away atomically). */
export function deleteAoKey(
  fd: number,
  socketFamily: Family,
  ref: AoKeyRef,
  opts: { currentKey?: number; rnext?: number; async?: boolean } = {},
): void {
  const label = selectorLabel(ref);
  const b = encodeAoDel(socketFamily, ref, opts);
  aoCall(`removing TCP-AO key ${ref.sendId}/${ref.recvId} for peer ${label}`, label, () =>
    loadNative().aoSetsockopt(fd, TCP_AO_DEL_KEY, b),
  );
}

export function getAoInfo(fd: number): AoInfo {
  return decodeAoInfo(aoCall('reading TCP-AO state', undefined, () => loadNative().aoGetInfo(fd)));
}

/**
 * Change TCP_AO_INFO by read-modify-write: the kernel always writes
 * ao_required and accept_icmps from the struct (kernel-auth.md §5.5 gotcha).
 */
export function updateAoInfo(
  fd: number,
  patch: { aoRequired?: boolean; acceptIcmps?: boolean; currentKey?: number; rnext?: number },
): AoInfo {
  const cur = getAoInfo(fd);
  const w: { aoRequired: boolean; acceptIcmps: boolean; currentKey?: number; rnext?: number } = {
    aoRequired: patch.aoRequired ?? cur.aoRequired,
    acceptIcmps: patch.acceptIcmps ?? cur.acceptIcmps,
  };
  if (patch.currentKey !== undefined) w.currentKey = patch.currentKey;
  if (patch.rnext !== undefined) w.rnext = patch.rnext;
  const b = encodeAoInfo(w);
  aoCall('updating TCP-AO state', undefined, () => loadNative().aoSetsockopt(fd, TCP_AO_INFO, b));
  return getAoInfo(fd);
}

/** RFC 5925 §7.5.2 rollover step: ask the peer to switch to the MKT whose SendID is our `recvId`. */
export function requestAoRnext(fd: number, recvId: number): AoInfo {
  return updateAoInfo(fd, { rnext: recvId });
}

export function listAoKeys(fd: number, capacity = 64): AoKeyInfo[] {
  const b = encodeAoGetKeysRequest(capacity);
  const n = aoCall('listing TCP-AO keys', undefined, () => loadNative().aoGetKeys(fd, b));
  return decodeAoGetKeys(b, n);
}
