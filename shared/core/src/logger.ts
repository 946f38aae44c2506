import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear, so that tokens and passwords
 * never reach a log line (ARCHITECTURE.md invariant 8).
 */
export const REDACT_PATHS = [
  'password',
  'token',
  'secret',
  'auth',
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.auth',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.identitytoken',
  '*.privateKey',
  '*.webhookSecret',
];

export interface LoggerSettings {
  level?: string;
  name?: string;
  /** Where lines go; defaults to stderr so stdout stays free for JSON output. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.RESTACK_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: settings.name ? { service: settings.name } : {},
  };
  const destination = settings.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(options, destination as pino.DestinationStream);
}

/** A logger that writes nothing, for one-shot commands that print JSON. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
