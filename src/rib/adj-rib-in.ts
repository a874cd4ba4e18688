// Adj-RIB-In of one peer (RFC 4271 §3.2): the routes it advertised to us, after the codec's RFC 7606
// treatment. IPv4 prefixes are keyed by a number (address * 64 + length), so a route costs one Map entry and
// no per-prefix object; IPv6 prefixes by their text.
import { forEachIPv4, forEachIPv6, type PackedNlri } from '../wire/nlri.js';
import { ipv4ToString, ipv6ToString } from '../wire/addr.js';
import { Afi } from '../wire/iana.js';
import type { UpdateMessage } from '../wire/update.js';
import type { MpNextHop } from '../wire/attributes/types.js';
import type { AttrInterner, AttrSet } from './attr-set.js';

export const v4Key = (addr: number, len: number): number => (addr >>> 0) * 64 + len;
export const v4KeyToString = (key: number): string => `${ipv4ToString(Math.floor(key / 64))}/${key % 64}`;

export function nextHopText(nh: MpNextHop): string {
  switch (nh.kind) {
    case 'ipv4': return ipv4ToString(nh.addr);
    case 'ipv6': return ipv6ToString(nh.global);
    case 'raw': return '';
  }
}

export class AdjRibIn {
  readonly v4 = new Map<number, AttrSet>();
  readonly v6 = new Map<string, AttrSet>();

  constructor(private readonly interner: AttrInterner) {}

  get size(): number {
    return this.v4.size + this.v6.size;
  }

  private setV4(key: number, set: AttrSet | undefined): void {
    const old = this.v4.get(key);
    if (old === set) return;
    if (old !== undefined) this.interner.release(old);
    if (set === undefined) this.v4.delete(key);
    else {
      set.refs++;
      this.v4.set(key, set); // implicit withdrawal of `old` (RFC 4271 §3.1)
    }
  }

  private setV6(key: string, set: AttrSet | undefined): void {
    const old = this.v6.get(key);
    if (old === set) return;
    if (old !== undefined) this.interner.release(old);
    if (set === undefined) this.v6.delete(key);
    else {
      set.refs++;
      this.v6.set(key, set);
    }
  }

  private withdraw(nlri: PackedNlri): number {
    let n = 0;
    if (nlri.count === 0) return 0;
    if (nlri.afi === Afi.IPv4) forEachIPv4(nlri, (a, l) => { if (this.v4.has(v4Key(a, l))) n++; this.setV4(v4Key(a, l), undefined); });
    else if (nlri.afi === Afi.IPv6) forEachIPv6(nlri, (a, l) => { const k = `${ipv6ToString(a)}/${l}`; if (this.v6.has(k)) n++; this.setV6(k, undefined); });
    return n;
  }

  /**
   * Apply one UPDATE. `treatAsWithdraw` (RFC 7606 §2) withdraws every NLRI the UPDATE carries instead.
   * Returns the number of prefixes announced and withdrawn.
   */
  apply(u: UpdateMessage, treatAsWithdraw: boolean): { announced: number; withdrawn: number } {
    let withdrawn = this.withdraw(u.withdrawn);
    if (u.mpUnreach !== undefined) withdrawn += this.withdraw(u.mpUnreach.nlri);
    let announced = 0;
    if (treatAsWithdraw) {
      withdrawn += this.withdraw(u.nlri);
      if (u.mpReach !== undefined) withdrawn += this.withdraw(u.mpReach.nlri);
      return { announced, withdrawn };
    }
    if (u.nlri.count > 0 && u.attributes.nextHop !== undefined) {
      const set = this.interner.intern(u.attributes, ipv4ToString(u.attributes.nextHop));
      forEachIPv4(u.nlri, (a, l) => this.setV4(v4Key(a, l), set));
      announced += u.nlri.count;
    }
    const mp = u.mpReach;
    if (mp !== undefined && mp.nlri.count > 0) {
      const set = this.interner.intern(u.attributes, nextHopText(mp.nextHop));
      if (mp.afi === Afi.IPv4) forEachIPv4(mp.nlri, (a, l) => this.setV4(v4Key(a, l), set));
      else if (mp.afi === Afi.IPv6) forEachIPv6(mp.nlri, (a, l) => this.setV6(`${ipv6ToString(a)}/${l}`, set));
      announced += mp.nlri.count;
    }
    return { announced, withdrawn };
  }

  /** Drop every route (session down without graceful restart). */
  clear(): void {
    for (const s of this.v4.values()) this.interner.release(s);
    for (const s of this.v6.values()) this.interner.release(s);
    this.v4.clear();
    this.v6.clear();
  }

  /** Every prefix as text with its attribute set (display, tests). */
  *entries(): IterableIterator<[string, AttrSet]> {
    for (const [k, s] of this.v4) yield [v4KeyToString(k), s];
    for (const [k, s] of this.v6) yield [k, s];
  }
}
