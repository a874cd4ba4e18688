// Keys for TCP-MD5 / TCP-AO from Secret volumes: `<secretsDir>/<name>/<key>`, where the kubelet makes
// `<key>` a symlink into `..data/`, itself a symlink to a timestamped directory swapped atomically on update.
// Every read re-resolves the symlinks. Failures are values with distinct codes; no reason ever holds key
// bytes, only lengths, positions and the fingerprint (first 8 hex digits of SHA-256).

import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSecretRefName, secretRefId, type SecretKeyRef } from './secret-ref.js';

/** Default mount point of the Secret volume(s); override with --secrets-dir. */
export const DEFAULT_SECRETS_DIR = '/etc/tsbgpd/secrets';

/** Linux caps TCP-MD5 (TCP_MD5SIG_MAXKEYLEN) and TCP-AO (TCP_AO_MAXKEYLEN) keys at 80 bytes. */
export const MAX_KEY_BYTES = 80;

export type SecretErrorCode =
  | 'ERR_SECRET_BAD_REF'
  | 'ERR_SECRET_DIR_MISSING'
  | 'ERR_SECRET_NOT_FOUND'
  | 'ERR_SECRET_KEY_NOT_FOUND'
  | 'ERR_SECRET_UNREADABLE'
  | 'ERR_SECRET_EMPTY'
  | 'ERR_SECRET_TRAILING_NEWLINE'
  | 'ERR_SECRET_NEWLINE'
  | 'ERR_SECRET_CR'
  | 'ERR_SECRET_NUL'
  | 'ERR_SECRET_TOO_LONG';

export type SecretResult =
  | { readonly ok: true; readonly key: Buffer; readonly length: number; readonly fingerprint: string }
  | { readonly ok: false; readonly code: SecretErrorCode; readonly reason: string };

/** First 8 hex digits of SHA-256: safe to log, enough to tell two keys apart. */
export const fingerprint = (key: Uint8Array): string => createHash('sha256').update(key).digest('hex').slice(0, 8);

const HOW_TO_CREATE =
  'create the secret with `kubectl create secret generic NAME --from-literal=KEY=...` or `stringData`, or write the file with `printf` instead of `echo`';

/** Validates key bytes (1 to 80 bytes, no NUL, CR or LF). `what` names the key in messages. */
export function checkKeyBytes(key: Uint8Array, what: string): SecretResult {
  const n = key.length;
  if (n === 0) return { ok: false, code: 'ERR_SECRET_EMPTY', reason: `${what} is empty; a TCP-MD5/TCP-AO key needs 1 to ${MAX_KEY_BYTES} bytes` };
  if (key[n - 1] === 0x0a) {
    const crlf = n >= 2 && key[n - 2] === 0x0d;
    return {
      ok: false,
      code: 'ERR_SECRET_TRAILING_NEWLINE',
      reason: `${what} ends with a newline${crlf ? ' (CR LF)' : ''} (${n} bytes including it), which would become part of the key: ${HOW_TO_CREATE}`,
    };
  }
  const nul = key.indexOf(0x00);
  if (nul >= 0) return { ok: false, code: 'ERR_SECRET_NUL', reason: `${what} contains a NUL byte at offset ${nul}; the kernel would cut the key there` };
  const lf = key.indexOf(0x0a);
  if (lf >= 0) return { ok: false, code: 'ERR_SECRET_NEWLINE', reason: `${what} contains a line feed at offset ${lf}; a key is a single line: ${HOW_TO_CREATE}` };
  const cr = key.indexOf(0x0d);
  if (cr >= 0) {
    return { ok: false, code: 'ERR_SECRET_CR', reason: `${what} contains a carriage return at offset ${cr} (a Windows line ending?); remove it: ${HOW_TO_CREATE}` };
  }
  if (n > MAX_KEY_BYTES) {
    return { ok: false, code: 'ERR_SECRET_TOO_LONG', reason: `${what} is ${n} bytes; Linux TCP-MD5 keys are at most ${MAX_KEY_BYTES} bytes (bytes, not characters); use a shorter password` };
  }
  const buf = Buffer.from(key);
  return { ok: true, key: buf, length: n, fingerprint: fingerprint(buf) };
}

