// Reading Calico resources from disk: one multi-document YAML file, or a directory of .yaml/.yml files (a
// mounted ConfigMap: the kubelet's `..data` and `..<timestamp>` entries are skipped, the symlinked files
// followed). Loading validates each resource; resolving them for one node is resolve.ts's job.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ProblemSink, type ConfigProblem } from './problems.js';
import { isMapping } from './reader.js';
import {
  parseResource,
  type BGPConfigurationResource,
  type BGPFilterResource,
  type BGPPeerResource,
  type BlockAffinityResource,
  type IPPoolResource,
  type CalicoResource,
  type NodeResource,
} from './schema.js';

export interface LoadedResources {
  /** Files read, in the order read. */
  readonly files: readonly string[];
  readonly bgpConfigurations: readonly BGPConfigurationResource[];
  readonly bgpPeers: readonly BGPPeerResource[];
  readonly nodes: readonly NodeResource[];
  readonly blockAffinities: readonly BlockAffinityResource[];
  readonly ipPools: readonly IPPoolResource[];
  readonly bgpFilters: readonly BGPFilterResource[];
}

export interface LoadResult {
  readonly resources: LoadedResources;
  readonly problems: readonly ConfigProblem[];
}

const YAML_EXT = /\.ya?ml$/i;

/** Parses the YAML documents of one file's text into validated resources. */
export function parseResourcesText(text: string, file: string, sink: ProblemSink): CalicoResource[] {
  const out: CalicoResource[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const where = e.linePos?.[0] !== undefined ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
        sink.error({ resource: '-', file }, '', 'ERR_CONFIG_YAML', `YAML document ${index + 1} is invalid${where}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
      }
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // an empty document between `---` lines
    dispatch(value, file, index, sink, out);
  });
  return out;
}

function dispatch(value: unknown, file: string, index: number, sink: ProblemSink, out: CalicoResource[]): void {
  // `kubectl get -o yaml` lists: kind List (v1) or e.g. BGPPeerList (projectcalico.org/v3), with items.
  if (isMapping(value) && typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items'])) {
    for (const item of value['items']) {
      const withVersion =
        isMapping(item) && item['apiVersion'] === undefined && value['apiVersion'] !== 'v1'
          ? { ...item, apiVersion: value['apiVersion'], kind: item['kind'] ?? value['kind'].slice(0, -4) }
          : item;
      dispatch(withVersion, file, index, sink, out);
    }
    return;
  }
  const r = parseResource(value, file, index, sink);
  if (r !== undefined) out.push(r);
}

/** Lists the YAML files of a config path: the file itself, or a directory's .yaml/.yml files by name. */
async function listFiles(configPath: string, sink: ProblemSink): Promise<string[] | undefined> {
  const site = { resource: '-', file: configPath };
  let st;
  try {
    st = await stat(configPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    sink.error(site, '', 'ERR_CONFIG_PATH', code === 'ENOENT'
      ? `config path ${configPath} does not exist; pass --config with a YAML file or a directory (e.g. a mounted ConfigMap)`
      : `config path ${configPath} cannot be read (${code ?? 'error'})`);
    return undefined;
  }
  if (st.isFile()) return [configPath];
  if (!st.isDirectory()) {
    sink.error(site, '', 'ERR_CONFIG_PATH', `config path ${configPath} is neither a file nor a directory`);
    return undefined;
  }
  const names = (await readdir(configPath)).sort();
  const files: string[] = [];
  for (const name of names) {
    // Dotfiles, and the kubelet's `..data` / `..2026_01_01_00_00_00.123` entries of a ConfigMap volume.
    if (name.startsWith('.')) continue;
    const full = join(configPath, name);
    if (!YAML_EXT.test(name)) {
      sink.info({ resource: '-', file: full }, '', 'INFO_CONFIG_SKIPPED', 'skipped: not a .yaml or .yml file');
      continue;
    }
    try {
      const s = await stat(full); // follows the ConfigMap's symlink into ..data/
      if (s.isFile()) files.push(full);
      else sink.info({ resource: '-', file: full }, '', 'INFO_CONFIG_SKIPPED', 'skipped: not a regular file (subdirectories are not read)');
    } catch (e) {
      sink.error({ resource: '-', file: full }, '', 'ERR_CONFIG_PATH', `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); a dangling symlink?`);
    }
  }
  if (files.length === 0) sink.error(site, '', 'ERR_CONFIG_EMPTY', `config directory ${configPath} holds no .yaml or .yml files`);
  return files;
}

/** Groups resources by kind and reports duplicates (same kind and name) as errors. */
export function collectResources(files: readonly string[], list: readonly CalicoResource[], sink: ProblemSink): LoadedResources {
  const seen = new Map<string, string>();
  const unique: CalicoResource[] = [];
  for (const r of list) {
    const id = `${r.kind}/${r.meta.name}`;
    const first = seen.get(id);
    if (first !== undefined) {
      sink.error({ resource: id, file: r.meta.file }, 'metadata.name', 'ERR_CONFIG_DUPLICATE', `${id} is defined twice (first in ${first}); names must be unique per kind`);
      continue;
    }
    seen.set(id, r.meta.file);
    unique.push(r);
  }
  const of = <K extends CalicoResource['kind']>(k: K) => unique.filter((r): r is Extract<CalicoResource, { kind: K }> => r.kind === k);
  return {
    files,
    bgpConfigurations: of('BGPConfiguration'),
    bgpPeers: of('BGPPeer'),
    nodes: of('Node'),
    blockAffinities: of('BlockAffinity'),
    ipPools: of('IPPool'),
    bgpFilters: of('BGPFilter'),
  };
}

/** Reads and validates every resource under `configPath`. Never throws for bad input; see `problems`. */
export async function loadResources(configPath: string): Promise<LoadResult> {
  const sink = new ProblemSink();
  const files = (await listFiles(configPath, sink)) ?? [];
  const all: CalicoResource[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      sink.error({ resource: '-', file }, '', 'ERR_CONFIG_PATH', `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    all.push(...parseResourcesText(text, file, sink));
  }
  return { resources: collectResources(files, all, sink), problems: sink.problems };
}

/** Loads resources from in-memory YAML (tests, and callers that already hold the text). */
export function loadResourcesFromText(text: string, file = '<inline>'): LoadResult {
  const sink = new ProblemSink();
  const list = parseResourcesText(text, file, sink);
  return { resources: collectResources([file], list, sink), problems: sink.problems };
}
