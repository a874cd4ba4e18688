// The configuration API the daemon uses. Typical start and reload:
//   const r = await loadConfig({ configPath, nodeName });          // errors => keep the last good config
//   const secrets = await readSecrets(r.config.secretRefs, dir);   // per-peer: a failed key keeps that peer down
//   const plan = planReload(prev, r, prevFingerprints, fingerprints(secrets));

import { loadResources } from './load.js';
import { ProblemSink } from './problems.js';
import { resolveConfig, validateResourceSet, type ResolveResult } from './resolve.js';

export interface LoadConfigOptions {
  readonly configPath: string;
  readonly nodeName: string;
}

/** Load, validate and resolve for one node. Not ok when any error was found anywhere. */
export async function loadConfig(opts: LoadConfigOptions): Promise<ResolveResult> {
  const loaded = await loadResources(opts.configPath);
  const sink = new ProblemSink();
  sink.problems.push(...loaded.problems);
  validateResourceSet(loaded.resources, sink);
  return resolveConfig(loaded.resources, opts.nodeName, sink.problems);
}

export * from './address.js';
export * from './check.js';
export * from './diff.js';
export * from './duration.js';
export * from './extensions.js';
export * from './load.js';
export * from './model.js';
export * from './peers.js';
export * from './problems.js';
export * from './resolve.js';
export * from './schema.js';
export * from './secret-ref.js';
export * from './secrets.js';
export * from './selector.js';
export * from './watch.js';
