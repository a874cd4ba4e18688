// Watching the config path and the secrets dir for hot reload. The kubelet updates ConfigMap and Secret
// volumes by swapping a `..data` symlink, so we watch directories, never files: the config directory (or a
// config file's parent), the secrets dir and each `<secretsDir>/<name>` directory. Events are debounced;
// then a signature of what the files resolve to *now* (symlinks followed: device, inode, size, mtime)
// decides whether anything changed. A slow poll covers directories that appear later or events lost when a
// watched directory was removed. SIGHUP is the daemon's: it calls check() or reloads directly.

import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConfigLogger } from './problems.js';

export interface WatchChange {
  readonly config: boolean;
  readonly secrets: boolean;
}

export interface WatchOptions {
  readonly configPath: string;
  readonly secretsDir?: string;
  /** Quiet time after the last event before checking (default 200 ms). */
  readonly debounceMs?: number;
  /** Fallback poll period (default 2000 ms; 0 disables). */
  readonly pollMs?: number;
  readonly onChange: (change: WatchChange) => void;
  readonly logger?: ConfigLogger;
}

export interface ConfigWatcher {
  /** Check now (after the debounce) whether anything changed. */
  check(): void;
  /** The directories currently watched (for tests and status). */
  watched(): readonly string[];
  close(): void;
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** The directory itself when it exists, else the nearest existing ancestor (to see it appear). */
function existingOrAncestor(dir: string): string {
  let d = dir;
  while (!isDir(d)) {
    const up = dirname(d);
    if (up === d) return d;
    d = up;
  }
  return d;
}

function statSig(p: string): string {
  try {
    const s = statSync(p, { bigint: true });
    return `${p}:${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.isDirectory() ? 'd' : 'f'}`;
  } catch (e) {
    return `${p}:${(e as NodeJS.ErrnoException).code ?? 'ERR'}`;
  }
}

function listVisible(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort();
  } catch {
    return [];
  }
}

function configSignature(configPath: string): string {
  if (!isDir(configPath)) return statSig(configPath);
  return [statSig(configPath), ...listVisible(configPath).map((n) => statSig(join(configPath, n)))].join('|');
}

function secretsSignature(secretsDir: string): string {
  const parts: string[] = [isDir(secretsDir) ? 'dir' : 'missing'];
  for (const name of listVisible(secretsDir)) {
    const d = join(secretsDir, name);
    if (!isDir(d)) {
      parts.push(statSig(d));
      continue;
    }
    for (const key of listVisible(d)) parts.push(statSig(join(d, key)));
  }
  return parts.join('|');
}

export function watchConfig(opts: WatchOptions): ConfigWatcher {
  const debounceMs = opts.debounceMs ?? 200;
  const pollMs = opts.pollMs ?? 2000;
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastConfig = configSignature(opts.configPath);
  let lastSecrets = opts.secretsDir !== undefined ? secretsSignature(opts.secretsDir) : '';

  const desired = (): Set<string> => {
    const dirs = new Set<string>();
    dirs.add(existingOrAncestor(isDir(opts.configPath) ? opts.configPath : dirname(opts.configPath)));
    if (opts.secretsDir !== undefined) {
      dirs.add(existingOrAncestor(opts.secretsDir));
      for (const name of listVisible(opts.secretsDir)) {
        const d = join(opts.secretsDir, name);
        if (isDir(d)) dirs.add(d);
      }
    }
    return dirs;
  };

  const reconcile = (): void => {
    if (closed) return;
    const want = desired();
    for (const [dir, w] of watchers) {
      if (!want.has(dir) || !isDir(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of want) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => schedule());
        w.on('error', () => {
          // The directory went away (a Secret unmounted, a swap): drop it and look again.
          w.close();
          watchers.delete(dir);
          schedule();
        });
        watchers.set(dir, w);
      } catch (e) {
        opts.logger?.warn({ dir, code: (e as NodeJS.ErrnoException).code }, 'cannot watch directory; relying on polling');
      }
    }
  };

  const evaluate = (): void => {
    if (closed) return;
    reconcile();
    const c = configSignature(opts.configPath);
    const s = opts.secretsDir !== undefined ? secretsSignature(opts.secretsDir) : '';
    const change: WatchChange = { config: c !== lastConfig, secrets: s !== lastSecrets };
    lastConfig = c;
    lastSecrets = s;
    if (!change.config && !change.secrets) return;
    try {
      opts.onChange(change);
    } catch (e) {
      opts.logger?.error({ err: (e as Error).message }, 'config change callback failed');
    }
  };

  function schedule(): void {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      evaluate();
    }, debounceMs);
    timer.unref();
  }

  reconcile();
  const poll = pollMs > 0 ? setInterval(evaluate, pollMs) : undefined;
  poll?.unref();

  return {
    check: schedule,
    watched: () => [...watchers.keys()].sort(),
    close(): void {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (poll !== undefined) clearInterval(poll);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
