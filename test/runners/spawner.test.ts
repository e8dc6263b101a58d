import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findExecutionProcessGroups, killOrphanedProcessGroups } from '../../engine/executions/orphans.ts';
import {
  INPROCESS_SPAWN_ENV,
  localSpawner,
  type ProcessOutcome,
  type ProcessSpec,
  runInProcess,
  runProcess,
} from '../../engine/runners/local-shell/process.ts';
import { SPAWNER_EXITED, Spawner } from '../../engine/runners/local-shell/spawner.ts';
import { alive } from './runner-context.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/spawner');
const dir = mkdtempSync(join(tmpdir(), 'squall-spawner-'));
const leftovers: number[] = [];
afterAll(() => {
  for (const pgid of leftovers) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(predicate: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!predicate()) throw new Error(`${what} never became true`);
}

function stat(pid: number | string): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Live (non-zombie) processes of a process group. */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      const s = stat(entry);
      return s !== undefined && s.pgrp === pgid && s.state !== 'Z';
    })
    .map(Number);
}

interface Recorded {
  spec: ProcessSpec;
  live: { stdout: string; stderr: string };
  controller: AbortController;
}

function bash(script: string, overrides: Partial<ProcessSpec> = {}): Recorded {
  const controller = new AbortController();
  const live = { stdout: '', stderr: '' };
  return {
    controller,
    live,
    spec: {
      file: 'bash',
      args: ['-c', script],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
      signal: controller.signal,
      outputCapBytes: 64 * 1024,
      onOutput: (stream, text) => {
        live[stream] += text;
      },
      ...overrides,
    },
  };
}

/** Everything of an outcome except the pid, errors as their fields. */
function comparable(outcome: ProcessOutcome): unknown {
  const { pid: _pid, spawnError, ...rest } = outcome;
  const error = spawnError as (NodeJS.ErrnoException & { spawnargs?: string[] }) | undefined;
  return {
    ...rest,
    spawnError: error && {
      name: error.name,
      message: error.message,
      code: error.code,
      errno: error.errno,
      syscall: error.syscall,
      path: error.path,
      spawnargs: error.spawnargs,
    },
  };
}

async function inProcessEnv<T>(fn: () => Promise<T>): Promise<T> {
  process.env[INPROCESS_SPAWN_ENV] = '1';
  try {
    return await fn();
  } finally {
    delete process.env[INPROCESS_SPAWN_ENV];
  }
}

