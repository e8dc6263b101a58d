import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { waitForFlag } from './wait-flag.ts';

/** The writer thread's answer for one batch, delivered in batch order. */
export interface WriterAck {
  seq: number;
  /** Statements that failed (skipped; the rest of the batch committed). */
  errors: string[];
  /** True when the COMMIT itself failed: nothing of the batch was written. */
  lost: boolean;
}

export interface SqliteWriterOptions {
  /** The database file (the worker opens its own connection to it). */
  filename: string;
  /** The statements a batch may name, by key. */
  statements: Record<string, string>;
  /**
   * Shared with the store's checkpoint thread: [0] the WAL's length in frames as that thread last saw it — past a
   * limit the writer runs a RESTART checkpoint between batches so the WAL starts over; [1] set to 1 once that thread
   * is gone, and the writer's commits checkpoint again (see sqlite-writer-worker.mjs). Without it (no checkpoint
   * thread) the writer's commits checkpoint as SQLite does by default.
   */
  walState?: Int32Array;
  /** Called once per batch, in order, on this thread: from the event loop or inside `waitFor`. */
  onAck(ack: WriterAck): void;
  /** Called when the thread reports an error of its own (it could not load, a checkpoint failed). */
  onError?(message: string): void;
  /** Called once if the thread exits before `stop`: batches in flight will never be answered. */
  onExit?(): void;
}

/** Set to `1` to commit on the main thread as before the writer thread (an escape hatch; the server reads it). */
export const MAIN_THREAD_COMMITS_ENV = 'SQUALL_MAIN_THREAD_COMMITS';

/** How long a synchronous wait may last before the writer is declared stuck (a busy database waits 5 s). */
const WAIT_LIMIT_MS = 30_000;

/**
 * The main thread's side of the SQLite writer thread (sqlite-writer-worker.mjs): posts batches of statements,
 * learns when each is committed — asynchronously from the event loop, or synchronously by sleeping on a shared
 * counter the worker bumps after each commit, for callers that must not return before their writes are durable.
 * The port keeps the process alive only while batches are in flight.
 */
export class SqliteWriter {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  /** [0]: the last batch committed; [1]: 1 once the worker's connection is closed (stopSync waits on it). */
  readonly #state = new Int32Array(new SharedArrayBuffer(8));
  readonly #onAck: (ack: WriterAck) => void;
  readonly #onError?: (message: string) => void;
  #posted = 0;
  #acked = 0;
  #stopped = false;
  #exited = false;
  readonly #exit: Promise<void>;

  constructor(options: SqliteWriterOptions) {
    this.#onAck = options.onAck;
    this.#onError = options.onError;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(new URL('./sqlite-writer-worker.mjs', import.meta.url), {
      workerData: {
        filename: options.filename,
        statements: options.statements,
        state: this.#state,
        walState: options.walState,
        port: port2,
      },
      transferList: [port2],
      // Never inherit the parent's loader or profiler flags: the worker is plain JavaScript.
      execArgv: [],
    });
    this.#worker.unref();
    this.#worker.on('error', (error) => this.#onError?.(`SQLite writer thread failed: ${error.message}`));
    this.#exit = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        this.#exited = true;
        resolve();
        if (!this.#stopped) options.onExit?.();
      }),
    );
    this.#port.on('message', (ack: WriterAck) => this.#ack(ack));
    this.#port.unref();
  }

  /** Batches posted so far (the seq of the last one). */
  get posted(): number {
    return this.#posted;
  }

  /** Batches answered so far. */
  get acked(): number {
    return this.#acked;
  }

  /** Sends a batch (`[key, params, key, params, ...]`); returns its seq. */
  post(ops: unknown[]): number {
    if (this.#stopped) throw new Error('SQLite writer thread is stopped');
    const seq = ++this.#posted;
    if (seq - this.#acked === 1) this.#port.ref();
    this.#port.postMessage({ seq, ops });
    return seq;
  }

  /** Blocks this thread until batch `seq` has been answered. */
  waitFor(seq: number): void {
    let waited = 0;
    while (this.#acked < seq) {
      const received = receiveMessageOnPort(this.#port);
      if (received) {
        this.#ack(received.message as WriterAck);
        continue;
      }
      const committed = Atomics.load(this.#state, 0);
      // The worker posts its answer before bumping the counter: if the counter moved, the answer is queued.
      if (committed > this.#acked) continue;
      if (this.#exited) throw new Error('SQLite writer thread exited with batches in flight');
      if (Atomics.wait(this.#state, 0, committed, 1000) === 'timed-out') {
        waited += 1000;
        if (waited >= WAIT_LIMIT_MS)
          throw new Error(`SQLite writer thread has not committed batch ${seq} in ${WAIT_LIMIT_MS / 1000} s`);
      }
    }
  }

  #ack(ack: WriterAck): void {
    // seq 0: a report that belongs to no batch (a failed checkpoint).
    if (ack.seq === 0) {
      for (const error of ack.errors) this.#onError?.(`SQLite writer thread: ${error}`);
      return;
    }
    if (ack.seq <= this.#acked) return;
    this.#acked = ack.seq;
    if (this.#acked === this.#posted) this.#port.unref();
    this.#onAck(ack);
  }

  /** Ends the thread at once, batches in flight or not (what a crashed thread looks like; tests use it). */
  terminate(): Promise<number> {
    return this.#worker.terminate();
  }

  /**
   * Waits for every batch, then stops the worker and blocks until its connection is closed, so the caller may delete
   * the database files right away. The thread itself exits shortly after.
   */
  stopSync(): void {
    if (this.#stopped) return;
    if (!this.#exited) this.waitFor(this.#posted);
    this.#stopped = true;
    this.#port.postMessage('stop');
    if (!this.#exited) waitForFlag(this.#state, 1);
  }

  /** Waits for every batch and for the thread to exit (its connection closed). */
  async stop(): Promise<void> {
    this.stopSync();
    this.#worker.ref();
    await this.#exit;
    this.#port.close();
  }
}
