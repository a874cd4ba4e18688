// Shared contract of the codec: decode outcomes, session context, and the NOTIFICATION a failure maps to.
// The codec is pure: Uint8Array in, readonly data out; no sockets, no timers, no exceptions for bad input.

/** A NOTIFICATION to send (RFC 4271 §4.5): what a fatal decode error maps to, 1:1. */
export interface NotificationSpec {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

/** A decode that failed in a way that resets the session: send `notification`, then close. */
export interface DecodeFailure {
  readonly ok: false;
  readonly notification: NotificationSpec;
  /** Plain-language reason for logs and status (never holds key material). */
  readonly reason: string;
}

export interface DecodeSuccess<T> {
  readonly ok: true;
  readonly value: T;
}

export type DecodeResult<T> = DecodeSuccess<T> | DecodeFailure;

/** Key for an (AFI, SAFI) pair in sets and maps: afi * 256 + safi. */
export type AfiSafiKey = number;
export const afiSafiKey = (afi: number, safi: number): AfiSafiKey => afi * 256 + safi;

/**
 * What the session negotiated, as far as the wire format depends on it.
 * Built by the session layer from both OPENs; the codec only reads it.
 */
export interface CodecContext {
  /** RFC 6793: both sides sent the 4-octet AS capability: AS_PATH/AGGREGATOR carry 4-octet ASNs. */
  readonly fourOctetAs: boolean;
  /** RFC 8654: both sides sent the extended message capability (UPDATEs up to 65535 bytes). */
  readonly extendedMessage: boolean;
  /** RFC 7911: families for which NLRI we *receive* carry a 4-octet path identifier. */
  readonly addPathReceive: ReadonlySet<AfiSafiKey>;
  /** RFC 7911: families for which NLRI we *send* carry a 4-octet path identifier. */
  readonly addPathSend: ReadonlySet<AfiSafiKey>;
  /** RFC 8950: families whose next hop may be IPv6 for IPv4 NLRI (key: NLRI afi/safi). */
  readonly extendedNextHop: ReadonlySet<AfiSafiKey>;
  /** iBGP session (affects RFC 7606 handling of LOCAL_PREF etc., RFC 4271 §5.1.5). */
  readonly ibgp: boolean;
}

const EMPTY: ReadonlySet<AfiSafiKey> = new Set();

/** The context before any capability is negotiated (2-octet AS, 4096 bytes, no ADD-PATH). */
export const DEFAULT_CONTEXT: CodecContext = {
  fourOctetAs: false,
  extendedMessage: false,
  addPathReceive: EMPTY,
  addPathSend: EMPTY,
  extendedNextHop: EMPTY,
  ibgp: false,
};

export const fail = (code: number, subcode: number, reason: string, data: Uint8Array = new Uint8Array(0)): DecodeFailure => ({
  ok: false,
  notification: { code, subcode, data },
  reason,
});

export const ok = <T>(value: T): DecodeSuccess<T> => ({ ok: true, value });
