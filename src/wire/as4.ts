// RFC 6793 §4.2.3: rebuilding the 4-octet AS path and aggregator from what a 2-octet ("OLD") session carries
// (AS_PATH with AS_TRANS, plus AS4_PATH / AS4_AGGREGATOR). The sending side (AS_TRANS substitution, deriving
// AS4_PATH and AS4_AGGREGATOR) lives in the AS_PATH, AGGREGATOR and AS4_* registry rows.

import { AS_TRANS } from './iana.js';
import type { Aggregator, AsPathSegment } from './attributes/types.js';

/** Path length as RFC 4271 §9.1.2.2 counts it: an AS_SET counts 1, confederation segments 0. */
export function countAsns(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of path) n += s.type === 2 ? s.asns.length : s.type === 1 ? 1 : 0;
  return n;
}

/**
 * RFC 6793 §4.2.3: if AS_PATH has fewer ASNs than AS4_PATH, AS4_PATH is ignored. Otherwise take as many
 * leading ASNs and segments of AS_PATH as make the counts equal and prepend them to AS4_PATH; a leading
 * confederation segment (or one next to a prepended segment) is prepended too.
 */
export function reconstructAsPath(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): readonly AsPathSegment[] {
  const n2 = countAsns(asPath);
  const n4 = countAsns(as4Path);
  if (n2 < n4) return asPath;
  let need = n2 - n4;
  const head: AsPathSegment[] = [];
  for (const s of asPath) {
    // Reached only while every earlier segment was prepended: so this one leads or follows a prepended one.
    if (s.type === 3 || s.type === 4) {
      head.push(s);
      continue;
    }
    if (need === 0) break;
    if (s.type === 1) {
      head.push(s);
      need -= 1;
    } else {
      const take = Math.min(need, s.asns.length);
      head.push(take === s.asns.length ? s : { type: 2, asns: s.asns.slice(0, take) });
      need -= take;
    }
  }
  if (head.length === 0) return as4Path;
  // A partial AS_SEQUENCE followed by AS4_PATH's leading AS_SEQUENCE were one segment before the split.
  const last = head[head.length - 1]!;
  const first = as4Path[0];
  if (last.type === 2 && first !== undefined && first.type === 2 && last.asns.length + first.asns.length <= 255) {
    head[head.length - 1] = { type: 2, asns: [...last.asns, ...first.asns] };
    return [...head, ...as4Path.slice(1)];
  }
  return [...head, ...as4Path];
}

export interface As4Inputs {
  readonly asPath: readonly AsPathSegment[] | undefined;
  readonly as4Path: readonly AsPathSegment[] | undefined;
  readonly aggregator: Aggregator | undefined;
  readonly as4Aggregator: Aggregator | undefined;
}

export interface As4Result {
  readonly asPath: readonly AsPathSegment[] | undefined;
  readonly aggregator: Aggregator | undefined;
}

/**
 * RFC 6793 §4.2.3 on a 2-octet session: if AGGREGATOR holds an AS other than AS_TRANS, a later OLD speaker
 * aggregated, so AS4_AGGREGATOR and AS4_PATH are both ignored; if it holds AS_TRANS, AS4_AGGREGATOR gives the
 * true aggregator. Then AS_PATH and AS4_PATH merge as in `reconstructAsPath`.
 */
export function reconstructAs4(a: As4Inputs): As4Result {
  let aggregator = a.aggregator;
  let as4Path = a.as4Path;
  if (aggregator !== undefined && a.as4Aggregator !== undefined) {
    if (aggregator.asn !== AS_TRANS) as4Path = undefined;
    else aggregator = a.as4Aggregator;
  }
  const asPath = a.asPath !== undefined && as4Path !== undefined ? reconstructAsPath(a.asPath, as4Path) : a.asPath;
  return { asPath, aggregator };
}
