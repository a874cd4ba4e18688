// tsbgpd's own settings, for what Calico's API lacks. They are metadata.annotations with the `tsbgpd.io/`
// prefix: Calico's CRD validation keeps annotations (unknown spec fields would be pruned or rejected), and
// calico/node ignores them, so the same manifests stay valid for both daemons. See README.md.

import { parse as parseYaml } from 'yaml';
import { joinPath, type ProblemSink, type ProblemSite } from './problems.js';
import { isMapping } from './reader.js';
import { checkSecretRefName } from './secret-ref.js';
import { parseGoDuration } from './duration.js';
import type { SecretKeyRef } from './secret-ref.js';

export const EXT_PREFIX = 'tsbgpd.io/';

export const ANN = {
  kernelRoutes: 'tsbgpd.io/kernel-routes',
  kernelTable: 'tsbgpd.io/kernel-table',
  kernelScanTime: 'tsbgpd.io/kernel-scan-time',
  holdTime: 'tsbgpd.io/hold-time',
  auth: 'tsbgpd.io/auth',
  aoKeys: 'tsbgpd.io/ao-keys',
  aoCurrentKey: 'tsbgpd.io/ao-current-key',
  aoRNextKey: 'tsbgpd.io/ao-rnext-key',
  routerId: 'tsbgpd.io/router-id',
} as const;

/** TCP-AO MAC algorithms (RFC 5926 §3.1 mandatory two, plus HMAC-SHA-256 which Linux and BIRD offer). */
export const AO_ALGORITHMS = ['hmac-sha-1-96', 'aes-128-cmac-96', 'hmac-sha-256'] as const;
export type AoAlgorithm = (typeof AO_ALGORITHMS)[number];

/** One Master Key Tuple (RFC 5925 §3.1): SendID, RecvID, MAC algorithm, and where the key lives. */
export interface AoKeyConfig {
  readonly sendId: number;
  readonly recvId: number;
  readonly algorithm: AoAlgorithm;
  readonly secretKeyRef: SecretKeyRef;
}

export interface GlobalExtensions {
  /** Program learned routes into the kernel (default true). */
  readonly kernelRoutes: boolean;
  /** Kernel routing table for learned routes (default 254, `main`). */
  readonly kernelTable: number;
  /**
   * Seconds between re-syncs of our kernel routes with the Loc-RIB (BIRD's kernel `scan time`); 0 = no
   * periodic scan. Present only when the annotation is set (default DEFAULT_KERNEL_SCAN_TIME).
   */
  readonly kernelScanTime?: number;
  /** Hold time offered in OPEN for every peer, seconds (default 240, BIRD's and so calico/node's). */
  readonly holdTime: number | undefined;
}

export interface PeerExtensions {
  readonly auth: 'md5' | 'ao' | 'none' | undefined;
  readonly aoKeys: readonly AoKeyConfig[];
  readonly aoCurrentKey: number | undefined;
  readonly aoRNextKey: number | undefined;
  readonly holdTime: number | undefined;
}

export interface NodeExtensions {
  readonly routerId: string | undefined;
}

const annPath = (name: string): string => `metadata.annotations["${name}"]`;

type Ann = Readonly<Record<string, string>>;

function warnUnknown(ann: Ann, allowed: readonly string[], kind: string, sink: ProblemSink, site: ProblemSite): void {
  for (const k of Object.keys(ann)) {
    if (k.startsWith(EXT_PREFIX) && !allowed.includes(k)) {
      sink.warning(
        site,
        annPath(k),
        'ERR_CONFIG_UNKNOWN_EXTENSION',
        `is not a tsbgpd annotation on ${kind} and is ignored; known here: ${allowed.join(', ')}`,
      );
    }
  }
}

function intAnn(ann: Ann, name: string, min: number, max: number, sink: ProblemSink, site: ProblemSite): number | undefined {
  const v = ann[name];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) {
    sink.error(site, annPath(name), 'ERR_CONFIG_EXTENSION_VALUE', `is "${v}"; it must be an integer from ${min} to ${max}`);
    return undefined;
  }
  return Number(v);
}

/** RFC 4271 §4.2: a hold time is 0 or at least 3 seconds. */
function holdTimeAnn(ann: Ann, sink: ProblemSink, site: ProblemSite): number | undefined {
  const h = intAnn(ann, ANN.holdTime, 0, 65535, sink, site);
  if (h !== undefined && h > 0 && h < 3) {
    sink.error(site, annPath(ANN.holdTime), 'ERR_CONFIG_EXTENSION_VALUE', `is ${h}; RFC 4271 §4.2 allows 0 or 3 to 65535 seconds`);
    return undefined;
  }
  return h;
}

