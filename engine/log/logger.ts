import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Field names whose values never reach a log line. */
export const REDACTED_LOG_PATHS = [
  'password',
  'token',
  'secret',
  '*.password',
  '*.token',
  '*.secret',
  '*.api_key',
  'headers.authorization',
  'headers["st2-api-key"]',
  'headers["x-squall-api-key"]',
  'headers.cookie',
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.SQUALL_LOG_LEVEL ?? 'info';
  return pino(
    { level, redact: { paths: REDACTED_LOG_PATHS, censor: '********' }, base: { app: 'squall' } },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
