import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerAliasCommands } from '../../cli/commands/alias.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';
import { BOT_PACKS, USERS_YAML } from './harness.ts';

let fx: EngineFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  const program = new Command('squall').exitOverride();
  registerAliasCommands(program);
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'squall', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout, stderr, code };
}

describe('squall alias match --format (no pack needed)', () => {
  it('prints the match as JSON with the format index', async () => {
    const r = await cli([
      'alias',
      'match',
      '--format',
      'deploy {{app}}',
      '--format',
      'deploy {{app}} to {{env=prod}}',
      'deploy web to staging',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toEqual({ alias: null, format: 1, params: { app: 'web', env: 'staging' } });
    expect(r.code).toBe(0);
  });

  it('prints no_match with exit code 1', async () => {
    const r = await cli(['alias', 'match', '--format', 'deploy {{app}}', 'restart web', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'no_match',
      error: expect.stringContaining('matched no patterns'),
    });
    expect(r.code).toBe(1);
  });
});

describe('alias routes', () => {
  it('lists, matches and executes registered aliases', async () => {
    fx = await startEngine({ packs: [BOT_PACKS], yaml: USERS_YAML });
    const headers = { 'x-auth-token': fx.adminToken };
    const list = await fx.app.inject({ method: 'GET', url: '/api/v1/actionalias?pack=botpack', headers });
    expect(list.json().map((a: { ref: string }) => a.ref)).toContain('botpack.greet');

    const match = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/actionalias/match',
      headers,
      payload: { command: 'greet "Ann Lee"' },
    });
    expect(match.json()).toEqual({ alias: 'botpack.greet', format: 0, params: { name: 'Ann Lee' } });

    const none = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/actionalias/match',
      headers,
      payload: { command: 'gret x' },
    });
    expect(none.json()).toMatchObject({
      kind: 'no_match',
      candidates: expect.arrayContaining(['greet {{name}}']),
    });

    const run = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/aliasexecution/match_and_execute',
      headers,
      payload: { command: 'greet "Ann; touch /tmp/x"' },
    });
    expect(run.statusCode).toBe(201);
    const { execution } = run.json().results[0];
    const done = await fx.engine.waitForExecution(execution.id);
    expect(done.result).toMatchObject({ stdout: 'Hello, Ann; touch /tmp/x!' });
    expect(done.context).toMatchObject({ action_alias_ref: { ref: 'botpack.greet' }, source_channel: 'cli' });
  });
});
