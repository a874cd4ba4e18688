// Counts one rtnetlink protocol's IPv4 routes in one table of a network namespace, for the kernel-routes
// full-table benchmark: an RTM_GETROUTE dump (filtered in the kernel by table and protocol, Linux 4.20+
// NETLINK_GET_STRICT_CHK; filtered again here) whose messages are counted by walking the nlmsghdr lengths,
// with no object per route. The socket is opened inside the namespace by the addon (nlOpen(netns)).
//
// A dump taken while a daemon is changing the table is a snapshot of a moving target (the kernel may mark it
// NLM_F_DUMP_INTR); it is counted anyway and never restarted, because the benchmark only needs to know when the
// count reaches N or 0, and by then the table has stopped changing.
import { loadNetlink, NETLINK_GET_STRICT_CHK, type NetlinkBinding } from '../../src/fib/native.js';
import { encodeRouteDump, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, RTM_NEWROUTE, RTA_TABLE, RTMSG_LEN } from '../../src/fib/netlink.js';
import { endianness } from 'node:os';

const LE = endianness() === 'LE';
/** Well above one dump datagram (the kernel fills up to ~32 KiB each); nlRecv packs several per call. */
const RECV_BYTES = 1 << 20;

export interface CountSample {
  /** performance.now() when the dump request went out and when its NLMSG_DONE was read (ms). */
  readonly startedAt: number;
  readonly doneAt: number;
  readonly routes: number;
  /** The kernel flagged the dump as interrupted by a concurrent change. */
  readonly interrupted: boolean;
}

export class KernelRouteCounter {
  private readonly nl: NetlinkBinding;
  private fd: number;
  private readonly buf = new Uint8Array(RECV_BYTES);
  private readonly view = new DataView(this.buf.buffer);
  private seq = (Math.random() * 0x3fffffff) >>> 0;

  constructor(readonly netns: string, readonly table: number, readonly protocol: number) {
    this.nl = loadNetlink();
    this.fd = this.nl.nlOpen(netns);
    try {
      this.nl.nlSetBuffers(this.fd, 4 << 20, 0);
      this.nl.nlSetOpt(this.fd, NETLINK_GET_STRICT_CHK, 1);
    } catch (e) {
      this.nl.nlClose(this.fd);
      throw e;
    }
  }

  /** One dump of the table: how many IPv4 unicast routes of our protocol it holds. */
  async count(timeoutMs = 30_000): Promise<CountSample> {
    if (this.fd < 0) throw new Error('route counter closed');
    const seq = (this.seq = (this.seq + 1) >>> 0);
    const startedAt = performance.now();
    await this.nl.nlSend(this.fd, encodeRouteDump(4, this.table, this.protocol, seq));
    let routes = 0;
    let interrupted = false;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error('route dump did not finish in time');
      const r = await this.nl.nlRecv(this.fd, this.buf, 1000);
      const v = this.view;
      for (let at = 0; at + NLMSG_HDRLEN <= r.bytes; ) {
        const len = v.getUint32(at, LE);
        if (len === 0) { at += 4; continue; } // padding between datagrams
        if (len < NLMSG_HDRLEN || at + len > r.bytes) throw new Error(`malformed netlink message at ${at}`);
        const type = v.getUint16(at + 4, LE);
        if (v.getUint32(at + 8, LE) === seq) {
          if ((v.getUint16(at + 6, LE) & 0x10) !== 0) interrupted = true; // NLM_F_DUMP_INTR
          if (type === NLMSG_DONE) return { startedAt, doneAt: performance.now(), routes, interrupted };
          if (type === NLMSG_ERROR) throw new Error(`route dump refused (errno ${-v.getInt32(at + NLMSG_HDRLEN, LE)})`);
          if (type === RTM_NEWROUTE && this.ours(at, len)) routes++;
        }
        at += (len + 3) & ~3;
      }
      if (r.error !== null) throw r.error; // ENOBUFS cannot happen to a dump's own replies
    }
  }

  /** struct rtmsg: family (0), table (4), protocol (5), type (7), RTA_TABLE overriding the table byte. */
  private ours(at: number, len: number): boolean {
    const p = at + NLMSG_HDRLEN;
    const b = this.buf;
    if (b[p] !== 2 /* AF_INET */ || b[p + 5] !== this.protocol || b[p + 7] !== 1 /* RTN_UNICAST */) return false;
    let table = b[p + 4]!;
    for (let a = p + RTMSG_LEN; a + 4 <= at + len; ) {
      const alen = this.view.getUint16(a, LE);
      if (alen < 4) break;
      if (this.view.getUint16(a + 2, LE) === RTA_TABLE && alen >= 8) table = this.view.getUint32(a + 4, LE);
      a += (alen + 3) & ~3;
    }
    return table === this.table;
  }

  close(): void {
    if (this.fd < 0) return;
    this.nl.nlClose(this.fd);
    this.fd = -1;
  }
}

/**
 * Dumps the count every `intervalMs` (measured from the end of one dump to the start of the next, so dumps never
 * overlap) and keeps every sample, for the install curve and the best 1-s window.
 */
export class KernelRoutePoller {
  readonly samples: CountSample[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private inFlight: Promise<void> = Promise.resolve();
  private waiters: { target: number; resolve: (s: CountSample | null) => void; timer: ReturnType<typeof setTimeout> }[] = [];
  /** Wall milliseconds spent inside dumps (the poller's own cost, charged to this process's kernel time). */
  dumpMs = 0;
  failure: Error | null = null;

  constructor(private readonly counter: KernelRouteCounter, readonly intervalMs: number) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.inFlight = this.tick();
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    try {
      const s = await this.counter.count();
      this.dumpMs += s.doneAt - s.startedAt;
      this.samples.push(s);
      for (const w of this.waiters.filter((x) => x.target === s.routes)) {
        clearTimeout(w.timer);
        w.resolve(s);
      }
      this.waiters = this.waiters.filter((x) => x.target !== s.routes);
    } catch (e) {
      this.failure = e as Error;
    }
    if (this.running) this.timer = setTimeout(() => { this.inFlight = this.tick(); }, this.intervalMs);
  }

  /** The first sample (from now on) that counts exactly `n` routes, or null after timeoutMs. */
  until(n: number, timeoutMs: number): Promise<CountSample | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        resolve(null);
      }, timeoutMs);
      this.waiters.push({ target: n, resolve, timer });
    });
  }

  /** The last sample, if any. */
  get last(): CountSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** Stops polling; resolves once no dump is in flight (the counter's socket is free for one-off counts). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.inFlight;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
  }
}

/**
 * Highest install (or removal) rate over any window of at least `windowMs` between two samples at or after
 * `fromMs` (the phase's start counts as a sample of `startRoutes`): |Δroutes| / Δt in routes per second, each
 * sample timed at the end of its dump. NaN when the phase was shorter than one window.
 */
export function bestWindowRate(samples: readonly CountSample[], fromMs: number, startRoutes: number, windowMs = 1000): number {
  const s = [{ doneAt: fromMs, routes: startRoutes }, ...samples.filter((x) => x.doneAt >= fromMs)];
  let best = NaN;
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    if (j <= i) j = i + 1;
    while (j < s.length && s[j]!.doneAt - s[i]!.doneAt < windowMs) j++;
    if (j >= s.length) break;
    const rate = Math.abs(s[j]!.routes - s[i]!.routes) / ((s[j]!.doneAt - s[i]!.doneAt) / 1000);
    if (!(rate <= best)) best = rate;
  }
  return best;
}
