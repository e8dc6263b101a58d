import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { restartWal } from '../../engine/store/wal-restart.mjs';

describe('restartWal', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function open(file: string) {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    return db;
  }

  it('waits for a reader on an older snapshot only as long as allowed, and restarts once it is gone', () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-wal-'));
    const file = join(dir, 'squall.db');
    const writer = open(file);
    writer.exec('CREATE TABLE t (v TEXT)');
    const reader = open(file);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get(); // a snapshot that the next writes are not in
    const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 50; i++) insert.run('x'.repeat(1000));

    const blocked = restartWal(writer, { waitMs: 5, busyTimeoutMs: 5000 });
    expect(blocked.restarted).toBe(false);
    // The connection's own busy timeout is back afterwards.
    expect(writer.pragma('busy_timeout', { simple: true })).toBe(5000);

    reader.exec('COMMIT');
    const done = restartWal(writer, { waitMs: 5, busyTimeoutMs: 5000 });
    expect(done).toMatchObject({ busy: 0, restarted: true });
    insert.run('y'); // the first write after it starts the WAL over
    expect((writer.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log).toBeLessThan(5);
    reader.close();
    writer.close();
  });
});
