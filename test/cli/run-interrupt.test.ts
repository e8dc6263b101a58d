import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import { runCli, SquallServer, spawnCli, tempDataDir, waitFor } from '../helpers/squall-process.ts';

/** `squall <args>` as a child; Ctrl-C (SIGINT) once `ready` shows on stderr. Resolves with its exit and output. */
async function interruptWhen(args: string[], env: Record<string, string>, ready: RegExp) {
  const cli = spawnCli(args, env);
  await waitFor(() => ready.test(cli.stderr()), 60_000, `${ready} from squall ${args.join(' ')}`);
  cli.child.kill('SIGINT');
  return { code: await cli.exited, stderr: cli.stderr() };
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

  it('without a server, a workflow waiting for an approval is answered from another terminal', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const env = { SQUALL_DATA_DIR: dataDir };
    const run = spawnCli(['run', 'examples.restart_service', 'service=nginx'], env);
    const answer = /answer: squall inquiry respond (\w+) '(.*)'/;
    await waitFor(() => answer.test(run.stderr()), 60_000, 'the approval prompt');
    const [, inquiry, example] = answer.exec(run.stderr())!;
    expect(JSON.parse(example!)).toEqual({ approved: true });
    // This command finds the data dir held by the first one, and reaches it over loopback.
    const respond = await runCli(['inquiry', 'respond', inquiry!, example!], env);
    expect(respond.code, respond.stderr).toBe(0);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).toMatch(/task restart \(examples\.restart_step\) succeeded/);
    expect(run.stderr()).toMatch(/\(examples\.restart_service\) succeeded/);
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
