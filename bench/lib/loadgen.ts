// A fast BGP load generator: many remote speakers in one Node process, each on its own address with its
// own TCP-MD5 key, peering with one device under test (DUT). Each speaker listens on its address (one
// keyed listener per speaker: a listener's MD5 keys are chosen by the remote address only, and the DUT has
// one address for all of them) and also connects to the DUT, so both sides try to connect, as two real
// routers do. A speaker does the minimum of RFC 4271: OPEN, KEEPALIVE, collision resolution (§6.8), and
// periodic KEEPALIVEs; it ignores UPDATEs. It records when each speaker first reached Established.
import type { Socket } from 'node:net';
import { connectKeyed, KeyedListener } from '../../src/transport/index.js';
import { MessageFramer } from '../../src/wire/framer.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import { buildOpen } from '../../src/wire/open.js';
import { KEEPALIVE } from '../../src/wire/keepalive.js';
import { notificationFromSpec } from '../../src/wire/notification.js';
import { Afi, CapabilityCode, CeaseSubcode, ErrorCode, MessageType, Safi } from '../../src/wire/iana.js';
import { DEFAULT_CONTEXT } from '../../src/wire/types.js';

export interface SpeakerSpec {
  /** The speaker's own address (the DUT's peerIP for it). */
  readonly address: string;
  /** TCP-MD5 key shared with the DUT for this speaker. Never printed. */
  readonly key: Buffer;
  readonly bgpIdentifier: number;
  readonly asn: number;
}

export interface LoadGeneratorOptions {
  /** Network namespace path the speakers' sockets live in. */
  readonly netns: string;
  readonly dutAddress: string;
  readonly dutPort: number;
  readonly speakers: readonly SpeakerSpec[];
  /** Hold time the speakers offer (RFC 4271 §4.2); the session uses the smaller of both. */
  readonly holdTime: number;
  /** Connect attempt timeout and the wait before the next attempt (ConnectRetryTimer, simplified). */
  readonly connectTimeoutMs: number;
  readonly connectRetryMs: number;
}

type ConnState = 'OpenSent' | 'OpenConfirm' | 'Established';

interface Conn {
  readonly socket: Socket;
  /** Who opened the TCP connection: 'local' = this speaker, 'remote' = the DUT. */
  readonly origin: 'local' | 'remote';
  readonly framer: MessageFramer;
  state: ConnState;
  closed: boolean;
}

/** RFC 4271 §10: timers jittered by a factor in [0.75, 1]. */
const jitter = (): number => 0.75 + 0.25 * Math.random();

const KEEPALIVE_BYTES = encodeMessage(KEEPALIVE, DEFAULT_CONTEXT);
const COLLISION_CEASE = encodeMessage(
  notificationFromSpec({ code: ErrorCode.Cease, subcode: CeaseSubcode.ConnectionCollisionResolution, data: new Uint8Array(0) }),
  DEFAULT_CONTEXT,
);

class RemoteSpeaker {
  readonly conns = new Set<Conn>();
  session: Conn | null = null;
  /** ms (performance.now()) when first Established, and how often an Established session went down. */
  firstEstablishedAt: number | null = null;
  flaps = 0;
  keepalivesIn = 0;
  updatesIn = 0;
  connectAttempts = 0;
  collisionsResolved = 0;
  /** Connections closed by a NOTIFICATION from the DUT (e.g. its collision resolution). */
  notificationsIn = 0;
  connectsSucceeded = 0;
  /** Connections the DUT closed or reset without a NOTIFICATION. */
  closedSilently = 0;
  /** Who opened the connection of the first session. */
  firstOrigin: 'local' | 'remote' | null = null;
  private connecting: AbortController | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private keepaliveMs = 0;
  nextKeepaliveAt = Infinity;
  readonly openBytes: Uint8Array;

  constructor(
    readonly spec: SpeakerSpec,
    private readonly gen: LoadGenerator,
  ) {
    this.openBytes = encodeMessage(
      buildOpen({
        asn: spec.asn,
        holdTime: gen.opts.holdTime,
        bgpIdentifier: spec.bgpIdentifier,
        capabilities: [
          { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: Afi.IPv4, safi: Safi.Unicast },
          { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: Afi.IPv6, safi: Safi.Unicast },
          { kind: 'route-refresh', code: CapabilityCode.RouteRefresh },
          { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: spec.asn },
        ],
      }),
      DEFAULT_CONTEXT,
    );
  }

