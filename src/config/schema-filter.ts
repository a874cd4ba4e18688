// BGPFilter: per-family import/export rule lists, first match wins (Calico's semantics).

import { readCidr } from './fields.js';
import type { ProblemSink, ProblemSite } from './problems.js';
import type { ObjReader } from './reader.js';
import type { BGPFilterResource, BGPFilterRule, ResourceMeta } from './schema.js';

function parseRules(r: ObjReader, key: 'exportV4' | 'importV4' | 'exportV6' | 'importV6', sink: ProblemSink, site: ProblemSite): BGPFilterRule[] {
  const family = key.endsWith('V4') ? 4 : 6;
  const isExport = key.startsWith('export');
  const max = family === 4 ? 32 : 128;
  const out: BGPFilterRule[] = [];
  for (const rule of r.objList(key)) {
    const action = rule.oneOf('action', ['Accept', 'Reject'] as const);
    if (action === undefined && !rule.has('action')) sink.error(site, rule.at('action'), 'ERR_CONFIG_REQUIRED', 'is required (Accept or Reject)');
    const cidr = readCidr(rule, 'cidr');
    if (cidr !== undefined && cidr.family !== family) {
      sink.error(site, rule.at('cidr'), 'ERR_CONFIG_CIDR', `is an IPv${cidr.family} prefix in a ${key} rule`);
    }
    const matchOperator = rule.oneOf('matchOperator', ['Equal', 'NotEqual', 'In', 'NotIn'] as const);
    if (rule.has('cidr') !== rule.has('matchOperator')) {
      sink.error(site, rule.has('cidr') ? rule.at('matchOperator') : rule.at('cidr'), 'ERR_CONFIG_REQUIRED', 'cidr and matchOperator must be given together');
    }
    let prefixLength: BGPFilterRule['prefixLength'];
    const pl = rule.obj('prefixLength');
    if (pl !== undefined) {
      const min = pl.int('min', 0, max);
      const maxLen = pl.int('max', 0, max);
      pl.finish();
      if (min !== undefined && maxLen !== undefined && min > maxLen) sink.error(site, pl.path, 'ERR_CONFIG_RANGE', `min ${min} is greater than max ${maxLen}`);
      if (cidr !== undefined && min !== undefined && min < cidr.prefixLength) {
        sink.warning(site, pl.at('min'), 'ERR_CONFIG_RANGE', `is below the length of ${cidr.cidr}; no route inside it can be that short`);
      }
      if (!rule.has('cidr')) sink.error(site, pl.path, 'ERR_CONFIG_REQUIRED', 'needs cidr and matchOperator in the same rule');
      prefixLength = { min, max: maxLen };
    }
    const source = rule.oneOf('source', ['RemotePeers'] as const);
    if (source !== undefined && !isExport) sink.error(site, rule.at('source'), 'ERR_CONFIG_CONFLICT', 'is only valid in export rules');
    const iface = rule.str('interface');
    if (iface !== undefined) {
      if (!isExport) sink.error(site, rule.at('interface'), 'ERR_CONFIG_CONFLICT', 'is only valid in export rules');
      sink.warning(site, rule.at('interface'), 'ERR_CONFIG_NOT_IMPLEMENTED', 'is not implemented by tsbgpd: it does not export interface routes, so this rule never matches');
    }
    rule.finish();
    if (action === undefined || (cidr !== undefined && cidr.family !== family)) continue;
    out.push({ action, cidr, matchOperator, prefixLength, source, interface: iface });
  }
  return out;
}

export function parseBGPFilter(meta: ResourceMeta, r: ObjReader, sink: ProblemSink, site: ProblemSite): BGPFilterResource {
  const res: BGPFilterResource = {
    kind: 'BGPFilter',
    meta,
    exportV4: parseRules(r, 'exportV4', sink, site),
    importV4: parseRules(r, 'importV4', sink, site),
    exportV6: parseRules(r, 'exportV6', sink, site),
    importV6: parseRules(r, 'importV6', sink, site),
  };
  r.finish();
  return res;
}
