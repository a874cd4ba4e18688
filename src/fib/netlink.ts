/**
 * rtnetlink message codec: pure functions over bytes, no sockets. Layouts from the kernel UAPI
 * (linux/netlink.h, linux/rtnetlink.h); netlink integers are in host byte order, addresses in network
 * order. Encoders write at an offset into a caller's buffer and return the bytes written; the length is
 * known before (`routeMessageLength`), so a batch allocates once.
 */
import { endianness } from 'node:os';

const LE = endianness() === 'LE';

// linux/netlink.h
export const NLMSG_HDRLEN = 16;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_DUMP_INTR = 0x10;
/** GET requests. */
export const NLM_F_DUMP = 0x300;
/** NEW requests. */
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** Flags of an NLMSG_ERROR ack: request payload left out; extended-ack TLVs follow. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;
export const NLMSGERR_ATTR_MSG = 1;

// linux/rtnetlink.h
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTMSG_LEN = 12;
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_MULTIPATH = 9;
export const RTA_TABLE = 15;
export const RTA_VIA = 18;
export const RTNH_LEN = 8;
export const RTN_UNICAST = 1;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;
export const AF_INET = 2;
export const AF_INET6 = 10;

export const align4 = (n: number): number => (n + 3) & ~3;

export function afOf(family: 4 | 6): number {
  return family === 4 ? AF_INET : AF_INET6;
}

/** One next hop of a route: a gateway (4 or 16 bytes), optionally pinned to an interface. */
export interface NextHopSpec {
  readonly gateway: Uint8Array;
  readonly ifindex?: number;
  /** ECMP weight 1..256 (rtnh_hops + 1). */
  readonly weight?: number;
}

/** A route as rtnetlink carries it (struct rtmsg + attributes). */
export interface RouteSpec {
  readonly family: 4 | 6;
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly table: number;
  readonly protocol: number;
  readonly priority?: number;
  readonly type?: number;
  readonly scope?: number;
  /** Empty for a delete that matches any next hop. One = RTA_GATEWAY, several = RTA_MULTIPATH. */
  readonly nexthops: readonly NextHopSpec[];
}

/** RTA_VIA (struct rtvia) when the gateway's family differs from the route's (IPv4 via IPv6, RFC 8950). */
function gatewayAttrLength(family: 4 | 6, nh: NextHopSpec): number {
  const isVia = nh.gateway.length !== (family === 4 ? 4 : 16);
  return align4(4 + (isVia ? 2 : 0) + nh.gateway.length);
}

export function routeMessageLength(r: RouteSpec): number {
  let n = NLMSG_HDRLEN + RTMSG_LEN + align4(4 + r.dst.length) + 8 /* RTA_TABLE */;
  if (r.priority !== undefined) n += 8;
  if (r.nexthops.length === 1) {
    const nh = r.nexthops[0] as NextHopSpec;
    n += gatewayAttrLength(r.family, nh);
    if (nh.ifindex !== undefined) n += 8;
  } else if (r.nexthops.length > 1) {
    n += 4;
    for (const nh of r.nexthops) n += RTNH_LEN + gatewayAttrLength(r.family, nh);
  }
  return n;
}

function putAttrHeader(v: DataView, at: number, len: number, type: number): void {
  v.setUint16(at, len, LE);
  v.setUint16(at + 2, type, LE);
}

function putU32Attr(v: DataView, at: number, type: number, value: number): number {
  putAttrHeader(v, at, 8, type);
  v.setUint32(at + 4, value >>> 0, LE);
  return at + 8;
}

function putGateway(buf: Uint8Array, v: DataView, at: number, family: 4 | 6, nh: NextHopSpec): number {
  const len = gatewayAttrLength(family, nh);
  buf.fill(0, at, at + len);
  if (nh.gateway.length === (family === 4 ? 4 : 16)) {
    putAttrHeader(v, at, 4 + nh.gateway.length, RTA_GATEWAY);
    buf.set(nh.gateway, at + 4);
  } else {
    putAttrHeader(v, at, 6 + nh.gateway.length, RTA_VIA);
    v.setUint16(at + 4, nh.gateway.length === 4 ? AF_INET : AF_INET6, LE);
    buf.set(nh.gateway, at + 6);
  }
  return at + len;
}

/** struct nlmsghdr (netlink(7)): length, type, flags, sequence number, port id 0 (the kernel fills it in). */
function writeNlmsghdr(view: DataView, offset: number, total: number, nlType: number, nlFlags: number, seq: number): void {
  view.setUint32(offset, total, LE);
  view.setUint16(offset + 4, nlType, LE);
  view.setUint16(offset + 6, nlFlags, LE);
  view.setUint32(offset + 8, seq >>> 0, LE);
  view.setUint32(offset + 12, 0, LE);
}