  /** Start (or continue) connecting to the DUT until a session is up (one attempt at a time). */
  connect(): void {
    if (this.gen.stopped || this.connecting !== null || this.session !== null || this.conns.size > 0) return;
    const abort = new AbortController();
    this.connecting = abort;
    this.connectAttempts++;
    const o = this.gen.opts;
    connectKeyed({
      host: o.dutAddress,
      port: o.dutPort,
      localAddress: this.spec.address,
      md5Key: this.spec.key,
      netns: o.netns,
      timeoutMs: o.connectTimeoutMs,
      signal: abort.signal,
    }).then(
      (socket) => {
        if (this.connecting === abort) this.connecting = null;
        this.connectsSucceeded++;
        if (this.gen.stopped) socket.destroy();
        else this.attach(socket, 'local');
      },
      () => {
        if (this.connecting === abort) this.connecting = null;
        if (!abort.signal.aborted) this.scheduleConnect();
      },
    );
  }

  private scheduleConnect(): void {
    if (this.gen.stopped || this.session !== null || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect();
    }, this.gen.opts.connectRetryMs * jitter());
  }

  attach(socket: Socket, origin: 'local' | 'remote'): void {
    const c: Conn = { socket, origin, framer: new MessageFramer(), state: 'OpenSent', closed: false };
    this.conns.add(c);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk));
    socket.on('error', () => this.onClose(c, true));
    socket.on('close', () => this.onClose(c, true));
    socket.resume();
    socket.write(this.openBytes); // RFC 4271 §8.2.2 Connect/Active: connection up → send OPEN
  }

  private onData(c: Conn, chunk: Buffer): void {
    c.framer.push(chunk);
    for (let f = c.framer.next(); f !== null && !c.closed; f = c.framer.next()) {
      if (!f.ok) return this.drop(c, null);
      const buf = f.value;
      switch (buf[18]) {
        case MessageType.OPEN:
          this.onOpen(c, buf);
          break;
        case MessageType.KEEPALIVE:
          if (c.state === 'OpenConfirm') this.established(c);
          else if (c.state === 'Established') this.keepalivesIn++;
          break;
        case MessageType.UPDATE:
          this.updatesIn++;
          break;
        case MessageType.NOTIFICATION:
          this.notificationsIn++;
          this.drop(c, null);
          return;
        default:
          break; // ROUTE-REFRESH: nothing to re-send
      }
    }
  }

  private onOpen(c: Conn, buf: Uint8Array): void {
    const r = decodeMessage(buf, 0, DEFAULT_CONTEXT);
    if (!r.ok || r.value.type !== 'OPEN' || c.state !== 'OpenSent') return this.drop(c, null);
    const open = r.value;
    // RFC 4271 §6.8: compare with connections in OpenConfirm (and Established, which always wins).
    for (const other of this.conns) {
      if (other === c || other.closed || other.state === 'OpenSent') continue;
      if (other.state === 'Established') return this.drop(c, COLLISION_CEASE);
      // The connection opened by the speaker with the higher BGP Identifier survives.
      const winner = this.spec.bgpIdentifier >>> 0 > open.bgpIdentifier >>> 0 ? 'local' : 'remote';
      this.collisionsResolved++;
      if (c.origin === winner) this.drop(other, COLLISION_CEASE);
      else return this.drop(c, COLLISION_CEASE);
    }
    c.state = 'OpenConfirm';
    const hold = Math.min(this.gen.opts.holdTime, open.holdTime);
    this.keepaliveMs = (hold / 3) * 1000;
    c.socket.write(KEEPALIVE_BYTES);
  }

  private established(c: Conn): void {
    c.state = 'Established';
    this.session = c;
    clearTimeout(this.retry);
    this.retry = undefined;
    // As BIRD and FRR do: once a session is up, a connect still in progress (a SYN being retransmitted) is
    // abandoned rather than completed later as a second connection.
    this.connecting?.abort();
    this.connecting = null;
    this.nextKeepaliveAt = this.keepaliveMs > 0 ? performance.now() + this.keepaliveMs * jitter() : Infinity;
    if (this.firstEstablishedAt === null) {
      this.firstEstablishedAt = performance.now();
      this.firstOrigin = c.origin;
      this.gen.onFirstEstablished();
    }
  }

  /** Called once a second by the generator. */
  tick(now: number): void {
    const s = this.session;
    if (s === null || now < this.nextKeepaliveAt) return;
    s.socket.write(KEEPALIVE_BYTES);
    this.nextKeepaliveAt = now + this.keepaliveMs * jitter();
  }

  private drop(c: Conn, notification: Uint8Array | null): void {
    if (c.closed) return;
    if (notification !== null) c.socket.end(notification);
    else c.socket.destroy();
    this.onClose(c);
  }

  private onClose(c: Conn, byPeer = false): void {
    if (c.closed && !this.conns.has(c)) return;
    c.closed = true;
    if (byPeer && !this.gen.stopped) this.closedSilently++;
    if (!c.socket.destroyed) setTimeout(() => c.socket.destroy(), 1000).unref();
    this.conns.delete(c);
    if (this.session === c) {
      this.session = null;
      this.nextKeepaliveAt = Infinity;
      if (!this.gen.stopped) this.flaps++;
    }
    if (this.session === null && this.conns.size === 0) this.scheduleConnect();
  }

  close(): void {
    clearTimeout(this.retry);
    this.connecting?.abort();
    for (const c of this.conns) {
      c.closed = true;
      c.socket.destroy();
    }
    this.conns.clear();
    this.session = null;
  }
}

