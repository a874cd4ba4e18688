// What a session may use, from our OPEN and the peer's (RFC 5492 §3: a capability is in force only
// when both sides advertised it, with the per-capability rules noted below).

import { afiSafiKey, type AfiSafiKey, type CodecContext } from '../wire/types.js';
import { keepaliveInterval, negotiateHoldTime } from '../fsm/hold-time.js';
import {
  effectiveAs,
  IPV4_UNICAST,
  type AfiSafi,
  type ExtendedNextHopTuple,
  type FqdnSummary,
  type GracefulRestartFamily,
  type OpenSummary,
} from '../fsm/summary.js';

/** RFC 7911 §4: per family, whether NLRI we send / receive carry Path Identifiers. */
export interface AddPathNegotiated extends AfiSafi {
  readonly send: boolean;
  readonly receive: boolean;
}

/** RFC 4724: what we learn from the peer's Graceful Restart capability. */
export interface GracefulRestartNegotiated {
  /** The peer's Restart Time (seconds). */
  readonly restartTime: number;
  /** The peer's Restart State bit: it has just restarted. */
  readonly peerRestarting: boolean;
  /** RFC 8538: both sides set the N bit (NOTIFICATIONs are graceful too). */
  readonly notification: boolean;
  /** Negotiated families the peer listed, with its Forwarding State bit. */
  readonly families: readonly GracefulRestartFamily[];
}

export interface Negotiated {
  readonly holdTime: number;
  /** 0 when holdTime is 0 (no KEEPALIVEs, RFC 4271 §4.4). */
  readonly keepaliveTime: number;
  readonly localAs: number;
  readonly peerAs: number;
  readonly fourOctetAs: boolean;
  /** Families both sides can exchange, in our order. */
  readonly families: readonly AfiSafiKey[];
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** Null unless both sides advertised Graceful Restart. */
  readonly gracefulRestart: GracefulRestartNegotiated | null;
  /** Only families where at least one direction is on. */
  readonly addPath: readonly AddPathNegotiated[];
  readonly extendedMessage: boolean;
  readonly extendedNextHop: readonly ExtendedNextHopTuple[];
  readonly peerRole: number | null;
  readonly peerFqdn: FqdnSummary | null;
  readonly codecContext: CodecContext;
}

export interface NegotiateOptions {
  /** Configured keepalive time; null: a third of the negotiated hold time. */
  readonly keepaliveTime?: number | null;
}

/** RFC 4760 §8 (and RFC 4271): a speaker that sends no Multiprotocol capability speaks IPv4 unicast. */
const familiesOf = (open: OpenSummary): readonly AfiSafi[] =>
  open.capabilities.multiprotocol.length > 0 ? open.capabilities.multiprotocol : [IPV4_UNICAST];

export function negotiate(ours: OpenSummary, theirs: OpenSummary, options: NegotiateOptions = {}): Negotiated {
  const oc = ours.capabilities;
  const tc = theirs.capabilities;

  // RFC 4271 §4.2: the smaller hold time; §4.4/§10 keepalive at most a third of it.
  const holdTime = negotiateHoldTime(ours.holdTime, theirs.holdTime);
  const keepaliveTime = keepaliveInterval(holdTime, options.keepaliveTime ?? null);

  const theirFamilies = new Set(familiesOf(theirs).map((f) => afiSafiKey(f.afi, f.safi)));
  const families: AfiSafiKey[] = [];
  for (const f of familiesOf(ours)) {
    const key = afiSafiKey(f.afi, f.safi);
    if (theirFamilies.has(key) && !families.includes(key)) families.push(key);
  }
  const negotiatedFamily = new Set(families);

  // RFC 7911 §4: we may send Path Identifiers when we said "send" and they said "receive", and expect
  // them when we said "receive" and they said "send"; only for families the session carries.
  const addPath: AddPathNegotiated[] = [];
  const addPathSend = new Set<AfiSafiKey>();
  const addPathReceive = new Set<AfiSafiKey>();
  for (const mine of oc.addPath) {
    const key = afiSafiKey(mine.afi, mine.safi);
    if (!negotiatedFamily.has(key) || addPath.some((a) => afiSafiKey(a.afi, a.safi) === key)) continue;
    const peer = tc.addPath.find((p) => p.afi === mine.afi && p.safi === mine.safi);
    if (peer === undefined) continue;
    const send = mine.send && peer.receive;
    const receive = mine.receive && peer.send;
    if (!send && !receive) continue;
    addPath.push({ afi: mine.afi, safi: mine.safi, send, receive });
    if (send) addPathSend.add(key);
    if (receive) addPathReceive.add(key);
  }

  // RFC 8950 §4: the NLRI family may carry a next hop of the other family when both listed the tuple.
  const extendedNextHop = oc.extendedNextHop.filter((mine) =>
    tc.extendedNextHop.some(
      (p) => p.nlriAfi === mine.nlriAfi && p.nlriSafi === mine.nlriSafi && p.nextHopAfi === mine.nextHopAfi,
    ),
  );
  const extendedNextHopKeys = new Set(extendedNextHop.map((t) => afiSafiKey(t.nlriAfi, t.nlriSafi)));

  // RFC 4724 §4.2 / RFC 8538 §2: we act on the peer's Graceful Restart when both sides advertised it.
  const gracefulRestart: GracefulRestartNegotiated | null =
    oc.gracefulRestart !== null && tc.gracefulRestart !== null
      ? {
          restartTime: tc.gracefulRestart.restartTime,
          peerRestarting: tc.gracefulRestart.restarting,
          notification: oc.gracefulRestart.notification && tc.gracefulRestart.notification,
          families: tc.gracefulRestart.families.filter((f) => negotiatedFamily.has(afiSafiKey(f.afi, f.safi))),
        }
      : null;

  const localAs = effectiveAs(ours);
  const peerAs = effectiveAs(theirs);
  const fourOctetAs = oc.fourOctetAs !== null && tc.fourOctetAs !== null; // RFC 6793 §3
  const extendedMessage = oc.extendedMessage && tc.extendedMessage; // RFC 8654 §3
  const routeRefresh = oc.routeRefresh && tc.routeRefresh; // RFC 2918 §2
  // RFC 7313 §3: Enhanced Route Refresh rides on Route Refresh; both must be in force.
  const enhancedRouteRefresh = routeRefresh && oc.enhancedRouteRefresh && tc.enhancedRouteRefresh;

  return {
    holdTime,
    keepaliveTime,
    localAs,
    peerAs,
    fourOctetAs,
    families,
    routeRefresh,
    enhancedRouteRefresh,
    gracefulRestart,
    addPath,
    extendedMessage,
    extendedNextHop,
    peerRole: tc.role,
    peerFqdn: tc.fqdn,
    codecContext: {
      fourOctetAs,
      extendedMessage,
      addPathReceive,
      addPathSend,
      extendedNextHop: extendedNextHopKeys,
      ibgp: localAs === peerAs,
    },
  };
}
