// IANA registries used by the codec, one typed table each. Names follow the RFCs.

export const BGP_PORT = 179;
export const BGP_VERSION = 4;
export const HEADER_LENGTH = 19;
export const MIN_MESSAGE_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096; // RFC 4271 §4.1
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535; // RFC 8654
export const AS_TRANS = 23456; // RFC 6793

/** BGP message types (RFC 4271 §4.1, RFC 2918). */
export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Address Family Identifiers (IANA "Address Family Numbers"). */
export const Afi = { IPv4: 1, IPv6: 2 } as const;
export type Afi = number;

/** Subsequent Address Family Identifiers. */
export const Safi = { Unicast: 1, Multicast: 2 } as const;
export type Safi = number;

/** NOTIFICATION error codes (RFC 4271 §4.5, RFC 4486, RFC 6608, RFC 7313). */
export const ErrorCode = {
  MessageHeader: 1,
  OpenMessage: 2,
  UpdateMessage: 3,
  HoldTimerExpired: 4,
  FiniteStateMachine: 5,
  Cease: 6,
  RouteRefresh: 7,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Message Header Error subcodes (RFC 4271 §6.1). */
export const MessageHeaderSubcode = {
  ConnectionNotSynchronized: 1,
  BadMessageLength: 2,
  BadMessageType: 3,
} as const;

/** OPEN Message Error subcodes (RFC 4271 §6.2, RFC 5492, RFC 9234). */
export const OpenSubcode = {
  UnsupportedVersionNumber: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  // 5 deprecated (Authentication Failure)
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
  // 8, 9, 10 deprecated
  RoleMismatch: 11,
} as const;

/** UPDATE Message Error subcodes (RFC 4271 §6.3). */
export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOriginAttribute: 6,
  // 7 deprecated (AS Routing Loop)
  InvalidNextHopAttribute: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

/** Finite State Machine Error subcodes (RFC 6608). */
export const FsmSubcode = {
  Unspecified: 0,
  UnexpectedMessageInOpenSent: 1,
  UnexpectedMessageInOpenConfirm: 2,
  UnexpectedMessageInEstablished: 3,
} as const;

/** Cease subcodes (RFC 4486, RFC 8203/9003, RFC 9384, RFC 8538). */
export const CeaseSubcode = {
  MaximumNumberOfPrefixesReached: 1,
  AdministrativeShutdown: 2,
  PeerDeConfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9,
  BfdDown: 10,
} as const;

/** ROUTE-REFRESH Message Error subcodes (RFC 7313). */
export const RouteRefreshSubcode = {
  InvalidMessageLength: 1,
} as const;

/** ROUTE-REFRESH message subtypes, carried in the "Reserved" octet (RFC 7313 §3.2). */
export const RouteRefreshSubtype = {
  Normal: 0,
  BoRR: 1,
  EoRR: 2,
} as const;

/** OPEN optional parameter types (RFC 5492, RFC 9072). */
export const OptionalParameterType = {
  Capabilities: 2,
  ExtendedLength: 255,
} as const;

/** Capability codes (IANA "Capability Codes"). */
export const CapabilityCode = {
  Multiprotocol: 1, // RFC 4760
  RouteRefresh: 2, // RFC 2918
  ExtendedNextHop: 5, // RFC 8950
  ExtendedMessage: 6, // RFC 8654
  Role: 9, // RFC 9234
  GracefulRestart: 64, // RFC 4724
  FourOctetAs: 65, // RFC 6793
  AddPath: 69, // RFC 7911
  EnhancedRouteRefresh: 70, // RFC 7313
  LongLivedGracefulRestart: 71, // RFC 9494
  Fqdn: 73, // draft-walton-bgp-hostname-capability
  CiscoRouteRefresh: 128, // pre-standard route refresh, still sent by some peers
} as const;

/** Path attribute type codes (IANA "BGP Path Attributes"). */
export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  IPV6_EXTENDED_COMMUNITIES: 25,
  LARGE_COMMUNITY: 32,
  ONLY_TO_CUSTOMER: 35,
} as const;

/** Path attribute flag bits (RFC 4271 §4.3). */
export const AttrFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  ExtendedLength: 0x10,
} as const;

/** ORIGIN values (RFC 4271 §5.1.1). */
export const Origin = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;
export type Origin = 0 | 1 | 2;

/** AS_PATH segment types (RFC 4271 §4.3, RFC 5065). */
export const AsPathSegmentType = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
} as const;

/** BGP Role values (RFC 9234 §4.1). */
export const BgpRole = { Provider: 0, RS: 1, RSClient: 2, Customer: 3, Peer: 4 } as const;

/** Well-known communities (IANA). */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  ACCEPT_OWN: 0xffff0001,
  LLGR_STALE: 0xffff0006,
  NO_LLGR: 0xffff0007,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
  NOPEER: 0xffffff04,
} as const;
