/**
 * Engine side of the process spawner (spawner-child.mjs, whose header says why it exists): a small Node process,
 * forked on first use, that does the fork/exec of local shell actions so the engine's event loop only exchanges
 * IPC messages.
 *
 * - The outcome is the in-process path's (process.ts): same capture (the spawner sends raw bytes up to the cap,
 *   decoding stays in CappedCapture), same abort rules. The engine signals process groups itself with
 *   `process.kill(-pid)` once it knows the pid, so a stuck or dead spawner cannot keep an action alive.
 * - Neither the child nor its channel keeps the engine (or a CLI) alive, except while runs are in flight.
 * - The spawner dies: in-flight runs fail at once with "process spawner exited unexpectedly", their process
 *   groups are killed, the next run forks a fresh spawner.
 * - The spawner cannot start: runs go to `fallback` (in-process spawn) and `fallbackReason` says why; a start is
 *   tried again `retryAfterMs` later. runProcess has no logger, so nothing is logged here: the engine can read
 *   `fallbackReason` (process.ts exports its spawner as `localSpawner`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXECUTION_ID_ENV, killOrphanedProcessGroups } from '../../executions/orphans.ts';
import { CappedCapture } from '../output-capture.ts';
import { abortKind } from '../runner-support.ts';
import {
  DEFAULT_KILL_GRACE_MS,
  killGroup,
  type ProcessOutcome,
  type ProcessSpec,
  STREAM_DRAIN_MS,
  terminateGroup,
} from './process-spec.ts';

const CHILD_SCRIPT = fileURLToPath(new URL('./spawner-child.mjs', import.meta.url));

/** Error code of runs whose spawner died under them. */
export const SPAWNER_EXITED = 'ERR_SPAWNER_EXITED';

/** A spawn error as it crosses the channel (the fields callers match on: code, errno, syscall, path). */
interface WireError {
  name: string;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  spawnargs?: string[];
}

interface SpawnRequest {
  t: 'spawn';
  id: number;
  file: string;
  args: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  stdin?: string;
  cap: number;
}

type SpawnerMessage =
  | { t: 'ready' }
  | { t: 'pid'; id: number; pid: number }
  | { t: 'out'; id: number; s: 0 | 1; d: Buffer }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { t: 'error'; id: number; error: WireError }
  | { t: 'done'; id: number; skipped: [number, number]; error?: WireError };

interface Run {
  id: number;
  spec: ProcessSpec;
  stdout: CappedCapture;
  stderr: CappedCapture;
  pid?: number;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  aborted?: 'timeout' | 'canceled';
  spawnError?: Error;
  killTimer?: NodeJS.Timeout;
  onAbort(): void;
  resolve(outcome: ProcessOutcome): void;
}

/** One spawner process and the runs handed to it. */
interface Connection {
  child: ChildProcess;
  ready: boolean;
  /** Runs that arrived before 'ready'. */
  waiting: Run[];
  /** Runs sent to the spawner, by id. */
  runs: Map<number, Run>;
  refd: boolean;
  disconnected: boolean;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  lost: boolean;
  startTimer?: NodeJS.Timeout;
}

export interface SpawnerOptions {
  /** Runs the spec in this process: used while the spawner cannot start, and for already aborted specs. */
  fallback(spec: ProcessSpec): Promise<ProcessOutcome>;
  /** The spawner script (tests point it at one that fails). */
  script?: string;
  /** A spawner not ready after this long counts as failed to start (default 10 s). */
  startTimeoutMs?: number;
  /** After a failed start, runs go in-process this long before a start is tried again (default 30 s). */
  retryAfterMs?: number;
}

function fromWire(wire: WireError): Error {
  const error: NodeJS.ErrnoException & { spawnargs?: string[] } = new Error(wire.message);
  if (wire.name !== 'Error') error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  if (wire.errno !== undefined) error.errno = wire.errno;
  if (wire.syscall !== undefined) error.syscall = wire.syscall;
  if (wire.path !== undefined) error.path = wire.path;
  if (wire.spawnargs !== undefined) error.spawnargs = wire.spawnargs;
  return error;
}

/** The engine's environment minus NODE_OPTIONS, which may load tsx or a profiler into the spawner. */
function spawnerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

