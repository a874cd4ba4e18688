// One Calico BGPFilter rule, normalised to what calico/node's BIRD configuration actually tests.
//
// calico/node (confd `template_funcs.go`, filterStatement/filterMatchCIDR/filterMatchPrefixLength) renders a
// rule as `if (<cidr test> && <source test> && <interface test>) then { accept|reject; }`, every part optional:
//   cidr without prefixLength:  `net = C` (Equal), `net != C` (NotEqual), `net ~ C` (In), `net !~ C` (NotIn)
//   cidr with prefixLength:     the same operator against the prefix set `[ C{min,max} ]`, where
//                               min = max(len(C), prefixLength.min) and max = min(32|128, prefixLength.max)
//   source: RemotePeers:        `defined(source) && source ~ [ RTS_BGP ]`
//   interface: X:               `defined(ifname) && ifname ~ "X"`
// See README.md for the sources and for what BIRD does with each operator.

import type { FilterConfig } from '../config/model.js';
import type { BGPFilterRule } from '../config/schema.js';
import { parsePrefix } from '../wire/nlri.js';

export type PolicyFamily = 4 | 6;
export type PolicyDirection = 'import' | 'export';
export type PolicyAction = 'accept' | 'reject';

/**
 * How the prefix is tested. `range-*`: against a BIRD prefix set `[C{min,max}]`. A net is never `=` to a
 * prefix set and always `!=` to one (BIRD compares values of different types as unequal), so Equal and
 * NotEqual with a prefixLength become `never` and `always`, exactly as calico/node behaves.
 */
export const enum PrefixTest {
  Always = 0,
  Never = 1,
  Equal = 2,
  NotEqual = 3,
  In = 4,
  NotIn = 5,
  RangeIn = 6,
  RangeNotIn = 7,
}

/** A rule as compiled: the data the evaluator runs plus what `explain` shows. */
export interface CompiledRule {
  /** BGPFilter name. */
  readonly filter: string;
  readonly direction: PolicyDirection;
  readonly family: PolicyFamily;
  /** Position in the filter's `importV4`/`exportV4`/`importV6`/`exportV6` list, from 0. */
  readonly index: number;
  readonly action: PolicyAction;
  readonly test: PrefixTest;
  /** Network of `cidr`, host bits cleared: 4 or 16 bytes (empty when the rule has no cidr). */
  readonly network: Uint8Array;
  /** Length of `cidr` (0 without one). */
  readonly cidrLength: number;
  /** Effective length range for the Range tests (min > max: an empty set). */
  readonly minLength: number;
  readonly maxLength: number;
  /** `source: RemotePeers`: only routes learned from a BGP peer. */
  readonly fromPeersOnly: boolean;
  /** `interface` set: tsbgpd has no interface routes, so the rule never matches. */
  readonly interfaceOnly: boolean;
  /** Calico's own wording of the rule in BIRD terms, for display. */
  readonly text: string;
}

export interface PolicyNote {
  readonly filter: string;
  /** e.g. `importV4[2]`. */
  readonly rule: string;
  readonly code: 'ERR_POLICY_EQUAL_WITH_PREFIX_LENGTH' | 'ERR_POLICY_EMPTY_LENGTH_RANGE' | 'ERR_POLICY_INTERFACE' | 'ERR_POLICY_SOURCE_ON_IMPORT';
  readonly message: string;
}

const OPERATOR_TEXT = { Equal: '=', NotEqual: '!=', In: '~', NotIn: '!~' } as const;

export function ruleListKey(direction: PolicyDirection, family: PolicyFamily): keyof Omit<FilterConfig, 'name'> {
  return `${direction}V${family}`;
}

/** Normalise one rule; `notes` receives what an operator should know about it. */
export function compileRule(
  filter: string,
  direction: PolicyDirection,
  family: PolicyFamily,
  index: number,
  rule: BGPFilterRule,
  notes: PolicyNote[],
): CompiledRule {
  const where = `${ruleListKey(direction, family)}[${index}]`;
  const familyMax = family === 4 ? 32 : 128;
  const conditions: string[] = [];
  let test = PrefixTest.Always;
  let network: Uint8Array = new Uint8Array(0);
  let cidrLength = 0;
  let minLength = 0;
  let maxLength = familyMax;

  if (rule.cidr !== undefined && rule.matchOperator !== undefined) {
    const parsed = parsePrefix(rule.cidr.cidr);
    if (parsed === undefined || parsed.addr.length !== (family === 4 ? 4 : 16)) {
      throw new TypeError(`BGPFilter ${filter} ${where}: cidr ${rule.cidr.cidr} is not an IPv${family} prefix`);
    }
    network = parsed.addr;
    cidrLength = parsed.len;
    const op = rule.matchOperator;
    if (rule.prefixLength === undefined) {
      test = op === 'Equal' ? PrefixTest.Equal : op === 'NotEqual' ? PrefixTest.NotEqual : op === 'In' ? PrefixTest.In : PrefixTest.NotIn;
      conditions.push(`net ${OPERATOR_TEXT[op]} ${rule.cidr.cidr}`);
    } else {
      // filterMatchPrefixLength: min defaults to the cidr's length and is never below it; max defaults to
      // the family's maximum and is never above it.
      minLength = Math.max(cidrLength, rule.prefixLength.min ?? cidrLength);
      maxLength = Math.min(familyMax, rule.prefixLength.max ?? familyMax);
      conditions.push(`net ${OPERATOR_TEXT[op]} [ ${rule.cidr.cidr}{${minLength},${maxLength}} ]`);
      if (op === 'Equal' || op === 'NotEqual') {
        test = op === 'Equal' ? PrefixTest.Never : PrefixTest.Always;
        notes.push({
          filter, rule: where, code: 'ERR_POLICY_EQUAL_WITH_PREFIX_LENGTH',
          message: `matchOperator ${op} with prefixLength compares a route with a prefix set, which BIRD never finds equal: as in calico/node, this rule ${op === 'Equal' ? 'never matches' : 'matches every route'}; use In/NotIn`,
        });
      } else {
        test = op === 'In' ? PrefixTest.RangeIn : PrefixTest.RangeNotIn;
        if (minLength > maxLength) {
          notes.push({
            filter, rule: where, code: 'ERR_POLICY_EMPTY_LENGTH_RANGE',
            message: `prefix lengths ${minLength}..${maxLength} are empty (calico/node's BIRD would refuse this configuration); tsbgpd treats the set as empty, so ${op} ${op === 'In' ? 'never matches' : 'matches every route'}`,
          });
        }
      }
    }
  }

  const fromPeersOnly = rule.source === 'RemotePeers';
  if (fromPeersOnly) {
    conditions.push('source RemotePeers');
    if (direction === 'import') {
      notes.push({
        filter, rule: where, code: 'ERR_POLICY_SOURCE_ON_IMPORT',
        message: 'source: RemotePeers on an import rule is always true (every imported route comes from a BGP peer)',
      });
    }
  }
  const interfaceOnly = rule.interface !== undefined;
  if (interfaceOnly) {
    conditions.push(`interface "${rule.interface}"`);
    notes.push({
      filter, rule: where, code: 'ERR_POLICY_INTERFACE',
      message: 'interface rules never match in tsbgpd: it has no interface routes',
    });
  }

  const action: PolicyAction = rule.action === 'Accept' ? 'accept' : 'reject';
  const text = conditions.length === 0 ? `${action}` : `if ${conditions.join(' && ')} then ${action}`;
  return { filter, direction, family, index, action, test, network, cidrLength, minLength, maxLength, fromPeersOnly, interfaceOnly, text };
}
