import path from 'node:path';

/**
 * Where `squall start` writes its log lines (`log.file`): undefined means stderr. Unset, logs go to stderr unless
 * the console chat has the terminal, where JSON lines would land in the middle of the conversation: then they go
 * to `<data_dir>/squall.log`. "-" always means stderr.
 */
export function logFileFor(setting: unknown, dataDir: string, consoleChat: boolean): string | undefined {
  const value = typeof setting === 'string' ? setting.trim() : '';
  if (value === '-') return undefined;
  if (value) return path.resolve(value);
  return consoleChat ? path.join(path.resolve(dataDir), 'squall.log') : undefined;
}
