// A throwaway, strict decoder that turns captured bytes into the neutral `expect` shape of test/vectors/README.md.
// Written from the RFCs, independent of src/wire: any length mismatch, leftover byte or unknown layout throws,
// so a vector is only written when every byte has been accounted for.

export interface DecodeOptions {
  /** AFI/SAFI keys ("1/1") whose NLRI carry a 4-octet path identifier (RFC 7911), as negotiated for us. */
  readonly addPath: ReadonlySet<string>;
  /** RFC 6793: 4-octet ASNs in AS_PATH / AGGREGATOR. */
  readonly fourOctetAs: boolean;
}

export type Expect = Record<string, unknown>;

class Reader {
  off = 0;
  constructor(readonly b: Buffer) {}
  need(n: number, what: string): void {
    if (this.off + n > this.b.length) throw new Error(`truncated ${what}: need ${n} at ${this.off} of ${this.b.length}`);
  }
  u8(what = 'u8'): number {
    this.need(1, what);
    return this.b.readUInt8(this.off++);
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.b.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.b.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  get done(): boolean {
    return this.off === this.b.length;
  }
  end(what: string): void {
    if (!this.done) throw new Error(`${this.b.length - this.off} unexpected trailing bytes in ${what}`);
  }
}

export const ipv4Text = (b: Buffer): string => [...b].join('.');

/** RFC 5952 canonical text (the WHATWG URL parser serializes IPv6 hosts exactly so). */
export function ipv6Text(b: Buffer): string {
  if (b.length !== 16) throw new Error(`IPv6 address of ${b.length} octets`);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function prefixes(r: Reader, end: number, afi: number, addPath: boolean): unknown[] {
  const out: unknown[] = [];
  const width = afi === 1 ? 4 : 16;
  while (r.off < end) {
    const pathId = addPath ? r.u32('path identifier') : undefined;
    const bits = r.u8('prefix length');
    if (bits > width * 8) throw new Error(`prefix length ${bits} too long for AFI ${afi}`);
    const octets = Math.ceil(bits / 8);
    const full = Buffer.alloc(width);
    r.bytes(octets, 'prefix').copy(full);
    // RFC 4271 §4.3: trailing bits past the length are irrelevant, but a real speaker should send zeros.
    if (bits % 8 && (full[octets - 1]! & (0xff >> (bits % 8)))) throw new Error('nonzero bits past the prefix length');
    const text = `${afi === 1 ? ipv4Text(full) : ipv6Text(full)}/${bits}`;
    out.push(pathId === undefined ? text : { prefix: text, pathId });
  }
  if (r.off !== end) throw new Error('NLRI overran its field');
  return out;
}

const CAP_FAMILY = (r: Reader): { afi: number; safi: number } => ({ afi: r.u16('afi'), safi: r.u8('safi') });

function capabilityExpect(code: number, v: Buffer): Expect {
  const r = new Reader(v);
  let out: Expect;
  switch (code) {
    case 1: {
      const afi = r.u16();
      const reserved = r.u8();
      if (reserved !== 0) return { code, raw: v.toString('hex') };
      out = { code, afi, safi: r.u8() };
      break;
    }
    case 2:
    case 6:
    case 70:
      if (v.length) return { code, raw: v.toString('hex') };
      return { code };
    case 64: {
      const w = r.u16();
      const families: Expect[] = [];
      while (!r.done) {
        const f = CAP_FAMILY(r);
        families.push({ ...f, forwardingState: (r.u8() & 0x80) !== 0 });
      }
      // RFC 4724 §3 R bit; RFC 8538 §2 N bit
      out = { code, restartState: (w & 0x8000) !== 0, notification: (w & 0x4000) !== 0, restartTime: w & 0x0fff, families };
      break;
    }
    case 65:
      out = { code, asn: r.u32() };
      break;
    case 69: {
      const families: Expect[] = [];
      while (!r.done) families.push({ ...CAP_FAMILY(r), sendReceive: r.u8() });
      out = { code, families };
      break;
    }
    case 73: {
      const hostname = r.bytes(r.u8(), 'hostname').toString('utf8');
      const domain = r.bytes(r.u8(), 'domain').toString('utf8');
      out = { code, hostname, domain };
      break;
    }
    default:
      return { code, raw: v.toString('hex') };
  }
  r.end(`capability ${code}`);
  return out;
}

function openExpect(r: Reader): Expect {
  const version = r.u8();
  const myAs = r.u16();
  const holdTime = r.u16();
  const bgpIdentifier = ipv4Text(r.bytes(4));
  const optLen = r.u8();
  if (optLen === 255) throw new Error('RFC 9072 extended optional parameters: not handled by the capture decoder');
  const end = r.off + optLen;
  const capabilities: Expect[] = [];
  while (r.off < end) {
    const type = r.u8();
    const len = r.u8();
    const p = new Reader(r.bytes(len, 'optional parameter'));
    if (type !== 2) throw new Error(`optional parameter type ${type} (only Capabilities expected)`);
    while (!p.done) {
      const code = p.u8();
      capabilities.push(capabilityExpect(code, p.bytes(p.u8(), `capability ${code}`)));
    }
  }
  r.end('OPEN');
  return { type: 'OPEN', version, myAs, holdTime, bgpIdentifier, capabilities };
}

const ORIGIN = ['IGP', 'EGP', 'INCOMPLETE'];
const SEGMENT: Record<number, string> = { 1: 'AS_SET', 2: 'AS_SEQUENCE', 3: 'AS_CONFED_SEQUENCE', 4: 'AS_CONFED_SET' };

function updateExpect(r: Reader, o: DecodeOptions): Expect {
  const wLen = r.u16('withdrawn length');
  const withdrawn = prefixes(r, r.off + wLen, 1, o.addPath.has('1/1'));
  const aLen = r.u16('attributes length');
  const aEnd = r.off + aLen;
  const attributes: Expect = {};
  const other: Expect[] = [];
  const seen = new Set<number>();
  while (r.off < aEnd) {
    const flags = r.u8();
    const type = r.u8();
    const len = flags & 0x10 ? r.u16() : r.u8();
    const v = new Reader(r.bytes(len, `attribute ${type}`));
    if (seen.has(type)) throw new Error(`attribute ${type} twice`);
    seen.add(type);
    switch (type) {
      case 1:
        attributes.origin = ORIGIN[v.u8()] ?? 'bad';
        break;
      case 2: {
        const segs: Expect[] = [];
        while (!v.done) {
          const t = v.u8();
          const n = v.u8();
          const asns: number[] = [];
          for (let i = 0; i < n; i++) asns.push(o.fourOctetAs ? v.u32() : v.u16());
          segs.push({ type: SEGMENT[t] ?? `type ${t}`, asns });
        }
        attributes.asPath = segs;
        break;
      }
      case 3:
        attributes.nextHop = ipv4Text(v.bytes(4));
        break;
      case 4:
        attributes.med = v.u32();
        break;
      case 5:
        attributes.localPref = v.u32();
        break;
      case 6:
        attributes.atomicAggregate = true;
        break;
      case 8: {
        const cs: string[] = [];
        while (!v.done) cs.push(`${v.u16()}:${v.u16()}`);
        attributes.communities = cs;
        break;
      }
      case 32: {
        const cs: string[] = [];
        while (!v.done) cs.push(`${v.u32()}:${v.u32()}:${v.u32()}`);
        attributes.largeCommunities = cs;
        break;
      }
      case 14: {
        const afi = v.u16();
        const safi = v.u8();
        const nhLen = v.u8();
        const nh = v.bytes(nhLen, 'next hop');
        const nextHop: string[] = [];
        if (afi === 2 && (nhLen === 16 || nhLen === 32)) for (let i = 0; i < nhLen; i += 16) nextHop.push(ipv6Text(nh.subarray(i, i + 16)));
        else if (afi === 1 && nhLen === 4) nextHop.push(ipv4Text(nh));
        else throw new Error(`MP_REACH next hop of ${nhLen} octets for AFI ${afi}`);
        if (v.u8() !== 0) throw new Error('MP_REACH reserved octet not zero');
        attributes.mpReach = { afi, safi, nextHop, nlri: prefixes(v, v.b.length, afi, o.addPath.has(`${afi}/${safi}`)) };
        break;
      }
      case 15: {
        const afi = v.u16();
        const safi = v.u8();
        attributes.mpUnreach = { afi, safi, withdrawn: prefixes(v, v.b.length, afi, o.addPath.has(`${afi}/${safi}`)) };
        break;
      }
      default:
        other.push({ type, flags, raw: v.b.toString('hex') });
        v.off = v.b.length;
    }
    v.end(`attribute ${type}`);
  }
  if (r.off !== aEnd) throw new Error('attributes overran their field');
  if (other.length) attributes.other = other;
  const nlri = prefixes(r, r.b.length, 1, o.addPath.has('1/1'));
  // RFC 4724 §2: End-of-RIB
  let endOfRib: Expect | null = null;
  if (wLen === 0 && aLen === 0 && nlri.length === 0) endOfRib = { afi: 1, safi: 1 };
  const unreach = attributes.mpUnreach as { afi: number; safi: number; withdrawn: unknown[] } | undefined;
  if (unreach && seen.size === 1 && unreach.withdrawn.length === 0 && wLen === 0 && nlri.length === 0) endOfRib = { afi: unreach.afi, safi: unreach.safi };
  return { type: 'UPDATE', withdrawn, nlri, attributes, endOfRib };
}

function notificationExpect(r: Reader): Expect {
  const code = r.u8();
  const subcode = r.u8();
  const data = r.bytes(r.b.length - r.off);
  let communication: string | null = null;
  // RFC 9003 §2: Administrative Shutdown / Reset carry a length octet and UTF-8 text
  if (code === 6 && (subcode === 2 || subcode === 4) && data.length > 0) {
    if (data[0]! !== data.length - 1) throw new Error(`RFC 9003 length ${data[0]} but ${data.length - 1} octets follow`);
    communication = data.subarray(1).toString('utf8');
  }
  return { type: 'NOTIFICATION', code, subcode, communication, dataHex: data.toString('hex') };
}

/** Decodes one whole message (header included) into the neutral expectation shape. */
export function decodeMessage(msg: Buffer, o: DecodeOptions): Expect {
  const r = new Reader(msg);
  const marker = r.bytes(16, 'marker');
  if (!marker.equals(Buffer.alloc(16, 0xff))) throw new Error('marker is not all ones');
  const len = r.u16();
  if (len !== msg.length) throw new Error(`header length ${len} but message is ${msg.length}`);
  const type = r.u8();
  switch (type) {
    case 1:
      return openExpect(r);
    case 2:
      return updateExpect(r, o);
    case 3:
      return notificationExpect(r);
    case 4:
      r.end('KEEPALIVE');
      return { type: 'KEEPALIVE' };
    case 5: {
      const afi = r.u16();
      const subtype = r.u8();
      const safi = r.u8();
      r.end('ROUTE-REFRESH');
      return { type: 'ROUTE_REFRESH', afi, safi, subtype };
    }
    default:
      throw new Error(`message type ${type}`);
  }
}
