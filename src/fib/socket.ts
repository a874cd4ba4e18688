/**
 * An rtnetlink socket with batching: many requests per send, replies matched to requests by
 * sequence number. One operation at a time (a small queue); the I/O itself runs on the libuv threadpool
 * (native nlSend/nlRecv), so the event loop is never held while the kernel works through a batch.
 */
import { endianness } from 'node:os';
import { loadNetlink, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, type NetlinkBinding } from './native.js';
import { decodeAck, messages, NLMSG_DONE, NLMSG_ERROR, NLM_F_DUMP_INTR, type NlMessage } from './netlink.js';

/** A batch of requests laid out back to back; `ends[i]` is where request i ends, its seq is firstSeq + i. */
export interface Batch {
  readonly buf: Uint8Array;
  readonly length: number;
  readonly ends: readonly number[];
  readonly firstSeq: number;
}

export interface NetlinkSocketOptions {
  /** Network namespace path (/run/netns/x) the socket lives in; default: the process's. */
  readonly netns?: string;
  readonly rcvbuf?: number;
  readonly sndbuf?: number;
  /** Most bytes handed to one sendto (whole messages; a single larger message goes alone). */
  readonly maxSendBytes?: number;
  /** How long to wait for a reply before giving up on the rest of a batch. */
  readonly replyTimeoutMs?: number;
}

/** Per request i: errno[i] 0 = done, positive errno = refused, NO_REPLY = none came; the kernel's words. */
export interface Outcomes {
  readonly errno: Int32Array;
  readonly messages: ReadonlyMap<number, string>;
}
export const NO_REPLY = -1;

export interface SocketStats {
  /** sendto calls. */
  sends: number;
  /** Requests (netlink messages) sent, dump requests included. */
  requests: number;
  /** Route messages received from dumps. */
  dumped: number;
  /** Times the kernel dropped replies (ENOBUFS) or a reply never came. */
  lostReplies: number;
}

export class NetlinkError extends Error {
  readonly code: string;
  readonly errno: number;
  constructor(code: string, errno: number, detail: string) {
    super(detail);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = errno;
  }
}

/** Default slice of transactQuiet (one sendto; sk_sndbuf bounds it, SO_SNDBUFFORCE 1 MiB doubles to 2). */
const QUIET_SEND_BYTES = 512 * 1024;
const LE_HOST = endianness() === 'LE';
const NLM_F_ACK_FLAG = 0x04;
const RECV_BUFFER = 256 * 1024; // a few times NL_RECV_MAX_DATAGRAM; bounds the messages decoded per callback

export class NetlinkSocket {
  readonly stats: SocketStats = { sends: 0, requests: 0, dumped: 0, lostReplies: 0 };
  private readonly nl: NetlinkBinding;
  private fd: number;
  private seq: number;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly rbuf = new Uint8Array(RECV_BUFFER);
  private readonly rview = new DataView(this.rbuf.buffer);
  private readonly maxSendBytes: number;
  private readonly replyTimeoutMs: number;
  private rcvbuf: number;
  /** Replies of an earlier operation may still be queued. */
  private stale = false;

