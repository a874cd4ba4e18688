// Logging: pino JSON on stdout. Keys are never passed to the logger; redaction is the second line of defence
// for any field that could hold one.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Every path that could hold a password or key, at the depths our log objects use. */
export const REDACT_PATHS = [
  'password', 'key', 'secret', 'keyBytes', 'md5Key', 'aoKey',
  '*.password', '*.key', '*.secret', '*.keyBytes', '*.md5Key', '*.aoKey',
  '*.*.password', '*.*.key', '*.*.secret', '*.*.keyBytes',
  'auth.key', 'peer.auth.key', 'config.password',
];

/** Calico's logSeverityScreen values (Debug, Info, Warning, Error, Fatal) and pino's own names. */
export function toPinoLevel(level: string | undefined): pino.Level {
  switch ((level ?? 'info').toLowerCase()) {
    case 'trace': return 'trace';
    case 'debug': return 'debug';
    case 'warning': case 'warn': return 'warn';
    case 'error': return 'error';
    case 'fatal': case 'panic': return 'fatal';
    default: return 'info';
  }
}

export function createLogger(level?: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'tsbgpd',
    level: toPinoLevel(level),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options, pino.destination({ dest: 1, sync: false }));
}
