/**
 * What runProcess takes and returns, shared by its two paths: in-process spawn (process.ts) and the process
 * spawner (spawner.ts). Kept apart so neither path imports the other.
 */
import type { ChildProcess } from 'node:child_process';
import type { CapturedStream } from '../output-capture.ts';

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
  /** Opens an IPC channel (Node children) and hands the child over once spawned. Always spawned in-process. */
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
  /** Set when the process could not be started (ENOENT, EACCES, invalid argv...) or its spawner died. */
  spawnError?: Error;
}

export const DEFAULT_KILL_GRACE_MS = 2000;

/** Streams still open this long after the main process exited belong to a background child: stop reading. */
export const STREAM_DRAIN_MS = 200;

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Abort of a run: SIGTERM to its process group now, SIGKILL after `graceMs` (the caller clears the timer on exit). */
export function terminateGroup(pid: number, graceMs: number): NodeJS.Timeout {
  killGroup(pid, 'SIGTERM');
  return setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
}
