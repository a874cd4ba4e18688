// Semantic checks of a received OPEN (RFC 4271 §6.2 and its updates). Syntax is the codec's job;
// each failure here is a value naming the NOTIFICATION to send (OPEN Message Error + subcode + data).

import { AS_TRANS, BGP_VERSION, BgpRole, ErrorCode, OpenSubcode } from '../wire/iana.js';
import type { NotificationSpec } from '../wire/types.js';
import { isAcceptableHoldTime } from '../fsm/hold-time.js';
import { effectiveAs, formatBgpIdentifier, type OpenSummary } from '../fsm/summary.js';

export type OpenErrorCode =
  | 'ERR_BGP_OPEN_UNSUPPORTED_VERSION'
  | 'ERR_BGP_OPEN_BAD_PEER_AS'
  | 'ERR_BGP_OPEN_BAD_BGP_IDENTIFIER'
  | 'ERR_BGP_OPEN_UNACCEPTABLE_HOLD_TIME'
  | 'ERR_BGP_OPEN_ROLE_MISMATCH';

export interface OpenAccepted {
  readonly ok: true;
  /** The peer's AS (from the 4-octet AS capability when present, RFC 6793 §4.1). */
  readonly peerAs: number;
  readonly internal: boolean;
}

export interface OpenRejected {
  readonly ok: false;
  readonly code: OpenErrorCode;
  readonly notification: NotificationSpec;
  /** Plain-language reason for logs and status. */
  readonly reason: string;
}

export type OpenValidation = OpenAccepted | OpenRejected;

export interface OpenPolicy {
  readonly localAs: number;
  readonly localBgpId: number;
  /** The AS configured for this neighbor; null accepts any (e.g. dynamic neighbors). */
  readonly peerAs: number | null;
  /** BGP versions we speak (default: 4 only). */
  readonly supportedVersions?: readonly number[];
  /** Local policy (RFC 4271 §6.2 "MAY reject ... on the basis of the Hold Time"): lowest non-zero value. */
  readonly minHoldTime?: number;
  /** RFC 9234: our BGP Role, and whether the peer must announce one (strict mode). */
  readonly localRole?: number | null;
  readonly strictRole?: boolean;
}

const reject = (code: OpenErrorCode, subcode: number, reason: string, data = new Uint8Array(0)): OpenRejected => ({
  ok: false,
  code,
  notification: { code: ErrorCode.OpenMessage, subcode, data },
  reason,
});

/**
 * RFC 4271 §6.2 Unsupported Version Number data: "the largest, locally-supported version number less
 * than the version the remote BGP peer bid ..., or if the smallest, locally-supported version number
 * is greater than the version the remote BGP peer bid, then the smallest".
 */
export function versionToOffer(bid: number, supported: readonly number[]): number {
  const sorted = [...supported].sort((a, b) => a - b);
  const below = sorted.filter((v) => v < bid);
  return below.length > 0 ? below[below.length - 1]! : sorted[0]!;
}

/** RFC 9234 §4.2 Table 2: the peer's role each local role accepts. */
const EXPECTED_PEER_ROLE: Readonly<Record<number, number>> = {
  [BgpRole.Provider]: BgpRole.Customer,
  [BgpRole.Customer]: BgpRole.Provider,
  [BgpRole.RS]: BgpRole.RSClient,
  [BgpRole.RSClient]: BgpRole.RS,
  [BgpRole.Peer]: BgpRole.Peer,
};

export function validateOpen(open: OpenSummary, policy: OpenPolicy): OpenValidation {
  // Version: "If the version number in the Version field of the received OPEN message is not
  // supported, then the Error Subcode MUST be set to Unsupported Version Number" (2-octet data).
  const versions = policy.supportedVersions ?? [BGP_VERSION];
  if (!versions.includes(open.version)) {
    const offer = versionToOffer(open.version, versions);
    return reject(
      'ERR_BGP_OPEN_UNSUPPORTED_VERSION',
      OpenSubcode.UnsupportedVersionNumber,
      `peer bid BGP version ${open.version}; we speak ${offer}`,
      Uint8Array.of((offer >>> 8) & 0xff, offer & 0xff),
    );
  }

  // Peer AS.
  const capAs = open.capabilities.fourOctetAs;
  // RFC 7607 §2: AS 0 in My AS or in the 4-octet AS capability is Bad Peer AS.
  if (open.myAs === 0 || capAs === 0) {
    return reject('ERR_BGP_OPEN_BAD_PEER_AS', OpenSubcode.BadPeerAs, 'peer announced AS 0');
  }
  if (capAs === null && open.myAs === AS_TRANS) {
    // RFC 6793 §4.1: AS_TRANS stands in for a 4-octet AS that must then come in the capability.
    return reject('ERR_BGP_OPEN_BAD_PEER_AS', OpenSubcode.BadPeerAs, 'My AS is AS_TRANS without the 4-octet AS capability');
  }
  if (capAs !== null && open.myAs !== AS_TRANS && open.myAs !== capAs) {
    // RFC 6793 §4.1: My AS is the AS itself when it fits in 2 octets, else AS_TRANS.
    return reject(
      'ERR_BGP_OPEN_BAD_PEER_AS',
      OpenSubcode.BadPeerAs,
      `My AS ${open.myAs} disagrees with the 4-octet AS capability ${capAs}`,
    );
  }
  const peerAs = effectiveAs(open);
  // RFC 4271 §6.2: "If the Autonomous System field of the OPEN message is unacceptable".
  if (policy.peerAs !== null && peerAs !== policy.peerAs) {
    return reject('ERR_BGP_OPEN_BAD_PEER_AS', OpenSubcode.BadPeerAs, `peer AS ${peerAs}, expected ${policy.peerAs}`);
  }
  const internal = peerAs === policy.localAs;

  // Hold time: "An implementation MUST reject Hold Time values of one or two seconds."
  const minHold = policy.minHoldTime ?? 0;
  if (!isAcceptableHoldTime(open.holdTime) || (open.holdTime !== 0 && open.holdTime < minHold)) {
    return reject(
      'ERR_BGP_OPEN_UNACCEPTABLE_HOLD_TIME',
      OpenSubcode.UnacceptableHoldTime,
      `unacceptable hold time ${open.holdTime}`,
    );
  }

  // RFC 6286 §2.2: "If the BGP Identifier field of the OPEN message is zero, or if it is the same as the
  // BGP Identifier of the local BGP speaker and the message is from an internal peer".
  const id = open.bgpIdentifier >>> 0;
  if (id === 0 || (internal && id === policy.localBgpId >>> 0)) {
    return reject(
      'ERR_BGP_OPEN_BAD_BGP_IDENTIFIER',
      OpenSubcode.BadBgpIdentifier,
      id === 0 ? 'BGP Identifier 0.0.0.0' : `internal peer uses our BGP Identifier ${formatBgpIdentifier(id)}`,
    );
  }

  // RFC 9234 §4.2: with a local role configured, the pair must be in Table 2; in strict mode the
  // peer must announce a role. Roles apply to eBGP sessions only.
  const localRole = policy.localRole ?? null;
  if (localRole !== null && !internal) {
    const peerRole = open.capabilities.role;
    if (peerRole === null ? policy.strictRole === true : EXPECTED_PEER_ROLE[localRole] !== peerRole) {
      return reject(
        'ERR_BGP_OPEN_ROLE_MISMATCH',
        OpenSubcode.RoleMismatch,
        peerRole === null ? 'peer announced no BGP Role (strict mode)' : `role ${localRole} does not pair with peer role ${peerRole}`,
      );
    }
  }

  return { ok: true, peerAs, internal };
}
