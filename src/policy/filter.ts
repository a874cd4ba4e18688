// A peer's BGPFilters compiled into one evaluator per direction, as calico/node applies them.
//
// calico/node (confd `bird_config.go` buildImportFilter/buildExportFilter) gives each BGPPeer-derived session
//   import filter { 'bgp_<f1>_importFilterV4'(); 'bgp_<f2>_importFilterV4'(); ...; accept; }
//   export filter { 'bgp_<f1>_exportFilterV4'(); ...; calico_export_to_bgp_peers(<same AS>); reject; }
// calling only the filters that have rules for that family, in `BGPPeer.spec.filters` order. A BIRD
// `accept;`/`reject;` inside a function ends the whole filter, so the rules of all the peer's filters form one
// list where the first match wins. With no match an import is accepted (the old `import all`), and an export
// falls through to calico/node's own export policy: this module reports that as 'default' and leaves it to
// the RIB (see README.md). An export rule that accepts bypasses that policy entirely.
//
// Hot path: `importV4`/`exportV4` run per prefix at full-table scale; they read typed arrays and allocate
// nothing. The object-shaped `import`/`export` add only the caller's prefix object.

import type { FilterConfig } from '../config/model.js';
import { Afi } from '../wire/iana.js';
import { compileRule, PrefixTest, ruleListKey, type CompiledRule, type PolicyAction, type PolicyDirection, type PolicyFamily, type PolicyNote } from './rule.js';

export type { CompiledRule, PolicyAction, PolicyDirection, PolicyFamily, PolicyNote } from './rule.js';

/** A prefix as the NLRI iterators give it: IPv4 as a uint32, IPv6 as bytes (at least ceil(len/8) of them). */
export interface PolicyPrefix {
  readonly afi: number;
  readonly addr: number | Uint8Array;
  readonly len: number;
}

/** Where a route to be exported came from: `peer` = learned from a BGP peer (BIRD's RTS_BGP). */
export interface ExportContext {
  readonly source: 'local' | 'peer';
}

/** Import has no context in Calico's rules; the parameter is kept for symmetry. */
export type ImportContext = Readonly<Record<string, never>>;

/** 'default': no rule matched; calico/node's own export policy decides (calico_export_to_bgp_peers). */
export type ExportVerdict = PolicyAction | 'default';

export interface PolicyDecision<V extends string> {
  readonly verdict: V;
  /** The rule that matched, or undefined when the default applied. */
  readonly rule: CompiledRule | undefined;
  /** One line for `routes`/`status` output. */
  readonly reason: string;
}

export class PolicyFamilyError extends TypeError {
  readonly code = 'ERR_POLICY_FAMILY';
}

const ACCEPT = 0;

/** One direction's rules as parallel typed arrays (struct of arrays: no object reads per rule). */
class RuleTable {
  readonly rules: readonly CompiledRule[];
  readonly count: number;
  readonly test: Uint8Array;
  readonly action: Uint8Array;
  readonly fromPeersOnly: Uint8Array;
  readonly cidrLength: Uint8Array;
  readonly minLength: Uint8Array;
  readonly maxLength: Uint8Array;
  /** IPv4: network and mask as int32 (bitwise results are int32, so compare without `>>> 0`). */
  readonly net4: Int32Array;
  readonly mask4: Int32Array;
  /** IPv6: 16 bytes per rule. */
  readonly net6: Uint8Array;

  constructor(rules: readonly CompiledRule[], direction: PolicyDirection) {
    const n = rules.length;
    this.rules = rules;
    this.count = n;
    this.test = new Uint8Array(n);
    this.action = new Uint8Array(n);
    this.fromPeersOnly = new Uint8Array(n);
    this.cidrLength = new Uint8Array(n);
    this.minLength = new Uint8Array(n);
    this.maxLength = new Uint8Array(n);
    this.net4 = new Int32Array(n);
    this.mask4 = new Int32Array(n);
    this.net6 = new Uint8Array(n * 16);
    for (let i = 0; i < n; i++) {
      const r = rules[i]!;
      // An interface condition never holds in tsbgpd, so the whole conjunction never does.
      this.test[i] = r.interfaceOnly ? PrefixTest.Never : r.test;
      this.action[i] = r.action === 'accept' ? ACCEPT : 1;
      // Every imported route was learned from a BGP peer: `source ~ [RTS_BGP]` always holds on import.
      this.fromPeersOnly[i] = r.fromPeersOnly && direction === 'export' ? 1 : 0;
      this.cidrLength[i] = r.cidrLength;
      this.minLength[i] = r.minLength;
      this.maxLength[i] = r.maxLength;
      if (r.network.length === 4) {
        this.net4[i] = (r.network[0]! << 24) | (r.network[1]! << 16) | (r.network[2]! << 8) | r.network[3]!;
        this.mask4[i] = r.cidrLength === 0 ? 0 : -1 << (32 - r.cidrLength);
      } else if (r.network.length === 16) {
        this.net6.set(r.network, i * 16);
      }
    }
  }