  constructor(opts: NetlinkSocketOptions = {}) {
    this.nl = loadNetlink();
    this.fd = this.nl.nlOpen(opts.netns ?? null);
    try {
      // Replies to one send must fit in the receive buffer, or the kernel drops them (ENOBUFS).
      this.rcvbuf = opts.rcvbuf ?? 8 << 20;
      this.nl.nlSetBuffers(this.fd, this.rcvbuf, opts.sndbuf ?? 1 << 20);
      this.nl.nlSetOpt(this.fd, NETLINK_CAP_ACK, 1); // acks echo only the request's header
      this.nl.nlSetOpt(this.fd, NETLINK_EXT_ACK, 1); // and say why in words
      try {
        this.nl.nlSetOpt(this.fd, NETLINK_GET_STRICT_CHK, 1); // dumps filtered in the kernel (4.20+)
      } catch {
        /* older kernel: dumps are filtered here instead */
      }
    } catch (e) {
      this.nl.nlClose(this.fd);
      throw e;
    }
    this.maxSendBytes = opts.maxSendBytes ?? 64 * 1024;
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 5000;
    // Random start, so replies to a previous process's socket can never be taken for ours.
    this.seq = (Math.random() * 0x3fffffff) >>> 0;
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  /** Reserve `n` consecutive sequence numbers; returns the first. */
  reserveSeq(n: number): number {
    const first = this.seq;
    this.seq = (this.seq + n) >>> 0;
    return first;
  }

  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    // Wait for an in-flight threadpool job before the fd number can be reused.
    void this.queue.finally(() => this.nl.nlClose(fd));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private checkOpen(): void {
    if (this.fd < 0) throw new NetlinkError('ERR_FIB_CLOSED', 0, 'netlink socket is closed');
  }

  /**
   * Send every request of the batch (each must ask for an ack, NLM_F_ACK) and collect one outcome per
   * request. Requests are sent in slices of whole messages up to maxSendBytes; a slice's acks are read
   * before the next slice goes, so the receive buffer never has to hold more than one slice's.
   */
  transact(batch: Batch): Promise<Outcomes> {
    return this.serial(async () => {
      this.checkOpen();
      await this.drain();
      const n = batch.ends.length;
      const out = new Int32Array(n).fill(NO_REPLY);
      const words = new Map<number, string>();
      let i = 0;
      while (i < n) {
        const from = i === 0 ? 0 : (batch.ends[i - 1] as number);
        let j = i + 1;
        while (j < n && (batch.ends[j] as number) - from <= this.maxSendBytes) j++;
        const to = batch.ends[j - 1] as number;
        await this.nl.nlSend(this.fd, batch.buf.subarray(from, to));
        this.stats.sends++;
        this.stats.requests += j - i;
        await this.collectAcks(batch.firstSeq + i, j - i, out, words, i);
        i = j;
      }
      return { errno: out, messages: words };
    });
  }

  private async collectAcks(
    firstSeq: number,
    count: number,
    out: Int32Array,
    words: Map<number, string>,
    base: number,
  ): Promise<void> {
    let pending = count;
    let lost = false;
    const deadline = Date.now() + this.replyTimeoutMs;
    while (pending > 0) {
      // After ENOBUFS, take what is queued and stop: the dropped acks will never come.
      const wait = lost ? 0 : Math.min(deadline - Date.now(), 1000);
      if (!lost && wait <= 0) break;
      const r = await this.nl.nlRecv(this.fd, this.rbuf, wait);
      for (const m of messages(this.rbuf, this.rview, r.bytes)) {
        if (m.type !== NLMSG_ERROR) continue;
        const ack = decodeAck(this.rbuf, this.rview, m);
        const k = (ack.requestSeq - firstSeq) >>> 0;
        if (k >= count || out[base + k] !== NO_REPLY) continue; // stale or duplicate
        out[base + k] = ack.errno;
        if (ack.message !== undefined) words.set(base + k, ack.message);
        pending--;
      }
      if (r.error !== null) {
        if (r.error.code !== 'ENOBUFS') throw r.error;
        // The kernel reports ENOBUFS before the acks still queued; it dropped the rest.
        lost = true;
        this.growRcvbuf();
        continue;
      }
      if (lost && r.bytes === 0) break;
    }
    if (pending > 0) {
      this.stats.lostReplies++;
      this.stale = true;
    }
  }

  /**
   * Send requests [0, count) of `buf` (request i ends at ends[i], its seq is firstSeq + i), built WITHOUT
   * NLM_F_ACK: the kernel answers only the ones it refuses (netlink_rcv_skb acks an error always), so a
   * full table costs one ack per sendto instead of one per route. The last request of each slice (at most
   * maxSendBytes) gets NLM_F_ACK set here; its answer comes after every error of its slice and closes it.
   * Every slice is handed to the threadpool at once and the replies are read meanwhile, so a batch costs one
   * turn of the event loop however many slices it has; the requests must therefore not depend on each
   * other's order (distinct prefixes). Outcomes go to `out` (0 done, errno, NO_REPLY when replies were
   * lost: ENOBUFS or no closing ack in time). Returns the number of refused or unanswered requests.
   */
  transactQuiet(
    buf: Uint8Array, ends: Int32Array, count: number, firstSeq: number,
    out: Int32Array, words: Map<number, string>, maxSendBytes = QUIET_SEND_BYTES,
  ): Promise<number> {
    return this.serial(async () => {
      this.checkOpen();
      await this.drain();
      if (count === 0) return 0;
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      out.fill(NO_REPLY, 0, count);
      const closing = new Set<number>(); // request index of each slice's last request
      const sends: Promise<number>[] = [];
      for (let i = 0; i < count; ) {
        const from = i === 0 ? 0 : ends[i - 1]!;
        let j = i + 1;
        while (j < count && ends[j]! - from <= maxSendBytes) j++;
        const lastAt = j === 1 ? 0 : ends[j - 2]!;
        view.setUint16(lastAt + 6, view.getUint16(lastAt + 6, LE_HOST) | NLM_F_ACK_FLAG, LE_HOST);
        closing.add(j - 1);
        sends.push(this.nl.nlSend(this.fd, buf.subarray(from, ends[j - 1]!)));
        this.stats.sends++;
        this.stats.requests += j - i;
        i = j;
      }
      // A failed send must not leave the others unobserved.
      const sent = Promise.allSettled(sends);
      let bad = 0;
      try {
        bad = await this.collectErrors(firstSeq, count, out, words, closing);
      } finally {
        const results = await sent;
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
      }
      return bad;
    });
  }

  private async collectErrors(firstSeq: number, count: number, out: Int32Array, words: Map<number, string>, closing: Set<number>): Promise<number> {
    let bad = 0;
    let open = closing.size;
    let lost = false;
    let deadline = Date.now() + this.replyTimeoutMs;
    const buf = this.rbuf;
    const v = this.rview;
    // Requests of closed slices that said nothing succeeded; mark them once their slice closes.
    const settled = new Uint8Array(count);
    while (open > 0) {
      const wait = lost ? 0 : Math.min(deadline - Date.now(), 1000);
      if (!lost && wait <= 0) break;
      const r = await this.nl.nlRecv(this.fd, buf, wait);
      if (r.bytes > 0) deadline = Date.now() + this.replyTimeoutMs; // a big batch keeps the kernel busy a while
      // Walk the replies in place (NLMSG_OK / NLMSG_NEXT) without a message object.
      for (let at = 0; at + 16 <= r.bytes; ) {
        const len = v.getUint32(at, LE_HOST);
        if (len === 0) {
          at += 4;
          continue;
        }
        if (len < 16 || at + len > r.bytes) break;
        if (v.getUint16(at + 4, LE_HOST) === NLMSG_ERROR && len >= 36) {
          const k = (v.getUint32(at + 16 + 4 + 8, LE_HOST) - firstSeq) >>> 0;
          if (k < count && settled[k] === 0) {
            settled[k] = 1;
            const err = -v.getInt32(at + 16, LE_HOST);
            out[k] = err;
            if (err !== 0) {
              bad++;
              const ack = decodeAck(buf, v, { type: NLMSG_ERROR, flags: v.getUint16(at + 6, LE_HOST), seq: 0, pid: 0, offset: at, length: len });
              if (ack.message !== undefined) words.set(k, ack.message);
            }
            if (closing.has(k)) {
              open--;
              // Every request of this slice without an error before the closing ack was done.
              for (let q = k - 1; q >= 0 && !closing.has(q); q--) {
                if (settled[q] === 0) {
                  settled[q] = 1;
                  out[q] = 0;
                }
              }
            }
          }
        }
        at += (len + 3) & ~3;
      }
      if (r.error !== null) {
        if (r.error.code !== 'ENOBUFS') throw r.error;
        lost = true;
        this.growRcvbuf();
        continue;
      }
      if (lost && r.bytes === 0) break;
    }
    if (open > 0 || lost) {
      // Errors may have been dropped: what was not said cannot be trusted.
      this.stats.lostReplies++;
      this.stale = true;
      for (let k = 0; k < count; k++) {
        if (out[k] === 0 && lost) out[k] = NO_REPLY;
      }
    }
    for (let k = 0; k < count; k++) if (out[k] === NO_REPLY) bad++;
    return bad;
  }

  /** After lost or late replies, drop whatever is still queued so it cannot be read as a new reply. */
  private async drain(): Promise<void> {
    if (!this.stale) return;
    this.stale = false;
    for (;;) {
      const r = await this.nl.nlRecv(this.fd, this.rbuf, 0);
      if (r.bytes === 0 && r.error === null) return;
    }
  }

  /** Double the receive buffer (up to 64 MiB) after the kernel had to drop replies. */
  private growRcvbuf(): void {
    if (this.rcvbuf >= 64 << 20) return;
    this.rcvbuf *= 2;
    try {
      this.nl.nlSetBuffers(this.fd, this.rcvbuf, 0);
    } catch {
      /* keep the old size */
    }
  }

  /**
   * Send a dump request and pass every message of the reply to `onMessage` (buffer, view, message;
   * valid only during the call). Restarts when the kernel says the dump was interrupted by a change
   * (NLM_F_DUMP_INTR), up to 3 times.
   */
  dump(
    makeRequest: (seq: number) => Uint8Array,
    onMessage: (buf: Uint8Array, view: DataView, m: NlMessage) => void,
    onRestart: () => void = () => undefined,
  ): Promise<void> {
    return this.serial(async () => {
      for (let attempt = 0; ; attempt++) {
        this.checkOpen();
        await this.drain();
        const seq = this.reserveSeq(1);
        await this.nl.nlSend(this.fd, makeRequest(seq));
        this.stats.sends++;
        this.stats.requests++;
        const interrupted = await this.readDump(seq, onMessage);
        if (!interrupted) return;
        if (attempt >= 3) throw new NetlinkError('ERR_FIB_DUMP_INTERRUPTED', 0, 'route dump kept being interrupted');
        onRestart();
      }
    });
  }

  private async readDump(
    seq: number,
    onMessage: (buf: Uint8Array, view: DataView, m: NlMessage) => void,
  ): Promise<boolean> {
    let interrupted = false;
    let deadline = Date.now() + this.replyTimeoutMs;
    for (;;) {
      const wait = deadline - Date.now();
      if (wait <= 0) {
        this.stale = true;
        throw new NetlinkError('ERR_FIB_TIMEOUT', 0, 'no end of route dump in time');
      }
      const r = await this.nl.nlRecv(this.fd, this.rbuf, Math.min(wait, 1000));
      if (r.bytes > 0) deadline = Date.now() + this.replyTimeoutMs;
      for (const m of messages(this.rbuf, this.rview, r.bytes)) {
        if (m.seq !== seq) continue;
        if ((m.flags & NLM_F_DUMP_INTR) !== 0) interrupted = true;
        if (m.type === NLMSG_DONE) return interrupted;
        if (m.type === NLMSG_ERROR) {
          const ack = decodeAck(this.rbuf, this.rview, m);
          if (ack.errno === 0) return interrupted;
          throw new NetlinkError('ERR_FIB_DUMP', ack.errno, `route dump refused (errno ${ack.errno})`);
        }
        this.stats.dumped++;
        onMessage(this.rbuf, this.rview, m);
      }
      if (r.error !== null) {
        if (r.error.code !== 'ENOBUFS') throw r.error;
        // Replies were dropped: finish reading this dump, then start over with more room.
        this.stats.lostReplies++;
        this.growRcvbuf();
        interrupted = true;
      }
    }
  }
}
