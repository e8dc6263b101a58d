/**
 * Runs one local process for the shell runners: argv array, no shell, own process group, live output, capped
 * capture, group kill on timeout/cancel.
 *
 * Two paths with one contract (ProcessSpec → ProcessOutcome, process-spec.ts):
 * - the process spawner (spawner.ts, spawner-child.mjs): a small long-lived Node process does the fork/exec.
 *   fork() in the engine copies its page tables, which blocks the event loop ~2.5 ms per action at server RSS;
 *   the spawner's forks are cheap and the engine only exchanges IPC messages. Default for specs without `ipc`.
 * - in-process `spawn` (runInProcess below): specs with `ipc` (the javascript runner's Node children talk to the
 *   engine over their own channel), `SQUALL_INPROCESS_SPAWN=1` (escape hatch), and while the spawner cannot start.
 *
 * Why node:child_process and not execa: this is the hot path (webhook → `true` at hundreds of runs/s). Raw
 * `spawn` does ~550 spawns/s on the target machine, execa about half of that because of its per-call setup
 * (option normalisation, stream wrappers, promises per stream). We use no execa feature that raw spawn lacks:
 * argv is always an array and `shell` is never set, so there is no quoting to get wrong either way.
 */
import { spawn } from 'node:child_process';
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
import { Spawner } from './spawner.ts';

export type { ProcessOutcome, ProcessSpec, StreamCapture } from './process-spec.ts';

/** Set to 1 to spawn in the engine process as before the spawner (not a config key: an escape hatch). */
export const INPROCESS_SPAWN_ENV = 'SQUALL_INPROCESS_SPAWN';

/** The engine's process spawner, forked on first use; `fallbackReason` says when runs went in-process. */
export const localSpawner = new Spawner({ fallback: runInProcess });

/**
 * A second spawner, forked only once runs overlap. A fork/exec blocks its spawner until the child has exec'd,
 * mostly waiting rather than computing, so two spawners overlap those waits: two processes spawning `bash -c true`
 * side by side did ~1.75x the runs/s of one on the 2-core target machine.
 */
const overlapSpawner = new Spawner({ fallback: runInProcess });

export function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  // Read per call so a test or bench can flip it; an env lookup is noise next to a spawn.
  if (spec.ipc || process.env[INPROCESS_SPAWN_ENV] === '1') return runInProcess(spec);
  // The less busy one; a lone run always goes to localSpawner.
  return (overlapSpawner.inFlight < localSpawner.inFlight ? overlapSpawner : localSpawner).run(spec);
}

/** Spawns in this process (see the header for when). */
export function runInProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const stdout = new CappedCapture(spec.outputCapBytes, (t) => spec.onOutput('stdout', t));
  const stderr = new CappedCapture(spec.outputCapBytes, (t) => spec.onOutput('stderr', t));
  const grace = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;

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
      killTimer = terminateGroup(pid, grace);
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
