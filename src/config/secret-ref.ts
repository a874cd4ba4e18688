// A reference to one key of a Kubernetes Secret, and the name rules that keep it inside the secrets dir.

export interface SecretKeyRef {
  /** The Secret's name: a directory under the secrets dir. */
  readonly name: string;
  /** The key inside the Secret: a file in that directory. */
  readonly key: string;
}

/** `name/key`: the map key for fingerprints and secret results. */
export const secretRefId = (ref: SecretKeyRef): string => `${ref.name}/${ref.key}`;

// Kubernetes: a Secret name is a DNS-1123 subdomain; a data key is [-._a-zA-Z0-9]+. Both <= 253 chars.
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Why a Secret name or key cannot be used as a path component, or undefined when it can.
 * Rejects `..`, `/`, NUL and the `..`-prefixed names the kubelet uses for its own entries.
 */
export function checkSecretRefName(value: string, what: 'name' | 'key'): string | undefined {
  if (value === '') return `is empty; a Secret ${what} is required`;
  if (value.length > 253) return `is ${value.length} characters; Kubernetes allows at most 253`;
  if (value.includes('/') || value.includes('\\') || value.includes('\0')) {
    return `"${value}" contains a path separator or NUL; it must be a plain Secret ${what}`;
  }
  if (value === '.' || value.startsWith('..')) return `"${value}" would escape or reach into the kubelet's own entries; it is not a valid Secret ${what}`;
  const ok = what === 'name' ? SECRET_NAME.test(value) : SECRET_KEY.test(value);
  if (!ok) {
    return what === 'name'
      ? `"${value}" is not a valid Secret name (lower-case letters, digits, "-" and ".")`
      : `"${value}" is not a valid Secret key (letters, digits, "-", "_" and ".")`;
  }
  return undefined;
}
