import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatastoreKeyv } from '../../engine/datastore/create-keyv.ts';
import type { TriggerInstance } from '../../engine/model/index.ts';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';
import { SqliteWriter, type WriterAck } from '../../engine/store/sqlite-writer.ts';
import { execution } from './store-contract.ts';

function instance(id: string, extra: Partial<TriggerInstance> = {}): TriggerInstance {
  return {
    id,
    trigger: 'core.st2.webhook',
    payload: { n: id },
    occurrence_time: '2026-01-01T00:00:00.000Z',
    status: 'pending',
    ...extra,
  };
}

/** Lets this turn's batch go to the writer thread (it is posted from setImmediate). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('SqliteStore writer-thread mode', () => {
  let dir: string;
  let store: SqliteStore;
  let other: Database.Database;
  let writeErrors: string[];
  const committed = (table: string) =>
    (other.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-writer-'));
    writeErrors = [];
    store = new SqliteStore({
      filename: join(dir, 'squall.db'),
      groupCommit: true,
      writerThread: true,
      onWriteError: (message) => writeErrors.push(message),
    });
    other = new Database(join(dir, 'squall.db'), { readonly: true });
  });

  afterEach(() => {
    other.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits on the writer thread: other connections see a batch once whenDurable() resolves', async () => {
    expect(store.orderedCommits).toBe(true);
    store.insertTriggerInstance(instance('t1'));
    store.insertExecution(execution('e1'));
    expect(committed('executions')).toBe(0);
    await store.whenDurable();
    expect(committed('executions')).toBe(1);
    expect(committed('trigger_instances')).toBe(1);
  });

  it('answers reads of rows still in flight from memory, with the newest status', async () => {
    const rec = execution('e1', { status: 'running', lease: 'me', context: { user: 'u', dedupe_key: 'k1' } });
    store.insertExecution(rec);
    store.startCommit(); // in flight now, not committed yet
    expect(store.updateExecution({ ...rec, status: 'succeeded' }, 'running')).toBe(true);
    expect(store.getExecution('e1')?.status).toBe('succeeded');
    expect(store.findExecutionByDedupeKey('k1')?.status).toBe('succeeded');
    expect(store.getExecutionLease('e1')).toBe('me');
    // Lists and counts wait for the writer and read the file.
    expect(store.countExecutions({ status: 'succeeded' })).toBe(1);
    expect(committed('executions')).toBe(1);
    expect(other.prepare("SELECT status FROM executions WHERE id = 'e1'").get()).toEqual({
      status: 'succeeded',
    });
  });

  it('keeps compare-and-set and uniqueness across the current batch, batches in flight and committed rows', async () => {
    const rec = execution('e1', { status: 'running', context: { user: 'u', dedupe_key: 'k1' } });
    store.insertExecution(rec);
    await nextTurn(); // posted
    expect(() => store.insertExecution(execution('e1'))).toThrow(/UNIQUE constraint failed: executions.id/);
    expect(() =>
      store.insertExecution(execution('e2', { context: { user: 'u', dedupe_key: 'k1' } })),
    ).toThrow(/UNIQUE constraint failed: executions.dedupe_key/);
    expect(store.updateExecution({ ...rec, status: 'failed' }, 'requested')).toBe(false);
    await store.whenDurable();
    expect(() => store.insertExecution(execution('e1'))).toThrow(/UNIQUE constraint failed: executions.id/);
    expect(store.updateExecution({ ...rec, status: 'failed' }, 'requested')).toBe(false);
    expect(store.updateExecution({ ...rec, status: 'failed' }, 'running')).toBe(true);
    expect(store.updateExecution({ ...rec, status: 'succeeded' }, 'running')).toBe(false); // it is failed now
    expect(store.updateExecution(execution('missing'), 'running')).toBe(false);
    await store.whenDurable();
    expect(other.prepare("SELECT status FROM executions WHERE id = 'e1'").get()).toEqual({
      status: 'failed',
    });
    expect(() => store.insertTriggerInstance(instance('t1', { dedupe_key: 'd' }))).not.toThrow();
    await nextTurn();
    expect(() => store.insertTriggerInstance(instance('t2', { dedupe_key: 'd' }))).toThrow(
      /UNIQUE constraint failed: trigger_instances.dedupe_key/,
    );
  });

  it('trigger instances: inserted pending and processed in one batch is one row; later status changes land too', async () => {
    store.insertTriggerInstance(instance('t1'));
    store.setTriggerInstanceStatus('t1', 'processing');
    expect(store.getTriggerInstance('t1')?.status).toBe('processing');
    await store.whenDurable();
    store.setTriggerInstanceStatus('t1', 'processed');
    expect(store.getTriggerInstance('t1')?.status).toBe('processed');
    expect(store.listTriggerInstances({ status: 'pending' })).toEqual([]);
    expect(other.prepare("SELECT status FROM trigger_instances WHERE id = 't1'").get()).toEqual({
      status: 'processed',
    });
  });

  it('flush() returns only once everything written so far is committed (before a runner with side effects)', () => {
    store.insertExecution(execution('e1'));
    store.appendOutput({ execution_id: 'e1', seq: 0, stream: 'stdout', data: 'hi', timestamp: 'now' });
    store.insertRuleEnforcement({
      id: 're1',
      rule: { ref: 'p.r' },
      trigger_instance_id: 't1',
      enforced_at: '2026-01-01T00:00:00.000Z',
      execution_id: 'e1',
    } as never);
    store.flush();
    expect(committed('executions')).toBe(1);
    expect(committed('output')).toBe(1);
    expect(committed('rule_enforcements')).toBe(1);
    expect(store.listOutput('e1').map((c) => c.data)).toEqual(['hi']);
  });

  it('transaction() waits for the writer, then writes on the main connection with rollback intact', async () => {
    store.insertExecution(execution('before'));
    expect(() =>
      store.transaction(() => {
        store.insertExecution(execution('inside'));
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(committed('executions')).toBe(1); // `before` committed first
    store.transaction(() => store.insertExecution(execution('kept')));
    store.insertExecution(execution('after'));
    await store.whenDurable();
    expect(store.listExecutions({ order: 'asc' }).map((e) => e.id)).toEqual(['before', 'kept', 'after']);
  });

  it('non-hot writes and datastore writes on the shared connection wait for the writer instead of contending', async () => {
    const kv = createDatastoreKeyv({ db: store.db, beforeWrite: () => store.flush() });
    for (let i = 0; i < 50; i++) store.insertExecution(execution(`e${i}`));
    await nextTurn(); // a batch in flight
    store.insertExecution(execution('e50'));
    await kv.set('k', 'v');
    expect(committed('executions')).toBe(51); // the datastore write waited for both batches
    store.setMeta('m', '1');
    expect(store.getMeta('m')).toBe('1');
    expect(await kv.get('k')).toBe('v');
  });

  it('a statement the writer cannot run is reported and skipped; the rest of its batch commits', async () => {
    store.appendWorkflowTransition('wf', 1, '{}');
    await store.whenDurable();
    store.appendWorkflowTransition('wf', 1, '{"again":true}'); // same (execution_id, seq)
    store.insertExecution(execution('e1'));
    await store.whenDurable();
    expect(writeErrors).toEqual([
      expect.stringMatching(/appendWorkflowTransition: UNIQUE constraint failed/),
    ]);
    expect(committed('executions')).toBe(1);
    expect(store.listWorkflowTransitions('wf', 0)).toEqual([{ seq: 1, entry: '{}' }]);
  });

  it('close() commits what is queued and in flight, and the next open finds it', async () => {
    store.insertExecution(execution('e1'));
    await nextTurn();
    store.insertExecution(execution('e2'));
    store.close();
    const again = SqliteStore.open(dir);
    expect(again.listExecutions({ order: 'asc' }).map((e) => e.id)).toEqual(['e1', 'e2']);
    again.close();
  });

  it('closeAsync() resolves once the writer thread has closed its connection', async () => {
    store.insertExecution(execution('e1'));
    await store.closeAsync();
    expect(committed('executions')).toBe(1);
  });
});

describe('SqliteStore writer-thread failures', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a writer thread that dies rejects durability waiters and refuses later writes instead of hanging', async () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-writer-'));
    const fatal: Error[] = [];
    const store = new SqliteStore({
      filename: join(dir, 'squall.db'),
      groupCommit: true,
      writerThread: true,
      onFatal: (error) => fatal.push(error),
    });
    store.insertExecution(execution('e1'));
    await store.whenDurable();
    await store.writerThread!.terminate();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the exit event
    expect(fatal.map((e) => e.message)).toEqual(['SQLite writer thread exited with writes not committed']);
    await expect(store.whenDurable()).rejects.toThrow(/writer thread exited/);
    expect(() => store.insertExecution(execution('e2'))).toThrow(/writer thread exited/);
    expect(() => store.flush()).toThrow(/writer thread exited/);
    store.close(); // still closes the main connection
    const again = SqliteStore.open(dir);
    expect(again.listExecutions({}).map((e) => e.id)).toEqual(['e1']); // what was committed is there
    again.close();
  });

  it('the writer reports a batch it could not commit as lost, with the reason', () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-writer-'));
    const acks: WriterAck[] = [];
    const writer = new SqliteWriter({
      filename: join(dir, 'missing', 'squall.db'), // its connection cannot open
      statements: { noop: 'SELECT 1' },
      onAck: (ack) => acks.push(ack),
    });
    const seq = writer.post(['noop', []]);
    writer.waitFor(seq);
    expect(acks).toEqual([
      { seq, lost: true, errors: [expect.stringMatching(/^commit: .*directory does not exist/)] },
    ]);
    writer.stopSync();
  });
});

describe('SqliteStore writer-thread checkpoints', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const walLength = (file: string) => {
    const probe = new Database(file);
    try {
      return (probe.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>)[0]!;
    } finally {
      probe.close();
    }
  };

  /**
   * Writes 12,000 rows of 3 KB (over 9,000 pages) spread over turns with pauses between them, as a server sees them
   * (never a timed assertion), then checks the WAL holds far fewer pages: it was started over along the way.
   */
  async function expectWalBoundedUnderWrites(store: SqliteStore, file: string): Promise<void> {
    for (let turn = 0; turn < 60; turn++) {
      for (let i = 0; i < 200; i++)
        store.insertTriggerInstance(instance(`t${turn}-${i}`, { payload: { body: 'x'.repeat(3000) } }));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await store.whenDurable();
    expect(walLength(file).log).toBeLessThan(7_000);
    expect(store.listTriggerInstances({ limit: 20_000 })).toHaveLength(12_000);
  }

  it('the WAL stays bounded under continuous writes: a checkpoint thread copies, the writer starts it over', async () => {
    // Measured on the webhook bench before: 534 MB of WAL after 10 s, never started over.
    dir = mkdtempSync(join(tmpdir(), 'squall-writer-'));
    const file = join(dir, 'squall.db');
    // As the server opens it.
    const store = new SqliteStore({
      filename: file,
      groupCommit: true,
      backgroundCheckpoint: true,
      writerThread: true,
    });
    try {
      expect(store.checkpointer?.running).toBe(true);
      // The writer starts the WAL over once the checkpoint thread reports it past 4,096 pages (looking at most
      // every 250 ms), so a few thousand pages at most are left in it.
      await expectWalBoundedUnderWrites(store, file);
    } finally {
      await store.closeAsync();
    }
  });

  it('close() returns once every thread has closed its connection: the files may be deleted right away', async () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-writer-'));
    const store = new SqliteStore({
      filename: join(dir, 'squall.db'),
      groupCommit: true,
      backgroundCheckpoint: true,
      writerThread: true,
    });
    store.insertTriggerInstance(instance('t1'));
    await store.whenDurable();
    store.close();
    // The last connection to close removes the WAL and its index: that was this thread's, so none is left open.
    expect(readdirSync(dir)).toEqual(['squall.db']);
  });

  it('the writer runs a RESTART checkpoint between batches once the checkpoint thread reports a long WAL', () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-writer-'));
    const file = join(dir, 'squall.db');
    const setup = new Database(file);
    setup.pragma('journal_mode = WAL');
    setup.exec('CREATE TABLE t (v TEXT)');
    setup.close();
    const walState = new Int32Array(new SharedArrayBuffer(8));
    const writer = new SqliteWriter({
      filename: file,
      statements: { insert: 'INSERT INTO t (v) VALUES (?)' },
      walState,
      onAck: () => {},
    });
    try {
      // No checkpoint thread here (nor a probe: its checkpoint would let the WAL start over): the writer's own
      // commits never checkpoint, so the WAL only grows (800 rows of 3 KB: over 600 pages)...
      const rows = (n: number) => Array.from({ length: n }, () => ['insert', ['x'.repeat(3000)]]).flat();
      writer.waitFor(writer.post(rows(400)));
      writer.waitFor(writer.post(rows(400)));
      // ...until the (here pretended) checkpoint thread says it is past the limit: after the next batch the writer
      // copies the rest and waits for readers, so the batch after it starts the WAL over.
      Atomics.store(walState, 0, 5_000);
      writer.waitFor(writer.post(rows(1)));
      writer.waitFor(writer.post(rows(1)));
      expect(Atomics.load(walState, 0)).toBe(0);
      expect(walLength(file).log).toBeLessThan(10);
    } finally {
      writer.stopSync();
    }
  });

  for (const writerThread of [true, false]) {
    it(`if the checkpoint thread dies, commits checkpoint again and the WAL stays bounded (${writerThread ? 'writer thread' : 'main-thread commits'})`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'squall-writer-'));
      const file = join(dir, 'squall.db');
      const errors: string[] = [];
      const store = new SqliteStore({
        filename: file,
        groupCommit: true,
        backgroundCheckpoint: true,
        writerThread,
        onCheckpointError: (message) => errors.push(message),
      });
      try {
        await store.checkpointer!.terminate();
        while (!errors.some((e) => e.startsWith('the checkpoint thread exited;'))) await nextTurn();
        await expectWalBoundedUnderWrites(store, file);
      } finally {
        await store.closeAsync();
      }
    });
  }
});
