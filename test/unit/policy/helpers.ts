// Builders for BGPFilter rules and prefixes in policy tests.

import { parseCidr } from '../../../src/config/address.js';
import type { FilterConfig } from '../../../src/config/model.js';
import type { BGPFilterRule, MatchOperator } from '../../../src/config/schema.js';
import { parsePrefix } from '../../../src/wire/nlri.js';
import { Afi } from '../../../src/wire/iana.js';
import type { PolicyPrefix } from '../../../src/policy/filter.js';

export interface RuleSpec {
  readonly cidr?: string;
  readonly op?: MatchOperator;
  readonly min?: number;
  readonly max?: number;
  readonly source?: 'RemotePeers';
  readonly iface?: string;
}

export function rule(action: 'Accept' | 'Reject', spec: RuleSpec = {}): BGPFilterRule {
  let cidr: BGPFilterRule['cidr'];
  if (spec.cidr !== undefined) {
    const c = parseCidr(spec.cidr);
    if (!c.ok) throw new Error(`bad cidr in test: ${spec.cidr}`);
    cidr = c.value;
  }
  const hasLength = spec.min !== undefined || spec.max !== undefined;
  return {
    action,
    cidr,
    matchOperator: spec.op,
    prefixLength: hasLength ? { min: spec.min, max: spec.max } : undefined,
    source: spec.source,
    interface: spec.iface,
  };
}

export function filter(name: string, lists: Partial<Omit<FilterConfig, 'name'>>): FilterConfig {
  return { name, exportV4: [], importV4: [], exportV6: [], importV6: [], ...lists };
}

/** "192.0.2.0/24" → {afi, addr: uint32, len}; "2001:db8::/32" → {afi, addr: 16 bytes, len}. */
export function pfx(text: string): PolicyPrefix {
  const p = parsePrefix(text);
  if (p === undefined) throw new Error(`bad prefix in test: ${text}`);
  if (p.afi === Afi.IPv4) {
    const a = ((p.addr[0]! << 24) | (p.addr[1]! << 16) | (p.addr[2]! << 8) | p.addr[3]!) >>> 0;
    return { afi: p.afi, addr: a, len: p.len };
  }
  return { afi: p.afi, addr: p.addr, len: p.len };
}

export const PEER = { source: 'peer' } as const;
export const LOCAL = { source: 'local' } as const;
