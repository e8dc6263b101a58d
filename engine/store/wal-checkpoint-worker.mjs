// @ts-check
/**
 * Checkpoints a SQLite WAL from a worker thread, so the main thread's commits never pay for copying WAL pages
 * into the database file (and the fsync that goes with it): with SQLite's automatic checkpoints that was about half
 * of the commit cost on the webhook path. Plain JavaScript so the worker needs no TypeScript loader.
 *
 * PASSIVE checkpoints never take the writer lock, so they run alongside the main thread's commits; once a pass
 * has copied everything, the next write starts the WAL over from its beginning. Under sustained load a pass never
 * catches the writer between two commits, so the WAL is never started over and grows without bound (hundreds of MB
 * in ten seconds of the webhook bench). Past `restartFrames` the worker runs a RESTART checkpoint: writers wait
 * while it copies the rest, and the next write starts the WAL over (truncated to the store's journal_size_limit).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { checkpointBounded } from './wal-restart.mjs';

/** @type {{ filename: string, intervalMs: number, restartFrames: number }} */
const { filename, intervalMs, restartFrames } = workerData;
const db = new Database(filename);
const BUSY_TIMEOUT_MS = 5000;
db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);

function checkpoint() {
  try {
    const report = checkpointBounded(db, restartFrames, { busyTimeoutMs: BUSY_TIMEOUT_MS });
    parentPort?.postMessage({ type: 'checkpoint', ...report });
  } catch (error) {
    parentPort?.postMessage({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort?.on('message', (message) => {
  if (message === 'checkpoint') checkpoint();
  if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  }
});
