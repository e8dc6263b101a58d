import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import {
  REPO_ROOT,
  runCli,
  SQUALL_BIN,
  SquallServer,
  tempDataDir,
  waitFor,
} from '../helpers/squall-process.ts';

/** `squall <args>` as a child; Ctrl-C (SIGINT) once `ready` shows on stderr. Resolves with its exit and output. */
function interruptWhen(args: string[], env: Record<string, string>, ready: RegExp) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [SQUALL_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, SQUALL_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && ready.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

// Ctrl-C while `squall run` follows an execution: never a silent exit that leaves the user guessing.
describe('squall run interrupted with Ctrl-C', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('without a server: the execution ran in this process, so it is canceled, and the command exits 130', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const env = { SQUALL_DATA_DIR: dataDir };
    const run = await interruptWhen(['run', 'core.local', 'cmd=sleep 30'], env, /requested/);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(
      /no squall server is running, so execution \w+ cannot go on without this command/,
    );
    expect(run.stderr).toMatch(/\(core\.local\) canceled/);
    const listed = await runCli(['execution', 'list', '--json'], env);
    expect((JSON.parse(listed.stdout) as ExecutionRecord[]).map((e) => e.status)).toEqual(['canceled']);
  });

  it('with a server: the execution goes on there, and the message says how to follow or cancel it', async () => {
    const server = await SquallServer.create();
    try {
      await server.start();
      const run = await interruptWhen(['run', 'core.local', 'cmd=sleep 30'], server.cliEnv, /requested/);
      expect(run.code, run.stderr).toBe(130);
      const id = /execution (\w+) requested/.exec(run.stderr)?.[1];
      expect(run.stderr).toContain(
        `stopped following: execution ${id} goes on in the server (squall execution tail ${id} · squall execution cancel ${id})`,
      );
      const status = async () =>
        (
          JSON.parse(
            (await runCli(['execution', 'get', id!, '--json'], server.cliEnv)).stdout,
          ) as ExecutionRecord
        ).status;
      expect(await status()).toBe('running');
      await runCli(['execution', 'cancel', id!], server.cliEnv);
      await waitFor(async () => (await status()) === 'canceled', 30_000, 'the cancel');
    } finally {
      await server.stop('SIGTERM');
      server.cleanup();
    }
  });
});
