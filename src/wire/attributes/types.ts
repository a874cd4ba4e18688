// The decoded path attribute set and the shape of one registry row. Every attribute is one row in
// registry.ts (name, flags, RFC 7606 action, decode, encode, format) plus its value's field here.

import type { CodecContext } from '../types.js';
import type { PackedNlri } from '../nlri.js';
import type { Rfc7606Action } from '../rfc7606.js';

export type Origin = 0 | 1 | 2;

/** RFC 4271 §4.3 / RFC 5065 §3: AS_SET 1, AS_SEQUENCE 2, AS_CONFED_SEQUENCE 3, AS_CONFED_SET 4. */
export type AsPathSegmentType = 1 | 2 | 3 | 4;

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

/** AGGREGATOR / AS4_AGGREGATOR (RFC 4271 §5.1.7, RFC 6793 §3): the AS and the BGP Identifier (uint32). */
export interface Aggregator {
  readonly asn: number;
  readonly address: number;
}

/** RFC 4360 §2: type (high octet), subtype (low octet; meaningless for non-extended types) and 6 value octets. */
export interface ExtendedCommunity {
  readonly type: number;
  readonly subtype: number;
  readonly value: Uint8Array;
}

/** RFC 5701 §2: IPv6 Address Specific Extended Community. */
export interface Ipv6ExtendedCommunity {
  readonly type: number;
  readonly subtype: number;
  /** 16 octets. */
  readonly globalAdmin: Uint8Array;
  readonly localAdmin: number;
}

/** RFC 8092 §3. */
export interface LargeCommunity {
  readonly globalAdmin: number;
  readonly localData1: number;
  readonly localData2: number;
}

/** MP_REACH_NLRI next hop (RFC 4760 §3, RFC 2545 §3, RFC 8950 §3). */
export type MpNextHop =
  | { readonly kind: 'ipv4'; readonly addr: number }
  | { readonly kind: 'ipv6'; readonly global: Uint8Array; readonly linkLocal?: Uint8Array }
  /** A family this codec does not walk: kept as received. */
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  readonly nextHop: MpNextHop;
  /** For families other than IPv4/IPv6 unicast/multicast: the opaque NLRI bytes, count 0. */
  readonly nlri: PackedNlri;
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly nlri: PackedNlri;
}

/** An unrecognized optional transitive attribute, passed on as received (RFC 4271 §5). */
export interface RawAttribute {
  readonly code: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

/**
 * How the received attributes were laid out, kept only when it differs from what the encoder would write,
 * so that decode → encode gives back the same bytes.
 */
export interface AttrWireInfo {
  /** Type codes in received order. */
  readonly order?: readonly number[];
  /** Type codes sent with the Extended Length bit although their value fit in 255 octets. */
  readonly extendedLength?: readonly number[];
  /** Recognized optional transitive attributes received with the Partial bit (RFC 4271 §5: keep it). */
  readonly partial?: readonly number[];
}

/** Every attribute value the registry knows, by field name. */
export interface AllAttributes {
  readonly origin: Origin;
  /** Always 4-octet ASNs: on a 2-octet session, rebuilt from AS_PATH and AS4_PATH (RFC 6793 §4.2.3). */
  readonly asPath: readonly AsPathSegment[];
  /** NEXT_HOP as a uint32. */
  readonly nextHop: number;
  readonly med: number;
  readonly localPref: number;
  readonly atomicAggregate: true;
  readonly aggregator: Aggregator;
  readonly communities: readonly number[];
  readonly originatorId: number;
  readonly clusterList: readonly number[];
  readonly mpReach: MpReach;
  readonly mpUnreach: MpUnreach;
  readonly extCommunities: readonly ExtendedCommunity[];
  /** Only set by hand (tests); decode folds AS4_PATH into asPath and encode derives it for 2-octet peers. */
  readonly as4Path: readonly AsPathSegment[];
  readonly as4Aggregator: Aggregator;
  readonly ipv6ExtCommunities: readonly Ipv6ExtendedCommunity[];
  readonly largeCommunities: readonly LargeCommunity[];
  /** RFC 9234 Only to Customer: an ASN. */
  readonly otc: number;
}

export type AttrKey = keyof AllAttributes;

/** The path attributes of an UPDATE, MP_REACH_NLRI and MP_UNREACH_NLRI excepted (they live on the message). */
export interface PathAttributes extends Partial<Omit<AllAttributes, 'mpReach' | 'mpUnreach'>> {
  readonly unknown?: readonly RawAttribute[];
  readonly wire?: AttrWireInfo;
}

/** What a row's decoder returns for a malformed value. */
export class AttrFault {
  constructor(
    /** UPDATE Message Error subcode RFC 4271 §6.3 names for this fault. */
    readonly subcode: number,
    readonly reason: string,
    /** RFC 4271 §6.3 puts the whole attribute into the data field, except for Malformed AS_PATH. */
    readonly withData = true,
    /** Overrides the row's action (e.g. MP_REACH_NLRI whose family cannot be told: session reset). */
    readonly action?: Rfc7606Action,
    readonly family?: { readonly afi: number; readonly safi: number },
  ) {}
}

export type AttrDecoder<V> = (buf: Uint8Array, off: number, len: number, ctx: CodecContext) => V | AttrFault;

export interface AttrRow<K extends AttrKey = AttrKey> {
  readonly code: number;
  /** The RFC's name, e.g. "MULTI_EXIT_DISC". */
  readonly name: string;
  readonly key: K;
  /** Expected Optional | Transitive bits (RFC 4271 §4.3, §5); the check is RFC 7606 §3(c). */
  readonly flags: number;
  /** RFC 7606 action for a malformed value; may depend on the session (LOCAL_PREF, §7.5). */
  readonly malformed: (ctx: CodecContext) => Rfc7606Action;
  /** Clause that sets `malformed`, for notes and greps. */
  readonly clause: string;
  readonly decode: AttrDecoder<AllAttributes[K]>;
  /** Octets of the value (not the attribute header). */
  valueLength(v: AllAttributes[K], ctx: CodecContext): number;
  /** Write the value at `off`. */
  encode(v: AllAttributes[K], ctx: CodecContext, buf: Uint8Array, off: number): void;
  /** JSON-able rendering for status output and logs. */
  format(v: AllAttributes[K]): unknown;
  /** When the set has no value: the value to send anyway (AS4_PATH to a 2-octet peer, RFC 6793 §4.2.2). */
  derive?(attrs: PathAttributes, ctx: CodecContext): AllAttributes[K] | undefined;
}

/** A row whose key type is erased, for the lookup table (methods above are bivariant on purpose). */
export type AnyAttrRow = AttrRow<AttrKey>;

/** Identity, so each row file gets its key and value types checked against `AllAttributes`. */
export const defineRow = <K extends AttrKey>(row: AttrRow<K>): AttrRow<K> => row;

/** Expected flag bits (RFC 4271 §5): well-known attributes are transitive, never optional. */
export const WELL_KNOWN = 0x40;
export const OPTIONAL_TRANSITIVE = 0xc0;
export const OPTIONAL_NON_TRANSITIVE = 0x80;