/** BIRD's kernel protocol default `scan time`, seconds. */
export const DEFAULT_KERNEL_SCAN_TIME = 60;
/** Longest scan period accepted: a day. */
const MAX_KERNEL_SCAN_TIME = 86_400;
/** Shorter scans are allowed but warned about: each one dumps every route of ours (2–3 s of CPU per million). */
const SHORT_KERNEL_SCAN_TIME = 5;

/** `tsbgpd.io/kernel-scan-time`: whole seconds ("60", as BIRD writes it) or a Go duration ("1m"); "0" = off. */
function kernelScanTimeAnn(ann: Ann, sink: ProblemSink, site: ProblemSite): number | undefined {
  const v = ann[ANN.kernelScanTime];
  if (v === undefined) return undefined;
  const path = annPath(ANN.kernelScanTime);
  const t = v.trim();
  const d = /^\d+$/.test(t) ? { ok: true as const, ms: Number(t) * 1000 } : parseGoDuration(t);
  if (!d.ok || d.ms % 1000 !== 0 || d.ms > MAX_KERNEL_SCAN_TIME * 1000) {
    sink.error(site, path, 'ERR_CONFIG_EXTENSION_VALUE',
      `is "${v}"; write whole seconds from 0 (no periodic scan) to ${MAX_KERNEL_SCAN_TIME}, e.g. "60" or "2m"`);
    return undefined;
  }
  const s = d.ms / 1000;
  if (s > 0 && s < SHORT_KERNEL_SCAN_TIME) {
    sink.warning(site, path, 'ERR_CONFIG_EXTENSION_VALUE',
      `is ${s} s; every scan re-reads all of tsbgpd's kernel routes (about 2–3 s of CPU per million routes), so ${SHORT_KERNEL_SCAN_TIME} s or more is advised`);
  }
  return s;
}

export function parseGlobalExtensions(ann: Ann, sink: ProblemSink, site: ProblemSite): GlobalExtensions {
  warnUnknown(ann, [ANN.kernelRoutes, ANN.kernelTable, ANN.kernelScanTime, ANN.holdTime], 'BGPConfiguration', sink, site);
  let kernelRoutes = true;
  const kr = ann[ANN.kernelRoutes];
  if (kr !== undefined) {
    if (kr === 'true' || kr === 'false') kernelRoutes = kr === 'true';
    else sink.error(site, annPath(ANN.kernelRoutes), 'ERR_CONFIG_EXTENSION_VALUE', `is "${kr}"; write "true" or "false"`);
  }
  let kernelTable = intAnn(ann, ANN.kernelTable, 1, 0xffffffff, sink, site) ?? 254;
  if (kernelTable === 255) {
    sink.error(site, annPath(ANN.kernelTable), 'ERR_CONFIG_EXTENSION_VALUE', 'is 255, the kernel\'s local table; use 254 (main) or a table of your own');
    kernelTable = 254;
  }
  const kernelScanTime = kernelScanTimeAnn(ann, sink, site);
  return { kernelRoutes, kernelTable, ...(kernelScanTime !== undefined ? { kernelScanTime } : {}), holdTime: holdTimeAnn(ann, sink, site) };
}

export function parseNodeExtensions(ann: Ann, sink: ProblemSink, site: ProblemSite): NodeExtensions {
  warnUnknown(ann, [ANN.routerId], 'Node', sink, site);
  const r = ann[ANN.routerId];
  if (r !== undefined && !/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(r)) {
    sink.error(site, annPath(ANN.routerId), 'ERR_CONFIG_EXTENSION_VALUE', `is "${r}"; a BGP Identifier is written as an IPv4 address (RFC 6286)`);
    return { routerId: undefined };
  }
  return { routerId: r };
}

