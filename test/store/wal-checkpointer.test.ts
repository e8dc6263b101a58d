import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';

describe('background WAL checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'squall-wal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function fill(store: SqliteStore, n: number): void {
    for (let i = 0; i < n; i++) {
      store.insertTriggerInstance({
        id: `ti-${i}`,
        trigger: 'core.st2.webhook',
        payload: { body: 'x'.repeat(500), i },
        occurrence_time: new Date().toISOString(),
        status: 'pending',
      });
    }
    store.flush();
  }

  it('leaves checkpoints to the worker: commits grow the WAL, the worker copies it into the database', async () => {
    const filename = path.join(dir, 'squall.db');
    const store = new SqliteStore({
      filename,
      groupCommit: true,
      backgroundCheckpoint: true,
      checkpointIntervalMs: 3_600_000, // only the explicit checkpoint below
    });
    try {
      expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const before = statSync(filename).size;
      fill(store, 3000); // ~1.5 MB: past the 1,000 pages at which SQLite would checkpoint by itself
      expect(statSync(filename).size).toBe(before);
      const report = await store.checkpointer!.checkpointNow();
      expect(report.log).toBeGreaterThan(0);
      expect(report.checkpointed).toBe(report.log);
      expect(statSync(filename).size).toBeGreaterThan(before + 1_000_000);
    } finally {
      store.close();
    }
    const reopened = new SqliteStore({ filename });
    expect(reopened.listTriggerInstances({ limit: 5000 })).toHaveLength(3000);
    reopened.close();
  });

  it('restarts a WAL that grew past restartFrames, so the next write starts it over instead of growing it', async () => {
    const filename = path.join(dir, 'squall.db');
    const store = new SqliteStore({
      filename,
      groupCommit: true,
      backgroundCheckpoint: true,
      checkpointIntervalMs: 3_600_000,
      checkpointRestartFrames: 100,
    });
    try {
      fill(store, 3000); // hundreds of frames
      const report = await store.checkpointer!.checkpointNow();
      expect(report.restarted).toBe(true);
      store.setMeta('after', 'restart'); // one small commit
      const next = await store.checkpointer!.checkpointNow();
      expect(next.log).toBeLessThan(10); // the WAL started over: only that commit's frames
      expect(next.restarted).toBe(false);
    } finally {
      store.close();
    }
  });

  it('closeAsync() resolves after the worker has closed its connection: the data dir can go at once', async () => {
    const store = new SqliteStore({
      filename: path.join(dir, 'squall.db'),
      groupCommit: true,
      backgroundCheckpoint: true,
    });
    fill(store, 10);
    const checkpointer = store.checkpointer!;
    expect(checkpointer.running).toBe(true);
    await store.closeAsync();
    expect(checkpointer.running).toBe(false);
    expect(store.db.open).toBe(false);
    rmSync(dir, { recursive: true });
  });

  it('closeAsync() keeps the process alive until the worker is gone (top-level await in a script)', () => {
    const script = path.join(import.meta.dirname, '../fixtures/store/close-async.ts');
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    expect(out).toBe('closed\n');
  });

  it('keeps SQLite automatic checkpoints without the option', () => {
    const store = new SqliteStore({ filename: path.join(dir, 'plain.db') });
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(store.checkpointer).toBeUndefined();
    store.close();
  });
});
