/**
 * Bolt's Logger interface on top of Squall's pino logger. Bolt, the WebClient and the Socket Mode client log
 * free-form strings (at debug: whole payloads and websocket URLs), so tokens are scrubbed from every line.
 */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../../engine/log/logger.ts';

const SECRET_PATTERNS: RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /("?token"?\s*[:=]\s*"?)[^"&,\s}]+/gi,
  /(ticket=)[^&\s"]+/gi,
  /(authorization"?\s*[:=]\s*"?(?:bearer\s+)?)[^"&,\s}]+/gi,
];

/** Removes Slack tokens, `token` fields and Socket Mode tickets from a log string. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS)
    out = out.replace(pattern, (match, prefix?: string) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}********` : '********',
    );
  return out;
}

function line(msg: unknown[]): { text: string; err?: Error } {
  const err = msg.find((m): m is Error => m instanceof Error);
  const text = msg
    .map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m)))
    .join(' ');
  return { text: scrubSecrets(text), err };
}

const PINO_TO_BOLT: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

export function boltLogger(logger: Logger): BoltLogger {
  let name = 'bolt';
  let level: LogLevel = PINO_TO_BOLT[logger.level] ?? LogLevel.INFO;
  const emit = (kind: 'debug' | 'info' | 'warn' | 'error', msg: unknown[]) => {
    const { text, err } = line(msg);
    const fields: Record<string, unknown> = { component: 'slack', source: name };
    if (err) fields.error = { name: err.name, message: scrubSecrets(err.message) };
    logger[kind](fields, text);
  };
  return {
    debug: (...msg) => emit('debug', msg),
    // Bolt's info lines are connection chatter ("Now connected to Slack"): debug for Squall.
    info: (...msg) => emit('debug', msg),
    warn: (...msg) => emit('warn', msg),
    error: (...msg) => emit('error', msg),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n) => {
      name = n;
    },
  };
}
