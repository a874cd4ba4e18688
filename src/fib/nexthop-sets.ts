/**
 * Next-hop sets, interned: a full table uses a handful (one per peer, plus the ECMP combinations), so each
 * set is parsed and its rtnetlink attributes encoded once, and a route's kernel state is one set id in a
 * typed array. Ids are small integers from 1; 0 means "no route"; -1 "not one we can name" (a dumped route
 * we would never have written, or next hops that do not parse).
 *
 * Lookups on the per-route path allocate nothing in the common cases: one next hop from the RIB (its text
 * is the key) and a dumped route with one IPv4 gateway (its 32-bit address is the key).
 */
import { encodeNextHopAttrs, type NextHopSpec } from './netlink.js';
import type { RouteScan } from './route-scan.js';
import { formatAddress, parseAddress } from './prefix.js';

export const NO_SET = 0;
export const UNKNOWN_SET = -1;

interface SetEntry {
  /** Canonical text: gateways sorted, `*weight` when not 1 (dumped routes only). */
  readonly key: string;
  readonly specs: readonly NextHopSpec[];
  /** Encoded attributes for an IPv4 / IPv6 route; null when the set cannot serve that family. */
  readonly attrs4: Uint8Array | null;
  readonly attrs6: Uint8Array | null;
}

export class NextHopSets {
  private readonly sets: (SetEntry | undefined)[] = [undefined];
  /** Canonical key → id. */
  private readonly byKey = new Map<string, number>();
  /** RIB text (one gateway, or several joined by ',' in the RIB's order) → id, or -1 when it does not parse. */
  private readonly byText = new Map<string, number>();
  /** One IPv4 gateway, weight 1 → id (dumped routes). */
  private readonly byV4 = new Map<number, number>();
  private readonly scratch: string[] = [];

  get size(): number {
    return this.sets.length - 1;
  }

  key(id: number): string {
    return this.sets[id]?.key ?? '';
  }

  specs(id: number): readonly NextHopSpec[] {
    return this.sets[id]?.specs ?? [];
  }

  /** The attributes to copy into a request for a route of `family`; null when the set cannot serve it. */
  attrs(id: number, family: 4 | 6): Uint8Array | null {
    const s = this.sets[id];
    if (s === undefined) return null;
    return family === 4 ? s.attrs4 : s.attrs6;
  }

  /** Id of the set of the RIB's next-hop texts (`n` of `gws`); -1 when one does not parse, 0 when n is 0. */
  fromTexts(gws: readonly string[], n: number): number {
    if (n === 0) return NO_SET;
    const text = n === 1 ? gws[0]! : gws.slice(0, n).join(',');
    const hit = this.byText.get(text);
    if (hit !== undefined) return hit;
    const gateways: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const g = parseAddress(gws[i]!);
      if (g === undefined) {
        this.byText.set(text, UNKNOWN_SET);
        return UNKNOWN_SET;
      }
      gateways.push(g);
    }
    const id = this.intern(gateways, null);
    this.byText.set(text, id);
    return id;
  }

  /**
   * Id of a dumped route's next hops (gateways in `buf` at the scan's offsets); -1 when a hop has no
   * gateway (not a route we write). Interns the set, so a kernel route matches a RIB set by id.
   */
  fromScan(scan: RouteScan, buf: Uint8Array, view: DataView): number {
    if (scan.hops === 0) return UNKNOWN_SET;
    if (scan.hops === 1 && scan.gwLen[0] === 4 && scan.weight[0] === 1) {
      const hit = this.byV4.get(view.getUint32(scan.gwAt[0]!, false));
      if (hit !== undefined) return hit;
    }
    const gateways: Uint8Array[] = [];
    const weights: number[] = [];
    for (let h = 0; h < scan.hops; h++) {
      const len = scan.gwLen[h]!;
      if (len !== 4 && len !== 16) return UNKNOWN_SET;
      const at = scan.gwAt[h]!;
      gateways.push(buf.slice(at, at + len));
      weights.push(scan.weight[h]!);
    }
    return this.intern(gateways, weights);
  }

  private intern(gateways: readonly Uint8Array[], weights: readonly number[] | null): number {
    const parts = this.scratch;
    parts.length = 0;
    const specs: NextHopSpec[] = [];
    for (let i = 0; i < gateways.length; i++) {
      const w = weights === null ? 1 : weights[i]!;
      const t = w === 1 ? formatAddress(gateways[i]!) : `${formatAddress(gateways[i]!)}*${w}`;
      if (parts.includes(t)) continue; // the RIB lists distinct next hops; a dump could repeat one
      parts.push(t);
      specs.push(w === 1 ? { gateway: gateways[i]! } : { gateway: gateways[i]!, weight: w });
    }
    const key = [...parts].sort().join(',');
    const have = this.byKey.get(key);
    if (have !== undefined) return have;
    // Requests carry the gateways sorted, so the kernel's copy reads back in one order whatever the RIB's.
    specs.sort((a, b) => cmpBytes(a.gateway, b.gateway));
    const allV6 = specs.every((s) => s.gateway.length === 16);
    const id = this.sets.length;
    // IPv4 routes may go via IPv6 gateways (RFC 8950, RTA_VIA); IPv6 routes only via IPv6 ones.
    this.sets.push({ key, specs, attrs4: encodeNextHopAttrs(4, specs), attrs6: allV6 ? encodeNextHopAttrs(6, specs) : null });
    this.byKey.set(key, id);
    if (specs.length === 1 && specs[0]!.gateway.length === 4 && specs[0]!.weight === undefined) {
      const g = specs[0]!.gateway;
      this.byV4.set(((g[0]! << 24) | (g[1]! << 16) | (g[2]! << 8) | g[3]!) >>> 0, id);
    }
    return id;
  }
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
