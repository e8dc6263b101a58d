// @ts-check
/**
 * Checkpoints a SQLite WAL from a worker thread, so the main thread's commits never pay for copying WAL pages
 * into the database file (and the fsync that goes with it): with SQLite's automatic checkpoints that was about half
 * of the commit cost on the webhook path. Plain JavaScript so the worker needs no TypeScript loader.
 *
 * PASSIVE checkpoints never take the writer lock, so they run alongside the main thread's commits; once a pass
 * has copied everything, the next write starts the WAL over from its beginning.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ filename: string, intervalMs: number }} */
const { filename, intervalMs } = workerData;
const db = new Database(filename);
db.pragma('busy_timeout = 5000');

function checkpoint() {
  try {
    /** @type {Array<{busy: number, log: number, checkpointed: number}>} */
    const [row] = /** @type {any} */ (db.pragma('wal_checkpoint(PASSIVE)'));
    parentPort?.postMessage({ type: 'checkpoint', ...row });
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
