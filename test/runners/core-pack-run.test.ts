import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveParameters } from '../../engine/executions/parameters.ts';
import { tryLoadPack } from '../../engine/packs/load-pack.ts';
import { createBuiltinRunners } from '../../engine/runners/index.ts';
import { makeContext } from './runner-context.ts';

/** core actions run end to end: pack loader → parameter resolution → runner. */
describe('core pack actions through the runners', () => {
  const loaded = tryLoadPack(resolve('packs/core'), { builtin: true });
  const runners = createBuiltinRunners();
  const actionOf = (name: string) => {
    const action = loaded.pack?.actions.find((a) => a.name === name);
    if (!action) throw new Error(`core.${name} did not load: ${JSON.stringify(loaded.problems)}`);
    return action;
  };

  async function run(name: string, given: Record<string, unknown>, untrusted: string[] = []) {
    const action = actionOf(name);
    const runner = runners.get(action.runner_type)!;
    const { parameters, secretNames } = await resolveParameters({ action, runner, given, untrusted });
    const ctx = makeContext({ action, parameters, secretParameters: [...secretNames] });
    return runner.run(ctx);
  }

  it('loads without errors', () => {
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('core.echo prints a simple untrusted value as given', async () => {
    const { status, result } = await run('echo', { message: 'deploy-42_done' }, ['message']);
    expect(status).toBe('succeeded');
    expect((result as { stdout: string }).stdout).toBe('deploy-42_done');
  });

  // KNOWN BUG (engine/executions/parameters.ts quoting, not the runner): an untrusted value is single-quote wrapped
  // even when its placeholder sits inside double quotes (core.echo: `echo "{{message}}"`). So `it's a test` prints
  // as `'it'\''s a test'`, and a `"` in the value ends the double-quoted string and the rest runs as shell: the
  // canary IS created today. `it.fails` keeps the suite green and flips to a failure once quoting is
  // context-aware (inside "...": escape \ " $ ` with a backslash; inside '...': ' → '\''): then make these `it`.
  it('core.echo prints an untrusted value with quotes literally', async () => {
    const { result } = await run('echo', { message: "it's a test" }, ['message']);
    expect((result as { stdout: string }).stdout).toBe("it's a test");
  });

  it('core.echo prints a hostile untrusted value literally; the canary is never created', async () => {
    const canary = `/tmp/pwned-${Math.random().toString(36).slice(2)}`;
    const message = `x"; touch ${canary}; echo "$(touch ${canary})\`touch ${canary}\``;
    try {
      const { status, result } = await run('echo', { message }, ['message']);
      expect(existsSync(canary)).toBe(false);
      expect(status).toBe('succeeded');
      expect((result as { stdout: string }).stdout).toBe(message);
    } finally {
      rmSync(canary, { force: true });
    }
  });

  it('core.local runs a command, core.error writes to stderr, core.noop succeeds', async () => {
    expect(((await run('local', { cmd: 'echo hi' })).result as { stdout: string }).stdout).toBe('hi');
    expect(((await run('error', { message: 'bad' })).result as { stderr: string }).stderr).toBe('bad');
    expect((await run('noop', {})).status).toBe('succeeded');
  });

  it('core.ask is pending with the default schema; core.winrm_cmd fails as not supported yet', async () => {
    const ask = await run('ask', {});
    expect(ask.status).toBe('pending');
    const winrm = await run('winrm_cmd', { cmd: 'dir', host: 'h', username: 'u', password: 'p' });
    expect(winrm.status).toBe('failed');
    expect((winrm.result as { error: string }).error).toMatch(/runner "winrm-cmd" is not supported yet/);
  });
});