describe('process spawner', () => {
  it('runs local processes in the spawner: their parent is the spawner, a plain node without tsx', async () => {
    const { spec } = bash('echo $PPID');
    const outcome = await runProcess(spec);
    const spawner = localSpawner.pid;
    expect(spawner).toBeTypeOf('number');
    expect(spawner).not.toBe(process.pid);
    expect(Number(outcome.stdout.text.trim())).toBe(spawner);
    expect(stat(spawner!)?.ppid).toBe(process.pid);
    const cmdline = readFileSync(`/proc/${spawner}/cmdline`, 'utf8').split('\0');
    expect(cmdline.some((arg) => arg.endsWith('spawner-child.mjs'))).toBe(true);
    expect(cmdline.join(' ')).not.toMatch(/tsx|--import|--require|--loader/);
  });

  it('overlapping runs are shared between two spawners (a lone run always uses the first)', async () => {
    const gate = join(dir, 'overlap-gate');
    // Each run reports its parent, then waits for the gate so both are in flight at once.
    const script = `echo $PPID; while [ ! -e ${gate} ]; do sleep 0.02; done`;
    const first = bash(script);
    const second = bash(script);
    const runs = [runProcess(first.spec), runProcess(second.spec)];
    await waitFor(() => first.live.stdout !== '' && second.live.stdout !== '', 'both runs started');
    writeFileSync(gate, '');
    await Promise.all(runs);
    const parents = [Number(first.live.stdout.trim()), Number(second.live.stdout.trim())];
    expect(parents[0]).toBe(localSpawner.pid);
    expect(parents[1]).not.toBe(parents[0]);
    expect(stat(parents[1]!)?.ppid).toBe(process.pid);
    expect(readFileSync(`/proc/${parents[1]}/cmdline`, 'utf8')).toContain('spawner-child.mjs');
  });

  it('SQUALL_INPROCESS_SPAWN=1 spawns in this process again', async () => {
    const { spec } = bash('echo $PPID');
    const outcome = await inProcessEnv(() => runProcess(spec));
    expect(Number(outcome.stdout.text.trim())).toBe(process.pid);
  });

  it('gives the same outcomes as in-process spawn', async () => {
    const notExecutable = join(dir, 'not-executable.sh');
    writeFileSync(notExecutable, '#!/bin/sh\necho hi\n');
    chmodSync(notExecutable, 0o644);
    const multibyte = `printf 'é%.0s' $(seq 1 3000)`; // 6000 bytes, cut inside a character below
    const cases: Array<[string, () => Recorded]> = [
      ['exit code and both streams', () => bash('echo out; echo err >&2; exit 3')],
      ['death by signal', () => bash('echo before; kill -TERM $$')],
      [
        'cwd and env',
        () => bash('pwd; env | sort', { cwd: dir, env: { PATH: process.env.PATH!, A: 'x y' } }),
      ],
      ['ENOENT', () => bash('', { file: 'squall-no-such-command', args: [] })],
      ['EACCES', () => bash('', { file: notExecutable, args: [] })],
      ['missing cwd', () => bash('true', { cwd: join(dir, 'missing') })],
      ['argv with a NUL byte', () => bash('true', { args: ['-c', 'echo a\0b'] })],
      ['UTF-8 cut by the cap', () => bash(multibyte, { outputCapBytes: 1001 })],
      ['UTF-8 kept whole', () => bash(multibyte)],
    ];
    for (const [label, make] of cases) {
      const viaSpawner = make();
      const inProcess = make();
      const a = await runProcess(viaSpawner.spec);
      const b = await runInProcess(inProcess.spec);
      expect(comparable(a), label).toEqual(comparable(b));
      expect(viaSpawner.live, label).toEqual(inProcess.live);
    }
    const enoent = await runProcess(bash('', { file: 'squall-no-such-command' }).spec);
    expect((enoent.spawnError as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(enoent.spawnError?.message).toBe('spawn squall-no-such-command ENOENT');
    expect(enoent.pid).toBeUndefined();
  });

  it('streams output live and caps each stream, counting what it dropped', async () => {
    const marker = join(dir, 'go-on');
    const run = bash(
      `echo first; while [ ! -e ${marker} ]; do sleep 0.02; done; head -c 100000 /dev/zero | tr '\\0' a; echo small >&2`,
      { outputCapBytes: 1000 },
    );
    const pending = runProcess(run.spec);
    // The process cannot finish before the test saw its first line.
    await waitFor(() => run.live.stdout === 'first\n', 'first line streamed');
    writeFileSync(marker, '');
    const outcome = await pending;
    expect(outcome.exitCode).toBe(0);
    expect(outcome.stdout).toEqual({
      text: `first\n${'a'.repeat(994)}`,
      truncated: true,
      bytesTotal: 100006,
    });
    expect(outcome.stderr).toEqual({ text: 'small\n', truncated: false, bytesTotal: 6 });
    expect(run.live.stdout).toBe(outcome.stdout.text);
  });

  it('writes stdin then closes it; without stdin the process reads /dev/null', async () => {
    const withInput = await runProcess(
      bash('read -r line; echo "got:$line"; cat', { stdin: 'pw\nrest\n' }).spec,
    );
    expect(withInput.stdout.text).toBe('got:pw\nrest\n');
    const without = await runProcess(bash('cat; echo end').spec);
    expect(without.stdout.text).toBe('end\n');
  });

  it('on timeout kills the whole process group, escalating to SIGKILL after the grace', async () => {
    const pidFile = join(dir, 'timeout-pids');
    // TERM is ignored by the whole group (inherited), so only the SIGKILL after the grace ends it.
    const run = bash(
      `trap '' TERM; sleep 100 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; sh -c 'sleep 100'`,
      {
        killGraceMs: 200,
      },
    );
    const pending = runProcess(run.spec);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().split('\n').length === 2);
    const [background, leader] = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) as [
      number,
      number,
    ];
    leftovers.push(leader);
    expect(stat(leader)?.ppid).toBe(localSpawner.pid);
    expect(stat(background)?.pgrp).toBe(leader);
    run.controller.abort(new DOMException('deadline', 'TimeoutError'));
    const outcome = await pending;
    expect(outcome.aborted).toBe('timeout');
    expect(outcome.pid).toBe(leader);
    expect(outcome.exitSignal).toBe('SIGKILL');
    await waitFor(() => groupMembers(leader).length === 0, 'process group gone');
    expect(alive(background)).toBe(false);
  });

  it('once the leader exited after an abort, stragglers get SIGKILL without waiting for the grace', async () => {
    const run = bash(`sh -c "trap '' TERM; sleep 100" & echo $!; wait`, { killGraceMs: 600_000 });
    const pending = runProcess(run.spec);
    await waitFor(() => run.live.stdout.endsWith('\n'), 'straggler pid printed');
    const straggler = Number(run.live.stdout.trim());
    run.controller.abort();
    const outcome = await pending;
    leftovers.push(outcome.pid!);
    expect(outcome.aborted).toBe('canceled');
    expect(outcome.exitSignal).toBe('SIGTERM');
    await waitFor(() => groupMembers(outcome.pid!).length === 0, 'process group gone');
    expect(alive(straggler)).toBe(false);
  });

  it('an abort that comes before the spawner reported the pid still stops the process', async () => {
    await runProcess(bash('true').spec); // the spawner is up: the request goes out at once
    const run = bash('sleep 100');
    const pending = runProcess(run.spec);
    run.controller.abort();
    const outcome = await pending;
    if (outcome.pid !== undefined) leftovers.push(outcome.pid);
    expect(outcome.aborted).toBe('canceled');
    expect(outcome.pid).toBeTypeOf('number');
    await waitFor(() => groupMembers(outcome.pid!).length === 0, 'process group gone');
  });

  it('when the spawner dies mid-run: the run fails clearly, its group is killed, the next run gets a new spawner', async () => {
    await runProcess(bash('true').spec);
    const first = localSpawner.pid!;
    const starts = localSpawner.starts;
    const run = bash('sleep 100 & echo $$; wait');
    const pending = runProcess(run.spec);
    await waitFor(() => run.live.stdout.endsWith('\n'), 'action pid printed');
    const leader = Number(run.live.stdout.trim());
    leftovers.push(leader);
    expect(groupMembers(leader).length).toBe(2);

    process.kill(first, 'SIGKILL');
    const outcome = await pending;
    expect(outcome.spawnError?.message).toMatch(
      /^process spawner exited unexpectedly \(signal SIGKILL\) while the action ran; its process group was killed$/,
    );
    expect((outcome.spawnError as NodeJS.ErrnoException).code).toBe(SPAWNER_EXITED);
    expect(outcome.pid).toBe(leader);
    expect(outcome.stdout.text).toBe(`${leader}\n`);
    await waitFor(() => groupMembers(leader).length === 0, 'process group gone');

    const next = await runProcess(bash('echo $PPID').spec);
    expect(next.exitCode).toBe(0);
    expect(localSpawner.starts).toBe(starts + 1);
    expect(localSpawner.pid).not.toBe(first);
    expect(Number(next.stdout.text.trim())).toBe(localSpawner.pid);
  });

  it('the spawner exits when its parent is killed, and leaves the running action to crash recovery', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'parent.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let line = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        line += chunk.toString();
      });
      await waitFor(() => line.includes('\n'), 'parent reported its pids');
      const { spawner, action } = JSON.parse(line) as { spawner: number; action: number };
      leftovers.push(action);
      expect(stat(spawner)?.ppid).toBe(parent.pid);
      expect(stat(action)?.ppid).toBe(spawner);

      parent.kill('SIGKILL');
      await waitFor(() => !alive(spawner), 'spawner gone');
      expect(alive(action)).toBe(true);
      expect(groupMembers(action).length).toBeGreaterThan(0);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('does not keep a process alive once its runs are done, and keeps it alive while one runs', async () => {
    const cli: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'cli.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    cli.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    let exit: number | null | undefined;
    cli.on('exit', (code) => {
      exit = code;
    });
    try {
      await waitFor(() => exit !== undefined, 'the CLI process exited by itself');
    } finally {
      cli.kill('SIGKILL');
    }
    expect(exit).toBe(0);
    const printed = JSON.parse(out) as { stdout: string; spawner: number };
    expect(printed.stdout).toBe(`done ${printed.spawner}\n`);
  });
});

