// @ts-check
/**
 * The SQLite writer thread: owns the write connection of a store in writer-thread mode (see sqlite-writer.ts).
 * Each message is one batch — the hot-path writes of one or more event-loop turns — run in one transaction.
 * Plain JavaScript so the worker needs no TypeScript loader.
 *
 * Batches that queued up while a commit ran are committed together: one commit (its WAL frames and locks) for
 * all of them, so a busy writer falls behind less, not more.
 *
 * Checkpoints are not this thread's work: copying WAL pages into the database file inside a COMMIT held up every
 * batch that waited for it (1% of commits took 3–9 ms, and the webhooks they answered with them: the bench's p99).
 * A checkpoint thread of its own (wal-checkpoint-worker.mjs) runs PASSIVE passes every few ms alongside the commits
 * and publishes the WAL's length in `walState[0]`. A PASSIVE pass never finds the WAL idle under sustained load, so
 * it never starts over; at most every CHECK_MS this thread looks at that length and, past RESTART_FRAMES, runs a
 * RESTART checkpoint — little is left to copy by then — waiting at most RESTART_WAIT_MS for readers (if they do not
 * let it finish, the next look tries again): the next commit starts the WAL over, truncated to the store's
 * journal_size_limit (wal-restart.mjs). Should the checkpoint thread die (`walState[1]` = 1), this thread's
 * commits checkpoint again as SQLite does by default, and its looks run a PASSIVE pass before any RESTART: slower
 * commits, but a WAL that stays bounded.
 *
 * A statement that fails (a constraint the main thread could not pre-check) is skipped and reported; the rest of
 * the batch still commits, as each statement did when it ran on its own. A failed COMMIT loses the batch: it is
 * reported as lost and the owner treats it as fatal.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { checkpointBounded, restartWal } from './wal-restart.mjs';

/**
 * @type {{ filename: string, statements: Record<string, string>, state: Int32Array, walState?: Int32Array,
 *   port: import('node:worker_threads').MessagePort }}
 */
const { filename, statements, state, walState, port } = workerData;
const BUSY_TIMEOUT_MS = 5000;
/** @type {import('better-sqlite3').Database | undefined} */
let connection;
/** Opened with the first batch: a store closed before it wrote anything never touches the file from here. */
function database() {
  if (connection) return connection;
  const db = new Database(filename);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = OFF');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  // The checkpoint thread copies pages; commits here only append to the WAL. (With none, SQLite's automatic
  // checkpoints stay on.)
  if (walState) db.pragma('wal_autocheckpoint = 0');
  connection = db;
  return db;
}

/** How often, at most, the WAL's length is looked at after a commit: each RESTART holds the next batch up. */
const CHECK_MS = 250;
/** WAL frames past which the worker runs a RESTART checkpoint (16 MB of 4 KiB pages). */
const RESTART_FRAMES = 4096;
/** How long a RESTART checkpoint may wait for readers: commits wait behind it. */
const RESTART_WAIT_MS = 100;
let lastCheck = Number.NEGATIVE_INFINITY;

/** True once the checkpoint thread is gone and this thread's commits checkpoint again. */
let checkpointingHere = false;

/** The RESTART's bounded wait for readers, then this connection's own busy timeout again. */
const RESTART_BUSY = { waitMs: RESTART_WAIT_MS, busyTimeoutMs: BUSY_TIMEOUT_MS };

/** After a commit: a WAL that the checkpoint thread's PASSIVE passes could not start over gets a RESTART. */
function bound() {
  if (!walState) return;
  const now = performance.now();
  if (now - lastCheck < CHECK_MS) return;
  if (Atomics.load(walState, 1) === 1) {
    if (!checkpointingHere) {
      checkpointingHere = true;
      database().pragma('wal_autocheckpoint = 1000');
    }
    lastCheck = now;
    checkpointBounded(database(), RESTART_FRAMES, RESTART_BUSY);
    return;
  }
  if (Atomics.load(walState, 0) < RESTART_FRAMES) return;
  lastCheck = now;
  const { restarted } = restartWal(database(), RESTART_BUSY);
  if (restarted) Atomics.store(walState, 0, 0);
}

/** @type {Map<string, import('better-sqlite3').Statement>} */
const prepared = new Map();
/** @param {string} key */
function statement(key) {
  let stmt = prepared.get(key);
  if (!stmt) {
    const sql = statements[key];
    if (sql === undefined) throw new Error(`unknown statement "${key}"`);
    stmt = database().prepare(sql);
    prepared.set(key, stmt);
  }
  return stmt;
}

/** @param {unknown} error */
function text(error) {
  return error instanceof Error ? error.message : String(error);
}

/** @typedef {{ seq: number, ops: unknown[] }} Batch */

/**
 * @param {Batch} batch
 * @returns {string[]} the statements that failed
 */
function run(batch) {
  /** @type {string[]} */
  const errors = [];
  const ops = batch.ops;
  for (let i = 0; i < ops.length; i += 2) {
    const key = /** @type {string} */ (ops[i]);
    const params = ops[i + 1];
    try {
      if (Array.isArray(params)) statement(key).run(...params);
      else statement(key).run(params);
    } catch (error) {
      errors.push(`${key}: ${text(error)}`);
    }
  }
  return errors;
}

/** @param {Batch[]} batches */
function commit(batches) {
  /** @type {string[][]} */
  const errors = [];
  let lost = '';
  /** @type {import('better-sqlite3').Database | undefined} */
  let db;
  try {
    db = database();
    db.exec('BEGIN IMMEDIATE');
    for (const batch of batches) errors.push(run(batch));
    db.exec('COMMIT');
  } catch (error) {
    lost = `commit: ${text(error)}`;
    try {
      if (db?.inTransaction) db.exec('ROLLBACK');
    } catch {
      // The connection is unusable; the owner stops on a lost batch anyway.
    }
  }
  // The answers go on the port before the counter moves: a main thread woken by the counter finds them there.
  for (let i = 0; i < batches.length; i++) {
    const batchErrors = errors[i] ?? [];
    if (lost) batchErrors.push(lost);
    port.postMessage({ seq: batches[i].seq, errors: batchErrors, lost: lost !== '' });
  }
  Atomics.store(state, 0, batches[batches.length - 1].seq);
  Atomics.notify(state, 0);
  if (!lost) {
    try {
      bound();
    } catch (error) {
      port.postMessage({ seq: 0, errors: [`checkpoint: ${text(error)}`], lost: false });
    }
  }
}

let stopping = false;
port.on('message', (message) => {
  /** @type {Batch[]} */
  const batches = [];
  for (let next = message; next !== undefined; next = receiveMessageOnPort(port)?.message) {
    if (next === 'stop') stopping = true;
    else batches.push(next);
  }
  if (batches.length > 0) commit(batches);
  if (stopping) {
    connection?.close();
    Atomics.store(state, 1, 1);
    Atomics.notify(state, 1);
    port.close();
  }
});