  /** Index of the first rule matching an IPv4 prefix, or -1. */
  match4(addr: number, len: number, fromPeer: boolean): number {
    const n = this.count;
    for (let i = 0; i < n; i++) {
      if (this.fromPeersOnly[i] === 1 && !fromPeer) continue;
      const t = this.test[i]!;
      if (t === PrefixTest.Always) return i;
      if (t === PrefixTest.Never) continue;
      const inside = (addr & this.mask4[i]!) === this.net4[i]!;
      let hit: boolean;
      switch (t) {
        case PrefixTest.Equal: hit = inside && len === this.cidrLength[i]!; break;
        case PrefixTest.NotEqual: hit = !(inside && len === this.cidrLength[i]!); break;
        case PrefixTest.In: hit = inside && len >= this.cidrLength[i]!; break;
        case PrefixTest.NotIn: hit = !(inside && len >= this.cidrLength[i]!); break;
        case PrefixTest.RangeIn: hit = inside && len >= this.minLength[i]! && len <= this.maxLength[i]!; break;
        default: hit = !(inside && len >= this.minLength[i]! && len <= this.maxLength[i]!); break;
      }
      if (hit) return i;
    }
    return -1;
  }

  /** Index of the first rule matching an IPv6 prefix, or -1. */
  match6(addr: Uint8Array, len: number, fromPeer: boolean): number {
    const n = this.count;
    for (let i = 0; i < n; i++) {
      if (this.fromPeersOnly[i] === 1 && !fromPeer) continue;
      const t = this.test[i]!;
      if (t === PrefixTest.Always) return i;
      if (t === PrefixTest.Never) continue;
      const cl = this.cidrLength[i]!;
      // The first `cl` bits only matter when the route is at least that long (every positive test needs it).
      const inside = len >= cl && this.prefix6Equal(i, addr, cl);
      let hit: boolean;
      switch (t) {
        case PrefixTest.Equal: hit = inside && len === cl; break;
        case PrefixTest.NotEqual: hit = !(inside && len === cl); break;
        case PrefixTest.In: hit = inside; break;
        case PrefixTest.NotIn: hit = !inside; break;
        case PrefixTest.RangeIn: hit = inside && len >= this.minLength[i]! && len <= this.maxLength[i]!; break;
        default: hit = !(inside && len >= this.minLength[i]! && len <= this.maxLength[i]!); break;
      }
      if (hit) return i;
    }
    return -1;
  }

  private prefix6Equal(i: number, addr: Uint8Array, bits: number): boolean {
    const net = this.net6;
    const base = i * 16;
    const whole = bits >> 3;
    for (let b = 0; b < whole; b++) if (addr[b] !== net[base + b]) return false;
    const rest = bits & 7;
    if (rest === 0) return true;
    const m = (0xff << (8 - rest)) & 0xff;
    return ((addr[whole]! & m) === net[base + whole]);
  }
}

export class CompiledPolicy {
  readonly family: PolicyFamily;
  readonly afi: number;
  /** Rules in evaluation order (filters in `BGPPeer.spec.filters` order, each filter's rules in order). */
  readonly importRules: readonly CompiledRule[];
  readonly exportRules: readonly CompiledRule[];
  /** Rules that behave in a way an operator may not expect (see PolicyNote codes). */
  readonly notes: readonly PolicyNote[];
  private readonly imp: RuleTable;
  private readonly exp: RuleTable;

  constructor(family: PolicyFamily, importRules: readonly CompiledRule[], exportRules: readonly CompiledRule[], notes: readonly PolicyNote[]) {
    this.family = family;
    this.afi = family === 4 ? Afi.IPv4 : Afi.IPv6;
    this.importRules = importRules;
    this.exportRules = exportRules;
    this.notes = notes;
    this.imp = new RuleTable(importRules, 'import');
    this.exp = new RuleTable(exportRules, 'export');
  }

