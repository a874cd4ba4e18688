// A reload's first half: read the configuration and the secrets again and plan the change against what runs.
// The speaker applies the plan (peers added, removed, reconfigured). An invalid configuration keeps the last
// good one running, and its secrets are still re-read (below).
import type { Logger } from 'pino';
import {
  loadConfig, readSecrets, fingerprints, planReload, secretRefId,
  type ResolvedConfig, type ResolveResult, type PeerConfig, type SecretResult, type ReloadPlan, type ConfigProblem,
} from '../config/index.js';

export interface ReloadSources {
  readonly configPath: string;
  readonly nodeName: string;
  readonly secretsDir: string;
  /** What runs now. */
  readonly config: ResolvedConfig;
  readonly secrets: ReadonlyMap<string, SecretResult>;
}

export interface PreparedReload {
  /** The new configuration loaded; false: it is invalid and `config` is the last good one. */
  readonly loaded: boolean;
  /** When it did not load: its errors on one line (status shows it as config.lastError). */
  readonly configError: string | null;
  readonly config: ResolvedConfig;
  readonly problems: readonly ConfigProblem[];
  readonly secrets: Map<string, SecretResult>;
  readonly plan: ReloadPlan;
}

export async function prepareReload(s: ReloadSources, log: Logger): Promise<PreparedReload> {
  const loaded = await loadConfig({ configPath: s.configPath, nodeName: s.nodeName });
  let r: Extract<ResolveResult, { ok: true }>;
  let configError: string | null = null;
  if (loaded.ok) r = loaded;
  else {
    const errors = loaded.problems.filter((p) => p.severity === 'error');
    configError = errors.map((p) => `${p.resource} ${p.path}: ${p.message}`).join('; ');
    for (const p of errors) logProblem(log, p);
    log.error({ errors: errors.length }, 'new configuration is invalid; running the last good configuration');
    // The last good configuration keeps running, and so does its Secret handling: a key rotated or revoked
    // while the ConfigMap is broken still applies (the kubelet updates the two independently).
    r = { ok: true, config: s.config, problems: [] };
  }
  const secrets = await readSecrets(r.config.secretRefs, s.secretsDir);
  const plan = planReload(s.config, r, fingerprints(s.secrets), fingerprints(secrets));
  if (!plan.ok) throw new Error('reload plan refused a valid configuration'); // not reached: r is ok here
  return { loaded: loaded.ok, configError, config: plan.config, problems: plan.problems, secrets, plan: plan.plan };
}

/**
 * A secret whose read result changed without changing the fingerprint (e.g. it became unreadable, or unreadable
 * for another reason) is a key change too.
 */
export function secretStateChanged(pc: PeerConfig, prev: ReadonlyMap<string, SecretResult>, next: ReadonlyMap<string, SecretResult>): boolean {
  if (pc.auth.method !== 'md5') return false;
  const id = secretRefId(pc.auth.secretRef);
  return (prev.get(id)?.ok ?? false) !== (next.get(id)?.ok ?? false) ||
    (!(next.get(id)?.ok ?? true) && prev.get(id)?.ok === false && (prev.get(id) as { reason?: string }).reason !== (next.get(id) as { reason?: string }).reason);
}

export function logProblem(log: Logger, p: { severity: string; resource: string; file: string; path: string; message: string }): void {
  const o = { resource: p.resource, file: p.file, path: p.path };
  if (p.severity === 'error') log.error(o, p.message);
  else if (p.severity === 'warning') log.warn(o, p.message);
  else log.info(o, p.message);
}
