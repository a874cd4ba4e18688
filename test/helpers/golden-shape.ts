// The adapter between our codec and the golden vectors of test/vectors/: renders a decoded BgpMessage in the
// neutral `expect` shape of test/vectors/README.md, and maps a vector's `context` onto CodecContext.
// It only renames and reformats; it never fills in a field the codec did not produce, so a codec that loses or
// misreads something shows up as a difference from `expect`.

import { AS_TRANS, AttrFlag, CapabilityCode } from '../../src/wire/iana.js';
import { afiSafiKey, DEFAULT_CONTEXT, type AfiSafiKey, type CodecContext } from '../../src/wire/types.js';
import { ipv4ToString, ipv6ToString, toHex } from '../../src/wire/addr.js';
import { toPrefixEntries, toPrefixStrings, type PackedNlri } from '../../src/wire/nlri.js';
import { isEndOfRib, type UpdateMessage } from '../../src/wire/update.js';
import { openCapabilities, formatBgpIdentifier, type OpenMessage } from '../../src/wire/open.js';
import type { BgpMessage } from '../../src/wire/message.js';
import type { Capability } from '../../src/wire/capabilities/index.js';
import type { AsPathSegment, AttrKey, MpNextHop, PathAttributes } from '../../src/wire/attributes/types.js';
import { ATTRIBUTE_ROWS, encodeRank } from '../../src/wire/attributes/registry.js';

// --- the vector file -------------------------------------------------------------------------------------

export interface VectorFamily {
  readonly afi: number;
  readonly safi: number;
}

/** `context` of a vector file: what the two OPENs negotiated, seen from the receiver of the bytes. */
export interface VectorContext {
  readonly fourOctetAs: boolean;
  readonly extendedMessage: boolean;
  readonly addPathReceive: readonly VectorFamily[];
  readonly ibgp: boolean;
}

export interface VectorFile {
  readonly daemon: string;
  readonly capturedAt: string;
  readonly description: string;
  readonly direction: string;
  readonly context: VectorContext;
  readonly hex: string;
  readonly expect: { readonly type: string } & Readonly<Record<string, unknown>>;
}

const familySet = (families: readonly VectorFamily[]): ReadonlySet<AfiSafiKey> => new Set(families.map((f) => afiSafiKey(f.afi, f.safi)));

/**
 * The receiver's CodecContext for a vector: what `decodeMessage` gets. The vectors record no extended next hop
 * (the capture speaker never offers RFC 8950) and nothing about what the receiver sends, so both stay empty.
 */
export function contextFromVector(c: VectorContext): CodecContext {
  return {
    ...DEFAULT_CONTEXT,
    fourOctetAs: c.fourOctetAs,
    extendedMessage: c.extendedMessage,
    addPathReceive: familySet(c.addPathReceive),
    ibgp: c.ibgp,
  };
}

/**
 * The same session seen from the daemon that wrote the bytes: RFC 7911 §4, the families in which we receive
 * path identifiers are exactly those in which it sends them. Re-encoding must take this side's view, since
 * `encodeMessage` writes identifiers for `addPathSend`.
 */
export function senderContext(receiver: CodecContext): CodecContext {
  return { ...receiver, addPathSend: receiver.addPathReceive, addPathReceive: receiver.addPathSend };
}

// --- messages --------------------------------------------------------------------------------------------

export type Neutral = Record<string, unknown>;

/** Render a decoded message in the neutral shape; `ctx` is the receiver's context it was decoded with. */
export function toExpectShape(msg: BgpMessage, ctx: CodecContext): Neutral {
  switch (msg.type) {
    case 'OPEN':
      return openShape(msg);
    case 'UPDATE':
      return updateShape(msg, ctx);
    case 'NOTIFICATION':
      return {
        type: 'NOTIFICATION',
        code: msg.code,
        subcode: msg.subcode,
        // The codec sets `communication` only for well-formed RFC 9003 data of 6/2 and 6/4.
        communication: msg.communication ?? null,
        dataHex: toHex(msg.data),
      };
    case 'KEEPALIVE':
      return { type: 'KEEPALIVE' };
    case 'ROUTE-REFRESH':
      return { type: 'ROUTE_REFRESH', afi: msg.afi, safi: msg.safi, subtype: msg.subtype };
  }
}

// --- OPEN ------------------------------------------------------------------------------------------------

