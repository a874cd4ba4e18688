// Problems found while loading, validating and resolving configuration.
// Every problem names the resource (`BGPPeer/name`), the file and the field path, so an operator can fix it
// without reading our code. Messages never contain secret values (only a key's length and fingerprint).

export type Severity = 'error' | 'warning' | 'info';

export interface ConfigProblem {
  readonly severity: Severity;
  /** `Kind/name`, e.g. `BGPPeer/bgppeer-global-3040`; `-` when no resource applies (a whole file, a secret). */
  readonly resource: string;
  /** The file the resource came from; `-` when none applies. */
  readonly file: string;
  /** Dotted field path inside the resource, e.g. `spec.password.secretKeyRef.key`; empty for the whole resource. */
  readonly path: string;
  readonly message: string;
  /** Stable machine-readable code, e.g. `ERR_CONFIG_UNKNOWN_FIELD`. */
  readonly code: string;
}

/** Where problems are reported: the resource and file currently being read. */
export interface ProblemSite {
  readonly resource: string;
  readonly file: string;
}

/** Collects problems in the order found. */
export class ProblemSink {
  readonly problems: ConfigProblem[] = [];

  add(severity: Severity, site: ProblemSite, path: string, code: string, message: string): void {
    this.problems.push({ severity, resource: site.resource, file: site.file, path, message, code });
  }
  error(site: ProblemSite, path: string, code: string, message: string): void {
    this.add('error', site, path, code, message);
  }
  warning(site: ProblemSite, path: string, code: string, message: string): void {
    this.add('warning', site, path, code, message);
  }
  info(site: ProblemSite, path: string, code: string, message: string): void {
    this.add('info', site, path, code, message);
  }
  get hasErrors(): boolean {
    return hasErrors(this.problems);
  }
}

export const hasErrors = (problems: readonly ConfigProblem[]): boolean =>
  problems.some((p) => p.severity === 'error');

/** Joins a field path: `joinPath('spec', 'peerIP')` → `spec.peerIP`; array indices as `spec.filters[0]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** The logger the config code may use: pino-compatible, injected, never console. */
export interface ConfigLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
