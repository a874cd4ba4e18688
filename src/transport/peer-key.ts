/**
 * A peer key as the transport layer installs it: TCP-MD5 (RFC 2385) for an
 * address or prefix, or one TCP-AO MKT (RFC 5925). Applying a key to an fd
 * dispatches on the kind; the listing form carries only length + fingerprint.
 */
import { addAoKey, deleteAoKey, type AoKey } from './ao.js';
import type { Family } from './address.js';
import { keyBytes, keyFingerprint, type KeyMaterial } from './keys.js';
import { deleteMd5Key, selectorLabel, setMd5Key, type PeerSelector } from './sockopts.js';

export interface Md5PeerKey extends PeerSelector {
  readonly kind: 'md5';
  readonly key: KeyMaterial;
}

export interface AoPeerKey extends AoKey {
  readonly kind: 'ao';
}

export type PeerKey = Md5PeerKey | AoPeerKey;

/** Identifies an installed key for removal: MD5 by address/prefix, AO also by KeyIDs. */
export type PeerKeyRef =
  | (PeerSelector & { readonly kind: 'md5' })
  | (PeerSelector & { readonly kind: 'ao'; readonly sendId: number; readonly recvId: number });

/** What may be shown about an installed key (status output, logs). */
export interface PeerKeyInfo {
  readonly kind: 'md5' | 'ao';
  readonly peer: string;
  readonly keyLength: number;
  readonly fingerprint: string;
  readonly sendId?: number;
  readonly recvId?: number;
  readonly algorithm?: string;
}

export function peerKeyId(ref: PeerKeyRef): string {
  const base = `${ref.kind} ${selectorLabel(ref)}`;
  return ref.kind === 'ao' ? `${base} ${ref.sendId}/${ref.recvId}` : base;
}

export function peerKeyInfo(k: PeerKey): PeerKeyInfo {
  const common = { peer: selectorLabel(k), keyLength: keyBytes(k.key).length, fingerprint: keyFingerprint(k.key) };
  return k.kind === 'md5'
    ? { kind: 'md5', ...common }
    : { kind: 'ao', ...common, sendId: k.sendId, recvId: k.recvId, algorithm: k.algorithm };
}

export function applyPeerKey(fd: number, family: Family, k: PeerKey): void {
  if (k.kind === 'md5') setMd5Key(fd, family, k, k.key);
  else addAoKey(fd, family, k);
}

export function removePeerKey(fd: number, family: Family, ref: PeerKeyRef): void {
  if (ref.kind === 'md5') deleteMd5Key(fd, family, ref);
  else deleteAoKey(fd, family, ref);
}
