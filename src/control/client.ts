// Control API client used by the CLI.
import net from 'node:net';
import type { ControlRequest, ControlResponse } from './protocol.js';

export function controlRequest(socketPath: string, req: ControlRequest, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(JSON.stringify(req) + '\n'));
    conn.on('data', (d: string) => (buf += d));
    conn.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? ' (is tsbgpd running? see --control-socket)' : '';
      reject(new Error(`cannot reach the control socket ${socketPath}: ${e.code ?? e.message}${hint}`));
    });
    conn.on('end', () => {
      clearTimeout(timer);
      let resp: ControlResponse;
      try {
        resp = JSON.parse(buf) as ControlResponse;
      } catch {
        reject(new Error('malformed answer from the control socket'));
        return;
      }
      if (resp.ok) resolve(resp.result);
      else reject(new Error(resp.error));
    });
  });
}
