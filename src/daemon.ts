// `tsbgpd run`: the long-running daemon process. Signals: SIGHUP reloads, SIGTERM/SIGINT stop gracefully
// (Cease / Administrative Shutdown with an RFC 9003 message to every peer, kernel routes removed, like BIRD).
// `tsbgpd graceful-restart` (control socket) stops it keeping kernel routes and the peers' copies of our routes
// (RFC 4724 §4.1); a SIGTERM arriving after that (the kubelet's, once the preStop hook returns) changes nothing.
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
  let exitAfterRestart: () => void = () => undefined;
  try {
    speaker = await Speaker.start({
      configPath: o.configPath,
      secretsDir: o.secretsDir ?? DEFAULT_SECRETS_DIR,
      nodeName: o.nodeName ?? defaultNodeName(),
      controlSocket: o.controlSocket,
      log,
      fixedLogLevel: o.logLevel !== undefined || process.env.TSBGPD_LOG_LEVEL !== undefined,
      onGracefulRestart: () => exitAfterRestart(),
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
    exitAfterRestart = (): void => {
      stopping = true;
      void speaker.closeControl().then(() => {
        log.info('exiting for a graceful restart');
        log.flush();
        resolve(0);
        // Connections closing with FIN may linger until the peer answers; do not wait for them.
        setTimeout(() => process.exit(0), 1000).unref();
      });
    };
    const stop = (sig: string): void => {
      if (stopping || speaker.stopping) return;
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