export class Spawner {
  readonly #options: SpawnerOptions;
  #conn?: Connection;
  #nextId = 1;
  #retryAt = 0;
  /** Why the last start failed while runs go in-process; cleared once a spawner is ready again. */
  fallbackReason: string | undefined;
  /** Spawner processes forked so far. */
  starts = 0;

  constructor(options: SpawnerOptions) {
    this.#options = options;
  }

  /** Runs handed to this spawner and not finished yet. */
  get inFlight(): number {
    const conn = this.#conn;
    return conn ? conn.runs.size + conn.waiting.length : 0;
  }

  /** The running spawner's pid, once it is ready. */
  get pid(): number | undefined {
    const conn = this.#conn;
    return conn?.ready ? conn.child.pid : undefined;
  }

  run(spec: ProcessSpec): Promise<ProcessOutcome> {
    if (spec.signal.aborted || Date.now() < this.#retryAt) return this.#options.fallback(spec);
    let conn = this.#conn;
    if (!conn) {
      try {
        conn = this.#start();
      } catch (error) {
        this.#unavailable(`could not fork: ${(error as Error).message}`);
        return this.#options.fallback(spec);
      }
    }
    const ready = conn;
    return new Promise<ProcessOutcome>((resolve) => {
      const run = this.#newRun(spec, resolve);
      if (ready.ready) this.#send(ready, run);
      else ready.waiting.push(run);
      this.#updateRef(ready);
    });
  }

  #newRun(spec: ProcessSpec, resolve: (outcome: ProcessOutcome) => void): Run {
    const grace = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    const run: Run = {
      id: this.#nextId++,
      spec,
      stdout: new CappedCapture(spec.outputCapBytes, (t) => spec.onOutput('stdout', t)),
      stderr: new CappedCapture(spec.outputCapBytes, (t) => spec.onOutput('stderr', t)),
      exitCode: null,
      exitSignal: null,
      resolve,
      onAbort: () => {
        // Before the pid is known this is a no-op; the 'pid' message calls it again.
        const pid = run.pid;
        if (run.aborted || pid === undefined) return;
        run.aborted = abortKind(spec.signal);
        run.killTimer = terminateGroup(pid, grace);
      },
    };
    return run;
  }

  #start(): Connection {
    const child = fork(this.#options.script ?? CHILD_SCRIPT, [String(STREAM_DRAIN_MS)], {
      // Not the engine's execArgv (tsx loader, --cpu-prof...): the spawner must stay small and start fast.
      execArgv: [],
      env: spawnerEnv(),
      // Structured clone carries output chunks as Buffers (JSON would inflate them).
      serialization: 'advanced',
      // stderr inherited so a crash of the spawner shows up in the engine's log stream.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.starts++;
    const conn: Connection = {
      child,
      ready: false,
      waiting: [],
      runs: new Map(),
      refd: false,
      disconnected: false,
      lost: false,
    };
    this.#conn = conn;
    child.unref();
    child.channel?.unref();
    const startTimeoutMs = this.#options.startTimeoutMs ?? 10_000;
    conn.startTimer = setTimeout(() => {
      this.#lost(conn, `not ready after ${startTimeoutMs} ms`);
      child.kill('SIGKILL');
    }, startTimeoutMs);
    conn.startTimer.unref();
    child.on('message', (message: SpawnerMessage) => this.#onMessage(conn, message));
    child.on('error', (error) => {
      // No pid: the fork itself failed. Otherwise a send on a closed channel; 'disconnect' handles that.
      if (child.pid === undefined) this.#lost(conn, `could not fork: ${error.message}`);
    });
    // Messages are all delivered before 'disconnect'; failing the runs waits for both it and 'exit' so no
    // late 'done' is lost and the message can say how the spawner ended.
    child.on('disconnect', () => {
      conn.disconnected = true;
      if (conn.exit) this.#lost(conn);
      else child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      conn.exit = { code, signal };
      if (conn.disconnected) this.#lost(conn);
    });
    return conn;
  }

  #send(conn: Connection, run: Run): void {
    const spec = run.spec;
    // Aborted while the spawner started: like the in-process path, nothing is spawned.
    if (spec.signal.aborted) {
      void this.#options.fallback(spec).then(run.resolve);
      return;
    }
    conn.runs.set(run.id, run);
    spec.signal.addEventListener('abort', run.onAbort, { once: true });
    const request: SpawnRequest = {
      t: 'spawn',
      id: run.id,
      file: spec.file,
      args: spec.args,
      cwd: spec.cwd,
      env: spec.env,
      stdin: spec.stdin,
      cap: spec.outputCapBytes,
    };
    try {
      conn.child.send(request);
    } catch (error) {
      // Not serialisable (the spec is strings, so this is a bug somewhere): fail this run only.
      run.spawnError = error as Error;
      this.#settle(conn, run);
    }
  }

