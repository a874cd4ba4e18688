// The injector's full table: N unique IPv4 prefixes (/8../24, mostly /24) sharing ~N/10 attribute sets
// unevenly, 4-octet AS paths of 2-6 hops, communities and MED on some, packed into 4096-byte UPDATEs with
// `packUpdates`, plus the UPDATEs that withdraw all of them. The prefixes are table entries only (most lie
// outside TEST-NET, as in bench/rib.ts): nothing is ever sent to them.
import { Afi, AsPathSegmentType, Safi } from '../../src/wire/iana.js';
import type { CodecContext } from '../../src/wire/types.js';
import { packUpdates } from '../../src/wire/update.js';
import type { PathAttributes } from '../../src/wire/attributes/types.js';

export interface FullTable {
  readonly prefixes: number;
  readonly sets: number;
  /** Announcements, then the withdrawal of every prefix, as wire messages (header included). */
  readonly announce: readonly Uint8Array[];
  readonly withdraw: readonly Uint8Array[];
  readonly announceBytes: number;
}

/** Deterministic table (xorshift32): the same N gives the same messages for every middle router. */
export function buildFullTable(n: number, asn: number, nextHop: number, ctx: CodecContext): FullTable {
  let seed = 0x2545f491;
  const rnd = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const addrs = new Uint32Array(n);
  const lens = new Uint8Array(n);
  // One bit per (length, network) pair: index (1 << len) + (addr >>> (32 - len)) for len <= 24.
  const seen = new Uint8Array(1 << 22);
  for (let i = 0; i < n; ) {
    const r = rnd() % 100;
    const len = r < 60 ? 24 : r < 75 ? 23 : r < 85 ? 22 : r < 92 ? 20 : 8 + (rnd() % 12);
    const a = (rnd() & (-1 << (32 - len))) >>> 0;
    const first = a >>> 24;
    if (first === 0 || first === 127 || first >= 224) continue;
    const bit = (1 << len) + (a >>> (32 - len));
    if ((seen[bit >>> 3]! & (1 << (bit & 7))) !== 0) continue;
    seen[bit >>> 3]! |= 1 << (bit & 7);
    addrs[i] = a;
    lens[i] = len;
    i++;
  }
  // Uneven sharing: run lengths drawn from a skewed distribution averaging ~10 prefixes per set.
  const announce: Uint8Array[] = [];
  let announceBytes = 0;
  let s = 0;
  for (let i = 0; i < n; s++) {
    // 90% of sets carry ~4.5 prefixes, 10% ~55 (exponential tails): ~10 per set on average.
    const big = rnd() % 10 === 0;
    const run = Math.min(n - i, 1 + Math.floor(-Math.log(1 - rnd() / 0x1_0000_0000) * (big ? 55 : 3.5)));
    const hops = 2 + (rnd() % 5);
    const asns = [asn];
    for (let h = 1; h < hops; h++) asns.push(rnd() % 2 === 0 ? 1 + (rnd() % 64000) : 131072 + (rnd() % 4_000_000));
    const attrs: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = {
      origin: (rnd() % 3) as 0 | 1 | 2,
      asPath: [{ type: AsPathSegmentType.AS_SEQUENCE, asns }],
      nextHop,
    };
    if (s % 3 === 0) attrs.communities = [((asn << 16) | (s % 1000)) >>> 0, ((asn << 16) | 666) >>> 0];
    if (s % 5 === 0) attrs.med = s % 50;
    for (const m of packUpdates(attrs, { afi: Afi.IPv4, safi: Safi.Unicast, count: run, addrs: addrs.subarray(i, i + run), lens: lens.subarray(i, i + run) }, ctx)) {
      announce.push(m);
      announceBytes += m.length;
    }
    i += run;
  }
  const withdraw = packUpdates({}, { afi: Afi.IPv4, safi: Safi.Unicast, count: n, addrs, lens }, ctx, { withdraw: true });
  return { prefixes: n, sets: s, announce, withdraw, announceBytes };
}
