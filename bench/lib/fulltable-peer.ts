// The full-table benchmark's two BGP speakers, both passive on a TCP-MD5 keyed listener (the middle router
// connects, so no collision): the injector sends its table once Established; the monitor counts the IPv4
// prefixes it holds. Counting decodes every UPDATE with the codec and walks the packed NLRI (no object per
// prefix); held prefixes are bits in a trie-indexed bitmap, so re-announcements are not counted twice.
import type { Socket } from 'node:net';
import { KeyedListener } from '../../src/transport/index.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import { buildOpen } from '../../src/wire/open.js';
import { KEEPALIVE } from '../../src/wire/keepalive.js';
import { forEachIPv4, type PackedNlri } from '../../src/wire/nlri.js';
import { decodeUpdateBody } from '../../src/wire/update.js';
import { Afi, CapabilityCode, HEADER_LENGTH, MessageType, Safi } from '../../src/wire/iana.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../../src/wire/types.js';

export interface BenchPeerOptions {
  readonly netns: string;
  readonly address: string;
  /** The middle router's address and the MD5 key shared with it (never printed). */
  readonly remote: string;
  readonly key: Buffer;
  readonly asn: number;
  readonly bgpIdentifier: number;
  readonly holdTime: number;
}

/** Four-octet AS numbers on (both sides advertise the capability), everything else the default. */
export const BENCH_CTX: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };
const KEEPALIVE_BYTES = encodeMessage(KEEPALIVE, DEFAULT_CONTEXT);

export class BenchPeer {
  private listener: KeyedListener | null = null;
  private socket: Socket | null = null;
  private framer = new MessageFramer();
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private upWaiters: (() => void)[] = [];
  established = false;
  updatesIn = 0;
  notifications = 0;
  /** Set for the monitor: called with every received UPDATE body. */
  onUpdate: ((buf: Uint8Array, offset: number, length: number) => void) | null = null;

  constructor(readonly opts: BenchPeerOptions) {}