function openShape(msg: OpenMessage): Neutral {
  return {
    type: 'OPEN',
    version: msg.version,
    myAs: msg.myAs,
    holdTime: msg.holdTime,
    bgpIdentifier: formatBgpIdentifier(msg.bgpIdentifier),
    // README: flattened in wire order across optional parameters.
    capabilities: openCapabilities(msg).map(capabilityShape),
  };
}

const hexOf = (write: (b: number[]) => void): string => {
  const b: number[] = [];
  write(b);
  return toHex(Uint8Array.from(b));
};
const u16 = (b: number[], v: number): void => void b.push((v >>> 8) & 0xff, v & 0xff);
const u24 = (b: number[], v: number): void => void b.push((v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);

/**
 * The neutral shape names codes 1, 2, 6, 64, 65, 69, 70 and 73; every other code is `{code, raw}`. Where our
 * codec gives such a code a typed value (71 LLGR, 5 extended next hop, 9 role, 128 pre-standard route
 * refresh), the raw octets are written here by hand from the RFC layout, not by the codec's encoder, so the
 * decoded fields are checked against the captured octets.
 */
function capabilityShape(cap: Capability): Neutral {
  switch (cap.kind) {
    case 'multiprotocol':
      return { code: cap.code, afi: cap.afi, safi: cap.safi };
    case 'route-refresh':
      // Code 2 is named; 128 (pre-standard) is not, and its value is empty.
      return cap.code === CapabilityCode.RouteRefresh ? { code: cap.code } : { code: cap.code, raw: '' };
    case 'enhanced-route-refresh':
    case 'extended-message':
      return { code: cap.code };
    case 'graceful-restart':
      return {
        code: cap.code,
        restartState: cap.restartState,
        notification: cap.notification,
        restartTime: cap.restartTime,
        families: cap.families.map((f) => ({ afi: f.afi, safi: f.safi, forwardingState: f.forwardingState })),
      };
    case 'four-octet-as':
      return { code: cap.code, asn: cap.asn };
    case 'add-path':
      return { code: cap.code, families: cap.families.map((f) => ({ afi: f.afi, safi: f.safi, sendReceive: f.sendReceive })) };
    case 'fqdn':
      return { code: cap.code, hostname: cap.hostname, domain: cap.domainName };
    case 'long-lived-graceful-restart':
      // RFC 9494 §3: AFI (2), SAFI (1), Flags (1, F = 0x80), Long-lived Stale Time (3).
      return {
        code: cap.code,
        raw: hexOf((b) => {
          for (const f of cap.families) {
            u16(b, f.afi);
            b.push(f.safi, f.forwardingState ? 0x80 : 0);
            u24(b, f.staleTime);
          }
        }),
      };
    case 'extended-next-hop':
      // RFC 8950 §3: NLRI AFI (2), NLRI SAFI (2), Nexthop AFI (2).
      return {
        code: cap.code,
        raw: hexOf((b) => {
          for (const t of cap.tuples) {
            u16(b, t.nlriAfi);
            u16(b, t.nlriSafi);
            u16(b, t.nextHopAfi);
          }
        }),
      };
    case 'role':
      return { code: cap.code, raw: hexOf((b) => b.push(cap.role)) }; // RFC 9234 §4.1: one octet
    case 'unknown':
      return { code: cap.code, raw: toHex(cap.value) };
  }
}

// --- UPDATE ----------------------------------------------------------------------------------------------

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'] as const;
const SEGMENT_NAMES: Readonly<Record<number, string>> = { 1: 'AS_SET', 2: 'AS_SEQUENCE', 3: 'AS_CONFED_SEQUENCE', 4: 'AS_CONFED_SET' };

/** README: plain strings, or `{prefix, pathId}` where the family carries RFC 7911 path identifiers. */
const prefixList = (n: PackedNlri): unknown[] => (n.addPath ? toPrefixEntries(n) : toPrefixStrings(n));

/** README: always a list, [global, link-local?] for IPv6. */
function nextHopList(nh: MpNextHop): string[] {
  if (nh.kind === 'ipv4') return [ipv4ToString(nh.addr)];
  if (nh.kind === 'raw') return [toHex(nh.bytes)]; // opaque families; the neutral decoder has no form for them
  return nh.linkLocal !== undefined ? [ipv6ToString(nh.global), ipv6ToString(nh.linkLocal)] : [ipv6ToString(nh.global)];
}

/**
 * AS_PATH as it was on the wire. On a 2-octet session the codec folds AS4_PATH into 4-octet ASNs
 * (RFC 6793 §4.2.3); the wire AS_PATH carried AS_TRANS for each ASN above 65535 (RFC 6793 §4.2.2).
 */
function asPathShape(segments: readonly AsPathSegment[], ctx: CodecContext): Neutral[] {
  return segments.map((s) => ({
    type: SEGMENT_NAMES[s.type] ?? `type ${s.type}`,
    asns: ctx.fourOctetAs ? [...s.asns] : s.asns.map((a) => (a > 0xffff ? AS_TRANS : a)),
  }));
}

/** Attribute keys the neutral shape names; every other attribute goes to `other` as raw octets. */
const NAMED_KEYS: ReadonlySet<AttrKey> = new Set<AttrKey>(['origin', 'asPath', 'nextHop', 'med', 'localPref', 'atomicAggregate', 'communities', 'largeCommunities', 'mpReach', 'mpUnreach']);

function namedAttributes(a: PathAttributes, ctx: CodecContext): Neutral {
  const out: Neutral = {};
  if (a.origin !== undefined) out.origin = ORIGIN_NAMES[a.origin] ?? 'bad';
  if (a.asPath !== undefined) out.asPath = asPathShape(a.asPath, ctx);
  if (a.nextHop !== undefined) out.nextHop = ipv4ToString(a.nextHop);
  if (a.med !== undefined) out.med = a.med;
  if (a.localPref !== undefined) out.localPref = a.localPref;
  if (a.atomicAggregate !== undefined) out.atomicAggregate = a.atomicAggregate;
  // Plain "high:low" even for well-known values (the codec's own formatter names those).
  if (a.communities !== undefined) out.communities = a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`);
  if (a.largeCommunities !== undefined) out.largeCommunities = a.largeCommunities.map((c) => `${c.globalAdmin}:${c.localData1}:${c.localData2}`);
  return out;
}

/**
 * README `other`: `{type, flags, raw}` in wire order for every attribute the neutral shape does not name.
 * Unrecognized attributes come back from the codec as received. For attributes the codec recognizes but the
 * shape does not name (AGGREGATOR, EXTENDED COMMUNITIES, AS4_PATH on 2-octet sessions, ...) the codec keeps
 * only the typed value, so its registry row writes the octets back, with the flags the encoder would send.
 */
function otherAttributes(a: PathAttributes, ctx: CodecContext): Neutral[] {
  const found: { code: number; shape: Neutral }[] = [];
  for (const row of ATTRIBUTE_ROWS) {
    if (NAMED_KEYS.has(row.key)) continue;
    const v = a[row.key as keyof PathAttributes] ?? row.derive?.(a, ctx);
    if (v === undefined) continue;
    const len = row.valueLength(v as never, ctx);
    const raw = new Uint8Array(len);
    row.encode(v as never, ctx, raw, 0);
    let flags = row.flags;
    if (a.wire?.partial?.includes(row.code)) flags |= AttrFlag.Partial;
    if (len > 255 || a.wire?.extendedLength?.includes(row.code)) flags |= AttrFlag.ExtendedLength;
    found.push({ code: row.code, shape: { type: row.code, flags, raw: toHex(raw) } });
  }
  for (const u of a.unknown ?? []) found.push({ code: u.code, shape: { type: u.code, flags: u.flags, raw: toHex(u.value) } });
  const order = a.wire?.order;
  const rank = (code: number): number => {
    const i = order?.indexOf(code) ?? -1;
    return i >= 0 ? i : 256 + encodeRank(code);
  };
  return found.sort((x, y) => rank(x.code) - rank(y.code)).map((f) => f.shape);
}

function updateShape(msg: UpdateMessage, ctx: CodecContext): Neutral {
  const attributes = namedAttributes(msg.attributes, ctx);
  if (msg.mpReach !== undefined) {
    const m = msg.mpReach;
    attributes.mpReach = { afi: m.afi, safi: m.safi, nextHop: nextHopList(m.nextHop), nlri: prefixList(m.nlri) };
  }
  if (msg.mpUnreach !== undefined) {
    const m = msg.mpUnreach;
    attributes.mpUnreach = { afi: m.afi, safi: m.safi, withdrawn: prefixList(m.nlri) };
  }
  const other = otherAttributes(msg.attributes, ctx);
  if (other.length > 0) attributes.other = other;
  const eor = isEndOfRib(msg);
  return {
    type: 'UPDATE',
    withdrawn: prefixList(msg.withdrawn),
    nlri: prefixList(msg.nlri),
    attributes,
    endOfRib: eor === undefined ? null : { afi: eor.afi, safi: eor.safi },
  };
}

