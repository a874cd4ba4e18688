// One TCP connection of the capture tool: frames received bytes by the header length field (RFC 4271 §4.1),
// records every message raw (both directions), and lets the script wait for the next message of interest.

import { connect, type Socket } from 'node:net';

export interface Recorded {
  readonly dir: 'in' | 'out';
  readonly at: number; // ms since the session started
  readonly type: number;
  readonly bytes: Buffer;
}

export class CaptureSession {
  readonly log: Recorded[] = [];
  private pending = Buffer.alloc(0);
  private cursor = 0; // next inbound index `next()` looks at
  private waiters: (() => void)[] = [];
  private readonly t0 = Date.now();
  closed = false;
  error: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', (e) => {
      this.error = e;
    });
  }

  static open(host: string, port: number, localAddress: string, timeoutMs = 3_000): Promise<CaptureSession> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, localAddress, timeout: timeoutMs });
      const fail = (e: Error): void => {
        s.destroy();
        reject(e);
      };
      s.once('error', fail);
      s.once('timeout', () => fail(new Error('connect timeout')));
      s.once('connect', () => {
        s.off('error', fail);
        s.setTimeout(0);
        s.setNoDelay(true);
        resolve(new CaptureSession(s));
      });
    });
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 19) {
      const len = this.pending.readUInt16BE(16);
      if (len < 19) {
        this.error = new Error(`bad header length ${len}`);
        this.socket.destroy();
        return;
      }
      if (this.pending.length < len) break;
      const bytes = Buffer.from(this.pending.subarray(0, len));
      this.pending = this.pending.subarray(len);
      this.log.push({ dir: 'in', at: Date.now() - this.t0, type: bytes[18]!, bytes });
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(bytes: Buffer): void {
    this.log.push({ dir: 'out', at: Date.now() - this.t0, type: bytes[18]!, bytes });
    this.socket.write(bytes);
  }

  get inbound(): Recorded[] {
    return this.log.filter((m) => m.dir === 'in');
  }

  /**
   * Resolves with the first inbound message after the cursor that satisfies `pred` (moving the cursor past it);
   * messages skipped on the way stay in the log. Rejects on timeout or when the peer closes first.
   */
  async next(pred: (m: Recorded) => boolean, timeoutMs: number, what: string): Promise<Recorded> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const inbound = this.inbound;
      for (; this.cursor < inbound.length; this.cursor++) {
        const m = inbound[this.cursor]!;
        if (pred(m)) {
          this.cursor++;
          return m;
        }
      }
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Lets `next()` look again from the first inbound message. */
  rewind(): void {
    this.cursor = 0;
  }

  /** Moves the cursor past everything received so far. */
  skipAll(): void {
    this.cursor = this.inbound.length;
  }

  /** Inbound messages collected for `ms` milliseconds from now (cursor unchanged). */
  async collect(ms: number): Promise<Recorded[]> {
    const from = this.inbound.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.inbound.slice(from);
  }

  close(): void {
    this.socket.destroy();
  }

  /** Resolves when the peer has closed (or after timeoutMs). */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.closed;
  }
}
