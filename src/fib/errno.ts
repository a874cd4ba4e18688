/** Names of the errno values the kernel answers route requests with (asm-generic/errno*.h). */
const NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 12: 'ENOMEM', 13: 'EACCES', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV',
  22: 'EINVAL', 34: 'ERANGE', 61: 'ENODATA', 90: 'EMSGSIZE', 95: 'EOPNOTSUPP', 97: 'EAFNOSUPPORT',
  100: 'ENETDOWN', 101: 'ENETUNREACH', 105: 'ENOBUFS', 113: 'EHOSTUNREACH',
};

export function errnoName(e: number): string {
  return NAMES[e] ?? `errno ${e}`;
}
