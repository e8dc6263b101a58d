import { Worker } from 'node:worker_threads';
import { waitForFlag } from './wait-flag.ts';

export interface WalCheckpointerOptions {
  /** The database file (the worker opens its own connection to it). */
  filename: string;
  /** How often the worker checkpoints (ms). Longer means fewer copies of hot pages, a larger WAL. */
  intervalMs?: number;
  /**
   * WAL frames past which a checkpoint is a RESTART (writers wait for it; the WAL then starts over) rather than a
   * PASSIVE pass that a busy writer always outruns. Default 16,384 (64 MB of 4 KiB pages: the journal_size_limit).
   * `Infinity`: PASSIVE passes only (the writer thread starts the WAL over itself).
   */
  restartFrames?: number;
  /** Where each pass publishes the WAL's length in frames (shared with the writer thread, which acts on it). */
  walFrames?: Int32Array;
  /** Called when a checkpoint fails (logged by the owner); the next interval tries again. */
  onError?(message: string): void;
  /** Called once if the thread exits before `stop`: nothing checkpoints the WAL any more unless the owner does. */
  onExit?(): void;
}

export interface CheckpointReport {
  busy: number;
  log: number;
  checkpointed: number;
  /** True when this was a RESTART checkpoint that completed: the next write starts the WAL over. */
  restarted: boolean;
}

/**
 * Runs WAL checkpoints in a worker thread (see wal-checkpoint-worker.mjs for why). The owner turns SQLite's
 * automatic checkpoints off on its own connection (`wal_autocheckpoint = 0`) and stops this before closing.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #reports = new Set<(report: CheckpointReport) => void>();
  /** Set to 1 by the worker once its connection is closed (stopSync waits on it). */
  readonly #closed = new Int32Array(new SharedArrayBuffer(4));
  #exited = false;
  #stopping?: Promise<void>;

  constructor(options: WalCheckpointerOptions) {
    this.#worker = new Worker(new URL('./wal-checkpoint-worker.mjs', import.meta.url), {
      workerData: {
        filename: options.filename,
        intervalMs: options.intervalMs ?? 500,
        restartFrames: options.restartFrames ?? 16_384,
        walFrames: options.walFrames,
        closed: this.#closed,
      },
      // Never inherit the parent's loader or profiler flags: the worker is plain JavaScript.
      execArgv: [],
    });
    this.#worker.unref();
    this.#worker.on('message', (message: { type: string; message?: string } & CheckpointReport) => {
      if (message.type === 'error') options.onError?.(message.message ?? 'checkpoint failed');
      else for (const listener of this.#reports) listener(message);
    });
    this.#worker.on('error', (error) => options.onError?.(error.message));
    this.#worker.once('exit', () => {
      this.#exited = true;
      if (!this.#stopping) options.onExit?.();
    });
  }

  /** Ends the thread at once (what a crashed thread looks like; tests use it). */
  terminate(): Promise<number> {
    return this.#worker.terminate();
  }

  /** Asks for a checkpoint now; resolves with its report. */
  checkpointNow(): Promise<CheckpointReport> {
    return new Promise((resolve) => {
      const listener = (report: CheckpointReport) => {
        this.#reports.delete(listener);
        resolve(report);
      };
      this.#reports.add(listener);
      this.#worker.postMessage('checkpoint');
    });
  }

  /** Stops the worker and closes its connection; resolves once the thread has exited (at once if it has). */
  stop(): Promise<void> {
    this.#stopping ??= this.#exited ? Promise.resolve() : this.#stop();
    return this.#stopping;
  }

  /**
   * Stops the worker and blocks until its connection is closed (a pass in progress finishes first), so the caller
   * may delete the database files right away. The thread itself exits shortly after.
   */
  stopSync(): void {
    if (this.#exited) return;
    if (!this.#stopping) {
      this.#stopping = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
      this.#worker.postMessage('stop');
    }
    waitForFlag(this.#closed, 0);
  }

  get running(): boolean {
    return !this.#exited;
  }

  async #stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    // Someone waits for the exit: keep the process alive until it comes (the worker is unref'd otherwise).
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await exited;
  }
}
