import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandArgv, LocalShellCommandRunner } from '../../engine/runners/local-shell/command-runner.ts';
import { alive, makeContext, outputOf } from './runner-context.ts';

const dir = mkdtempSync(join(tmpdir(), 'squall-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runner = new LocalShellCommandRunner({ apiUrl: 'http://127.0.0.1:9101/api/v1', killGraceMs: 300 });

async function waitFor(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!predicate()) throw new Error('condition never became true');
}

describe('local-shell-cmd', () => {
  it('runs the command with bash and shapes the result like st2', async () => {
    const ctx = makeContext({ parameters: { cmd: 'echo hello; echo oops >&2' } });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('succeeded');
    expect(result).toEqual({
      failed: false,
      succeeded: true,
      return_code: 0,
      stdout: 'hello',
      stderr: 'oops',
    });
    expect(outputOf(ctx, 'stdout')).toBe('hello\n');
    expect(outputOf(ctx, 'stderr')).toBe('oops\n');
  });

  it('marks a non-zero exit as failed with its return code', async () => {
    const { status, result } = await runner.run(makeContext({ parameters: { cmd: 'echo no; exit 3' } }));
    expect(status).toBe('failed');
    expect(result).toMatchObject({ failed: true, succeeded: false, return_code: 3, stdout: 'no' });
  });

  it('stores JSON output parsed, as st2 does', async () => {
    const { result } = await runner.run(makeContext({ parameters: { cmd: `echo '{"a": [1, 2]}'` } }));
    expect((result as { stdout: unknown }).stdout).toEqual({ a: [1, 2] });
  });

  it('applies cwd and env, sets ST2_ACTION_* and does not leak the engine environment', async () => {
    process.env.SQUALL_RUNNER_TEST_LEAK = 'leaked';
    try {
      const ctx = makeContext({
        action: { pack: 'mypack' },
        parameters: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
          cmd: 'echo "$PWD|$FOO|${SQUALL_RUNNER_TEST_LEAK:-none}|$ST2_ACTION_PACK_NAME|$ST2_ACTION_EXECUTION_ID|$ST2_ACTION_API_URL|${ST2_ACTION_AUTH_TOKEN-unset}"',
          cwd: dir,
          env: { FOO: 'bar baz' },
        },
      });
      const { result } = await runner.run(ctx);
      expect((result as { stdout: string }).stdout).toBe(
        `${dir}|bar baz|none|mypack|${ctx.executionId}|http://127.0.0.1:9101/api/v1|unset`,
      );
    } finally {
      delete process.env.SQUALL_RUNNER_TEST_LEAK;
    }
  });

  it('rejects an env parameter with an invalid variable name', async () => {
    const { status, result } = await runner.run(
      makeContext({ parameters: { cmd: 'true', env: { 'A=B': 'x' } } }),
    );
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/"A=B" is not a valid variable name/);
  });

  it('fails clearly when the working directory does not exist', async () => {
    const { status, result } = await runner.run(
      makeContext({ parameters: { cmd: 'true', cwd: join(dir, 'missing') } }),
    );
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/cannot start "bash".*missing" exists/);
  });

  it('fails when cmd is missing or the action has an entry_point', async () => {
    expect((await runner.run(makeContext({ parameters: {} }))).status).toBe('failed');
    const withEntry = makeContext({ action: { entry_point: 'x.sh' }, parameters: { cmd: 'true' } });
    const { status, result } = await runner.run(withEntry);
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/only valid for the local-shell-script runner/);
  });

  it('on timeout kills the whole process group and reports status timeout', async () => {
    const pidFile = join(dir, 'pids');
    const ctx = makeContext({
      parameters: {
        cmd: `sleep 100 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; sh -c 'sleep 100 & sleep 100'`,
      },
      timeoutMs: 1500,
    });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('timeout');
    expect(result).toMatchObject({
      failed: true,
      return_code: -9,
      error: 'Action failed to complete in 1.5 seconds',
    });
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    // Every process of the group, including the grandchildren of the inner sh, is gone.
    await waitFor(() => pids.every((pid) => !alive(pid)));
    const group = pids[1]!;
    const members = readProcessGroupMembers(group);
    expect(members).toEqual([]);
  });

  it('a cancel through the signal stops the command with status canceled', async () => {
    const marker = join(dir, 'started');
    const ctx = makeContext({ parameters: { cmd: `touch ${marker}; sleep 100` } });
    const run = runner.run(ctx);
    await waitFor(() => existsSync(marker));
    ctx.controller.abort();
    const { status } = await run;
    expect(status).toBe('canceled');
  });

  it('treats a caller abort with a TimeoutError reason as a timeout', async () => {
    const ctx = makeContext({ parameters: { cmd: 'sleep 100' } });
    const run = runner.run(ctx);
    setTimeout(() => ctx.controller.abort(new DOMException('deadline', 'TimeoutError')), 100);
    expect((await run).status).toBe('timeout');
  });

  it('caps each stream at outputCapBytes and notes the cap in the result', async () => {
    const ctx = makeContext({
      parameters: { cmd: `head -c 100000 /dev/zero | tr '\\0' a; echo small >&2` },
      outputCapBytes: 1000,
    });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('succeeded');
    const r = result as Record<string, unknown>;
    expect((r.stdout as string).length).toBe(1000);
    expect(r.stdout_truncated).toBe(true);
    expect(r.stdout_bytes_total).toBe(100000);
    expect(r.stderr).toBe('small');
    expect(r.stderr_truncated).toBeUndefined();
    expect(outputOf(ctx, 'stdout').length).toBe(1000);
  });

  it.skipIf(process.getuid?.() !== 0)('running as root, sudo: true runs the command directly', async () => {
    const { status, result } = await runner.run(
      makeContext({ parameters: { cmd: 'id -u', sudo: true, env: { PATH: '/nonexistent:/usr/bin:/bin' } } }),
    );
    expect(status).toBe('succeeded');
    expect((result as { stdout: unknown }).stdout).toBe(0);
  });

  it('keeps a secret-bearing cmd out of every argv while it runs, and still runs it', async () => {
    const secret = `tok-${Math.random().toString(36).slice(2)}`;
    const pidFile = join(dir, 'secret-cmd.pid');
    const outFile = join(dir, 'secret-cmd.out');
    const ctx = makeContext({
      parameters: {
        cmd: `printf '%s' "${secret}" > ${outFile}; echo $$ > ${pidFile}; env > ${outFile}.env; sleep 100; true`,
      },
      secretParameters: ['cmd'],
    });
    const run = runner.run(ctx);
    try {
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
      expect(readFileSync(outFile, 'utf8')).toBe(secret);
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        let text = '';
        try {
          text = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        expect(text.includes(secret), `/proc/${entry}/cmdline`).toBe(false);
      }
      // Processes the command starts do not inherit it through the environment either.
      expect(readFileSync(`${outFile}.env`, 'utf8')).not.toContain(secret);
    } finally {
      ctx.controller.abort();
      await run;
    }
  });

  it('builds st2 sudo argv: the command stays one argument', () => {
    expect(commandArgv('echo "a b"; id', false, false)).toEqual(['bash', '-c', 'echo "a b"; id']);
    expect(commandArgv('id', true, false)).toEqual(['sudo', '-E', '--', 'bash', '-c', 'id']);
    expect(commandArgv('id', true, true)).toEqual(['sudo', '-S', '-E', '--', 'bash', '-c', 'id']);
  });

  it('sends the sudo password on stdin, never in argv', async () => {
    const bin = join(dir, 'fakebin');
    const record = join(dir, 'sudo-record.json');
    mkdirSync(bin, { recursive: true });
    // A stand-in sudo that records its argv and the first stdin line, then runs the command after "--".
    writeFileSync(
      join(bin, 'sudo'),
      `#!${process.execPath}
const fs = require('node:fs');
const line = fs.readFileSync(0, 'utf8').split('\\n')[0];
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), stdin: line }));
const rest = process.argv.slice(process.argv.indexOf('--') + 1);
const r = require('node:child_process').spawnSync(rest[0], rest.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
process.exit(r.status ?? 1);
`,
    );
    chmodSync(join(bin, 'sudo'), 0o755);
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    const ctx = makeContext({
      parameters: {
        cmd: 'echo as-root',
        sudo: true,
        sudo_password: password,
        env: { PATH: `${bin}:${process.env.PATH}` },
      },
      secretParameters: ['sudo_password'],
    });
    const { status, result } = await new LocalShellCommandRunner({ sudoWhenRoot: true }).run(ctx);
    expect(status).toBe('succeeded');
    expect((result as { stdout: string }).stdout).toBe('as-root');
    const seen = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; stdin: string };
    expect(seen.argv).toEqual(['-S', '-E', '--', 'bash', '-c', 'echo as-root']);
    expect(seen.stdin).toBe(password);
    expect(ctx.secrets).toContain(password);
  });
});

/** Pids whose process group is `pgid` (from /proc/<pid>/stat, field 5). */
function readProcessGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
