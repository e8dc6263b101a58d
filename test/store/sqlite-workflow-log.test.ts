/** The workflow transition log in the SQLite Store: rows after a snapshot, pruning by snapshots, gc. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';
import { execution } from './store-contract.ts';

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-wflog-'));
  store = SqliteStore.open(dir, { groupCommit: true });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('workflow transition log', () => {
  it('lists the rows after a seq, per execution, in order', () => {
    store.appendWorkflowTransition('w1', 1, '{"c":1}');
    store.appendWorkflowTransition('w2', 1, '{"c":"other"}');
    store.appendWorkflowTransition('w1', 2, '{"c":2}');
    store.appendWorkflowTransition('w1', 3, '{"c":3}');
    expect(store.listWorkflowTransitions('w1', 0).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(store.listWorkflowTransitions('w1', 1)).toEqual([
      { seq: 2, entry: '{"c":2}' },
      { seq: 3, entry: '{"c":3}' },
    ]);
    expect(store.listWorkflowTransitions('w3', 0)).toEqual([]);
    expect(() => store.appendWorkflowTransition('w1', 3, '{}')).toThrow();
  });

  it('a snapshot replaces the state and deletes the rows it includes, not later ones', () => {
    for (let seq = 1; seq <= 5; seq++) store.appendWorkflowTransition('w1', seq, `{"n":${seq}}`);
    store.appendWorkflowTransition('w2', 1, '{}');
    store.saveWorkflowSnapshot('w1', JSON.stringify({ v: 1, log_seq: 3 }), 3);
    expect(store.loadWorkflowState('w1')).toEqual({ v: 1, log_seq: 3 });
    expect(store.listWorkflowTransitions('w1', 0).map((r) => r.seq)).toEqual([4, 5]);
    expect(store.listWorkflowTransitions('w2', 0)).toHaveLength(1);
  });

  it('rows and snapshot are committed with the group-commit batch; other connections see them after it', () => {
    store.appendWorkflowTransition('w1', 1, '{}');
    const other = new Database(join(dir, 'squall.db'), { readonly: true });
    try {
      const count = () => (other.prepare('SELECT count(*) AS n FROM workflow_log').get() as { n: number }).n;
      expect(count()).toBe(0);
      store.flush();
      expect(count()).toBe(1);
    } finally {
      other.close();
    }
  });

  it('gc deletes the snapshot and the rows of the executions it prunes', () => {
    const old = '2025-01-01T00:00:00.000Z';
    store.insertExecution(execution('done', { status: 'succeeded', start_timestamp: old }));
    store.insertExecution(execution('live', { status: 'running', start_timestamp: old }));
    for (const id of ['done', 'live']) {
      store.saveWorkflowSnapshot(id, JSON.stringify({ v: 1, log_seq: 0 }), 0);
      store.appendWorkflowTransition(id, 1, '{}');
      store.appendWorkflowTransition(id, 2, '{}');
    }
    expect(store.prune({ executions: '2025-06-01T00:00:00.000Z' }).executions).toBe(1);
    expect(store.loadWorkflowState('done')).toBeUndefined();
    expect(store.listWorkflowTransitions('done', 0)).toEqual([]);
    expect(store.loadWorkflowState('live')).toBeDefined();
    expect(store.listWorkflowTransitions('live', 0)).toHaveLength(2);
  });

  it('an older database file without the log table gets it when opened (no migration step)', () => {
    store.close();
    const db = new Database(join(dir, 'squall.db'));
    db.exec('DROP TABLE workflow_log');
    db.prepare('INSERT INTO workflow_state (execution_id, state) VALUES (?, ?)').run('legacy', '{"v":1}');
    db.close();
    store = SqliteStore.open(dir, { groupCommit: true });
    expect(store.loadWorkflowState('legacy')).toEqual({ v: 1 });
    expect(store.listWorkflowTransitions('legacy', 0)).toEqual([]);
    store.appendWorkflowTransition('legacy', 1, '{}');
    expect(store.listWorkflowTransitions('legacy', 0)).toHaveLength(1);
  });
});