  #onMessage(conn: Connection, message: SpawnerMessage): void {
    if (message.t === 'ready') {
      conn.ready = true;
      clearTimeout(conn.startTimer);
      this.fallbackReason = undefined;
      for (const run of conn.waiting.splice(0)) this.#send(conn, run);
      this.#updateRef(conn);
      return;
    }
    const run = conn.runs.get(message.id);
    if (!run) return;
    switch (message.t) {
      case 'pid':
        run.pid = message.pid;
        if (run.spec.signal.aborted) run.onAbort();
        break;
      case 'out':
        (message.s === 0 ? run.stdout : run.stderr).push(message.d);
        break;
      case 'exit':
        run.exitCode = message.code;
        run.exitSignal = message.signal;
        // The leader is gone; stragglers of the group get no further grace.
        if (run.aborted && run.pid !== undefined) killGroup(run.pid, 'SIGKILL');
        break;
      case 'error':
        run.spawnError = fromWire(message.error);
        break;
      case 'done':
        if (message.error) run.spawnError = fromWire(message.error);
        // Bytes past the cap were only counted by the spawner.
        run.stdout.bytesTotal += message.skipped[0];
        run.stderr.bytesTotal += message.skipped[1];
        this.#settle(conn, run);
        break;
    }
  }

  #settle(conn: Connection, run: Run): void {
    conn.runs.delete(run.id);
    run.spec.signal.removeEventListener('abort', run.onAbort);
    if (run.killTimer) clearTimeout(run.killTimer);
    run.resolve({
      pid: run.pid,
      exitCode: run.exitCode,
      exitSignal: run.exitSignal,
      aborted: run.aborted,
      spawnError: run.spawnError,
      stdout: run.stdout.finish(),
      stderr: run.stderr.finish(),
    });
    this.#updateRef(conn);
  }

  /** The spawner is gone (or never came up): fail or re-route its runs; the next run forks a new one. */
  #lost(conn: Connection, reason?: string): void {
    if (conn.lost) return;
    conn.lost = true;
    clearTimeout(conn.startTimer);
    if (this.#conn === conn) this.#conn = undefined;
    const how =
      reason ??
      (conn.exit?.signal ? `signal ${conn.exit.signal}` : `exit code ${conn.exit?.code ?? 'unknown'}`);
    if (!conn.ready) {
      // Nothing was sent yet: the waiting runs go in-process.
      this.#unavailable(`process spawner did not start (${how})`);
      for (const run of conn.waiting.splice(0)) void this.#options.fallback(run.spec).then(run.resolve);
      return;
    }
    for (const run of [...conn.runs.values()]) {
      if (run.pid !== undefined) killGroup(run.pid, 'SIGKILL');
      else {
        // Forked but its pid never reached us: find its group by the execution id in its environment.
        const executionId = run.spec.env[EXECUTION_ID_ENV];
        if (executionId) killOrphanedProcessGroups(new Set([executionId]));
      }
      const error: NodeJS.ErrnoException = new Error(
        run.pid !== undefined
          ? `process spawner exited unexpectedly (${how}) while the action ran; its process group was killed`
          : `process spawner exited unexpectedly (${how}) before the action's pid was known; any process it had started was killed`,
      );
      error.code = SPAWNER_EXITED;
      run.spawnError = error;
      this.#settle(conn, run);
    }
  }

  #unavailable(reason: string): void {
    this.fallbackReason = reason;
    this.#retryAt = Date.now() + (this.#options.retryAfterMs ?? 30_000);
  }

  /** The channel keeps the event loop alive only while runs are in flight. */
  #updateRef(conn: Connection): void {
    const busy = conn.runs.size + conn.waiting.length > 0;
    if (busy === conn.refd || conn.lost) return;
    conn.refd = busy;
    if (busy) conn.child.channel?.ref();
    else conn.child.channel?.unref();
  }
}
