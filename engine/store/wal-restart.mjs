// @ts-check
/**
 * WAL checkpoints that keep the WAL bounded (wal-checkpoint-worker.mjs runs checkpointBounded, the writer thread of
 * sqlite-writer-worker.mjs runs restartWal). A PASSIVE pass copies what it can without blocking anyone; but while
 * commits keep coming, or a reader holds an older snapshot, the WAL is never started over and grows without bound.
 * A RESTART makes writers wait while it copies the rest, and the next write starts the WAL over (truncated to the
 * connection's journal_size_limit).
 */

/**
 * @param {import('better-sqlite3').Database} db
 * @param {number} restartFrames
 * @param {{ waitMs?: number, busyTimeoutMs: number }} busy
 *   `waitMs`: how long the RESTART may wait for readers and writers (its connection's busy timeout otherwise);
 *   `busyTimeoutMs`: the connection's busy timeout, restored afterwards
 * @returns {{ busy: number, log: number, checkpointed: number, restarted: boolean }}
 */
export function checkpointBounded(db, restartFrames, busy) {
  /** @typedef {{ busy: number, log: number, checkpointed: number }} CheckpointRow (one row, always) */
  const [row] = /** @type {[CheckpointRow]} */ (db.pragma('wal_checkpoint(PASSIVE)'));
  if (row.log < restartFrames) return { ...row, restarted: false };
  return restartWal(db, busy);
}

/**
 * A RESTART checkpoint: copies what is left of the WAL, then waits for readers so that the next write starts the WAL
 * over (`restarted`). Writers wait behind it.
 * @param {import('better-sqlite3').Database} db
 * @param {{ waitMs?: number, busyTimeoutMs: number }} busy as for checkpointBounded
 * @returns {{ busy: number, log: number, checkpointed: number, restarted: boolean }}
 */
export function restartWal(db, busy) {
  /** @typedef {{ busy: number, log: number, checkpointed: number }} CheckpointRow (one row, always) */
  if (busy.waitMs !== undefined) db.pragma(`busy_timeout = ${busy.waitMs}`);
  try {
    const [row] = /** @type {[CheckpointRow]} */ (db.pragma('wal_checkpoint(RESTART)'));
    return { ...row, restarted: row.busy === 0 };
  } finally {
    if (busy.waitMs !== undefined) db.pragma(`busy_timeout = ${busy.busyTimeoutMs}`);
  }
}
