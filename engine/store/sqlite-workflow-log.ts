/**
 * The workflow transition log in SQLite: rows appended after the snapshot kept in `workflow_state`
 * (engine/workflows/workflow-journal.ts decides what a row holds and when to snapshot). The table is created
 * if missing when the store opens, so older database files need no migration: their workflow_state rows are
 * snapshots with no log.
 */
import type Database from 'better-sqlite3';
import type { WorkflowTransition } from './store.ts';

const SCHEMA = `CREATE TABLE IF NOT EXISTS workflow_log (
  execution_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (execution_id, seq)
) WITHOUT ROWID`;

/** A row appended to the log: the Store runs it with its other hot-path writes (group-committed or batched). */
export const APPEND_WORKFLOW_TRANSITION_SQL =
  'INSERT INTO workflow_log (execution_id, seq, entry) VALUES (?, ?, ?)';

export class SqliteWorkflowLog {
  readonly #db: Database.Database;
  readonly #list: Database.Statement;
  readonly #saveSnapshot: Database.Statement;
  readonly #prune: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#list = db.prepare(
      'SELECT seq, entry FROM workflow_log WHERE execution_id = ? AND seq > ? ORDER BY seq',
    );
    this.#saveSnapshot = db.prepare(
      'INSERT INTO workflow_state (execution_id, state) VALUES (?, ?) ON CONFLICT(execution_id) DO UPDATE SET state = excluded.state',
    );
    this.#prune = db.prepare('DELETE FROM workflow_log WHERE execution_id = ? AND seq <= ?');
  }

  list(executionId: string, afterSeq: number): WorkflowTransition[] {
    return this.#list.all(executionId, afterSeq) as WorkflowTransition[];
  }

  /** Replaces the snapshot and deletes the rows it includes; call inside a transaction. */
  snapshot(executionId: string, state: string, throughSeq: number): void {
    this.#saveSnapshot.run(executionId, state);
    this.#prune.run(executionId, throughSeq);
  }

  /** gc: deletes the rows of the executions `selectIds` (a `SELECT id ...` with `args`) names. */
  deleteExecutions(selectIds: string, args: unknown[]): number {
    return this.#db.prepare(`DELETE FROM workflow_log WHERE execution_id IN (${selectIds})`).run(...args)
      .changes;
  }
}