/**
 * Write one RTM_NEWROUTE / RTM_DELROUTE at `offset`; returns the bytes written (routeMessageLength).
 * rtm_table carries the table when it fits in 8 bits; RTA_TABLE always carries all 32 (rtnetlink.h).
 */
export function encodeRouteMessage(
  buf: Uint8Array,
  view: DataView,
  offset: number,
  nlType: number,
  nlFlags: number,
  seq: number,
  r: RouteSpec,
): number {
  const total = routeMessageLength(r);
  writeNlmsghdr(view, offset, total, nlType, nlFlags, seq);
  // struct rtmsg
  let at = offset + NLMSG_HDRLEN;
  buf[at] = afOf(r.family);
  buf[at + 1] = r.dstLen;
  buf[at + 2] = 0; // rtm_src_len
  buf[at + 3] = 0; // rtm_tos
  buf[at + 4] = r.table < 256 ? r.table : RT_TABLE_UNSPEC;
  buf[at + 5] = r.protocol;
  buf[at + 6] = r.scope ?? RT_SCOPE_UNIVERSE;
  buf[at + 7] = r.type ?? RTN_UNICAST;
  view.setUint32(at + 8, 0, LE); // rtm_flags
  at += RTMSG_LEN;
  // RTA_DST
  const dstAttr = align4(4 + r.dst.length);
  buf.fill(0, at, at + dstAttr);
  putAttrHeader(view, at, 4 + r.dst.length, RTA_DST);
  buf.set(r.dst, at + 4);
  at += dstAttr;
  at = putU32Attr(view, at, RTA_TABLE, r.table);
  if (r.priority !== undefined) at = putU32Attr(view, at, RTA_PRIORITY, r.priority);
  if (r.nexthops.length === 1) {
    const nh = r.nexthops[0] as NextHopSpec;
    at = putGateway(buf, view, at, r.family, nh);
    if (nh.ifindex !== undefined) at = putU32Attr(view, at, RTA_OIF, nh.ifindex);
  } else if (r.nexthops.length > 1) {
    const mpStart = at;
    at += 4;
    for (const nh of r.nexthops) {
      // struct rtnexthop: rtnh_len, rtnh_flags, rtnh_hops, rtnh_ifindex; then its own attributes
      const nhLen = RTNH_LEN + gatewayAttrLength(r.family, nh);
      view.setUint16(at, nhLen, LE);
      buf[at + 2] = 0;
      buf[at + 3] = (nh.weight ?? 1) - 1;
      view.setInt32(at + 4, nh.ifindex ?? 0, LE);
      at = putGateway(buf, view, at + RTNH_LEN, r.family, nh);
    }
    putAttrHeader(view, mpStart, at - mpStart, RTA_MULTIPATH);
  }
  return at - offset;
}

/**
 * RTM_GETROUTE dump of one family. With NETLINK_GET_STRICT_CHK the kernel filters by rtm_table /
 * RTA_TABLE and rtm_protocol (Linux 4.20+); callers filter again, since older kernels ignore them.
 */
export function encodeRouteDump(family: 4 | 6, table: number, protocol: number, seq: number): Uint8Array {
  const len = NLMSG_HDRLEN + RTMSG_LEN + 8;
  const buf = new Uint8Array(len);
  const v = new DataView(buf.buffer);
  v.setUint32(0, len, LE);
  v.setUint16(4, RTM_GETROUTE, LE);
  v.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, LE);
  v.setUint32(8, seq >>> 0, LE);
  buf[NLMSG_HDRLEN] = afOf(family);
  buf[NLMSG_HDRLEN + 4] = table < 256 ? table : RT_TABLE_UNSPEC;
  buf[NLMSG_HDRLEN + 5] = protocol;
  putU32Attr(v, NLMSG_HDRLEN + RTMSG_LEN, RTA_TABLE, table);
  return buf;
}

/** Header of one received message; the payload is buf[offset + 16, offset + length). */
export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly offset: number;
  readonly length: number;
}

export class NetlinkDecodeError extends Error {
  readonly code = 'ERR_FIB_NETLINK_DECODE';
  constructor(detail: string) {
    super(`malformed netlink message: ${detail}`);
    this.name = 'NetlinkDecodeError';
  }
}

/** Split a received byte stream into messages (NLMSG_OK / NLMSG_NEXT). Zero padding at the end is skipped. */
export function* messages(buf: Uint8Array, view: DataView, length: number): Generator<NlMessage> {
  let at = 0;
  while (at + NLMSG_HDRLEN <= length) {
    const len = view.getUint32(at, LE);
    if (len === 0) {
      at += 4; // padding between concatenated datagrams
      continue;
    }
    if (len < NLMSG_HDRLEN || at + len > length) throw new NetlinkDecodeError(`nlmsg_len ${len} at ${at} of ${length}`);
    yield {
      type: view.getUint16(at + 4, LE),
      flags: view.getUint16(at + 6, LE),
      seq: view.getUint32(at + 8, LE),
      pid: view.getUint32(at + 12, LE),
      offset: at,
      length: len,
    };
    at += align4(len);
  }
}

