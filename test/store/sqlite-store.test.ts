import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { OPEN_TRIGGER_STATUSES_TERM, SCHEMA_VERSION, SqliteStore } from '../../engine/store/sqlite-store.ts';
import { execution, runStoreContract, triggerInstance } from './store-contract.ts';

runStoreContract('SqliteStore :memory:', () => new SqliteStore({ filename: ':memory:' }));

let dir: string | undefined;
runStoreContract(
  'SqliteStore file',
  () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-store-'));
    return SqliteStore.open(dir);
  },
  () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
);

let gdir: string | undefined;
runStoreContract(
  'SqliteStore file, group commit',
  () => {
    gdir = mkdtempSync(join(tmpdir(), 'squall-store-'));
    return SqliteStore.open(gdir, { groupCommit: true });
  },
  () => {
    if (gdir) rmSync(gdir, { recursive: true, force: true });
  },
);

let wdir: string | undefined;
runStoreContract(
  'SqliteStore file, writer thread',
  () => {
    wdir = mkdtempSync(join(tmpdir(), 'squall-store-'));
    return new SqliteStore({ filename: join(wdir, 'squall.db'), groupCommit: true, writerThread: true });
  },
  () => {
    if (wdir) rmSync(wdir, { recursive: true, force: true });
  },
);

