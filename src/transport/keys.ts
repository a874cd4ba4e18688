/**
 * Key validation and fingerprints for TCP-MD5 (RFC 2385) and TCP-AO (RFC 5925)
 * master keys. Validation runs before any system call so that a bad key is a
 * clear configuration error, not an EINVAL from deep inside the kernel.
 * Keys are bytes (Uint8Array/Buffer); they are never logged or put in messages.
 */
import { createHash } from 'node:crypto';
import { TransportError } from './errors.js';

/** Linux TCP_MD5SIG_MAXKEYLEN and TCP_AO_MAXKEYLEN. */
export const MAX_KEY_LENGTH = 80;
export const MIN_KEY_LENGTH = 1;

/** A key as configured: raw bytes, or a password string taken as UTF-8 (what BIRD/FRR do). */
export type KeyMaterial = Uint8Array | string;

export function keyBytes(key: KeyMaterial): Uint8Array {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

/** First 8 hex digits of SHA-256 over the key bytes: safe to log and compare. */
export function keyFingerprint(key: KeyMaterial): string {
  return createHash('sha256').update(keyBytes(key)).digest('hex').slice(0, 8);
}

/** "20 bytes, fingerprint 1a2b3c4d": the most a log line may say about a key. */
export function describeKey(key: KeyMaterial): string {
  return `${keyBytes(key).length} bytes, fingerprint ${keyFingerprint(key)}`;
}

/**
 * Check a key for `peer` and return its bytes. Throws TransportError
 * ERR_TSBGPD_KEY_LENGTH (naming the peer and the length, never the key) when it
 * is not 1..80 bytes, ERR_TSBGPD_KEY_TYPE when it is not bytes or a string.
 */
export function validateKey(peer: string, key: unknown): Uint8Array {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) {
    throw new TransportError('ERR_TSBGPD_KEY_TYPE', `key for peer ${peer} must be a Uint8Array or a string`, { peer });
  }
  const bytes = keyBytes(key);
  if (bytes.length < MIN_KEY_LENGTH || bytes.length > MAX_KEY_LENGTH) {
    throw new TransportError(
      'ERR_TSBGPD_KEY_LENGTH',
      `key for peer ${peer} is ${bytes.length} bytes; Linux accepts ${MIN_KEY_LENGTH} to ${MAX_KEY_LENGTH} bytes`,
      { peer },
    );
  }
  return bytes;
}