  /** True when the peer has no rules at all for this family (every import accepted, every export 'default'). */
  get empty(): boolean {
    return this.imp.count === 0 && this.exp.count === 0;
  }

  // ---- hot path: no allocation ----

  importV4(addr: number, len: number): PolicyAction {
    const i = this.imp.match4(addr, len, true);
    return i < 0 ? 'accept' : this.imp.action[i] === ACCEPT ? 'accept' : 'reject';
  }

  exportV4(addr: number, len: number, fromPeer: boolean): ExportVerdict {
    const i = this.exp.match4(addr, len, fromPeer);
    return i < 0 ? 'default' : this.exp.action[i] === ACCEPT ? 'accept' : 'reject';
  }

  importV6(addr: Uint8Array, len: number): PolicyAction {
    const i = this.imp.match6(addr, len, true);
    return i < 0 ? 'accept' : this.imp.action[i] === ACCEPT ? 'accept' : 'reject';
  }

  exportV6(addr: Uint8Array, len: number, fromPeer: boolean): ExportVerdict {
    const i = this.exp.match6(addr, len, fromPeer);
    return i < 0 ? 'default' : this.exp.action[i] === ACCEPT ? 'accept' : 'reject';
  }

  /** Index into `importRules` of the deciding rule, or -1 for the default. */
  matchImport(prefix: PolicyPrefix): number {
    return this.match(this.imp, prefix, true);
  }

  /** Index into `exportRules` of the deciding rule, or -1 for the default. */
  matchExport(prefix: PolicyPrefix, ctx: ExportContext): number {
    return this.match(this.exp, prefix, ctx.source === 'peer');
  }

  import(prefix: PolicyPrefix, _ctx?: ImportContext): PolicyAction {
    const i = this.matchImport(prefix);
    return i < 0 ? 'accept' : this.imp.action[i] === ACCEPT ? 'accept' : 'reject';
  }

  export(prefix: PolicyPrefix, ctx: ExportContext): ExportVerdict {
    const i = this.matchExport(prefix, ctx);
    return i < 0 ? 'default' : this.exp.action[i] === ACCEPT ? 'accept' : 'reject';
  }

  // ---- display: allocates ----

  explainImport(prefix: PolicyPrefix, _ctx?: ImportContext): PolicyDecision<PolicyAction> {
    const i = this.matchImport(prefix);
    if (i < 0) {
      return { verdict: 'accept', rule: undefined, reason: 'no BGPFilter rule matched: accepted (calico/node imports everything by default)' };
    }
    const rule = this.importRules[i]!;
    return { verdict: rule.action, rule, reason: describe(rule) };
  }

  explainExport(prefix: PolicyPrefix, ctx: ExportContext): PolicyDecision<ExportVerdict> {
    const i = this.matchExport(prefix, ctx);
    if (i < 0) {
      return { verdict: 'default', rule: undefined, reason: "no BGPFilter rule matched: calico/node's export policy decides" };
    }
    const rule = this.exportRules[i]!;
    return { verdict: rule.action, rule, reason: describe(rule) };
  }

  private match(t: RuleTable, prefix: PolicyPrefix, fromPeer: boolean): number {
    if (prefix.afi !== this.afi) {
      throw new PolicyFamilyError(`an AFI ${prefix.afi} prefix given to the IPv${this.family} policy`);
    }
    const a = prefix.addr;
    return typeof a === 'number' ? t.match4(a, prefix.len, fromPeer) : t.match6(a, prefix.len, fromPeer);
  }
}

function describe(rule: CompiledRule): string {
  return `BGPFilter ${rule.filter} ${ruleListKey(rule.direction, rule.family)}[${rule.index}]: ${rule.text}`;
}

/**
 * Compile a peer's filters (in `BGPPeer.spec.filters` order, resolved to FilterConfig) for one family.
 * Mesh sessions have no filters in calico/node: pass an empty list.
 */
export function compilePolicy(filters: readonly FilterConfig[], family: PolicyFamily): CompiledPolicy {
  const notes: PolicyNote[] = [];
  const build = (direction: PolicyDirection): CompiledRule[] => {
    const out: CompiledRule[] = [];
    const key = ruleListKey(direction, family);
    for (const f of filters) {
      const list = f[key];
      for (let i = 0; i < list.length; i++) out.push(compileRule(f.name, direction, family, i, list[i]!, notes));
    }
    return out;
  };
  const importRules = build('import');
  const exportRules = build('export');
  return new CompiledPolicy(family, importRules, exportRules, notes);
}