describe('SqliteStore group commit', () => {
  let tmp: string;
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('batches hot writes until the end of the turn or flush(); other connections see them only then', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'squall-store-'));
    const store = SqliteStore.open(tmp, { groupCommit: true });
    const other = new Database(join(tmp, 'squall.db'), { readonly: true });
    const count = () => (other.prepare('SELECT count(*) AS n FROM executions').get() as { n: number }).n;
    store.insertExecution(execution('g1'));
    expect(store.getExecution('g1')?.id).toBe('g1'); // own writes are visible at once
    expect(count()).toBe(0);
    const durable = store.whenDurable();
    await new Promise((r) => setImmediate(r));
    await durable;
    expect(count()).toBe(1);

    store.insertExecution(execution('g2'));
    expect(count()).toBe(1);
    store.flush();
    expect(count()).toBe(2);

    // Non-hot writes commit at once, taking the open batch with them.
    store.insertExecution(execution('g3'));
    store.setMeta('k', 'v');
    expect(count()).toBe(3);
    other.close();
    store.close();
  });

  it('coalesces an insert and its later updates in one batch into one row write, with CAS and uniqueness intact', () => {
    tmp = mkdtempSync(join(tmpdir(), 'squall-store-'));
    const store = SqliteStore.open(tmp, { groupCommit: true });
    const changes = () => store.db.prepare('SELECT total_changes() AS n').get() as { n: number };
    const before = changes().n;
    const rec = execution('w1', { status: 'running', lease: 'me', context: { user: 'u', dedupe_key: 'k1' } });
    store.insertExecution(rec);
    expect(store.getExecutionLease('w1')).toBe('me'); // answered without writing the row
    expect(store.updateExecution({ ...rec, status: 'succeeded' }, 'requested')).toBe(false); // CAS: it is running
    expect(store.updateExecution({ ...rec, status: 'succeeded', lease: undefined }, 'running')).toBe(true);
    expect(() => store.insertExecution(execution('w1'))).toThrow(/UNIQUE constraint failed: executions.id/);
    expect(() =>
      store.insertExecution(execution('w2', { context: { user: 'u', dedupe_key: 'k1' } })),
    ).toThrow(/UNIQUE constraint failed: executions.dedupe_key/);
    store.insertTriggerInstance({
      id: 't1',
      trigger: 'core.st2.webhook',
      payload: {},
      occurrence_time: '2026-01-01T00:00:00.000Z',
      status: 'pending',
    });
    store.setTriggerInstanceStatus('t1', 'processed');
    expect(changes().n).toBe(before); // nothing written yet
    store.flush();
    expect(changes().n - before).toBe(2); // one INSERT each, no UPDATE
    expect(store.getExecution('w1')).toMatchObject({ status: 'succeeded' });
    expect(store.getExecution('w1')?.lease).toBeUndefined();
    expect(store.getTriggerInstance('t1')?.status).toBe('processed');
    // Rows from earlier batches are still refused and still updated in place.
    expect(() => store.insertExecution(execution('w1'))).toThrow(/UNIQUE constraint failed: executions.id/);
    expect(store.updateExecution({ ...rec, status: 'failed' }, 'succeeded')).toBe(true);
    expect(store.getExecution('w1')?.status).toBe('failed');
    store.close();
  });

  it('writes straight through inside transaction(), so a rollback covers the insert', () => {
    tmp = mkdtempSync(join(tmpdir(), 'squall-store-'));
    const store = SqliteStore.open(tmp, { groupCommit: true });
    store.insertExecution(execution('before'));
    expect(() =>
      store.transaction(() => {
        store.insertExecution(execution('inside'));
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    store.flush();
    expect(store.getExecution('inside')).toBeUndefined();
    expect(store.getExecution('before')?.id).toBe('before');
    expect(store.listExecutions({}).map((e) => e.id)).toEqual(['before']);
    store.close();
  });

  it('close() commits the open batch', () => {
    tmp = mkdtempSync(join(tmpdir(), 'squall-store-'));
    const store = SqliteStore.open(tmp, { groupCommit: true });
    store.insertExecution(execution('c1'));
    store.close();
    const again = SqliteStore.open(tmp);
    expect(again.getExecution('c1')?.id).toBe('c1');
    again.close();
  });
});

describe('SqliteStore file', () => {
  let tmp: string;
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('creates <dataDir>/squall.db in WAL mode with a schema_version and keeps data across reopen', () => {
    tmp = mkdtempSync(join(tmpdir(), 'squall-store-'));
    const store = SqliteStore.open(join(tmp, 'nested'));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(store.getMeta('schema_version')).toBe(String(SCHEMA_VERSION));
    store.insertExecution(execution('keep'));
    store.close();
    const again = SqliteStore.open(join(tmp, 'nested'));
    expect(again.getExecution('keep')?.id).toBe('keep');
    again.close();
  });

  it('upgrades a v1 file: the trigger-instance status index keeps only open instances, lists still filter by status', () => {
    tmp = mkdtempSync(join(tmpdir(), 'squall-store-'));
    const file = join(tmp, 'squall.db');
    const store = new SqliteStore({ filename: file });
    store.insertTriggerInstance(triggerInstance('t-pending'));
    store.insertTriggerInstance(triggerInstance('t-done', { status: 'processed' }));
    store.insertTriggerInstance(triggerInstance('t-failed', { status: 'processing_failed' }));
    store.close();
    // Back to v1 as an older Squall left it: a full index on status.
    const raw = new Database(file);
    raw.exec(`DROP INDEX trigger_instances_open;
      CREATE INDEX trigger_instances_status ON trigger_instances (status);
      UPDATE meta SET value = '1' WHERE key = 'schema_version'`);
    raw.close();

    const upgraded = new SqliteStore({ filename: file });
    const indexes = (
      upgraded.db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'trigger_instances'")
        .all() as Array<{
        name: string;
      }>
    ).map((r) => r.name);
    expect(indexes).toContain('trigger_instances_open');
    expect(indexes).not.toContain('trigger_instances_status');
    expect(upgraded.getMeta('schema_version')).toBe(String(SCHEMA_VERSION));
    const ids = (status: 'pending' | 'processed' | 'processing_failed') =>
      upgraded.listTriggerInstances({ status }).map((t) => t.id);
    expect(ids('pending')).toEqual(['t-pending']);
    expect(ids('processed')).toEqual(['t-done']);
    expect(ids('processing_failed')).toEqual(['t-failed']);
    upgraded.setTriggerInstanceStatus('t-pending', 'processed');
    expect(ids('pending')).toEqual([]);
    expect(ids('processed')).toEqual(['t-done', 't-pending']); // newest first
    // The term the store adds for an open status is what lets SQLite search the partial index (no table scan).
    const plan = upgraded.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT doc FROM trigger_instances WHERE status = ? AND ${OPEN_TRIGGER_STATUSES_TERM} ORDER BY rowid DESC`,
      )
      .all('pending') as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('USING INDEX trigger_instances_open');
    upgraded.close();
  });

  it('refuses a file written by a newer schema', () => {
    tmp = mkdtempSync(join(tmpdir(), 'squall-store-'));
    const file = join(tmp, 'squall.db');
    new SqliteStore({ filename: file }).close();
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = '999' WHERE key = 'schema_version'").run();
    raw.close();
    expect(() => new SqliteStore({ filename: file })).toThrow(/schema_version 999/);
  });
});
