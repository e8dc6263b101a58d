import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
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

export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream; file?: string } = {},
): Logger {
  const level = options.level ?? process.env.SQUALL_LOG_LEVEL ?? 'info';
  const destination =
    (options.destination as pino.DestinationStream | undefined) ??
    pino.destination({ fd: options.file ? openLogFile(options.file) : 2, sync: false });
  return pino(
    { level, redact: { paths: REDACTED_LOG_PATHS, censor: '********' }, base: { app: 'squall' } },
    destination,
  );
}

/** Opened at once (not when the first line is written), so a path that cannot be written fails start-up, saying so. */
function openLogFile(file: string): number {
  try {
    mkdirSync(dirname(file), { recursive: true });
    return openSync(file, 'a', 0o600);
  } catch (error) {
    throw new Error(`log.file: cannot write ${file}: ${(error as Error).message}`);
  }
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