  async listen(): Promise<void> {
    const o = this.opts;
    this.listener = await KeyedListener.open({ host: o.address, port: 179, netns: o.netns, keys: [{ kind: 'md5', peer: o.remote, key: o.key }] });
    this.listener.on('connection', ({ socket, remoteAddress }) => {
      if (remoteAddress !== o.remote || this.socket !== null) return void socket.destroy();
      this.attach(socket);
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.framer = new MessageFramer();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const closed = (): void => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.established = false;
      clearInterval(this.keepalive);
    };
    socket.on('error', closed);
    socket.on('close', closed);
    socket.resume();
    const o = this.opts;
    socket.write(encodeMessage(buildOpen({
      asn: o.asn,
      holdTime: o.holdTime,
      bgpIdentifier: o.bgpIdentifier,
      capabilities: [
        { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: Afi.IPv4, safi: Safi.Unicast },
        { kind: 'route-refresh', code: CapabilityCode.RouteRefresh },
        { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: o.asn },
      ],
    }), DEFAULT_CONTEXT));
  }

  private onData(chunk: Buffer): void {
    this.framer.push(chunk);
    for (let f = this.framer.next(); f !== null; f = this.framer.next()) {
      if (!f.ok) return void this.socket?.destroy();
      const buf = f.value;
      switch (buf[18]) {
        case MessageType.UPDATE:
          this.updatesIn++;
          this.onUpdate?.(buf, HEADER_LENGTH, buf.length - HEADER_LENGTH);
          break;
        case MessageType.OPEN: {
          const r = decodeMessage(buf, 0, DEFAULT_CONTEXT);
          if (!r.ok || r.value.type !== 'OPEN') return void this.socket?.destroy();
          this.socket?.write(KEEPALIVE_BYTES);
          const hold = Math.min(this.opts.holdTime, r.value.holdTime);
          if (hold > 0) this.keepalive = setInterval(() => this.socket?.write(KEEPALIVE_BYTES), (hold / 3) * 1000);
          break;
        }
        case MessageType.KEEPALIVE:
          if (!this.established) {
            this.established = true;
            for (const w of this.upWaiters.splice(0)) w();
          }
          break;
        case MessageType.NOTIFICATION:
          this.notifications++;
          return void this.socket?.destroy();
        default:
          break;
      }
    }
  }

  /** Resolves true once the session is Established (OPENs exchanged, the peer's KEEPALIVE received). */
  up(timeoutMs: number): Promise<boolean> {
    if (this.established) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.upWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Write messages, honouring back-pressure; resolves when all are handed to the kernel. */
  async send(messages: readonly Uint8Array[]): Promise<void> {
    const batch = 256;
    for (let i = 0; i < messages.length; i += batch) {
      const s = this.socket;
      if (s === null) throw new Error('session closed while sending');
      const more = s.write(Buffer.concat(messages.slice(i, i + batch)));
      if (!more) await new Promise<void>((r) => s.once('drain', r));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.keepalive);
    this.socket?.destroy();
    this.socket = null;
    await this.listener?.close();
    this.listener = null;
  }
}

/** Counts the IPv4 unicast prefixes a monitor holds, and signals when the count reaches a target. */
export class PrefixCounter {
  /** Bit (1 << len) + (addr >>> (32 - len)) for len 0..24; longer prefixes in `long`. */
  private readonly bits = new Uint8Array(1 << 22);
  private readonly long = new Set<string>();
  held = 0;
  announced = 0;
  withdrawn = 0;
  malformed = 0;
  private target = -1;
  private reached: (() => void) | null = null;
  private readonly add = (addr: number, len: number): void => {
    this.announced++;
    if (len > 24) {
      const k = `${addr}/${len}`;
      if (!this.long.has(k)) { this.long.add(k); this.held++; }
      return;
    }
    const bit = (1 << len) + (len === 0 ? 0 : addr >>> (32 - len));
    const m = 1 << (bit & 7);
    if ((this.bits[bit >>> 3]! & m) === 0) { this.bits[bit >>> 3]! |= m; this.held++; }
  };
  private readonly remove = (addr: number, len: number): void => {
    this.withdrawn++;
    if (len > 24) {
      if (this.long.delete(`${addr}/${len}`)) this.held--;
      return;
    }
    const bit = (1 << len) + (len === 0 ? 0 : addr >>> (32 - len));
    const m = 1 << (bit & 7);
    if ((this.bits[bit >>> 3]! & m) !== 0) { this.bits[bit >>> 3]! &= ~m; this.held--; }
  };

  readonly onUpdate = (buf: Uint8Array, offset: number, length: number): void => {
    const r = decodeUpdateBody(buf, offset, length, BENCH_CTX);
    if (!r.ok) { this.malformed++; return; }
    const u = r.value;
    if (u.withdrawn.count > 0) forEachIPv4(u.withdrawn, this.remove);
    if (u.mpUnreach !== undefined) this.visit(u.mpUnreach.nlri, this.remove);
    if (u.nlri.count > 0) forEachIPv4(u.nlri, this.add);
    if (u.mpReach !== undefined) this.visit(u.mpReach.nlri, this.add);
    if (this.held === this.target && this.reached !== null) {
      const r2 = this.reached;
      this.reached = null;
      r2();
    }
  };

  private visit(nlri: PackedNlri, f: (a: number, l: number) => void): void {
    if (nlri.afi === Afi.IPv4 && nlri.safi === Safi.Unicast && nlri.count > 0) forEachIPv4(nlri, f);
  }

  /** Resolves true when exactly `n` prefixes are held (checked after each UPDATE), false after timeoutMs. */
  until(n: number, timeoutMs: number): Promise<boolean> {
    if (this.held === n) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.reached = null; resolve(false); }, timeoutMs);
      this.target = n;
      this.reached = () => { clearTimeout(t); resolve(true); };
    });
  }
}
