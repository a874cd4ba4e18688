// Follows one rtnetlink protocol's IPv4 routes in one table of a network namespace as they change, for the
// kernel-routes full-table benchmark: a socket in the namespace joined to RTNLGRP_IPV4_ROUTE receives the
// kernel's own notification of every route added, replaced or deleted. The kernel builds those notifications
// whether anyone listens or not (zebra listens anyway), so following them costs this process one small copy per
// change, instead of a whole-table dump per sample. Prefixes are bits in a (length, network) bitmap, so a
// replace is not counted twice. If the kernel ever drops notifications (ENOBUFS), `lost` says so and the count
// is no longer exact: the benchmark then falls back to dumps (lib/kernel-count.ts).
import { endianness } from 'node:os';
import { loadNetlink, type NetlinkBinding } from '../../src/fib/native.js';
import { NLMSG_HDRLEN, RTA_DST, RTA_TABLE, RTMSG_LEN, RTM_DELROUTE, RTM_NEWROUTE } from '../../src/fib/netlink.js';

const LE = endianness() === 'LE';
/** SOL_NETLINK NETLINK_ADD_MEMBERSHIP and the rtnetlink multicast group of IPv4 routes (linux/rtnetlink.h). */
const NETLINK_ADD_MEMBERSHIP = 1;
const RTNLGRP_IPV4_ROUTE = 7;
/** Notifications queue while this process is busy; truesize is several hundred bytes each. */
const RCVBUF = 512 << 20;
const BUCKET_MS = 100;

export class KernelRouteWatcher {
  private readonly nl: NetlinkBinding;
  private fd: number;
  private readonly buf = new Uint8Array(1 << 20);
  private readonly view = new DataView(this.buf.buffer);
  /** Bit (1 << len) + (addr >>> (32 - len)) for len 0..24; longer prefixes in `long`. */
  private readonly bits = new Uint8Array(1 << 22);
  private readonly long = new Set<string>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private waiters: { target: number; resolve: (at: number | null) => void; timer: ReturnType<typeof setTimeout> }[] = [];
  /** Routes of ours in the table, as the notifications tell. */
  held = 0;
  /** Notifications seen (ours only) and times the kernel said it dropped some. */
  events = 0;
  lost = 0;
  /** |net change of `held`| per BUCKET_MS bucket since `epoch`, for the best 1-s window. */
  private readonly buckets: number[] = [];
  private epoch = 0;
  /** performance.now() of the first read after mark() that changed `held`; NaN until then. */
  firstChangeAt = NaN;

  constructor(readonly netns: string, readonly table: number, readonly protocol: number) {
    this.nl = loadNetlink();
    this.fd = this.nl.nlOpen(netns);
    try {
      this.nl.nlSetBuffers(this.fd, RCVBUF, 0);
      this.nl.nlSetOpt(this.fd, NETLINK_ADD_MEMBERSHIP, RTNLGRP_IPV4_ROUTE);
    } catch (e) {
      this.nl.nlClose(this.fd);
      throw e;
    }
  }

  /** Start reading; the table must hold none of our routes now (the count starts at 0). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.epoch = performance.now();
    this.loop = this.read();
  }

  private async read(): Promise<void> {
    while (this.running) {
      const r = await this.nl.nlRecv(this.fd, this.buf, 200);
      const now = performance.now();
      const before = this.events;
      const heldBefore = this.held;
      const v = this.view;
      for (let at = 0; at + NLMSG_HDRLEN <= r.bytes; ) {
        const len = v.getUint32(at, LE);
        if (len === 0) { at += 4; continue; }
        if (len < NLMSG_HDRLEN || at + len > r.bytes) break;
        const type = v.getUint16(at + 4, LE);
        if (type === RTM_NEWROUTE || type === RTM_DELROUTE) this.onRoute(type, at, len);
        at += (len + 3) & ~3;
      }
      if (this.held !== heldBefore && Number.isNaN(this.firstChangeAt)) this.firstChangeAt = now;
      if (this.events !== before) {
        const b = Math.floor((now - this.epoch) / BUCKET_MS);
        while (this.buckets.length <= b) this.buckets.push(0);
        this.buckets[b]! += Math.abs(this.held - heldBefore);
        for (const w of this.waiters.filter((x) => x.target === this.held)) {
          clearTimeout(w.timer);
          w.resolve(now);
        }
        this.waiters = this.waiters.filter((x) => x.target !== this.held);
      }
      if (r.error !== null) {
        if (r.error.code !== 'ENOBUFS') throw r.error;
        this.lost++;
      }
    }
  }

  /** struct rtmsg: family (0), dst_len (1), table (4), protocol (5), type (7); RTA_DST, RTA_TABLE after it. */
  private onRoute(type: number, at: number, len: number): void {
    const p = at + NLMSG_HDRLEN;
    const b = this.buf;
    const v = this.view;
    if (b[p] !== 2 /* AF_INET */ || b[p + 5] !== this.protocol || b[p + 7] !== 1 /* RTN_UNICAST */) return;
    const dstLen = b[p + 1]!;
    let table = b[p + 4]!;
    let dst = 0;
    for (let a = p + RTMSG_LEN; a + 4 <= at + len; ) {
      const alen = v.getUint16(a, LE);
      if (alen < 4) break;
      const t = v.getUint16(a + 2, LE);
      if (t === RTA_TABLE && alen >= 8) table = v.getUint32(a + 4, LE);
      else if (t === RTA_DST && alen >= 8) dst = v.getUint32(a + 4, false); // network order
      a += (alen + 3) & ~3;
    }
    if (table !== this.table) return;
    this.events++;
    const add = type === RTM_NEWROUTE;
    if (dstLen > 24) {
      const k = `${dst}/${dstLen}`;
      if (add && !this.long.has(k)) { this.long.add(k); this.held++; }
      else if (!add && this.long.delete(k)) this.held--;
      return;
    }
    const bit = (1 << dstLen) + (dstLen === 0 ? 0 : dst >>> (32 - dstLen));
    const m = 1 << (bit & 7);
    const has = (b2: number): boolean => (this.bits[b2 >>> 3]! & m) !== 0;
    if (add && !has(bit)) { this.bits[bit >>> 3]! |= m; this.held++; }
    else if (!add && has(bit)) { this.bits[bit >>> 3]! &= ~m; this.held--; }
  }

  /** Start a phase: firstChangeAt is taken again from now on. */
  mark(): void {
    this.firstChangeAt = NaN;
  }

  /** performance.now() of the read that brought the count to exactly `n`; null after timeoutMs. */
  until(n: number, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        resolve(null);
      }, timeoutMs);
      this.waiters.push({ target: n, resolve, timer });
    });
  }

  /** Most routes added or removed in any `windowMs` (a whole number of 100-ms buckets) from `fromMs` on, per second. */
  bestRate(fromMs: number, windowMs = 1000): number {
    const w = Math.round(windowMs / BUCKET_MS);
    const first = Math.max(0, Math.floor((fromMs - this.epoch) / BUCKET_MS));
    const b = this.buckets;
    if (b.length - first < w) return NaN;
    let sum = 0;
    for (let i = first; i < first + w; i++) sum += b[i] ?? 0;
    let best = sum;
    for (let i = first + w; i < b.length; i++) {
      sum += b[i]! - (b[i - w] ?? 0);
      if (sum > best) best = sum;
    }
    return best / (windowMs / 1000);
  }

  async close(): Promise<void> {
    this.running = false;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    await this.loop.catch(() => undefined);
    if (this.fd >= 0) this.nl.nlClose(this.fd);
    this.fd = -1;
  }
}
