import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type {
  ExecutionRecord,
  ExecutionStatus,
  InquiryRecord,
  OutputChunk,
  RuleEnforcement,
  TriggerInstance,
  TriggerInstanceStatus,
} from '../model/index.ts';
import { COMPLETED_STATUSES } from '../model/index.ts';
import { APPEND_WORKFLOW_TRANSITION_SQL, SqliteWorkflowLog } from './sqlite-workflow-log.ts';
import { SqliteWriter, type WriterAck } from './sqlite-writer.ts';
import type { ApiKeyRecord, ChatMessageRef, ExecutionQuery, Store, WorkflowTransition } from './store.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';

type Db = Database.Database;
type Stmt = Database.Statement;

/** Bump when the schema changes; `migrate()` upgrades older files step by step. */
export const SCHEMA_VERSION = 2;

/** Trigger-instance statuses that still have work to do: the only ones the status index holds (schema v2). */
const OPEN_TRIGGER_STATUSES: ReadonlySet<string> = new Set(['pending', 'processing']);
/** The partial index's WHERE term, spelled from the set (literals of this file, never input). */
export const OPEN_TRIGGER_STATUSES_TERM = `status IN (${[...OPEN_TRIGGER_STATUSES].map((s) => `'${s}'`).join(', ')})`;