export function parsePeerExtensions(ann: Ann, sink: ProblemSink, site: ProblemSite): PeerExtensions {
  warnUnknown(ann, [ANN.auth, ANN.aoKeys, ANN.aoCurrentKey, ANN.aoRNextKey, ANN.holdTime], 'BGPPeer', sink, site);
  let auth: PeerExtensions['auth'];
  const a = ann[ANN.auth];
  if (a !== undefined) {
    if (a === 'md5' || a === 'ao' || a === 'none') auth = a;
    else sink.error(site, annPath(ANN.auth), 'ERR_CONFIG_EXTENSION_VALUE', `is "${a}"; write md5, ao or none`);
  }
  const aoKeys = parseAoKeys(ann[ANN.aoKeys], sink, site);
  const aoCurrentKey = intAnn(ann, ANN.aoCurrentKey, 0, 255, sink, site);
  const aoRNextKey = intAnn(ann, ANN.aoRNextKey, 0, 255, sink, site);
  if (auth !== 'ao') {
    for (const k of [ANN.aoKeys, ANN.aoCurrentKey, ANN.aoRNextKey]) {
      if (ann[k] !== undefined) {
        sink.warning(site, annPath(k), 'ERR_CONFIG_EXTENSION_UNUSED', `is ignored because ${ANN.auth} is not "ao"`);
      }
    }
  }
  return { auth, aoKeys, aoCurrentKey, aoRNextKey, holdTime: holdTimeAnn(ann, sink, site) };
}

/**
 * `tsbgpd.io/ao-keys` holds a YAML (or JSON) list of MKTs:
 *   - {sendId: 1, recvId: 1, algorithm: hmac-sha-1-96, secretKeyRef: {name: bgp-ao, key: key1}}
 */
function parseAoKeys(text: string | undefined, sink: ProblemSink, site: ProblemSite): AoKeyConfig[] {
  if (text === undefined) return [];
  const path = annPath(ANN.aoKeys);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    sink.error(site, path, 'ERR_CONFIG_EXTENSION_VALUE', `is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
    return [];
  }
  if (!Array.isArray(doc) || doc.length === 0) {
    sink.error(site, path, 'ERR_CONFIG_EXTENSION_VALUE', 'must be a non-empty list of {sendId, recvId, algorithm, secretKeyRef: {name, key}}');
    return [];
  }
  const keys: AoKeyConfig[] = [];
  doc.forEach((item, i) => {
    const p = joinPath(path, i);
    if (!isMapping(item)) {
      sink.error(site, p, 'ERR_CONFIG_EXTENSION_VALUE', 'must be a mapping');
      return;
    }
    const id = (k: string): number | undefined => {
      const v = item[k];
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) return v;
      sink.error(site, joinPath(p, k), 'ERR_CONFIG_EXTENSION_VALUE', 'must be a KeyID from 0 to 255 (RFC 5925 §3.1)');
      return undefined;
    };
    const sendId = id('sendId');
    const recvId = id('recvId');
    const alg = item['algorithm'] ?? 'hmac-sha-1-96';
    if (typeof alg !== 'string' || !(AO_ALGORITHMS as readonly string[]).includes(alg)) {
      sink.error(site, joinPath(p, 'algorithm'), 'ERR_CONFIG_EXTENSION_VALUE', `must be one of ${AO_ALGORITHMS.join(', ')}`);
      return;
    }
    const ref = item['secretKeyRef'];
    if (!isMapping(ref) || typeof ref['name'] !== 'string' || typeof ref['key'] !== 'string') {
      sink.error(site, joinPath(p, 'secretKeyRef'), 'ERR_CONFIG_EXTENSION_VALUE', 'must be {name: <secret>, key: <key>}');
      return;
    }
    for (const f of ['name', 'key'] as const) {
      const why = checkSecretRefName(ref[f] as string, f);
      if (why !== undefined) sink.error(site, joinPath(joinPath(p, 'secretKeyRef'), f), 'ERR_CONFIG_SECRET_REF', why);
    }
    for (const k of Object.keys(item)) {
      if (!['sendId', 'recvId', 'algorithm', 'secretKeyRef'].includes(k)) {
        sink.warning(site, joinPath(p, k), 'ERR_CONFIG_UNKNOWN_FIELD', 'is not an MKT field (sendId, recvId, algorithm, secretKeyRef) and is ignored');
      }
    }
    if (sendId === undefined || recvId === undefined) return;
    if (keys.some((k) => k.sendId === sendId || k.recvId === recvId)) {
      sink.error(site, p, 'ERR_CONFIG_EXTENSION_VALUE', `reuses sendId ${sendId} or recvId ${recvId}; RFC 5925 §3.1 needs them unique per connection`);
      return;
    }
    keys.push({ sendId, recvId, algorithm: alg as AoAlgorithm, secretKeyRef: { name: ref['name'] as string, key: ref['key'] as string } });
  });
  return keys;
}
