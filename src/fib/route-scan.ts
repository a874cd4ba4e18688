/**
 * Dumped routes read without an object per route (RibFib's reconcile reads a full table through here):
 * the same rtattr walk as decodeRoute in netlink.ts, into reusable scratch fields.
 */
import { endianness } from 'node:os';
import {
  AF_INET, AF_INET6, align4, NetlinkDecodeError, NLMSG_HDRLEN, RTA_DST, RTA_GATEWAY, RTA_MULTIPATH, RTA_OIF,
  RTA_PRIORITY, RTA_TABLE, RTA_VIA, RTMSG_LEN, RTNH_LEN,
} from './netlink.js';

const LE = endianness() === 'LE';

/** A dumped route in scratch fields; `read` overwrites them. */
export class RouteScan {
  family: 4 | 6 = 4;
  dstLen = 0;
  table = 0;
  protocol = 0;
  type = 0;
  /** -1 when the route has no RTA_PRIORITY. */
  priority = -1;
  /** Destination as big-endian words, like the RIB's prefix table (IPv4: dst[0]). */
  readonly dst = new Uint32Array(4);
  /** Next hops: count, and per hop its gateway's offset/length in the scanned buffer (0 length = none) and weight. */
  hops = 0;
  gwAt: number[] = [];
  gwLen: number[] = [];
  weight: number[] = [];
  /** RTA_OIF of a single-path route (the kernel's choice unless we pinned it). */
  oif = 0;

  /** Read message [offset, offset + length) of `buf`; false for families other than IPv4/IPv6. */
  read(buf: Uint8Array, view: DataView, offset: number, length: number): boolean {
    const p = offset + NLMSG_HDRLEN;
    const end = offset + length;
    if (p + RTMSG_LEN > end) throw new NetlinkDecodeError('short rtmsg');
    const af = buf[p] as number;
    if (af !== AF_INET && af !== AF_INET6) return false;
    this.family = af === AF_INET ? 4 : 6;
    this.dstLen = buf[p + 1] as number;
    this.table = buf[p + 4] as number;
    this.protocol = buf[p + 5] as number;
    this.type = buf[p + 7] as number;
    this.priority = -1;
    this.dst.fill(0);
    this.hops = 0;
    this.oif = 0;
    let single = false;
    let at = p + RTMSG_LEN;
    while (at + 4 <= end) {
      const alen = view.getUint16(at, LE);
      const atype = view.getUint16(at + 2, LE) & 0x3fff;
      if (alen < 4 || at + alen > end) throw new NetlinkDecodeError(`rtattr ${atype} length ${alen}`);
      switch (atype) {
        case RTA_DST:
          for (let k = 0; 4 * k + 4 <= alen - 4 && k < 4; k++) this.dst[k] = view.getUint32(at + 4 + 4 * k, false);
          break;
        case RTA_TABLE:
          if (alen >= 8) this.table = view.getUint32(at + 4, LE);
          break;
        case RTA_PRIORITY:
          if (alen >= 8) this.priority = view.getUint32(at + 4, LE);
          break;
        case RTA_OIF:
          if (alen >= 8) this.oif = view.getUint32(at + 4, LE);
          break;
        case RTA_GATEWAY:
        case RTA_VIA:
          if (this.hops === 0) this.hops = 1;
          single = true;
          this.setGateway(0, atype, at, alen, 1);
          break;
        case RTA_MULTIPATH: {
          let n = at + 4;
          const mpEnd = at + alen;
          while (n + RTNH_LEN <= mpEnd) {
            const nlen = view.getUint16(n, LE);
            if (nlen < RTNH_LEN || n + nlen > mpEnd) throw new NetlinkDecodeError(`rtnexthop length ${nlen}`);
            const h = this.hops++;
            this.gwLen[h] = 0;
            this.weight[h] = (buf[n + 3] as number) + 1;
            for (let a = n + RTNH_LEN; a + 4 <= n + nlen; ) {
              const l = view.getUint16(a, LE);
              const t = view.getUint16(a + 2, LE) & 0x3fff;
              if (l < 4 || a + l > n + nlen) throw new NetlinkDecodeError(`rtnexthop attribute length ${l}`);
              if (t === RTA_GATEWAY || t === RTA_VIA) this.setGateway(h, t, a, l, this.weight[h]!);
              a += align4(l);
            }
            n += align4(nlen);
          }
          break;
        }
        default:
          break;
      }
      at += align4(alen);
    }
    if (!single && this.hops === 0 && this.oif !== 0) {
      this.hops = 1; // a device route: a next hop without a gateway
      this.gwLen[0] = 0;
      this.weight[0] = 1;
    }
    return true;
  }

  private setGateway(h: number, type: number, at: number, alen: number, weight: number): void {
    const skip = type === RTA_VIA ? 6 : 4;
    this.gwAt[h] = at + skip;
    this.gwLen[h] = alen - skip >= 4 ? alen - skip : 0;
    this.weight[h] = weight;
  }
}
