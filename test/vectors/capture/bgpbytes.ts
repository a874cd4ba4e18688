// Hand-assembled BGP messages for the capture tool. Deliberately independent of src/wire (the codec under test):
// every byte is written here from the RFC text, so vectors never inherit a codec bug.

const MARKER = Buffer.alloc(16, 0xff);

/** RFC 4271 §4.1: 16-octet marker, 2-octet length (header included), 1-octet type. */
export function message(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(19);
  MARKER.copy(header, 0);
  header.writeUInt16BE(19 + body.length, 16);
  header.writeUInt8(type, 18);
  return Buffer.concat([header, body]);
}

const u8 = (n: number): Buffer => Buffer.from([n]);
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export function ipv4Bytes(a: string): Buffer {
  const parts = a.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${a}`);
  return Buffer.from(parts);
}

export function ipv6Bytes(a: string): Buffer {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${a}`);
  return Buffer.concat(groups.map((g) => u16(parseInt(g, 16))));
}

/** RFC 4271 §4.3 / RFC 4760 §5: length in bits, then the minimum number of octets. */
export function prefixBytes(prefix: string): Buffer {
  const [addr, len] = prefix.split('/') as [string, string];
  const bits = Number(len);
  const full = addr.includes(':') ? ipv6Bytes(addr) : ipv4Bytes(addr);
  return Buffer.concat([u8(bits), full.subarray(0, Math.ceil(bits / 8))]);
}

export interface OpenParams {
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpIdentifier: string;
  /** Capabilities, each already encoded as code, length, value (RFC 5492 §4). */
  readonly capabilities: readonly Buffer[];
}

export const capability = (code: number, value: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([u8(code), u8(value.length), value]);

/** The capability set the capture tool offers, so the daemon turns on everything it has. */
export function richCapabilities(asn: number): Buffer[] {
  const families: readonly (readonly [number, number])[] = [
    [1, 1],
    [2, 1],
  ];
  return [
    ...families.map(([afi, safi]) => capability(1, Buffer.concat([u16(afi), u8(0), u8(safi)]))), // RFC 4760 §8
    capability(2), // RFC 2918 route refresh
    capability(70), // RFC 7313 enhanced route refresh
    capability(65, u32(asn)), // RFC 6793 4-octet AS
    // RFC 4724 §3: flags (R=0) + 12-bit restart time 120, then AFI, SAFI, flags (F=0) per family
    capability(64, Buffer.concat([u16(120), ...families.map(([afi, safi]) => Buffer.concat([u16(afi), u8(safi), u8(0)]))])),
    // RFC 7911 §4: AFI, SAFI, Send/Receive = 1 (receive only)
    capability(69, Buffer.concat(families.map(([afi, safi]) => Buffer.concat([u16(afi), u8(safi), u8(1)])))),
    capability(6), // RFC 8654 extended message
  ];
}

/** RFC 4271 §4.2, with all capabilities in one Capabilities optional parameter (type 2, RFC 5492). */
export function open(p: OpenParams): Buffer {
  const caps = Buffer.concat(p.capabilities);
  const params = caps.length ? Buffer.concat([u8(2), u8(caps.length), caps]) : Buffer.alloc(0);
  const myAs = p.myAs > 0xffff ? 23456 : p.myAs; // RFC 6793 §4.1 AS_TRANS
  return message(1, Buffer.concat([u8(4), u16(myAs), u16(p.holdTime), ipv4Bytes(p.bgpIdentifier), u8(params.length), params]));
}

export const keepalive = (): Buffer => message(4, Buffer.alloc(0));

/** RFC 2918 §3 / RFC 7313 §3.2: AFI, subtype (0 request, 1 BoRR, 2 EoRR), SAFI. */
export const routeRefresh = (afi: number, safi: number, subtype = 0): Buffer => message(5, Buffer.concat([u16(afi), u8(subtype), u8(safi)]));

/** RFC 4271 §4.3 path attribute; extended length (flag 0x10) when the value needs it. */
export function attribute(flags: number, type: number, value: Buffer): Buffer {
  if (value.length > 255) return Buffer.concat([u8(flags | 0x10), u8(type), u16(value.length), value]);
  return Buffer.concat([u8(flags & ~0x10), u8(type), u8(value.length), value]);
}

export interface UpdateAttrs {
  readonly asPath: readonly number[]; // one AS_SEQUENCE of 4-octet ASNs (4-octet AS negotiated), or empty
  readonly nextHop?: string; // IPv4 NEXT_HOP
  readonly localPref?: number;
  readonly communities?: readonly [number, number][];
  readonly mpReach?: { readonly nextHop: string; readonly nlri: readonly string[] }; // IPv6 unicast
}

function attributes(a: UpdateAttrs): Buffer {
  const out: Buffer[] = [];
  out.push(attribute(0x40, 1, u8(0))); // ORIGIN IGP
  const path = a.asPath.length ? Buffer.concat([u8(2), u8(a.asPath.length), ...a.asPath.map(u32)]) : Buffer.alloc(0);
  out.push(attribute(0x40, 2, path)); // AS_PATH
  if (a.nextHop) out.push(attribute(0x40, 3, ipv4Bytes(a.nextHop)));
  if (a.localPref !== undefined) out.push(attribute(0x40, 5, u32(a.localPref)));
  if (a.communities?.length) out.push(attribute(0xc0, 8, Buffer.concat(a.communities.map(([x, y]) => Buffer.concat([u16(x), u16(y)])))));
  if (a.mpReach) {
    const nh = ipv6Bytes(a.mpReach.nextHop);
    // RFC 4760 §3: AFI 2, SAFI 1, next hop length + address, one reserved octet, NLRI
    out.push(attribute(0x80, 14, Buffer.concat([u16(2), u8(1), u8(nh.length), nh, u8(0), ...a.mpReach.nlri.map(prefixBytes)])));
  }
  return Buffer.concat(out);
}

/** RFC 4271 §4.3 UPDATE: withdrawn routes, path attributes, IPv4 NLRI. */
export function update(withdrawn: readonly string[], attrs: UpdateAttrs | undefined, nlri: readonly string[]): Buffer {
  const w = Buffer.concat(withdrawn.map(prefixBytes));
  const pa = attrs ? attributes(attrs) : Buffer.alloc(0);
  return message(2, Buffer.concat([u16(w.length), w, u16(pa.length), pa, ...nlri.map(prefixBytes)]));
}

/** RFC 4724 §2 End-of-RIB: IPv4 unicast is the empty UPDATE; others are an MP_UNREACH with no NLRI. */
export function endOfRib(afi: number, safi: number): Buffer {
  if (afi === 1 && safi === 1) return update([], undefined, []);
  const unreach = attribute(0x80, 15, Buffer.concat([u16(afi), u8(safi)]));
  return message(2, Buffer.concat([u16(0), u16(unreach.length), unreach]));
}
