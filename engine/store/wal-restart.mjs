// @ts-check
/**
 * One WAL checkpoint that keeps the WAL bounded, shared by the two workers that checkpoint (sqlite-writer-worker.mjs,
 * wal-checkpoint-worker.mjs). A PASSIVE pass copies what it can without blocking anyone; but while commits keep
 * coming, or a reader holds an older snapshot, the WAL is never started over and grows without bound. Past
 * `restartFrames` the pass is followed by a RESTART: writers wait while it copies the rest, and the next write
 * starts the WAL over (truncated to the connection's journal_size_limit).
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
  let [row] = /** @type {[CheckpointRow]} */ (db.pragma('wal_checkpoint(PASSIVE)'));
  if (row.log < restartFrames) return { ...row, restarted: false };
  if (busy.waitMs !== undefined) db.pragma(`busy_timeout = ${busy.waitMs}`);
  try {
    [row] = /** @type {[CheckpointRow]} */ (db.pragma('wal_checkpoint(RESTART)'));
  } finally {
    if (busy.waitMs !== undefined) db.pragma(`busy_timeout = ${busy.busyTimeoutMs}`);
  }
  return { ...row, restarted: row.busy === 0 };
}
