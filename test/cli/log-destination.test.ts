import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { consoleChatEnabled } from '../../adapters/console/index.ts';
import { logFileFor } from '../../cli/log-destination.ts';
import { createLogger } from '../../engine/log/logger.ts';

describe('where squall start logs (log.file)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stderr by default; <data_dir>/squall.log while the console chat has the terminal; "-" or a path wins', () => {
    expect(logFileFor('', '/srv/squall', false)).toBeUndefined();
    expect(logFileFor(undefined, '/srv/squall', true)).toBe('/srv/squall/squall.log');
    expect(logFileFor('-', '/srv/squall', true)).toBeUndefined();
    expect(logFileFor('/var/log/squall.log', '/srv/squall', false)).toBe('/var/log/squall.log');
    expect(logFileFor('logs/s.log', '/srv/squall', true)).toBe(path.resolve('logs/s.log'));
  });

  it('the console chat is on with console.enabled=true, or auto on a TTY', () => {
    expect(consoleChatEnabled('auto', { isTTY: true })).toBe(true);
    expect(consoleChatEnabled('auto', { isTTY: false })).toBe(false);
    expect(consoleChatEnabled(undefined, {})).toBe(false);
    expect(consoleChatEnabled('true', {})).toBe(true);
    expect(consoleChatEnabled('false', { isTTY: true })).toBe(false);
  });

  it('a file logger writes JSON lines there, creating the folder, with secrets redacted', async () => {
    const file = path.join(dir, 'nested', 'squall.log');
    const logger = createLogger({ level: 'info', file });
    logger.info({ execution_id: 'e1', password: 'hunter2' }, 'hello file');
    logger.flush();
    await vi.waitFor(() => expect(readFileSync(file, 'utf8')).toContain('\n'));
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'hello file', execution_id: 'e1', app: 'squall' });
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2');
  });

  it('a log file that cannot be written fails at once, naming the setting and the path', () => {
    const blocker = path.join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    expect(() => createLogger({ file: path.join(blocker, 'squall.log') })).toThrow(
      /^log\.file: cannot write .*not-a-dir\/squall\.log: (ENOTDIR|EEXIST)/,
    );
  });
});
