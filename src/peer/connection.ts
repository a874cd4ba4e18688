// One TCP connection of a peer: frames the byte stream, decodes messages with the session's codec context,
// and writes encoded messages. It knows nothing of the FSM; the peer runtime feeds it what to send and turns
// what it delivers into FSM events.
import type { Socket } from 'node:net';
import { MessageFramer } from '../wire/framer.js';
import { decodeMessage, encodeMessage, type BgpMessage } from '../wire/message.js';
import { decodeUpdateBody, type UpdateDecodeSuccess } from '../wire/update.js';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from '../wire/iana.js';
import { DEFAULT_CONTEXT, type CodecContext, type DecodeFailure } from '../wire/types.js';
import type { ConnectionOrigin, ConnectionRef } from '../fsm/events.js';

export interface ConnectionHandler {
  /** A whole, well-formed message (UPDATEs come with their RFC 7606 outcome). */
  message(conn: BgpConnection, msg: BgpMessage, update: UpdateDecodeSuccess | null): void;
  /** A message that cannot be decoded: the NOTIFICATION to send is in `failure`; `type` is the header's type. */
  decodeError(conn: BgpConnection, failure: DecodeFailure, type: number): void;
  /** The TCP connection closed or failed. */
  closed(conn: BgpConnection, error: Error | undefined): void;
}

let nextId = 1;
export const newConnectionId = (): number => nextId++;

export class BgpConnection {
  readonly ref: ConnectionRef;
  readonly remoteAddress: string;
  readonly localAddress: string;
  ctx: CodecContext = DEFAULT_CONTEXT;
  messagesIn = 0;
  messagesOut = 0;
  private readonly framer = new MessageFramer();
  private closedFlag = false;

  constructor(
    readonly socket: Socket,
    origin: ConnectionOrigin,
    private readonly handler: ConnectionHandler,
    id: number = newConnectionId(),
    remoteAddress?: string,
  ) {
    this.ref = { id, initiatedBy: origin };
    this.remoteAddress = remoteAddress ?? socket.remoteAddress ?? '';
    this.localAddress = socket.localAddress ?? '';
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.finish(undefined));
    if (socket.isPaused()) socket.resume();
  }

  get id(): number {
    return this.ref.id;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Apply the negotiated context: the codec's context and the RFC 8654 message size limit. */
  setContext(ctx: CodecContext): void {
    this.ctx = ctx;
    this.framer.setMaxLength(ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH);
  }

  send(msg: BgpMessage): void {
    this.sendRaw(encodeMessage(msg, this.ctx));
  }

  sendRaw(bytes: Uint8Array): boolean {
    if (this.closedFlag) return false;
    this.messagesOut++;
    return this.socket.write(bytes);
  }

  /** Write `count` whole messages packed back to back in `bytes` (one write; see RibPeerHandle.takeUpdateBytes). */
  sendMessages(bytes: Uint8Array, count: number): void {
    if (this.closedFlag || count === 0) return;
    this.messagesOut += count;
    this.socket.write(bytes);
  }

  /** Close after what was written is flushed (a NOTIFICATION just sent still goes out). */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 2000);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  destroy(): void {
    this.closedFlag = true;
    this.socket.destroy();
  }

  private finish(err: Error | undefined): void {
    const wasClosed = this.closedFlag;
    this.closedFlag = true;
    if (!this.socket.destroyed) this.socket.destroy();
    if (this.reported) return;
    this.reported = true;
    this.handler.closed(this, wasClosed ? undefined : err ?? new Error('connection closed by the peer'));
  }
  private reported = false;

  private onData(chunk: Buffer): void {
    if (this.closedFlag) return;
    // A plain Uint8Array view: the views made per message from it are then cheaper than Buffer views.
    this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    for (;;) {
      if (this.closedFlag) return;
      const frame = this.framer.next();
      if (frame === null) return;
      if (!frame.ok) {
        this.handler.decodeError(this, frame, 0);
        return;
      }
      const buf = frame.value;
      this.messagesIn++;
      const type = buf[18]!;
      if (type === MessageType.UPDATE) {
        const r = decodeUpdateBody(buf, HEADER_LENGTH, buf.length - HEADER_LENGTH, this.ctx);
        if (!r.ok) this.handler.decodeError(this, r, type);
        else this.handler.message(this, r.value, r);
        continue;
      }
      const r = decodeMessage(buf, 0, this.ctx);
      if (!r.ok) this.handler.decodeError(this, r, type);
      else this.handler.message(this, r.value, null);
    }
  }
}
