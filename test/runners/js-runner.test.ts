import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JavascriptRunner } from '../../engine/runners/javascript/js-runner.ts';
import { alive, makeContext, outputOf } from './runner-context.ts';

const dir = mkdtempSync(join(tmpdir(), 'squall-js-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runner = new JavascriptRunner({ killGraceMs: 200 });

function action(file: string, source: string) {
  const path = join(dir, file);
  writeFileSync(path, source);
  return {
    ref: 'test.js',
    runner_type: 'javascript',
    entry_point: file,
    entry_point_path: path,
    pack_path: dir,
  };
}

async function waitFor(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!predicate()) throw new Error('condition never became true');
}

describe('javascript runner', () => {
  it('runs a TypeScript default export with params, config, logger, output and datastore', async () => {
    const store = new Map<string, unknown>([['greeting', 'hello']]);
    const ctx = makeContext({
      action: action(
        'hello.ts',
        `
interface Params { name: string }
export default async function (params: Params, context: any) {
  const greeting = await context.datastore.get('greeting', { scope: 'system' });
  await context.datastore.set('last', params.name, { scope: 'user' });
  context.logger.info('greeting', { who: params.name });
  context.output('stdout', 'streamed\\n');
  console.error('to stderr');
  return { text: greeting + ' ' + params.name, region: context.config.region, id: context.executionId };
}
`,
      ),
      parameters: { name: 'ada', timeout: 30 },
      services: {
        packConfig: (pack: string) => (pack === 'test' ? { region: 'eu' } : {}),
        datastore: {
          get: async (key) => store.get(key),
          set: async (key, value) => {
            store.set(key, value);
          },
        },
      },
    });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('succeeded');
    expect(result).toMatchObject({
      result: { text: 'hello ada', region: 'eu', id: ctx.executionId },
      stdout: 'streamed',
      stderr: 'to stderr',
      exit_code: 0,
    });
    expect(store.get('last')).toBe('ada');
    const log = outputOf(ctx, 'log');
    expect(JSON.parse(log.trim())).toEqual({ level: 'info', msg: 'greeting', who: 'ada' });
  });

  it('accepts a named run export in an .mjs module', async () => {
    const ctx = makeContext({
      action: action('named.mjs', 'export async function run(p) { return p.a + p.b; }'),
      parameters: { a: 2, b: 3 },
    });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('succeeded');
    expect((result as { result: number }).result).toBe(5);
  });

  it('reports a throw as failed with message and stack', async () => {
    const ctx = makeContext({
      action: action('boom.js', 'export default async () => { throw new Error("kaboom"); };'),
      parameters: {},
    });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('failed');
    expect(result).toMatchObject({ error: 'kaboom' });
    expect((result as { traceback: string }).traceback).toMatch(/boom\.js/);
  });

  it('kills a busy loop on timeout', async () => {
    const ctx = makeContext({
      action: action('busy.js', 'export default () => { for (;;) {} };'),
      parameters: {},
      timeoutMs: 1500,
    });
    const { status } = await runner.run(ctx);
    expect(status).toBe('timeout');
  });

  it('kills a hung action (and what it spawned) on timeout', async () => {
    const pidFile = join(dir, 'hang.pid');
    const ctx = makeContext({
      action: action(
        'hang.mjs',
        `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
export default () => {
  const child = spawn('sleep', ['100'], { stdio: 'ignore' });
  writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
  return new Promise(() => {});
};`,
      ),
      parameters: {},
      timeoutMs: 2000,
    });
    const { status } = await runner.run(ctx);
    expect(status).toBe('timeout');
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !alive(sleeper));
  });

  it('loads the module fresh on every run', async () => {
    const a = action('fresh.js', 'export default () => 1;');
    expect(((await runner.run(makeContext({ action: a }))).result as { result: number }).result).toBe(1);
    action('fresh.js', 'export default () => 2;');
    expect(((await runner.run(makeContext({ action: a }))).result as { result: number }).result).toBe(2);
  });

  it('fails clearly on a missing entry point, a wrong extension, no export, or an early exit', async () => {
    const missing = await runner.run(
      makeContext({ action: { runner_type: 'javascript', entry_point: 'nope.js', pack_path: dir } }),
    );
    expect((missing.result as { error: string }).error).toMatch(/does not exist/);
    const py = await runner.run(makeContext({ action: action('x.py', '') }));
    expect((py.result as { error: string }).error).toMatch(/must end with/);
    const none = await runner.run(makeContext({ action: action('none.js', 'export const x = 1;') }));
    expect((none.result as { error: string }).error).toMatch(/exports no function/);
    const exits = await runner.run(
      makeContext({ action: action('exit.js', 'export default () => process.exit(4);') }),
    );
    expect(exits.status).toBe('failed');
    expect((exits.result as { error: string }).error).toMatch(/exited \(code 4\) before returning a result/);
  });
});
