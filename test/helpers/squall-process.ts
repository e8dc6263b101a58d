import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SQUALL_BIN = path.join(REPO_ROOT, 'bin', 'squall');

/** The Node flags of package.json's `start` script (`node <flags> bin/squall start`): servers here run as users run them. */
export const START_NODE_FLAGS: string[] = (() => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('bin/squall')).filter((w) => w.startsWith('--'));
})();

export function tempDataDir(prefix = 'squall-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/squall <args>` to completion with the given environment (data dir, packs path...). */
export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [SQUALL_BIN, ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, SQUALL_LOG_LEVEL: 'warn', ...env },
        timeout: options.timeoutMs ?? 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** `bin/squall <args>` left running: its stderr so far, and its exit (for commands a test interacts with). */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; stderr(): string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [SQUALL_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SQUALL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** A `squall start` child process on a temp data dir and a free port. */
export class SquallServer {
  child?: ChildProcess;
  logs = '';
  constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly env: Record<string, string> = {},
  ) {}

  static async create(env: Record<string, string> = {}, dataDir = tempDataDir()): Promise<SquallServer> {
    return new SquallServer(dataDir, await freePort(), env);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get cliEnv(): Record<string, string> {
    return { SQUALL_DATA_DIR: this.dataDir, SQUALL_PORT: String(this.port), ...this.env };
  }

  /** Starts the server and resolves once /readyz answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    // Node flags as `npm start` passes them; SQUALL_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
    // adds more, to profile the server under a bench.
    const nodeArgs = [
      ...START_NODE_FLAGS,
      ...(process.env.SQUALL_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ];
    this.child = spawn(process.execPath, [...nodeArgs, SQUALL_BIN, 'start'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SQUALL_LOG_LEVEL: 'info', ...this.cliEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d) => {
      this.logs += d;
    });
    this.child.stderr?.on('data', (d) => {
      this.logs += d;
    });
    // 'close' comes after the last output: an early exit is reported with everything it printed.
    const closed = new Promise<void>((resolve) => this.child?.once('close', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        await closed;
        throw new Error(`squall start exited with ${this.child.exitCode}:\n${this.logs}`);
      }
      try {
        const response = await fetch(`${this.url}/readyz`);
        if (response.ok) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`squall start did not become ready in ${timeoutMs} ms:\n${this.logs}`);
  }

  /** Sends a signal and resolves with the exit code once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }

  cleanup(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns a truthy value or the deadline passes (tests wait for state, never for time). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
