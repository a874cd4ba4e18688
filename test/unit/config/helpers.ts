// Shared test helpers: temporary directories, Kubernetes Secret volume layouts, resolved configs from text.

import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadResourcesFromText } from '../../../src/config/load.js';
import { ProblemSink, type ConfigProblem } from '../../../src/config/problems.js';
import { resolveConfig, validateResourceSet } from '../../../src/config/resolve.js';
import type { ResolvedConfig } from '../../../src/config/model.js';

/** The repository root (tests run compiled from dist/test/unit/config/). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'config');
export const EXAMPLES = join(ROOT, 'examples');

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `tsbgpd-config-${tag}-${process.pid}-`));
}

export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

let stamp = 0;

/**
 * Writes `<secretsDir>/<name>/` the way the kubelet's atomic writer does: the data in `..<timestamp>/`,
 * `..data` a symlink to it, each key a symlink to `..data/<key>`. Calling it again swaps `..data`
 * atomically (rename of a fresh symlink over the old one) and removes the old timestamped directory.
 */
export function writeSecretVolume(secretsDir: string, name: string, keys: Record<string, string | Uint8Array>): void {
  const dir = join(secretsDir, name);
  mkdirSync(dir, { recursive: true });
  const old = readdirSync(dir).filter((n) => n.startsWith('..') && n !== '..data' && n !== '..data_tmp');
  const ts = `..2026_01_01_00_00_${String(++stamp).padStart(2, '0')}.${process.pid}`;
  mkdirSync(join(dir, ts));
  for (const [k, v] of Object.entries(keys)) writeFileSync(join(dir, ts, k), v);
  symlinkSync(ts, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const k of Object.keys(keys)) {
    try {
      symlinkSync(join('..data', k), join(dir, k));
    } catch {
      // already linked from the previous version
    }
  }
  for (const o of old) rmSync(join(dir, o), { recursive: true, force: true });
}

/** Loads YAML text, validates the set and resolves for `node`. */
export function resolveText(text: string, node: string): { config: ResolvedConfig | undefined; problems: readonly ConfigProblem[] } {
  const loaded = loadResourcesFromText(text, 'test.yaml');
  const sink = new ProblemSink();
  sink.problems.push(...loaded.problems);
  validateResourceSet(loaded.resources, sink);
  const r = resolveConfig(loaded.resources, node, sink.problems);
  return { config: r.ok ? r.config : undefined, problems: r.problems };
}

export const errorsOf = (ps: readonly ConfigProblem[]): ConfigProblem[] => ps.filter((p) => p.severity === 'error');
export const warningsOf = (ps: readonly ConfigProblem[]): ConfigProblem[] => ps.filter((p) => p.severity === 'warning');

/** A Node resource in YAML. */
export function nodeYaml(name: string, v4?: string, opts: { v6?: string; as?: number; cluster?: string; labels?: Record<string, string> } = {}): string {
  const lines = ['apiVersion: projectcalico.org/v3', 'kind: Node', 'metadata:', `  name: ${name}`];
  if (opts.labels !== undefined) {
    lines.push('  labels:');
    for (const [k, v] of Object.entries(opts.labels)) lines.push(`    ${k}: "${v}"`);
  }
  lines.push('spec:', '  bgp:');
  if (v4 !== undefined) lines.push(`    ipv4Address: ${v4}`);
  if (opts.v6 !== undefined) lines.push(`    ipv6Address: ${opts.v6}`);
  if (opts.as !== undefined) lines.push(`    asNumber: ${opts.as}`);
  if (opts.cluster !== undefined) lines.push(`    routeReflectorClusterID: ${opts.cluster}`);
  return lines.join('\n') + '\n---\n';
}