describe('process spawner that cannot start', () => {
  it('runs in-process and records why, without retrying at once', async () => {
    const spawner = new Spawner({ fallback: runInProcess, script: join(FIXTURES, 'exits-at-once.mjs') });
    const first = await spawner.run(bash('echo $PPID').spec);
    expect(Number(first.stdout.text.trim())).toBe(process.pid);
    expect(spawner.fallbackReason).toBe('process spawner did not start (exit code 3)');
    expect(spawner.pid).toBeUndefined();
    const second = await spawner.run(bash('echo $PPID').spec);
    expect(Number(second.stdout.text.trim())).toBe(process.pid);
    expect(spawner.starts).toBe(1);
  });

  it('kills an action whose spawner died before reporting its pid, found by its execution id', async () => {
    const spawner = new Spawner({ fallback: runInProcess, script: join(FIXTURES, 'dies-before-pid.mjs') });
    const executionId = `exec-${process.pid}-${Date.now()}`;
    const { spec } = bash('exec sleep 300');
    spec.env = { ...spec.env, ST2_ACTION_EXECUTION_ID: executionId };
    try {
      // The fixture dies once the action runs with its environment in /proc.
      const outcome = await spawner.run(spec);
      expect((outcome.spawnError as NodeJS.ErrnoException | undefined)?.code).toBe(SPAWNER_EXITED);
      expect(outcome.spawnError?.message).toMatch(
        /before the action's pid was known; any process it had started was killed/,
      );
      await waitFor(
        () => findExecutionProcessGroups(new Set([executionId])).size === 0,
        'the orphaned action to be killed',
      );
    } finally {
      killOrphanedProcessGroups(new Set([executionId]));
    }
  });

  it('gives up on a spawner that never reports ready, and tries again after retryAfterMs', async () => {
    const spawner = new Spawner({
      fallback: runInProcess,
      script: join(FIXTURES, 'never-ready.mjs'),
      startTimeoutMs: 300,
      retryAfterMs: 0,
    });
    const outcome = await spawner.run(bash('echo $PPID').spec);
    expect(Number(outcome.stdout.text.trim())).toBe(process.pid);
    expect(spawner.fallbackReason).toBe('process spawner did not start (not ready after 300 ms)');
    await spawner.run(bash('true').spec);
    expect(spawner.starts).toBe(2);
  });
});
