// `tsbgpd check-config`: load, validate, resolve and read the secrets, then list every problem with its
// resource and field path. ok=false (any error) means exit status 1. Nothing is sent on the network.
//
// A secret that is missing or invalid is an ERROR here: at runtime tsbgpd keeps that session down (it never
// falls back to an unauthenticated session), so a configuration whose keys cannot be applied does not do what
// it says. Run with `checkSecrets: false` (CLI: the lead's flag) where the secrets are not mounted, e.g. in CI.

import { loadResources, type LoadedResources } from './load.js';
import { ProblemSink, hasErrors, type ConfigProblem } from './problems.js';
import { resolveInto, validateResourceSet } from './resolve.js';
import { DEFAULT_SECRETS_DIR, readSecret } from './secrets.js';
import { secretRefId, type SecretKeyRef } from './secret-ref.js';

export interface CheckOptions {
  /** A YAML file or a directory of them. */
  readonly config: string;
  readonly secretsDir?: string;
  /** Resolve for this node only; when absent, for every Node in the config (check-config often runs off-node). */
  readonly nodeName?: string;
  /** Read and validate the referenced keys (default true). */
  readonly checkSecrets?: boolean;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly problems: readonly ConfigProblem[];
  /** Nodes resolved, with the number of peers each would run. */
  readonly nodes: readonly { readonly name: string; readonly peers: number }[];
}

interface RefUse {
  readonly ref: SecretKeyRef;
  readonly resource: string;
  readonly file: string;
  readonly path: string;
}

/** Every secretKeyRef in the resources, whichever node uses it. */
function secretUses(res: LoadedResources): RefUse[] {
  const uses: RefUse[] = [];
  for (const c of res.bgpConfigurations) {
    if (c.meta.name === 'default' && c.spec.nodeMeshPassword !== undefined) {
      uses.push({ ref: c.spec.nodeMeshPassword, resource: `BGPConfiguration/${c.meta.name}`, file: c.meta.file, path: 'spec.nodeMeshPassword.secretKeyRef' });
    }
  }
  for (const p of res.bgpPeers) {
    const site = { resource: `BGPPeer/${p.meta.name}`, file: p.meta.file };
    if (p.ext.auth === 'ao') {
      p.ext.aoKeys.forEach((k, i) => uses.push({ ref: k.secretKeyRef, ...site, path: `metadata.annotations["tsbgpd.io/ao-keys"][${i}].secretKeyRef` }));
    } else if (p.spec.password !== undefined) {
      uses.push({ ref: p.spec.password, ...site, path: 'spec.password.secretKeyRef' });
    }
  }
  return uses;
}

const problemKey = (p: ConfigProblem): string => `${p.severity}\0${p.resource}\0${p.file}\0${p.path}\0${p.message}`;

export async function checkConfig(opts: CheckOptions): Promise<CheckResult> {
  const loaded = await loadResources(opts.config);
  const sink = new ProblemSink();
  sink.problems.push(...loaded.problems);
  const res = loaded.resources;
  validateResourceSet(res, sink);

  const nodes: { name: string; peers: number }[] = [];
  const names = opts.nodeName !== undefined ? [opts.nodeName] : res.nodes.filter((n) => n.bgp !== undefined).map((n) => n.meta.name);
  if (names.length === 0) {
    sink.info({ resource: '-', file: opts.config }, '', 'INFO_CONFIG_NO_NODES', 'no Node resources with spec.bgp: peers were not derived; add the Node resources, or pass --node-name with a config that holds that Node');
  }
  for (const name of names) {
    const cfg = resolveInto(res, name, sink);
    if (cfg !== undefined) nodes.push({ name, peers: cfg.peers.length });
  }

  if (opts.checkSecrets === false) {
    if (secretUses(res).length > 0) sink.info({ resource: '-', file: '-' }, '', 'INFO_SECRETS_NOT_CHECKED', 'secrets were not read (checking was turned off)');
  } else {
    const dir = opts.secretsDir ?? DEFAULT_SECRETS_DIR;
    const done = new Map<string, Awaited<ReturnType<typeof readSecret>>>();
    for (const use of secretUses(res)) {
      const id = secretRefId(use.ref);
      let r = done.get(id);
      if (r === undefined) {
        r = await readSecret(use.ref, dir);
        done.set(id, r);
      }
      const site = { resource: use.resource, file: use.file };
      if (r.ok) sink.info(site, use.path, 'INFO_SECRET_OK', `secret ${id}: ${r.length} bytes, fingerprint ${r.fingerprint}`);
      else sink.error(site, use.path, r.code, `${r.reason}; this session would stay down`);
    }
  }

  const seen = new Set<string>();
  const problems = sink.problems.filter((p) => {
    const k = problemKey(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { ok: !hasErrors(problems), problems, nodes };
}

/** One line per problem, then a summary. */
export function formatProblems(problems: readonly ConfigProblem[], nodes: CheckResult['nodes'] = []): string {
  const lines = problems.map((p) => {
    const where = p.path !== '' ? ` ${p.path}:` : '';
    const file = p.file !== '-' ? ` [${p.file}]` : '';
    return `${p.severity.padEnd(7)} ${p.resource}${where} ${p.message}${file} (${p.code})`;
  });
  const count = (s: ConfigProblem['severity']): number => problems.filter((p) => p.severity === s).length;
  for (const n of nodes) lines.push(`node ${n.name}: ${n.peers} peer${n.peers === 1 ? '' : 's'}`);
  const errors = count('error');
  lines.push(`${errors} error(s), ${count('warning')} warning(s), ${count('info')} note(s): configuration is ${errors > 0 ? 'INVALID' : 'valid'}`);
  return lines.join('\n') + '\n';
}