export interface GeneratorSummary {
  readonly speakers: number;
  readonly established: number;
  /** First-Established times relative to `since`, ms, in speaker order (NaN: never). */
  readonly establishedAt: readonly number[];
  readonly flaps: number;
  readonly connectAttempts: number;
  readonly collisionsResolved: number;
  readonly notificationsIn: number;
  readonly connectsSucceeded: number;
  readonly closedSilently: number;
  /** First sessions on a connection the speakers opened / the DUT opened. */
  readonly bySpeakerConnect: number;
  readonly byDutConnect: number;
  readonly keepalivesIn: number;
  readonly updatesIn: number;
}

export class LoadGenerator {
  readonly speakers: RemoteSpeaker[];
  private readonly listeners: KeyedListener[] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;
  private firstCount = 0;
  private waiters: (() => void)[] = [];
  stopped = false;

  constructor(readonly opts: LoadGeneratorOptions) {
    this.speakers = opts.speakers.map((s) => new RemoteSpeaker(s, this));
  }

  /** Open every speaker's keyed listener (before the DUT starts, as running routers would be). */
  async listen(): Promise<void> {
    for (const sp of this.speakers) {
      const l = await KeyedListener.open({
        host: sp.spec.address,
        port: this.opts.dutPort,
        netns: this.opts.netns,
        keys: [{ kind: 'md5', peer: this.opts.dutAddress, key: sp.spec.key }],
      });
      l.on('connection', ({ socket, remoteAddress }) => {
        if (remoteAddress !== this.opts.dutAddress || this.stopped) {
          socket.destroy();
          return;
        }
        sp.attach(socket, 'remote');
        if (this.connectOnContact) {
          this.connectOnContact = false;
          this.connectAll();
        }
      });
      this.listeners.push(l);
    }
    this.ticker = setInterval(() => {
      const now = performance.now();
      for (const sp of this.speakers) sp.tick(now);
    }, 1000);
  }

  /** Every speaker starts connecting to the DUT now. */
  connectAll(): void {
    for (const sp of this.speakers) sp.connect();
  }

  /**
   * Every speaker starts connecting when the DUT's first connection arrives (it is up and connecting too):
   * both sides' connections cross, so most sessions go through collision resolution (RFC 4271 §6.8).
   */
  connectOnFirstContact(): void {
    this.connectOnContact = true;
  }
  private connectOnContact = false;

  /** @internal */
  onFirstEstablished(): void {
    this.firstCount++;
    if (this.firstCount === this.speakers.length) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves true when every speaker has been Established at least once, false after timeoutMs. */
  allEstablished(timeoutMs: number): Promise<boolean> {
    if (this.firstCount === this.speakers.length) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Speakers whose session is up right now. */
  get upNow(): number {
    let n = 0;
    for (const sp of this.speakers) if (sp.session !== null) n++;
    return n;
  }

  summary(since: number): GeneratorSummary {
    let flaps = 0;
    let connectAttempts = 0;
    let collisionsResolved = 0;
    let keepalivesIn = 0;
    let updatesIn = 0;
    let notificationsIn = 0;
    let connectsSucceeded = 0;
    let closedSilently = 0;
    let bySpeakerConnect = 0;
    let byDutConnect = 0;
    for (const sp of this.speakers) {
      notificationsIn += sp.notificationsIn;
      connectsSucceeded += sp.connectsSucceeded;
      closedSilently += sp.closedSilently;
      if (sp.firstOrigin === 'local') bySpeakerConnect++;
      if (sp.firstOrigin === 'remote') byDutConnect++;
      flaps += sp.flaps;
      connectAttempts += sp.connectAttempts;
      collisionsResolved += sp.collisionsResolved;
      keepalivesIn += sp.keepalivesIn;
      updatesIn += sp.updatesIn;
    }
    return {
      speakers: this.speakers.length,
      established: this.firstCount,
      establishedAt: this.speakers.map((sp) => (sp.firstEstablishedAt === null ? NaN : sp.firstEstablishedAt - since)),
      flaps,
      connectAttempts,
      collisionsResolved,
      notificationsIn,
      connectsSucceeded,
      closedSilently,
      bySpeakerConnect,
      byDutConnect,
      keepalivesIn,
      updatesIn,
    };
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    for (const sp of this.speakers) sp.close();
    for (const l of this.listeners) await l.close();
  }
}
