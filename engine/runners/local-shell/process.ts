/**
 * Runs one local process for the shell runners: argv array, no shell, own process group, live output, capped
 * capture, group kill on timeout/cancel.
 *
 * Why node:child_process and not execa: this is the hot path (webhook → `true` at hundreds of runs/s). Raw
 * `spawn` does ~550 spawns/s on the target machine, execa about half of that because of its per-call setup
 * (option normalisation, stream wrappers, promises per stream). We use no execa feature that raw spawn lacks:
 * argv is always an array and `shell` is never set, so there is no quoting to get wrong either way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { CappedCapture, type CapturedStream } from '../output-capture.ts';
import { abortKind } from '../runner-support.ts';

export interface ProcessSpec {
  file: string;
  args: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  /** Written to stdin, then stdin is closed (sudo -S password). Without it stdin is /dev/null. */
  stdin?: string;
  signal: AbortSignal;
  /** Per stream: bytes kept in the result and streamed live. */
  outputCapBytes: number;
  onOutput(stream: 'stdout' | 'stderr', text: string): void;
  /** Between SIGTERM and SIGKILL of the process group (default 2000 ms). */
  killGraceMs?: number;
  /** Opens an IPC channel (Node children) and hands the child over once spawned. */
  ipc?(child: ChildProcess): void;
}

/** Kept output of one stream (the same shape the remote runner reports per host). */
export type StreamCapture = CapturedStream;

export interface ProcessOutcome {
  pid?: number;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stdout: StreamCapture;
  stderr: StreamCapture;
  /** Set when the signal stopped the process. */
  aborted?: 'timeout' | 'canceled';
  /** Set when the process could not be started (ENOENT, EACCES, invalid argv...). */
  spawnError?: Error;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Streams still open this long after the main process exited belong to a background child: stop reading. */
const STREAM_DRAIN_MS = 200;

export function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const stdout = new CappedCapture(spec.outputCapBytes, (t) => spec.onOutput('stdout', t));
  const stderr = new CappedCapture(spec.outputCapBytes, (t) => spec.onOutput('stderr', t));
  const grace = spec.killGraceMs ?? 2000;

  return new Promise<ProcessOutcome>((resolve) => {
    const base = () => ({ stdout: stdout.finish(), stderr: stderr.finish() });
    if (spec.signal.aborted) {
      resolve({ exitCode: null, exitSignal: null, aborted: abortKind(spec.signal), ...base() });
      return;
    }

    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(spec.file, spec.args as string[], {
        cwd: spec.cwd,
        env: spec.env,
        // Own process group: a timeout/cancel kills the command and everything it started.
        detached: true,
        stdio: spec.ipc
          ? [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'ipc']
          : [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      resolve({ exitCode: null, exitSignal: null, spawnError: error as Error, ...base() });
      return;
    }

    const pid = child.pid;
    let aborted: 'timeout' | 'canceled' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let spawnError: Error | undefined;
    let settled = false;

    const onAbort = () => {
      if (aborted || pid === undefined) return;
      aborted = abortKind(spec.signal);
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
    };

    const settle = () => {
      if (settled) return;
      settled = true;
      spec.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (drainTimer) clearTimeout(drainTimer);
      resolve({ pid, exitCode, exitSignal, aborted, spawnError, ...base() });
    };

    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (child.stdin) {
      child.stdin.on('error', () => {}); // EPIPE when the process does not read stdin
      child.stdin.end(spec.stdin);
    }

    child.on('error', (error) => {
      spawnError = error;
      // 'close' follows 'error' when the process never started; settle there.
      if (pid === undefined) settle();
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      if (aborted && pid !== undefined) {
        // The leader is gone; stragglers of the group get no further grace.
        killGroup(pid, 'SIGKILL');
      }
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        settle();
      }, STREAM_DRAIN_MS);
    });
    child.on('close', settle);
    if (spec.ipc && pid !== undefined) spec.ipc(child);
    spec.signal.addEventListener('abort', onAbort, { once: true });
  });
}
