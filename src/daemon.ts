// `tsbgpd run`: the long-running daemon process. Signals: SIGHUP reloads, SIGTERM/SIGINT stop gracefully
// (Cease / Administrative Shutdown with an RFC 9003 message to every peer).
import { createLogger } from './log.js';
import { Speaker, ConfigError } from './speaker.js';
import { DEFAULT_SECRETS_DIR, defaultNodeName } from './config/index.js';

export interface RunOptions {
  readonly configPath: string;
  readonly secretsDir: string | undefined;
  readonly nodeName: string | undefined;
  readonly controlSocket: string;
  readonly logLevel: string | undefined;
}

export async function runDaemon(o: RunOptions): Promise<number> {
  const log = createLogger(o.logLevel ?? process.env.TSBGPD_LOG_LEVEL ?? 'info');
  let speaker: Speaker;
  try {
    speaker = await Speaker.start({
      configPath: o.configPath,
      secretsDir: o.secretsDir ?? DEFAULT_SECRETS_DIR,
      nodeName: o.nodeName ?? defaultNodeName(),
      controlSocket: o.controlSocket,
      log,
      fixedLogLevel: o.logLevel !== undefined || process.env.TSBGPD_LOG_LEVEL !== undefined,
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    log.fatal({ code: err.code }, err.message);
    log.flush();
    process.stderr.write(`tsbgpd: ${err.message}\n`);
    return err instanceof ConfigError ? 1 : 2;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      void speaker.close(`tsbgpd stopping (${sig})`).then(() => {
        log.flush();
        resolve(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => void speaker.reload('SIGHUP'));
  });
}