const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'error';

/** Reads and validates one key. Never throws. */
export async function readSecret(ref: SecretKeyRef, secretsDir: string = DEFAULT_SECRETS_DIR): Promise<SecretResult> {
  for (const f of ['name', 'key'] as const) {
    const why = checkSecretRefName(ref[f], f);
    if (why !== undefined) return { ok: false, code: 'ERR_SECRET_BAD_REF', reason: `secretKeyRef.${f} ${why}` };
  }
  const what = `secret ${ref.name} key ${ref.key}`;
  const dir = join(secretsDir, ref.name);
  const file = join(dir, ref.key);
  try {
    const d = await stat(secretsDir);
    if (!d.isDirectory()) return { ok: false, code: 'ERR_SECRET_DIR_MISSING', reason: `secrets dir ${secretsDir} is not a directory` };
  } catch (e) {
    return {
      ok: false,
      code: 'ERR_SECRET_DIR_MISSING',
      reason: `secrets dir ${secretsDir} does not exist (${errnoOf(e)}); mount the Secret volume there or pass --secrets-dir`,
    };
  }
  try {
    const d = await stat(dir);
    if (!d.isDirectory()) return { ok: false, code: 'ERR_SECRET_NOT_FOUND', reason: `${dir} is not a directory; mount Secret ${ref.name} as a volume at ${dir}` };
  } catch (e) {
    return {
      ok: false,
      code: 'ERR_SECRET_NOT_FOUND',
      reason: `Secret ${ref.name} is not mounted: ${dir} does not exist (${errnoOf(e)}); add a volume for Secret ${ref.name} with mountPath ${dir}`,
    };
  }
  let st;
  try {
    st = await stat(file); // follows <key> -> ..data/<key> -> ..<timestamp>/<key>
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'EACCES') return { ok: false, code: 'ERR_SECRET_UNREADABLE', reason: `${what} at ${file} cannot be read (permission denied)` };
    return {
      ok: false,
      code: 'ERR_SECRET_KEY_NOT_FOUND',
      reason: `${what} does not exist at ${file} (${code}); check the key name in secretKeyRef against the Secret's data keys`,
    };
  }
  if (!st.isFile()) {
    const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'not a regular file';
    return { ok: false, code: 'ERR_SECRET_UNREADABLE', reason: `${what} at ${file} cannot be read as a key: it is ${kind}` };
  }
  // Read at most a little past the limit: the size from stat is enough to report a long key.
  if (st.size > 4096) {
    return { ok: false, code: 'ERR_SECRET_TOO_LONG', reason: `${what} is ${st.size} bytes; Linux TCP-MD5 keys are at most ${MAX_KEY_BYTES} bytes` };
  }
  const buf = Buffer.alloc(4097);
  try {
    // O_NONBLOCK: should the file have been swapped for a FIFO since stat, open must not hang.
    const fh = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(buf, 0, buf.length, 0));
    } finally {
      await fh.close();
    }
    return checkKeyBytes(buf.subarray(0, bytesRead), what); // copies the key on success
  } catch (e) {
    return { ok: false, code: 'ERR_SECRET_UNREADABLE', reason: `${what} at ${file} cannot be read (${errnoOf(e)})` };
  } finally {
    buf.fill(0);
  }
}

/** Reads every referenced key; the map is keyed `name/key`. */
export async function readSecrets(refs: readonly SecretKeyRef[], secretsDir: string = DEFAULT_SECRETS_DIR): Promise<Map<string, SecretResult>> {
  const out = new Map<string, SecretResult>();
  for (const ref of refs) out.set(secretRefId(ref), await readSecret(ref, secretsDir));
  return out;
}

/** Fingerprints of the keys read successfully, keyed `name/key` (input to diff.ts). */
export function fingerprints(results: ReadonlyMap<string, SecretResult>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, r] of results) if (r.ok) out.set(id, r.fingerprint);
  return out;
}
