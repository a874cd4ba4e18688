// fast-check arbitraries for valid UPDATE messages and the contexts they travel in.
import fc from 'fast-check';
import { afiSafiKey, DEFAULT_CONTEXT, type CodecContext } from '../../src/wire/types.js';
import type { UpdateMessage } from '../../src/wire/update.js';
import type { PackedNlri } from '../../src/wire/nlri.js';
import type { AsPathSegment, MpNextHop, PathAttributes, RawAttribute } from '../../src/wire/attributes/types.js';

export interface Scenario {
  readonly ctx: CodecContext;
  readonly msg: UpdateMessage;
}

// Plain-prototype records, so deepStrictEqual compares them with what the decoder builds.
const rec = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T, o: { requiredKeys?: never[] } = {}) =>
  fc.record(model, { ...o, noNullPrototype: true }) as unknown as fc.Arbitrary<{ [K in keyof T]: T[K] extends fc.Arbitrary<infer U> ? U : never }>;

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const asn = fc.integer({ min: 1, max: 0xffffffff });
const asn2 = fc.integer({ min: 1, max: 0xffff });

/** NLRI block of `afi`, in wire form, with or without path identifiers. */
export function nlriArb(afi: number, safi: number, addPath: boolean, maxCount = 12): fc.Arbitrary<PackedNlri> {
  const max = afi === 1 ? 32 : 128;
  const entry = rec({ pathId: u32, len: fc.integer({ min: 0, max }), addr: fc.uint8Array({ minLength: 16, maxLength: 16 }) });
  return fc.array(entry, { maxLength: maxCount }).map((entries) => {
    const parts: number[] = [];
    for (const e of entries) {
      if (addPath) parts.push(e.pathId >>> 24, (e.pathId >>> 16) & 255, (e.pathId >>> 8) & 255, e.pathId & 255);
      parts.push(e.len);
      const n = (e.len + 7) >> 3;
      for (let i = 0; i < n; i++) parts.push(e.addr[i]!);
      if (e.len & 7) parts[parts.length - 1]! &= 0xff << (8 - (e.len & 7));
    }
    return { afi, safi, addPath, bytes: Uint8Array.from(parts), count: entries.length };
  });
}

/** AS path: confederation segments (2-octet ASNs) only in front, then sequences and sets. */
const asPathArb: fc.Arbitrary<AsPathSegment[]> = fc
  .tuple(
    fc.array(rec({ type: fc.constantFrom(3 as const, 4 as const), asns: fc.array(asn2, { minLength: 1, maxLength: 4 }) }), { maxLength: 2 }),
    fc.array(rec({ type: fc.constantFrom(1 as const, 2 as const), asns: fc.array(asn, { minLength: 1, maxLength: 8 }) }), { maxLength: 4 }),
  )
  .map(([c, rest]) => [...c, ...rest]);

const unknownArb: fc.Arbitrary<RawAttribute[]> = fc
  .uniqueArray(rec({ code: fc.integer({ min: 40, max: 250 }), value: fc.uint8Array({ maxLength: 300 }) }), { selector: (r) => r.code, maxLength: 2 })
  // Received with Partial already set, so passing them on changes no bit.
  .map((list) => list.sort((a, b) => a.code - b.code).map((r) => ({ code: r.code, flags: r.value.length > 255 ? 0xf0 : 0xe0, value: r.value })));

function attributesArb(ibgp: boolean): fc.Arbitrary<PathAttributes> {
  return fc
    .record(
      {
        origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
        asPath: asPathArb,
        nextHop: u32,
        med: u32,
        localPref: u32,
        atomicAggregate: fc.constant(true as const),
        aggregator: rec({ asn, address: u32 }),
        communities: fc.array(u32, { minLength: 1, maxLength: 80 }),
        originatorId: u32,
        clusterList: fc.array(u32, { minLength: 1, maxLength: 4 }),
        extCommunities: fc.array(rec({ type: fc.integer({ min: 0, max: 255 }), subtype: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ minLength: 6, maxLength: 6 }) }), { minLength: 1, maxLength: 4 }),
        ipv6ExtCommunities: fc.array(rec({ type: fc.integer({ min: 0, max: 255 }), subtype: fc.integer({ min: 0, max: 255 }), globalAdmin: fc.uint8Array({ minLength: 16, maxLength: 16 }), localAdmin: fc.integer({ min: 0, max: 0xffff }) }), { minLength: 1, maxLength: 2 }),
        largeCommunities: fc.array(rec({ globalAdmin: u32, localData1: u32, localData2: u32 }), { minLength: 1, maxLength: 4 }),
        otc: u32,
        unknown: unknownArb.filter((l) => l.length > 0),
      },
      { requiredKeys: [] as never[] },
    )
    .map((record) => {
      const a = { ...record }; // plain prototype whatever fast-check built
      // RFC 7606 §7.5: LOCAL_PREF from an external neighbor is discarded, so only iBGP carries it.
      if (!ibgp && a.localPref !== undefined) {
        const { localPref: _drop, ...rest } = a;
        return rest;
      }
      return a;
    });
}

const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const nextHopArb = (afi: number, extNh: boolean): fc.Arbitrary<MpNextHop> =>
  afi === 1 && !extNh
    ? u32.map((addr) => ({ kind: 'ipv4' as const, addr }))
    : fc.oneof(
        v6.map((global) => ({ kind: 'ipv6' as const, global })),
        fc.tuple(v6, v6).map(([global, linkLocal]) => ({ kind: 'ipv6' as const, global, linkLocal })),
      );

/** A valid UPDATE in a random session context (2- or 4-octet AS, ADD-PATH per family, eBGP or iBGP). */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({ fourOctetAs: fc.boolean(), ibgp: fc.boolean(), ap4: fc.boolean(), ap6: fc.boolean(), extNh: fc.boolean(), mpAfi: fc.constantFrom(1, 2) })
  .chain((o) => {
    const addPath = new Set<number>();
    if (o.ap4) addPath.add(afiSafiKey(1, 1));
    if (o.ap6) addPath.add(afiSafiKey(2, 1));
    const extendedNextHop = new Set<number>(o.extNh ? [afiSafiKey(1, 1)] : []);
    const ctx: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: o.fourOctetAs, ibgp: o.ibgp, extendedMessage: true, addPathReceive: addPath, addPathSend: addPath, extendedNextHop };
    const mpAp = o.mpAfi === 1 ? o.ap4 : o.ap6;
    return fc
      .record({
        withdrawn: nlriArb(1, 1, o.ap4),
        attributes: attributesArb(o.ibgp),
        nlri: nlriArb(1, 1, o.ap4),
        mpReach: fc.option(rec({ nextHop: nextHopArb(o.mpAfi, o.extNh), nlri: nlriArb(o.mpAfi, 1, mpAp) }), { nil: undefined }),
        mpUnreach: fc.option(nlriArb(o.mpAfi, 1, mpAp), { nil: undefined }),
      })
      .map((r): Scenario => {
        const msg: { -readonly [K in keyof UpdateMessage]: UpdateMessage[K] } = {
          type: 'UPDATE',
          withdrawn: r.withdrawn,
          attributes: r.attributes,
          rawAttributes: new Uint8Array(0),
          nlri: r.nlri,
        };
        if (r.mpReach !== undefined) msg.mpReach = { afi: o.mpAfi, safi: 1, nextHop: r.mpReach.nextHop, nlri: r.mpReach.nlri };
        if (r.mpUnreach !== undefined) msg.mpUnreach = { afi: o.mpAfi, safi: 1, nlri: r.mpUnreach };
        return { ctx, msg };
      });
  });