/** struct nlmsgerr: error (0 = ack, else -errno) and the header of the request it answers. */
export interface NlAck {
  /** Positive errno, 0 for success. */
  readonly errno: number;
  readonly requestSeq: number;
  readonly requestType: number;
  /** NLMSGERR_ATTR_MSG of an extended ack (NETLINK_EXT_ACK), the kernel's reason in words. */
  readonly message?: string;
}

export function decodeAck(buf: Uint8Array, view: DataView, m: NlMessage): NlAck {
  const p = m.offset + NLMSG_HDRLEN;
  if (m.length < NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) throw new NetlinkDecodeError('short NLMSG_ERROR');
  const error = view.getInt32(p, LE);
  const requestLen = view.getUint32(p + 4, LE);
  const ack: { errno: number; requestSeq: number; requestType: number; message?: string } = {
    errno: error === 0 ? 0 : -error,
    requestType: view.getUint16(p + 8, LE),
    requestSeq: view.getUint32(p + 12, LE),
  };
  if ((m.flags & NLM_F_ACK_TLVS) !== 0) {
    // TLVs follow the echoed request: only its header when capped (NETLINK_CAP_ACK).
    let at = p + 4 + ((m.flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : align4(requestLen));
    const end = m.offset + m.length;
    while (at + 4 <= end) {
      const alen = view.getUint16(at, LE);
      const atype = view.getUint16(at + 2, LE) & 0x3fff;
      if (alen < 4 || at + alen > end) break;
      if (atype === NLMSGERR_ATTR_MSG) {
        let e = at + alen;
        while (e > at + 4 && buf[e - 1] === 0) e--;
        ack.message = new TextDecoder().decode(buf.subarray(at + 4, e));
      }
      at += align4(alen);
    }
  }
  return ack;
}

export interface DecodedNextHop {
  /** Gateway bytes (4 or 16); absent for a directly connected route. */
  readonly gateway?: Uint8Array;
  readonly ifindex: number;
  readonly weight: number;
}

export interface DecodedRoute {
  readonly family: 4 | 6;
  readonly dstLen: number;
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  readonly dst: Uint8Array;
  readonly priority: number | undefined;
  readonly nexthops: readonly DecodedNextHop[];
}

function gatewayFromAttr(buf: Uint8Array, view: DataView, type: number, at: number, alen: number): Uint8Array | undefined {
  if (type === RTA_GATEWAY) return buf.slice(at + 4, at + alen);
  if (type === RTA_VIA && alen >= 6) return buf.slice(at + 6, at + alen);
  void view;
  return undefined;
}

/** An RTM_NEWROUTE from a dump; undefined for families other than IPv4/IPv6. */
export function decodeRoute(buf: Uint8Array, view: DataView, m: NlMessage): DecodedRoute | undefined {
  const p = m.offset + NLMSG_HDRLEN;
  const end = m.offset + m.length;
  if (p + RTMSG_LEN > end) throw new NetlinkDecodeError('short rtmsg');
  const af = buf[p] as number;
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const family = af === AF_INET ? 4 : 6;
  const dstLen = buf[p + 1] as number;
  let table = buf[p + 4] as number;
  let dst: Uint8Array = new Uint8Array(family === 4 ? 4 : 16);
  let priority: number | undefined;
  let gateway: Uint8Array | undefined;
  let oif = 0;
  const nexthops: DecodedNextHop[] = [];
  let at = p + RTMSG_LEN;
  while (at + 4 <= end) {
    const alen = view.getUint16(at, LE);
    const atype = view.getUint16(at + 2, LE) & 0x3fff;
    if (alen < 4 || at + alen > end) throw new NetlinkDecodeError(`rtattr ${atype} length ${alen}`);
    switch (atype) {
      case RTA_DST:
        dst = buf.slice(at + 4, at + alen);
        break;
      case RTA_TABLE:
        if (alen >= 8) table = view.getUint32(at + 4, LE);
        break;
      case RTA_PRIORITY:
        if (alen >= 8) priority = view.getUint32(at + 4, LE);
        break;
      case RTA_OIF:
        if (alen >= 8) oif = view.getUint32(at + 4, LE);
        break;
      case RTA_GATEWAY:
      case RTA_VIA:
        gateway = gatewayFromAttr(buf, view, atype, at, alen);
        break;
      case RTA_MULTIPATH: {
        let n = at + 4;
        const mpEnd = at + alen;
        while (n + RTNH_LEN <= mpEnd) {
          const nlen = view.getUint16(n, LE);
          if (nlen < RTNH_LEN || n + nlen > mpEnd) throw new NetlinkDecodeError(`rtnexthop length ${nlen}`);
          let gw: Uint8Array | undefined;
          for (let a = n + RTNH_LEN; a + 4 <= n + nlen; ) {
            const l = view.getUint16(a, LE);
            const t = view.getUint16(a + 2, LE) & 0x3fff;
            if (l < 4 || a + l > n + nlen) throw new NetlinkDecodeError(`rtnexthop attribute length ${l}`);
            gw = gatewayFromAttr(buf, view, t, a, l) ?? gw;
            a += align4(l);
          }
          const hop = { ifindex: view.getInt32(n + 4, LE), weight: (buf[n + 3] as number) + 1 };
          nexthops.push(gw === undefined ? hop : { ...hop, gateway: gw });
          n += align4(nlen);
        }
        break;
      }
      default:
        break;
    }
    at += align4(alen);
  }
  if (nexthops.length === 0 && (gateway !== undefined || oif !== 0)) {
    nexthops.push(gateway === undefined ? { ifindex: oif, weight: 1 } : { gateway, ifindex: oif, weight: 1 });
  }
  return {
    family,
    dstLen,
    table,
    protocol: buf[p + 5] as number,
    scope: buf[p + 6] as number,
    type: buf[p + 7] as number,
    dst,
    priority,
    nexthops,
  };
}

// --- slot-based encoding (KernelRoutes' hot path): no RouteSpec object per route ------------------------------

/**
 * The next-hop attributes of a route of `family`, encoded once per next-hop set and copied into every
 * request that uses the set (the same bytes encodeRouteMessage writes after RTA_PRIORITY).
 */
export function encodeNextHopAttrs(family: 4 | 6, nexthops: readonly NextHopSpec[]): Uint8Array {
  const spec: RouteSpec = { family, dst: new Uint8Array(0), dstLen: 0, table: 0, protocol: 0, nexthops };
  const total = routeMessageLength(spec);
  const buf = new Uint8Array(total);
  encodeRouteMessage(buf, new DataView(buf.buffer), 0, 0, 0, 0, spec);
  return buf.slice(NLMSG_HDRLEN + RTMSG_LEN + 4 + 8);
}

/** Length of a request written by encodePrefixRoute. */
export function prefixRouteLength(family: 4 | 6, nhAttrs: Uint8Array | null): number {
  return NLMSG_HDRLEN + RTMSG_LEN + (family === 4 ? 8 : 20) + 8 + 8 + (nhAttrs === null ? 0 : nhAttrs.length);
}

/**
 * One RTM_NEWROUTE / RTM_DELROUTE straight from a packed prefix: `words` holds the address as big-endian
 * 32-bit words (1 for IPv4, 4 for IPv6, most significant first) from `wordAt`; `nhAttrs` from
 * encodeNextHopAttrs (null for a delete matching any next hop). Same layout as encodeRouteMessage.
 */
export function encodePrefixRoute(
  buf: Uint8Array, view: DataView, offset: number, nlType: number, nlFlags: number, seq: number,
  family: 4 | 6, words: Uint32Array, wordAt: number, dstLen: number,
  table: number, protocol: number, priority: number, nhAttrs: Uint8Array | null,
): number {
  const total = prefixRouteLength(family, nhAttrs);
  writeNlmsghdr(view, offset, total, nlType, nlFlags, seq);
  let at = offset + NLMSG_HDRLEN;
  buf[at] = family === 4 ? AF_INET : AF_INET6;
  buf[at + 1] = dstLen;
  buf[at + 2] = 0;
  buf[at + 3] = 0;
  buf[at + 4] = table < 256 ? table : RT_TABLE_UNSPEC;
  buf[at + 5] = protocol;
  buf[at + 6] = RT_SCOPE_UNIVERSE;
  buf[at + 7] = RTN_UNICAST;
  view.setUint32(at + 8, 0, LE);
  at += RTMSG_LEN;
  const n = family === 4 ? 1 : 4;
  putAttrHeader(view, at, 4 + 4 * n, RTA_DST);
  for (let k = 0; k < n; k++) view.setUint32(at + 4 + 4 * k, words[wordAt + k]! >>> 0, false); // network order
  at += 4 + 4 * n;
  at = putU32Attr(view, at, RTA_TABLE, table);
  at = putU32Attr(view, at, RTA_PRIORITY, priority);
  if (nhAttrs !== null) {
    buf.set(nhAttrs, at);
    at += nhAttrs.length;
  }
  return at - offset;
}