const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS executions (
  id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  runner TEXT NOT NULL,
  status TEXT NOT NULL,
  parent TEXT,
  start_ts TEXT NOT NULL,
  end_ts TEXT,
  dedupe_key TEXT,
  lease TEXT,
  not_before TEXT,
  attempt INTEGER,
  parameters TEXT NOT NULL,
  context TEXT NOT NULL,
  result TEXT,
  log TEXT NOT NULL,
  runner_state TEXT
);
CREATE INDEX IF NOT EXISTS executions_status ON executions (status);
CREATE INDEX IF NOT EXISTS executions_action ON executions (action);
CREATE INDEX IF NOT EXISTS executions_parent ON executions (parent) WHERE parent IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS executions_dedupe ON executions (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS output (
  execution_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  stream TEXT NOT NULL,
  data TEXT NOT NULL,
  ts TEXT NOT NULL,
  PRIMARY KEY (execution_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trigger_instances (
  id TEXT PRIMARY KEY,
  trigger TEXT NOT NULL,
  status TEXT NOT NULL,
  occurrence_time TEXT NOT NULL,
  dedupe_key TEXT,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trigger_instances_trigger ON trigger_instances (trigger);
CREATE INDEX IF NOT EXISTS trigger_instances_status ON trigger_instances (status);
CREATE UNIQUE INDEX IF NOT EXISTS trigger_instances_dedupe ON trigger_instances (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS rule_enforcements (
  id TEXT PRIMARY KEY,
  rule TEXT NOT NULL,
  trigger_instance_id TEXT NOT NULL,
  enforced_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rule_enforcements_rule ON rule_enforcements (rule);
CREATE INDEX IF NOT EXISTS rule_enforcements_ti ON rule_enforcements (trigger_instance_id);
CREATE TABLE IF NOT EXISTS inquiries (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inquiries_status ON inquiries (status, created_at);
CREATE TABLE IF NOT EXISTS workflow_state (execution_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT,
  key_hash TEXT NOT NULL UNIQUE,
  doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chat_messages (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
`;

/**
 * v2: the trigger-instance status index keeps only open instances. A full index on `status` had every accepted
 * instance enter the 'pending' run and move to the 'processed' run a moment later, rebalancing pages in the middle
 * of the index: ~4 of the ~28 pages each commit wrote under webhook load. Open instances are few; lists by a closed
 * status walk the table newest first, which is where they are.
 */
const SCHEMA_V2 = `
DROP INDEX IF EXISTS trigger_instances_status;
CREATE INDEX IF NOT EXISTS trigger_instances_open ON trigger_instances (status) WHERE ${OPEN_TRIGGER_STATUSES_TERM};
`;

type ExecutionFilter = 'action' | 'parent' | 'user' | 'rule' | 'since' | 'until';

/**
 * The single-value filters of ExecutionQuery: the SQL term (a constant of this file, never input) and a letter for
 * the prepared-statement cache key. Context fields have no index: those filters walk the table newest first (fine
 * for a page; a count scans). start_ts is ISO-8601 UTC (toISOString), so text order is time order.
 */
const EXECUTION_FILTERS: ReadonlyArray<[ExecutionFilter, string, string]> = [
  ['action', 'action = ?', 'a'],
  ['parent', 'parent = ?', 'p'],
  ['user', "json_extract(context, '$.user') = ?", 'u'],
  ['rule', "json_extract(context, '$.rule.ref') = ?", 'r'],
  ['since', 'start_ts >= ?', 'g'],
  ['until', 'start_ts < ?', 'l'],
];

interface ExecutionRow {
  id: string;
  action: string;
  runner: string;
  status: string;
  parent: string | null;
  start_ts: string;
  end_ts: string | null;
  lease: string | null;
  not_before: string | null;
  attempt: number | null;
  parameters: string;
  context: string;
  result: string | null;
  log: string;
  runner_state: string | null;
}

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for tests. */
  filename: string;
  /**
   * Group commit: hot-path writes (executions, output, trigger instances, enforcements, workflow state) join one
   * transaction committed at the end of the event-loop turn (setImmediate) or by `flush()`; other writes commit at
   * once. Reads in this process always see the writes. Default false (every write is its own commit).
   */
  groupCommit?: boolean;
  /**
   * Checkpoint the WAL from a worker thread instead of inside the commits of this connection (the server turns
   * this on; short-lived CLI processes and tests keep SQLite's automatic checkpoints).
   */
  backgroundCheckpoint?: boolean;
  /** How often the background worker checkpoints (default 500 ms; in writer-thread mode WRITER_MODE_CHECKPOINT_MS). */
  checkpointIntervalMs?: number;
  /** WAL frames past which the background worker's checkpoint is a RESTART (see WalCheckpointerOptions). */
  checkpointRestartFrames?: number;
  /** Where a background checkpoint failure is reported (the server logs it). */
  onCheckpointError?(message: string): void;
  /**
   * Writer-thread mode (needs groupCommit and a file): each turn's batch is committed by a worker thread that owns
   * the write connection (sqlite-writer-worker.mjs), so statements and commits leave the main thread. The main
   * thread keeps reading its own connection: rows written by batches not yet committed are answered from memory,
   * other reads of the hot tables and every non-hot write wait for the writer first. The server turns this on.
   */
  writerThread?: boolean;
  /** Where a statement the writer thread skipped is reported (the server logs it). */
  onWriteError?(message: string): void;
  /**
   * Called when writes were lost: a COMMIT failed on the writer thread, or the thread died. Default: throw it from
   * the event loop, which ends the process as a failed COMMIT on the main thread did (a restart recovers from the
   * file). Either way, whoever waits for durability is rejected and later writes throw.
   */
  onFatal?(error: Error): void;
}

/**
 * How often the checkpoint thread of writer-thread mode copies WAL pages into the file (ms): often, so that little
 * is left for the RESTART that starts the WAL over, which holds up a batch.
 */
const WRITER_MODE_CHECKPOINT_MS = 10;

const EXEC_COLUMNS =
  'id, action, runner, status, parent, start_ts, end_ts, lease, not_before, attempt, parameters, context, result, log, runner_state';

/**
 * The hot-path writes, as SQL the main connection prepares and, in writer-thread mode, the writer thread runs
 * (sqlite-writer-worker.mjs) — one text for both, so the two cannot drift.
 */
const WRITE_SQL = {
  insertExecution: `INSERT INTO executions (id, action, runner, status, parent, start_ts, end_ts, dedupe_key, lease, not_before, attempt, parameters, context, result, log, runner_state)
     VALUES (@id, @action, @runner, @status, @parent, @start_ts, @end_ts, @dedupe_key, @lease, @not_before, @attempt, @parameters, @context, @result, @log, @runner_state)`,
  // Identity columns (action, runner, parent, start, dedupe key) never change: not in the SET list, so their
  // indexes are not rewritten on every status change.
  updateExecution: `UPDATE executions SET status=@status, end_ts=@end_ts, lease=@lease, not_before=@not_before, attempt=@attempt,
     parameters=@parameters, context=@context, result=@result, log=@log, runner_state=@runner_state WHERE id=@id`,
  appendOutput: 'INSERT OR REPLACE INTO output (execution_id, seq, stream, data, ts) VALUES (?, ?, ?, ?, ?)',
  insertTriggerInstance:
    'INSERT INTO trigger_instances (id, trigger, status, occurrence_time, dedupe_key, doc) VALUES (?, ?, ?, ?, ?, ?)',
  setTriggerInstanceStatus: 'UPDATE trigger_instances SET status = ? WHERE id = ?',
  insertRuleEnforcement:
    'INSERT INTO rule_enforcements (id, rule, trigger_instance_id, enforced_at, doc) VALUES (?, ?, ?, ?, ?)',
  saveWorkflowState:
    'INSERT INTO workflow_state (execution_id, state) VALUES (?, ?) ON CONFLICT(execution_id) DO UPDATE SET state = excluded.state',
  appendWorkflowTransition: APPEND_WORKFLOW_TRANSITION_SQL,
} as const;

type WriteKey = keyof typeof WRITE_SQL;

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

function rowToExecution(row: ExecutionRow): ExecutionRecord {
  const rec: ExecutionRecord = {
    id: row.id,
    action: row.action,
    runner: row.runner,
    status: row.status as ExecutionStatus,
    parameters: JSON.parse(row.parameters),
    context: JSON.parse(row.context),
    log: JSON.parse(row.log),
    start_timestamp: row.start_ts,
  };
  if (row.result !== null) rec.result = JSON.parse(row.result);
  if (row.end_ts !== null) rec.end_timestamp = row.end_ts;
  if (row.parent !== null) rec.parent = row.parent;
  if (row.attempt !== null) rec.attempt = row.attempt;
  if (row.runner_state !== null) rec.runner_state = JSON.parse(row.runner_state);
  if (row.lease !== null) rec.lease = row.lease;
  if (row.not_before !== null) rec.not_before = row.not_before;
  return rec;
}

/** A trigger instance row waiting for the end of the batch (its status may still change). */
interface PendingTriggerInstance {
  id: string;
  trigger: string;
  status: TriggerInstanceStatus;
  occurrence_time: string;
  dedupe_key: string | null;
  doc: string;
}

/** WRITE_SQL.insertTriggerInstance's parameters, in order. */
function triggerInstanceParams(row: PendingTriggerInstance): unknown[] {
  return [row.id, row.trigger, row.status, row.occurrence_time, row.dedupe_key, row.doc];
}

function dedupeKeyOf(rec: ExecutionRecord): string | null {
  const key = rec.context?.dedupe_key;
  return typeof key === 'string' && key !== '' ? key : null;
}

/**
 * The embedded Store: one SQLite file (`<dataDir>/squall.db`), WAL with synchronous=NORMAL (a commit is
 * durable against a process crash; an OS crash may lose the last few ms, never corrupt the file).
 * Statements are prepared once; list queries are prepared per query shape and cached.
 */
export class SqliteStore implements Store {
  readonly db: Db;
  readonly #stmts: Record<string, Stmt>;
  readonly #shapes = new Map<string, Stmt>();
  readonly #groupCommit: boolean;
  #batchOpen = false;
  #durableWaiters: Array<() => void> = [];
  readonly #workflowLog: SqliteWorkflowLog;
  readonly checkpointer?: WalCheckpointer;
  readonly #apiKeys = new Map<string, ApiKeyRecord>();
  /**
   * Write-behind inside the group-commit batch: an execution or trigger instance inserted in the open batch is
   * kept here (its SQL parameters, serialised at the call) and inserted at the end of the turn with whatever
   * status it reached by then. A webhook's execution is inserted running and finished (noop) in the same turn,
   * its trigger instance inserted pending and marked processed: one INSERT each instead of INSERT + UPDATE.
   * Any read that is not answered from here first writes these rows into the open transaction (#materialize).
   */
  readonly #pendingExecutions = new Map<string, Record<string, unknown>>();
  readonly #pendingExecutionDedupe = new Map<string, string>();
  readonly #pendingTriggerInstances = new Map<string, PendingTriggerInstance>();
  readonly #pendingTriggerDedupe = new Set<string>();
  /** Depth of transaction() calls: inside one, writes go straight to SQLite so a rollback covers them. */
  #txDepth = 0;
  /** Writer-thread mode (see SqliteStoreOptions.writerThread): the thread, and this turn's other statements. */
  readonly #writer?: SqliteWriter;
  readonly #onWriteError?: (message: string) => void;
  readonly #onFatal?: (error: Error) => void;
  /** Set once writes were lost (see SqliteStoreOptions.onFatal). */
  #failed?: Error;
  #ops: unknown[] = [];
  /** Executions inserted before this batch and updated in it: their full row, written as one UPDATE. */
  readonly #pendingUpdates = new Map<string, Record<string, unknown>>();
  /** Rows written by batches posted to the writer and not yet committed (the newest copy, and its batch). */
  readonly #flightExecutions = new Map<string, { params: Record<string, unknown>; seq: number }>();
  readonly #flightExecutionDedupe = new Map<string, number>();
  /** Trigger instances and their dedupe keys with a write not yet committed (0: in this turn's batch). */
  readonly #dirtyTriggerInstances = new Map<string, number>();
  readonly #dirtyTriggerDedupe = new Map<string, number>();
  /** Per posted batch, the keys its ack releases from the maps above. */
  readonly #posted = new Map<
    number,
    { executions: string[]; dedupe: string[]; triggerInstances: string[]; triggerDedupe: string[] }
  >();
  #durableAt: Array<{ seq: number; resolve: () => void; reject: (error: Error) => void }> = [];
  #reading = false;

  constructor(options: SqliteStoreOptions) {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.#groupCommit = options.groupCommit ?? false;
    this.db = new Database(options.filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = OFF');
    // The WAL file is truncated back to this size after it has been fully checkpointed.
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.#migrate();
    // The workflow log creates its table first: #prepare prepares the append to it.
    this.#workflowLog = new SqliteWorkflowLog(this.db);
    this.#stmts = this.#prepare();
    if (options.writerThread && this.#groupCommit && options.filename !== ':memory:') {
      // Commits on the writer thread only append to the WAL; a checkpoint thread copies pages into the file every
      // few ms alongside them and tells the writer how long the WAL is, and the writer starts it over between
      // batches when it grows (sqlite-writer-worker.mjs). Checkpoints inside the commits held up the webhooks that
      // waited for them (the bench's p99). The main connection, which writes rarely, never checkpoints.
      this.db.pragma('wal_autocheckpoint = 0');
      // [0] the WAL's length (the checkpoint thread writes it), [1] 1 once that thread is gone (see SqliteWriter).
      const walState = new Int32Array(new SharedArrayBuffer(8));
      this.checkpointer = new WalCheckpointer({
        filename: options.filename,
        intervalMs: options.checkpointIntervalMs ?? WRITER_MODE_CHECKPOINT_MS,
        restartFrames: Number.POSITIVE_INFINITY,
        walFrames: walState,
        onError: options.onCheckpointError,
        onExit: () => {
          Atomics.store(walState, 1, 1);
          options.onCheckpointError?.(
            'the checkpoint thread exited; the writer thread checkpoints in its commits again',
          );
        },
      });
      this.#onWriteError = options.onWriteError;
      this.#onFatal = options.onFatal;
      this.#writer = new SqliteWriter({
        filename: options.filename,
        statements: WRITE_SQL,
        walState,
        onAck: (ack) => this.#acked(ack),
        onError: options.onWriteError,
        onExit: () => this.#fail(new Error('SQLite writer thread exited with writes not committed')),
      });
    } else if (options.backgroundCheckpoint && options.filename !== ':memory:') {
      this.checkpointer = new WalCheckpointer({
        filename: options.filename,
        intervalMs: options.checkpointIntervalMs,
        restartFrames: options.checkpointRestartFrames,
        onError: options.onCheckpointError,
        onExit: () => {
          // SQLite's automatic checkpoints again: slower commits, but a WAL that stays bounded.
          if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
          options.onCheckpointError?.(
            'the checkpoint thread exited; commits checkpoint as SQLite does by default again',
          );
        },
      });
      this.db.pragma('wal_autocheckpoint = 0');
    }
  }

  /** The writer thread in writer-thread mode (tests end it to see what a crashed thread does). */
  get writerThread(): SqliteWriter | undefined {
    return this.#writer;
  }

  get orderedCommits(): boolean {
    return this.#writer !== undefined;
  }

  startCommit(): void {
    if (this.#writer && this.#batchOpen && this.#txDepth === 0) this.#post();
  }

  /** True in writer-thread mode outside transaction(): hot-path writes go to this turn's batch for the writer. */
  #queued(): boolean {
    if (!this.#writer || this.#txDepth > 0) return false;
    this.#batch();
    return true;
  }

  /** A hot-path write: into this turn's batch for the writer thread, else on this connection (group-committed). */
  #write(key: WriteKey, params: unknown[]): void {
    if (this.#queued()) {
      this.#ops.push(key, params);
      return;
    }
    this.#batch();
    this.#stmts[key]!.run(...params);
  }

  /** Writer-thread mode: hands this turn's batch to the writer thread (asynchronously; see whenDurable). */
  #post(): void {
    const writer = this.#writer!;
    this.#batchOpen = false;
    if (this.#failed) throw this.#failed;
    // The turn's read snapshot ends first: held while the writer begins, it keeps the WAL from starting over.
    this.#endRead();
    const ops: unknown[] = [];
    const released = {
      executions: [] as string[],
      dedupe: [] as string[],
      triggerInstances: [] as string[],
      triggerDedupe: [] as string[],
    };
    const seq = writer.posted + 1;
    for (const row of this.#pendingTriggerInstances.values())
      ops.push('insertTriggerInstance', triggerInstanceParams(row));
    this.#pendingTriggerInstances.clear();
    this.#pendingTriggerDedupe.clear();
    for (const [id, params] of this.#pendingExecutions) {
      ops.push('insertExecution', params);
      this.#flightExecutions.set(id, { params, seq });
      released.executions.push(id);
      const dedupe = params.dedupe_key as string | null;
      if (dedupe !== null) {
        this.#flightExecutionDedupe.set(dedupe, seq);
        released.dedupe.push(dedupe);
      }
    }
    this.#pendingExecutions.clear();
    this.#pendingExecutionDedupe.clear();
    for (const [id, params] of this.#pendingUpdates) {
      ops.push('updateExecution', params);
      this.#flightExecutions.set(id, { params, seq });
      released.executions.push(id);
    }
    this.#pendingUpdates.clear();
    for (const [id, at] of this.#dirtyTriggerInstances) {
      if (at !== 0) continue;
      this.#dirtyTriggerInstances.set(id, seq);
      released.triggerInstances.push(id);
    }
    for (const [key, at] of this.#dirtyTriggerDedupe) {
      if (at !== 0) continue;
      this.#dirtyTriggerDedupe.set(key, seq);
      released.triggerDedupe.push(key);
    }
    for (const op of this.#ops) ops.push(op);
    this.#ops = [];
    if (ops.length === 0) {
      // Nothing to commit: whoever waited for this batch waits only for the ones before it.
      for (const w of this.#durableAt) if (w.seq > writer.posted) w.seq = writer.posted;
      this.#resolveDurable(writer.acked);
      return;
    }
    this.#posted.set(seq, released);
    writer.post(ops);
  }

  /** Writer-thread mode: a batch was committed (or not): release its rows from memory, wake its waiters. */
  #acked(ack: WriterAck): void {
    // Rows leave the maps below once committed: a read snapshot older than this commit must not outlive them.
    this.#endRead();
    const released = this.#posted.get(ack.seq);
    this.#posted.delete(ack.seq);
    if (released) {
      for (const id of released.executions)
        if (this.#flightExecutions.get(id)?.seq === ack.seq) this.#flightExecutions.delete(id);
      for (const key of released.dedupe)
        if (this.#flightExecutionDedupe.get(key) === ack.seq) this.#flightExecutionDedupe.delete(key);
      for (const id of released.triggerInstances)
        if (this.#dirtyTriggerInstances.get(id) === ack.seq) this.#dirtyTriggerInstances.delete(id);
      for (const key of released.triggerDedupe)
        if (this.#dirtyTriggerDedupe.get(key) === ack.seq) this.#dirtyTriggerDedupe.delete(key);
    }
    if (ack.lost) {
      // What the batch held must never be reported done.
      this.#fail(new Error(`SQLite commit failed, batch ${ack.seq} lost: ${ack.errors.join('; ')}`));
      return;
    }
    for (const error of ack.errors) this.#onWriteError?.(`writer thread, batch ${ack.seq}: ${error}`);
    this.#resolveDurable(ack.seq);
  }

  /** Writes were lost: reject every durability waiter, refuse later writes, report it (see onFatal). */
  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = error;
    this.#onWriteError?.(error.message);
    const waiters = this.#durableAt;
    this.#durableAt = [];
    for (const w of waiters) w.reject(error);
    if (this.#onFatal) this.#onFatal(error);
    else
      setImmediate(() => {
        throw error;
      });
  }

  #resolveDurable(through: number): void {
    if (this.#durableAt.length === 0) return;
    const due = this.#durableAt.filter((w) => w.seq <= through);
    if (due.length === 0) return;
    this.#durableAt = this.#durableAt.filter((w) => w.seq > through);
    for (const w of due) w.resolve();
  }

  /**
   * Writer-thread mode: posts this turn's batch and sleeps until the writer has committed everything, so this
   * connection sees every write and may write itself without contending for the lock. No-op when idle.
   */
  #sync(): void {
    const writer = this.#writer;
    if (!writer) return;
    if (this.#failed) throw this.#failed;
    this.#endRead();
    if (this.#batchOpen) this.#post();
    if (writer.acked < writer.posted) writer.waitFor(writer.posted);
  }

  /**
   * Writer-thread mode: the hot-path reads of one turn share a read transaction (one snapshot, one set of WAL
   * read locks) instead of one each. It ends with the turn, before any ack releases rows from the in-flight maps
   * and before this connection writes.
   */
  #read(): void {
    if (this.#reading || this.#txDepth > 0 || this.db.inTransaction) return;
    this.db.exec('BEGIN');
    this.#reading = true;
    setImmediate(() => this.#endRead());
  }

  #endRead(): void {
    if (!this.#reading) return;
    this.#reading = false;
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  /** The executions row as this process last wrote it, when that write may not be committed yet. */
  #unsettledExecution(id: string): Record<string, unknown> | undefined {
    return (
      this.#pendingExecutions.get(id) ??
      this.#pendingUpdates.get(id) ??
      this.#flightExecutions.get(id)?.params
    );
  }

  /** Opens `<dataDir>/squall.db`. */
  static open(dataDir: string, options: { groupCommit?: boolean } = {}): SqliteStore {
    return new SqliteStore({ filename: join(dataDir, 'squall.db'), ...options });
  }

  /** Opens the group-commit transaction if none is open (hot-path writes). */
  #batch(): void {
    if (this.#failed) throw this.#failed;
    if (!this.#groupCommit || this.#batchOpen) return;
    if (this.#writer) {
      if (this.#txDepth > 0) return;
      this.#batchOpen = true;
      setImmediate(() => {
        if (this.#batchOpen && !this.#failed) this.#post();
      });
      return;
    }
    if (this.db.inTransaction) return;
    this.#batchOpen = true;
    this.db.exec('BEGIN');
    setImmediate(() => this.flush());
  }

  /** True when a hot-path insert may wait for the end of the batch (see #pendingExecutions). */
  #deferrable(): boolean {
    this.#batch();
    return this.#batchOpen && this.#txDepth === 0;
  }

  /** Writes the deferred rows into the open transaction, in the order they were inserted. */
  #materialize(): void {
    if (this.#writer) {
      this.#sync();
      return;
    }
    if (this.#pendingTriggerInstances.size > 0) {
      for (const row of this.#pendingTriggerInstances.values()) this.#writeTriggerInstance(row);
      this.#pendingTriggerInstances.clear();
      this.#pendingTriggerDedupe.clear();
    }
    if (this.#pendingExecutions.size > 0) {
      for (const params of this.#pendingExecutions.values()) this.#stmts.insertExecution!.run(params);
      this.#pendingExecutions.clear();
      this.#pendingExecutionDedupe.clear();
    }
  }

  /** The error SQLite would have raised at INSERT time, raised at the call as before. */
  #duplicate(table: string, column: string): Error {
    const error = new Error(`UNIQUE constraint failed: ${table}.${column}`) as Error & { code: string };
    error.code = 'SQLITE_CONSTRAINT_UNIQUE';
    return error;
  }

  /** A write that must be durable when it returns: joins the open batch, then commits it. */
  #now<T>(fn: () => T): T {
    this.#sync();
    const r = fn();
    if (this.#batchOpen) this.flush();
    return r;
  }

  /** Commits the open group-commit batch (no-op without one). */
  flush(): void {
    if (this.#writer) {
      this.#sync();
      return;
    }
    if (!this.#batchOpen) return;
    this.#materialize();
    this.#batchOpen = false;
    if (this.db.inTransaction) this.db.exec('COMMIT');
    const waiters = this.#durableWaiters;
    this.#durableWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once every write made so far is committed. */
  whenDurable(): Promise<void> {
    const writer = this.#writer;
    if (writer) {
      if (this.#failed) return Promise.reject(this.#failed);
      const seq = this.#batchOpen ? writer.posted + 1 : writer.posted;
      if (seq <= writer.acked) return Promise.resolve();
      return new Promise((resolve, reject) => this.#durableAt.push({ seq, resolve, reject }));
    }
    if (!this.#batchOpen) return Promise.resolve();
    return new Promise((resolve) => this.#durableWaiters.push(resolve));
  }

  #migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined;
    const current = row ? Number(row.value) : 0;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `squall.db: schema_version ${current} is newer than this Squall understands (${SCHEMA_VERSION}); upgrade Squall`,
      );
    }
    const steps: Array<() => void> = [() => this.db.exec(SCHEMA_V1), () => this.db.exec(SCHEMA_V2)];
    this.db.transaction(() => {
      for (let v = current; v < SCHEMA_VERSION; v++) steps[v]!();
      this.db
        .prepare(
          "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .run(String(SCHEMA_VERSION));
    })();
  }

  #prepare(): Record<string, Stmt> {
    const p = (sql: string) => this.db.prepare(sql);
    return {
      insertExecution: p(WRITE_SQL.insertExecution),
      updateExecution: p(WRITE_SQL.updateExecution),
      updateExecutionCas: p(`${WRITE_SQL.updateExecution} AND status=@expected`),
      appendWorkflowTransition: p(WRITE_SQL.appendWorkflowTransition),
      getExecution: p(`SELECT ${EXEC_COLUMNS} FROM executions WHERE id = ?`),
      findExecutionByDedupe: p(`SELECT ${EXEC_COLUMNS} FROM executions WHERE dedupe_key = ?`),
      getExecutionLease: p('SELECT lease FROM executions WHERE id = ?'),
      executionExists: p('SELECT 1 FROM executions WHERE id = ?'),
      triggerInstanceExists: p('SELECT 1 FROM trigger_instances WHERE id = ?'),
      appendOutput: p(WRITE_SQL.appendOutput),
      listOutput: p(
        'SELECT execution_id, seq, stream, data, ts FROM output WHERE execution_id = ? AND seq > ? ORDER BY seq',
      ),
      insertTriggerInstance: p(WRITE_SQL.insertTriggerInstance),
      setTriggerInstanceStatus: p(WRITE_SQL.setTriggerInstanceStatus),
      getExecutionStatus: p('SELECT status FROM executions WHERE id = ?'),
      getTriggerInstance: p('SELECT status, doc FROM trigger_instances WHERE id = ?'),
      findTriggerInstanceByDedupe: p('SELECT status, doc FROM trigger_instances WHERE dedupe_key = ?'),
      insertRuleEnforcement: p(WRITE_SQL.insertRuleEnforcement),
      upsertInquiry: p(
        `INSERT INTO inquiries (id, status, created_at, doc) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, created_at = excluded.created_at, doc = excluded.doc`,
      ),
      getInquiry: p('SELECT doc FROM inquiries WHERE id = ?'),
      respondInquiry: p(
        "UPDATE inquiries SET status = 'succeeded', doc = ? WHERE id = ? AND status = 'pending'",
      ),
      saveWorkflowState: p(WRITE_SQL.saveWorkflowState),
      loadWorkflowState: p('SELECT state FROM workflow_state WHERE execution_id = ?'),
      insertApiKey: p('INSERT INTO api_keys (id, name, key_hash, doc) VALUES (?, ?, ?, ?)'),
      listApiKeys: p('SELECT doc FROM api_keys ORDER BY rowid'),
      findApiKeyByHash: p('SELECT doc FROM api_keys WHERE key_hash = ?'),
      deleteApiKey: p('DELETE FROM api_keys WHERE id = ? OR name = ?'),
      saveChatMessage: p(
        'INSERT INTO chat_messages (key, doc) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET doc = excluded.doc',
      ),
      getChatMessage: p('SELECT doc FROM chat_messages WHERE key = ?'),
      getMeta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  /**
   * Every column of an execution row (the UPDATE statement binds the ones it changes and ignores the rest). One
   * literal, not spreads of its mutable and fixed parts: merging spreads of this size made slow objects (~5 µs more
   * per noop execution, measured alone), and these rows are built, merged and posted to the writer thread on every
   * status write.
   */
  #execParams(rec: ExecutionRecord): Record<string, unknown> {
    return {
      id: rec.id,
      status: rec.status,
      end_ts: rec.end_timestamp ?? null,
      lease: rec.lease ?? null,
      not_before: rec.not_before ?? null,
      attempt: rec.attempt ?? null,
      parameters: JSON.stringify(rec.parameters ?? {}),
      context: JSON.stringify(rec.context ?? {}),
      result: json(rec.result),
      log: JSON.stringify(rec.log ?? []),
      runner_state: json(rec.runner_state),
      action: rec.action,
      runner: rec.runner,
      parent: rec.parent ?? null,
      start_ts: rec.start_timestamp,
      dedupe_key: dedupeKeyOf(rec),
    };
  }

  /** Writes the columns an update may change into a row not yet written (this store's own object), in place. */
  #updateRow(row: Record<string, unknown>, rec: ExecutionRecord): void {
    row.status = rec.status;
    row.end_ts = rec.end_timestamp ?? null;
    row.lease = rec.lease ?? null;
    row.not_before = rec.not_before ?? null;
    row.attempt = rec.attempt ?? null;
    row.parameters = JSON.stringify(rec.parameters ?? {});
    row.context = JSON.stringify(rec.context ?? {});
    row.result = json(rec.result);
    row.log = JSON.stringify(rec.log ?? []);
    row.runner_state = json(rec.runner_state);
  }

  // ---- executions

  insertExecution(record: ExecutionRecord): void {
    const params = this.#execParams(record);
    if (!this.#deferrable()) {
      this.#stmts.insertExecution!.run(params);
      return;
    }
    const id = record.id;
    const dedupe = params.dedupe_key as string | null;
    if (this.#writer) this.#read();
    if (
      this.#pendingExecutions.has(id) ||
      this.#flightExecutions.has(id) ||
      this.#stmts.executionExists!.get(id)
    )
      throw this.#duplicate('executions', 'id');
    if (
      dedupe !== null &&
      (this.#pendingExecutionDedupe.has(dedupe) ||
        this.#flightExecutionDedupe.has(dedupe) ||
        this.#stmts.findExecutionByDedupe!.get(dedupe))
    )
      throw this.#duplicate('executions', 'dedupe_key');
    this.#pendingExecutions.set(id, params);
    if (dedupe !== null) this.#pendingExecutionDedupe.set(dedupe, id);
  }

  updateExecution(record: ExecutionRecord, expectedStatus?: ExecutionStatus): boolean {
    if (this.#queued() && !this.#pendingExecutions.has(record.id)) {
      // This process is the only writer: the status to compare is the one it last wrote, else the committed one.
      let current = (this.#pendingUpdates.get(record.id) ?? this.#flightExecutions.get(record.id)?.params)
        ?.status;
      if (current === undefined) {
        this.#read();
        current = (this.#stmts.getExecutionStatus!.get(record.id) as { status: string } | undefined)?.status;
      }
      if (current === undefined) return false;
      if (expectedStatus !== undefined && current !== expectedStatus) return false;
      this.#pendingUpdates.set(record.id, this.#execParams(record));
      return true;
    }
    this.#batch();
    const pending = this.#pendingExecutions.get(record.id);
    if (pending && this.#txDepth === 0) {
      if (expectedStatus !== undefined && pending.status !== expectedStatus) return false;
      // Identity columns stay as inserted (as the UPDATE statement leaves them).
      this.#updateRow(pending, record);
      return true;
    }
    const params = this.#execParams(record);
    if (pending) this.#materialize();
    if (expectedStatus === undefined) return this.#stmts.updateExecution!.run(params).changes > 0;
    params.expected = expectedStatus;
    return this.#stmts.updateExecutionCas!.run(params).changes > 0;
  }

  getExecution(id: string): ExecutionRecord | undefined {
    if (this.#writer) {
      const unsettled = this.#unsettledExecution(id);
      if (unsettled) return rowToExecution(unsettled as unknown as ExecutionRow);
      this.#read();
    } else if (this.#pendingExecutions.has(id)) this.#materialize();
    const row = this.#stmts.getExecution!.get(id) as ExecutionRow | undefined;
    return row ? rowToExecution(row) : undefined;
  }

  getExecutionLease(id: string): string | null | undefined {
    const pending = this.#writer ? this.#unsettledExecution(id) : this.#pendingExecutions.get(id);
    if (pending) return pending.lease as string | null;
    if (this.#writer) this.#read();
    return (this.#stmts.getExecutionLease!.get(id) as { lease: string | null } | undefined)?.lease;
  }

  findExecutionByDedupeKey(key: string): ExecutionRecord | undefined {
    if (this.#writer) {
      const id = this.#pendingExecutionDedupe.get(key);
      if (id !== undefined) return this.getExecution(id);
      if (this.#flightExecutionDedupe.has(key)) this.#sync();
      else this.#read();
      const row = this.#stmts.findExecutionByDedupe!.get(key) as ExecutionRow | undefined;
      return row ? this.getExecution(row.id) : undefined;
    }
    // Joins the group-commit transaction: the lookup that precedes most inserts would otherwise be a read
    // transaction of its own (WAL read-lock fcntl calls), once per execution.
    this.#batch();
    if (this.#pendingExecutionDedupe.has(key)) this.#materialize();
    const row = this.#stmts.findExecutionByDedupe!.get(key) as ExecutionRow | undefined;
    return row ? rowToExecution(row) : undefined;
  }

  #where(query: ExecutionQuery): { where: string; args: unknown[]; shape: string } {
    const clauses: string[] = [];
    const args: unknown[] = [];
    let shape = '';
    for (const [field, term, letter] of EXECUTION_FILTERS) {
      const value = query[field];
      if (value === undefined) continue;
      clauses.push(term);
      args.push(value);
      shape += letter;
    }
    if (query.status !== undefined) {
      const statuses = Array.isArray(query.status) ? query.status : [query.status];
      if (statuses.length === 0) clauses.push('0');
      else clauses.push(`status IN (${statuses.map(() => '?').join(',')})`);
      args.push(...statuses);
      shape += `s${statuses.length}`;
    }
    return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', args, shape };
  }

  #shape(key: string, sql: string): Stmt {
    let stmt = this.#shapes.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.#shapes.set(key, stmt);
    }
    return stmt;
  }

  /**
   * `SELECT columns FROM table WHERE k = ? AND ...` for the filters that are set (undefined: not filtered),
   * newest first, at most `limit` rows; one prepared statement per table and filter combination. Table and
   * column names are constants of this file, never input; so is `constant`, an extra clause with literal values.
   */
  #listNewest<R>(
    table: string,
    columns: string,
    filters: Record<string, unknown>,
    limit: number | undefined,
    order = 'rowid DESC',
    constant?: string,
  ): R[] {
    const used = Object.entries(filters).filter(([, value]) => value !== undefined);
    const clauses = used.map(([column]) => `${column} = ?`);
    if (constant) clauses.push(constant);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const stmt = this.#shape(
      `${table}:${used.map(([column]) => column).join(',')}:${constant ?? ''}`,
      `SELECT ${columns} FROM ${table} ${where} ORDER BY ${order} LIMIT ?`,
    );
    return stmt.all(...used.map(([, value]) => value), limit ?? -1) as R[];
  }

  listExecutions(query: ExecutionQuery): ExecutionRecord[] {
    this.#materialize();
    const { where, args, shape } = this.#where(query);
    const order = query.order === 'asc' ? 'ASC' : 'DESC';
    const stmt = this.#shape(
      `list:${shape}:${order}`,
      `SELECT ${EXEC_COLUMNS} FROM executions ${where} ORDER BY rowid ${order} LIMIT ? OFFSET ?`,
    );
    const rows = stmt.all(...args, query.limit ?? -1, query.offset ?? 0) as ExecutionRow[];
    return rows.map(rowToExecution);
  }

  countExecutions(query: ExecutionQuery): number {
    this.#materialize();
    const { where, args, shape } = this.#where(query);
    const stmt = this.#shape(`count:${shape}`, `SELECT count(*) AS n FROM executions ${where}`);
    return (stmt.get(...args) as { n: number }).n;
  }

  appendOutput(chunk: OutputChunk): void {
    this.#write('appendOutput', [chunk.execution_id, chunk.seq, chunk.stream, chunk.data, chunk.timestamp]);
  }

  listOutput(executionId: string, afterSeq?: number): OutputChunk[] {
    this.#sync();
    const rows = this.#stmts.listOutput!.all(executionId, afterSeq ?? -1) as Array<{
      execution_id: string;
      seq: number;
      stream: OutputChunk['stream'];
      data: string;
      ts: string;
    }>;
    return rows.map((r) => ({
      execution_id: r.execution_id,
      seq: r.seq,
      stream: r.stream,
      data: r.data,
      timestamp: r.ts,
    }));
  }

  // ---- trigger instances

  insertTriggerInstance(instance: TriggerInstance): void {
    const row: PendingTriggerInstance = {
      id: instance.id,
      trigger: instance.trigger,
      status: instance.status,
      occurrence_time: instance.occurrence_time,
      dedupe_key: instance.dedupe_key ?? null,
      doc: JSON.stringify(instance),
    };
    if (!this.#deferrable()) {
      this.#writeTriggerInstance(row);
      return;
    }
    if (this.#writer) this.#read();
    if (
      this.#pendingTriggerInstances.has(row.id) ||
      this.#dirtyTriggerInstances.has(row.id) ||
      this.#stmts.triggerInstanceExists!.get(row.id)
    )
      throw this.#duplicate('trigger_instances', 'id');
    if (
      row.dedupe_key !== null &&
      (this.#pendingTriggerDedupe.has(row.dedupe_key) ||
        this.#dirtyTriggerDedupe.has(row.dedupe_key) ||
        this.#stmts.findTriggerInstanceByDedupe!.get(row.dedupe_key))
    )
      throw this.#duplicate('trigger_instances', 'dedupe_key');
    this.#pendingTriggerInstances.set(row.id, row);
    if (row.dedupe_key !== null) this.#pendingTriggerDedupe.add(row.dedupe_key);
    if (this.#writer) {
      this.#dirtyTriggerInstances.set(row.id, 0);
      if (row.dedupe_key !== null) this.#dirtyTriggerDedupe.set(row.dedupe_key, 0);
    }
  }

  #writeTriggerInstance(row: PendingTriggerInstance): void {
    this.#stmts.insertTriggerInstance!.run(...triggerInstanceParams(row));
  }

  setTriggerInstanceStatus(id: string, status: TriggerInstanceStatus): void {
    // The status column is authoritative; `doc` keeps the insert-time copy and is patched on read.
    this.#batch();
    const pending = this.#pendingTriggerInstances.get(id);
    if (pending && this.#txDepth === 0) {
      pending.status = status;
      return;
    }
    if (this.#queued()) {
      this.#ops.push('setTriggerInstanceStatus', [status, id]);
      this.#dirtyTriggerInstances.set(id, 0);
      return;
    }
    if (pending) this.#materialize();
    this.#stmts.setTriggerInstanceStatus!.run(status, id);
  }

  #triggerInstance(row: { status: string; doc: string } | undefined): TriggerInstance | undefined {
    if (!row) return undefined;
    const ti = JSON.parse(row.doc) as TriggerInstance;
    ti.status = row.status as TriggerInstanceStatus;
    return ti;
  }

  getTriggerInstance(id: string): TriggerInstance | undefined {
    const pending = this.#pendingTriggerInstances.get(id);
    if (pending && this.#writer) return this.#triggerInstance(pending);
    if (pending || this.#dirtyTriggerInstances.has(id)) this.#materialize();
    else if (this.#writer) this.#read();
    return this.#triggerInstance(this.#stmts.getTriggerInstance!.get(id) as { status: string; doc: string });
  }

  findTriggerInstanceByDedupeKey(key: string): TriggerInstance | undefined {
    if (this.#pendingTriggerDedupe.has(key) || this.#dirtyTriggerDedupe.has(key)) this.#materialize();
    else if (this.#writer) this.#read();
    return this.#triggerInstance(
      this.#stmts.findTriggerInstanceByDedupe!.get(key) as { status: string; doc: string },
    );
  }

  listTriggerInstances(query: {
    trigger?: string;
    status?: TriggerInstanceStatus;
    limit?: number;
  }): TriggerInstance[] {
    this.#materialize();
    // SQLite uses a partial index only when the query repeats the index's WHERE term: for an open status it is
    // added, so `status = 'pending'` (crash recovery, the API) is an index search, not a scan.
    const open = query.status !== undefined && OPEN_TRIGGER_STATUSES.has(query.status);
    const rows = this.#listNewest<{ status: string; doc: string }>(
      'trigger_instances',
      'status, doc',
      { trigger: query.trigger, status: query.status },
      query.limit,
      undefined,
      open ? OPEN_TRIGGER_STATUSES_TERM : undefined,
    );
    return rows.map((r) => this.#triggerInstance(r)!);
  }

  // ---- rule enforcements

  insertRuleEnforcement(enforcement: RuleEnforcement): void {
    this.#write('insertRuleEnforcement', [
      enforcement.id,
      enforcement.rule.ref,
      enforcement.trigger_instance_id,
      enforcement.enforced_at,
      JSON.stringify(enforcement),
    ]);
  }

  listRuleEnforcements(query: {
    rule?: string;
    trigger_instance_id?: string;
    limit?: number;
  }): RuleEnforcement[] {
    this.#sync();
    const rows = this.#listNewest<{ doc: string }>(
      'rule_enforcements',
      'doc',
      { rule: query.rule, trigger_instance_id: query.trigger_instance_id },
      query.limit,
    );
    return rows.map((r) => JSON.parse(r.doc));
  }

  // ---- inquiries

  upsertInquiry(inquiry: InquiryRecord): void {
    this.#now(() =>
      this.#stmts.upsertInquiry!.run(inquiry.id, inquiry.status, inquiry.created_at, JSON.stringify(inquiry)),
    );
  }

  respondInquiry(id: string, response: Record<string, unknown>, respondedBy: string): boolean {
    return this.#now(() =>
      this.transaction(() => {
        const current = this.getInquiry(id);
        if (current?.status !== 'pending') return false;
        const next: InquiryRecord = { ...current, status: 'succeeded', response, responded_by: respondedBy };
        return this.#stmts.respondInquiry!.run(JSON.stringify(next), id).changes > 0;
      }),
    );
  }

  getInquiry(id: string): InquiryRecord | undefined {
    return parseJson<InquiryRecord>(
      (this.#stmts.getInquiry!.get(id) as { doc: string } | undefined)?.doc ?? null,
    );
  }

  listInquiries(query: { status?: string; limit?: number }): InquiryRecord[] {
    const rows = this.#listNewest<{ doc: string }>(
      'inquiries',
      'doc',
      { status: query.status },
      query.limit,
      'created_at DESC, rowid DESC',
    );
    return rows.map((r) => JSON.parse(r.doc));
  }

  // ---- workflow state

  saveWorkflowState(executionId: string, state: unknown): void {
    this.#write('saveWorkflowState', [executionId, JSON.stringify(state ?? null)]);
  }

  loadWorkflowState(executionId: string): unknown | undefined {
    this.#sync();
    const row = this.#stmts.loadWorkflowState!.get(executionId) as { state: string } | undefined;
    return row ? JSON.parse(row.state) : undefined;
  }

  appendWorkflowTransition(executionId: string, seq: number, entry: string): void {
    this.#write('appendWorkflowTransition', [executionId, seq, entry]);
  }

  listWorkflowTransitions(executionId: string, afterSeq: number): WorkflowTransition[] {
    this.#sync();
    return this.#workflowLog.list(executionId, afterSeq);
  }

  saveWorkflowSnapshot(executionId: string, state: string, throughSeq: number): void {
    this.transaction(() => this.#workflowLog.snapshot(executionId, state, throughSeq));
  }

  // ---- api keys

  insertApiKey(key: ApiKeyRecord): void {
    this.#now(() =>
      this.#stmts.insertApiKey!.run(key.id, key.name ?? null, key.key_hash, JSON.stringify(key)),
    );
  }

  listApiKeys(): ApiKeyRecord[] {
    return (this.#stmts.listApiKeys!.all() as Array<{ doc: string }>).map((r) => JSON.parse(r.doc));
  }

  /**
   * Every authenticated webhook looks its key up: known keys are kept in memory (this process is the only writer
   * while the server runs; a delete clears the cache). Unknown keys always go to the database, so random keys
   * sent by a scanner cannot grow the cache.
   */
  findApiKeyByHash(hash: string): ApiKeyRecord | undefined {
    const cached = this.#apiKeys.get(hash);
    if (cached) return { ...cached };
    const record = parseJson<ApiKeyRecord>(
      (this.#stmts.findApiKeyByHash!.get(hash) as { doc: string } | undefined)?.doc ?? null,
    );
    if (record) {
      if (this.#apiKeys.size >= 10_000) this.#apiKeys.clear();
      this.#apiKeys.set(hash, record);
      return { ...record };
    }
    return undefined;
  }

  deleteApiKey(idOrName: string): boolean {
    this.#apiKeys.clear();
    return this.#now(() => this.#stmts.deleteApiKey!.run(idOrName, idOrName).changes > 0);
  }

  // ---- chat messages

  saveChatMessage(ref: ChatMessageRef): void {
    this.#now(() => this.#stmts.saveChatMessage!.run(ref.key, JSON.stringify(ref)));
  }

  getChatMessage(key: string): ChatMessageRef | undefined {
    return parseJson<ChatMessageRef>(
      (this.#stmts.getChatMessage!.get(key) as { doc: string } | undefined)?.doc ?? null,
    );
  }

  // ---- meta

  getMeta(key: string): string | undefined {
    return (this.#stmts.getMeta!.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#now(() => this.#stmts.setMeta!.run(key, value));
  }

  transaction<T>(fn: () => T): T {
    // Inside the group-commit batch (or another transaction) this is a savepoint (better-sqlite3 handles that).
    // With the writer thread it runs on this connection once the writer is idle (#materialize waits for it): no
    // batch can start before this returns.
    if (!this.#writer) this.#batch();
    this.#materialize();
    this.#txDepth++;
    try {
      return this.db.transaction(fn)();
    } finally {
      this.#txDepth--;
    }
  }

  prune(before: { executions?: string; triggerInstances?: string; output?: string }): {
    executions: number;
    triggerInstances: number;
    output: number;
  } {
    return this.transaction(() => {
      let executions = 0;
      let triggerInstances = 0;
      let output = 0;
      if (before.executions) {
        // Only completed executions are removed: a long-running or pending one is live state.
        const completed = COMPLETED_STATUSES.map(() => '?').join(',');
        const cond = `start_ts < ? AND status IN (${completed})`;
        const args = [before.executions, ...COMPLETED_STATUSES];
        output += this.db
          .prepare(`DELETE FROM output WHERE execution_id IN (SELECT id FROM executions WHERE ${cond})`)
          .run(...args).changes;
        this.db
          .prepare(
            `DELETE FROM workflow_state WHERE execution_id IN (SELECT id FROM executions WHERE ${cond})`,
          )
          .run(...args);
        this.#workflowLog.deleteExecutions(`SELECT id FROM executions WHERE ${cond}`, args);
        executions = this.db.prepare(`DELETE FROM executions WHERE ${cond}`).run(...args).changes;
      }
      if (before.output) {
        output += this.db.prepare('DELETE FROM output WHERE ts < ?').run(before.output).changes;
      }
      if (before.triggerInstances) {
        triggerInstances = this.db
          .prepare('DELETE FROM trigger_instances WHERE occurrence_time < ?')
          .run(before.triggerInstances).changes;
        this.db.prepare('DELETE FROM rule_enforcements WHERE enforced_at < ?').run(before.triggerInstances);
      }
      return { executions, triggerInstances, output };
    });
  }

  /**
   * Closes once the checkpoint worker has closed its connection, so nothing touches the files afterwards (a caller
   * may delete the data dir right away). The engine closes this way.
   */
  async closeAsync(): Promise<void> {
    if (!this.db.open) return;
    if (!this.#failed) this.flush();
    await this.#writer?.stop();
    await this.checkpointer?.stop();
    this.close();
  }

  close(): void {
    if (!this.db.open) return;
    if (!this.#failed) this.flush();
    this.#writer?.stopSync();
    // Nothing touches the files once this returns: the checkpoint thread's connection is closed too.
    this.checkpointer?.stopSync();
    this.db.close();
  }
}
