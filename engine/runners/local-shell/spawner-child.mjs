// @ts-check
/**
 * The process spawner: a small long-lived Node process that starts the local shell runners' processes for the
 * engine (spawner.ts is the engine side, process.ts picks the path).
 *
 * Why it exists: fork() copies the parent's page tables, so `child_process.spawn` in the engine (hundreds of MB
 * of RSS) blocks its event loop ~2.5 ms per action while webhooks, SQLite writes and every other run wait. This
 * process stays small, so its forks are cheap and the engine only exchanges IPC messages. To stay small it is
 * plain JavaScript started without tsx (spawner.ts forks it with `execArgv: []`) and imports node:child_process
 * only.
 *
 * Contract (mirrors process.ts's in-process path):
 * - spawn with an argv array, never a shell, `detached` (own process group), stdin ignored or written then
 *   closed; cwd and env exactly as asked;
 * - forward output live up to the cap of each stream and only count the bytes past it (no flooding the engine);
 * - report `pid`, `exit`, then `done` once the streams closed or STREAM_DRAIN_MS after the exit (a background
 *   child holding them is not waited for);
 * - never signal actions: the engine kills process groups itself (same uid), on abort and if this process dies;
 * - exit when the engine goes away (IPC disconnect) and leave running actions alone: crash recovery
 *   (engine/executions/orphans.ts) finds and decides about them, as when the engine spawned them itself;
 * - ignore SIGINT/SIGTERM/SIGHUP: Ctrl-C or a service stop signals the engine's whole process group, and the
 *   engine then drains running executions, which need this process until the engine exits.
 */
import { spawn } from 'node:child_process';

/**
 * @typedef {{ t: 'spawn', id: number, file: string, args: string[], cwd?: string, env: Record<string, string>,
 *   stdin?: string, cap: number }} SpawnRequest
 * @typedef {{ name: string, message: string, code?: string, errno?: number, syscall?: string, path?: string,
 *   spawnargs?: string[] }} WireError
 */

const DRAIN_MS = Number(process.argv[2]) || 200;

/** @param {object} message */
function send(message) {
  // Once disconnected the engine is gone and the 'disconnect' handler below exits.
  if (process.connected) process.send?.(message);
}

/**
 * Spawn errors carry what callers match on (code ENOENT/EACCES, syscall, path): copied field by field.
 * @param {any} error
 * @returns {WireError}
 */
function wireError(error) {
  return {
    name: String(error?.name ?? 'Error'),
    message: String(error?.message ?? error),
    code: error?.code,
    errno: error?.errno,
    syscall: error?.syscall,
    path: error?.path,
    spawnargs: error?.spawnargs,
  };
}

/** @param {SpawnRequest} req */
function start(req) {
  const { id, cap } = req;
  /** @type {import('node:child_process').ChildProcess} */
  let child;
  try {
    child = spawn(req.file, req.args, {
      cwd: req.cwd,
      env: req.env,
      detached: true,
      stdio: [req.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (error) {
    send({ t: 'done', id, skipped: [0, 0], error: wireError(error) });
    return;
  }
  const pid = child.pid;
  if (pid !== undefined) send({ t: 'pid', id, pid });

  const kept = [0, 0];
  const skipped = [0, 0];
  /** @type {NodeJS.Timeout | undefined} */
  let drainTimer;
  let finished = false;
  /** @param {unknown} [error] */
  const finish = (error) => {
    if (finished) return;
    finished = true;
    if (drainTimer) clearTimeout(drainTimer);
    send(
      error === undefined ? { t: 'done', id, skipped } : { t: 'done', id, skipped, error: wireError(error) },
    );
  };
  /** @param {0 | 1} s */
  const forward = (s) => (/** @type {Buffer} */ chunk) => {
    const room = cap - kept[s];
    if (room <= 0) {
      skipped[s] += chunk.length;
      return;
    }
    if (chunk.length > room) {
      skipped[s] += chunk.length - room;
      chunk = chunk.subarray(0, room);
    }
    kept[s] += chunk.length;
    send({ t: 'out', id, s, d: chunk });
  };
  child.stdout?.on('data', forward(0));
  child.stderr?.on('data', forward(1));
  if (child.stdin) {
    child.stdin.on('error', () => {}); // EPIPE when the process does not read stdin
    child.stdin.end(req.stdin);
  }
  child.on('error', (error) => {
    // Not started (ENOENT, EACCES...): 'close' follows, but the run is over now.
    if (pid === undefined) finish(error);
    else send({ t: 'error', id, error: wireError(error) });
  });
  child.on('exit', (code, signal) => {
    send({ t: 'exit', id, code, signal });
    drainTimer = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish();
    }, DRAIN_MS);
  });
  child.on('close', () => finish());
}

process.on('message', (/** @type {SpawnRequest} */ req) => {
  if (req.t === 'spawn') start(req);
});
process.on('disconnect', () => process.exit(0));
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.on(signal, () => {});
send({ t: 'ready' });
