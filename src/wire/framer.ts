// Streaming framer: TCP chunks in, whole BGP messages out (RFC 4271 §4.1 framing).
//
// A small state machine over a queue of received chunks. A message lying wholly inside one chunk is
// returned as a zero-copy view (`subarray`) of that chunk; only a message straddling chunks is copied.
// Views alias the pushed chunks, so callers must not reuse a chunk's memory after pushing it (Node's
// socket 'data' buffers are fresh per event, so this holds for sockets).
//
// Framing errors (bad marker, length out of bounds) are returned as values carrying the NOTIFICATION to
// send; after one the framer stops: `next()` keeps returning that failure and `push()` is ignored.
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './iana.js';
import { checkFraming } from './header.js';
import { BgpEncodeError } from './codec.js';
import type { DecodeFailure, DecodeSuccess } from './types.js';

/** One whole message (header included), a failure that ends the stream, or `null`: need more bytes. */
export type FrameResult = DecodeSuccess<Uint8Array> | DecodeFailure | null;

export interface FramerOptions {
  /** Largest message accepted: 4096 (RFC 4271) until RFC 8654 extended messages are negotiated. */
  readonly maxLength?: number;
}

export class MessageFramer {
  #chunks: Uint8Array[] = [];
  #head = 0; // index of the first unconsumed chunk
  #offset = 0; // read position inside #chunks[#head]
  #buffered = 0; // unconsumed bytes across all chunks
  #pendingLength = 0; // length of the message whose header was checked, 0 if none yet
  #maxLength: number;
  #failure: DecodeFailure | undefined;
  readonly #header = new Uint8Array(HEADER_LENGTH);

  constructor(options: FramerOptions = {}) {
    this.#maxLength = MAX_MESSAGE_LENGTH;
    if (options.maxLength !== undefined) this.setMaxLength(options.maxLength);
  }

  get maxLength(): number {
    return this.#maxLength;
  }

  /** Raise to 65535 once extended messages are negotiated (RFC 8654); takes effect for the next header. */
  setMaxLength(maxLength: number): void {
    if (!Number.isInteger(maxLength) || maxLength < MAX_MESSAGE_LENGTH || maxLength > MAX_EXTENDED_MESSAGE_LENGTH) {
      throw new BgpEncodeError('ERR_BGP_FRAMER_MAX_LENGTH', `max length must be ${MAX_MESSAGE_LENGTH}..${MAX_EXTENDED_MESSAGE_LENGTH}`);
    }
    this.#maxLength = maxLength;
  }

  /** Bytes received but not yet returned as messages. */
  get buffered(): number {
    return this.#buffered;
  }

  /** The failure that stopped the framer, if any. */
  get failure(): DecodeFailure | undefined {
    return this.#failure;
  }

  push(chunk: Uint8Array): void {
    if (this.#failure !== undefined || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  next(): FrameResult {
    if (this.#failure !== undefined) return this.#failure;
    if (this.#pendingLength === 0) {
      if (this.#buffered < HEADER_LENGTH) return null;
      const chunk = this.#chunks[this.#head]!;
      let hdr = chunk;
      let at = this.#offset;
      if (chunk.length - at < HEADER_LENGTH) {
        this.#peek(this.#header, HEADER_LENGTH);
        hdr = this.#header;
        at = 0;
      }
      const framed = checkFraming(hdr, at, this.#maxLength);
      if (!framed.ok) {
        this.#stop(framed);
        return framed;
      }
      this.#pendingLength = framed.value.length;
    }
    const length = this.#pendingLength;
    if (this.#buffered < length) return null;
    this.#pendingLength = 0;
    const chunk = this.#chunks[this.#head]!;
    let message: Uint8Array;
    if (chunk.length - this.#offset >= length) {
      message = chunk.subarray(this.#offset, this.#offset + length);
      this.#offset += length;
      this.#buffered -= length;
      if (this.#offset === chunk.length) this.#dropHead();
    } else {
      message = new Uint8Array(length);
      this.#take(message, length);
    }
    return { ok: true, value: message };
  }

  /** Every whole message currently buffered; stops after a failure (which it yields last). */
  *drain(): Generator<DecodeSuccess<Uint8Array> | DecodeFailure> {
    for (let r = this.next(); r !== null; r = this.next()) {
      yield r;
      if (!r.ok) return;
    }
  }

  #stop(failure: DecodeFailure): void {
    this.#failure = failure;
    this.#chunks = [];
    this.#head = 0;
    this.#offset = 0;
    this.#buffered = 0;
  }

  /** Copy the first `n` buffered bytes into `out` without consuming them. */
  #peek(out: Uint8Array, n: number): void {
    let written = 0;
    let i = this.#head;
    let off = this.#offset;
    while (written < n) {
      const c = this.#chunks[i]!;
      const take = Math.min(n - written, c.length - off);
      out.set(c.subarray(off, off + take), written);
      written += take;
      i++;
      off = 0;
    }
  }

  /** Copy the first `n` buffered bytes into `out` and consume them. */
  #take(out: Uint8Array, n: number): void {
    let written = 0;
    while (written < n) {
      const c = this.#chunks[this.#head]!;
      const take = Math.min(n - written, c.length - this.#offset);
      out.set(c.subarray(this.#offset, this.#offset + take), written);
      written += take;
      this.#offset += take;
      if (this.#offset === c.length) this.#dropHead();
    }
    this.#buffered -= n;
  }

  #dropHead(): void {
    this.#head++;
    this.#offset = 0;
    if (this.#head === this.#chunks.length) {
      this.#chunks.length = 0;
      this.#head = 0;
    } else if (this.#head >= 64) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
