// The control API behind `tsbgpd status` / `routes` / `peer` / `reload`: one JSON request per line on a unix
// socket readable by root only, one JSON response line back.

export const DEFAULT_CONTROL_SOCKET = '/run/tsbgpd/tsbgpd.sock';

export type ControlRequest =
  | { readonly cmd: 'status' }
  | { readonly cmd: 'routes' }
  | { readonly cmd: 'reload' }
  /** RFC 4724 §4.1: stop keeping kernel routes, sessions closed without NOTIFICATION (see src/peer/README.md). */
  | { readonly cmd: 'graceful-restart' }
  | { readonly cmd: 'peer'; readonly action: 'enable' | 'disable' | 'reset'; readonly name: string; readonly message?: string };

export type ControlResponse =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: string };

export function parseRequest(line: string): ControlRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'request is not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'request is not an object';
  const r = v as Record<string, unknown>;
  switch (r.cmd) {
    case 'status': case 'routes': case 'reload': case 'graceful-restart':
      return { cmd: r.cmd };
    case 'peer': {
      const action = r.action;
      if (action !== 'enable' && action !== 'disable' && action !== 'reset') return 'peer action must be enable, disable or reset';
      if (typeof r.name !== 'string' || r.name === '') return 'peer name missing';
      const message = typeof r.message === 'string' ? r.message : undefined;
      return message === undefined ? { cmd: 'peer', action, name: r.name } : { cmd: 'peer', action, name: r.name, message };
    }
    default:
      return `unknown command ${JSON.stringify(r.cmd)}`;
  }
}
