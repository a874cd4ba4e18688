// Control API server: a unix socket, mode 0600 in a 0700 directory, so only root (the daemon's user) can use it.
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { parseRequest, type ControlRequest, type ControlResponse } from './protocol.js';

export type ControlHandler = (req: ControlRequest) => Promise<unknown> | unknown;

const MAX_REQUEST = 64 * 1024;

export class ControlServer {
  private server: net.Server | undefined;

  constructor(private readonly socketPath: string, private readonly handler: ControlHandler) {}

  async start(): Promise<void> {
    const dir = path.dirname(this.socketPath);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      fs.unlinkSync(this.socketPath); // a stale socket from a previous run
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const server = net.createServer((conn) => this.serve(conn));
    this.server = server;
    const oldMask = process.umask(0o177); // the socket is created 0600
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    fs.chmodSync(this.socketPath, 0o600);
  }

  private serve(conn: net.Socket): void {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST) {
        conn.end(JSON.stringify({ ok: false, error: 'request too large' }) + '\n');
        return;
      }
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      void this.answer(line).then((resp) => conn.end(JSON.stringify(resp) + '\n'));
    });
  }

  private async answer(line: string): Promise<ControlResponse> {
    const req = parseRequest(line);
    if (typeof req === 'string') return { ok: false, error: req };
    try {
      return { ok: true, result: await this.handler(req) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      fs.unlinkSync(this.socketPath);
    } catch {
      /* already gone */
    }
  }
}
