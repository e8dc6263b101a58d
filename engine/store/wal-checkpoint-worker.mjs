// @ts-check
/**
 * Checkpoints a SQLite WAL from a worker thread, so commits never pay for copying WAL pages into the database file
 * (and the fsync that goes with it): inside commits that was about half of their cost on the webhook path, and the
 * commits that ran one held up everything waiting for them. Plain JavaScript so the worker needs no TypeScript loader.
 *
 * PASSIVE checkpoints never take the writer lock, so they run alongside the commits; once a pass has copied
 * everything, the next write starts the WAL over from its beginning. Under sustained load a pass never catches the
 * writer between two commits, so the WAL is never started over and grows without bound (hundreds of MB in ten
 * seconds of the webhook bench). Two ways out, by mode:
 * - main-thread commits: past `restartFrames` this worker runs a RESTART checkpoint: writers wait while it copies the
 *   rest, and the next write starts the WAL over (truncated to the store's journal_size_limit);
 * - writer thread: PASSIVE passes only, every few ms, each publishing the WAL's length in `walFrames`; the writer
 *   thread runs the RESTART between its batches when that length grows (sqlite-writer-worker.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { checkpointBounded } from './wal-restart.mjs';

/** @type {{ filename: string, intervalMs: number, restartFrames: number, walFrames?: Int32Array, closed: Int32Array }} */
const { filename, intervalMs, restartFrames, walFrames, closed } = workerData;
const db = new Database(filename);
const BUSY_TIMEOUT_MS = 5000;
db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);

/** The longest pause between passes while the WAL is idle (nothing written since the last pass). */
const IDLE_INTERVAL_MS = 500;
let lastLog = -1;
let pause = intervalMs;

/**
 * One pass; its report goes to the owner only when asked for (`checkpointNow`): passes may run every few ms.
 * Returns whether the WAL had grown since the last pass.
 */
function checkpoint(report = false) {
  try {
    const result = checkpointBounded(db, restartFrames, { busyTimeoutMs: BUSY_TIMEOUT_MS });
    // -1: another connection was checkpointing (the writer thread's RESTART); it publishes its own figure.
    if (walFrames && result.log >= 0) Atomics.store(walFrames, 0, result.log);
    if (report) parentPort?.postMessage({ type: 'checkpoint', ...result });
    const grown = result.log !== lastLog;
    lastLog = result.log;
    return grown;
  } catch (error) {
    parentPort?.postMessage({
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    });
    return true;
  }
}

/** @type {ReturnType<typeof setTimeout>} */
let timer;
/**
 * A pass every `intervalMs` while writes come in, backing off to IDLE_INTERVAL_MS on an idle WAL: an idle server's
 * checkpoint thread cost ~1% of a core at a pass every 10 ms.
 */
function schedule() {
  timer = setTimeout(() => {
    pause = checkpoint() ? intervalMs : Math.max(intervalMs, Math.min(IDLE_INTERVAL_MS, pause * 2));
    schedule();
  }, pause);
}
schedule();
parentPort?.on('message', (message) => {
  if (message === 'checkpoint') checkpoint(true);
  if (message === 'stop') {
    clearTimeout(timer);
    db.close();
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    parentPort?.close();
  }
});
