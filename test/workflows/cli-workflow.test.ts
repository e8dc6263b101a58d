import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerWorkflowCommands } from '../../cli/commands/workflow.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../shared/conformance/orquesta');
const st2Tests = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../shared/compat/st2/examples/actions/workflows/tests',
);
const suite = JSON.parse(readFileSync(join(root, 'cases.json'), 'utf8')) as {
  cases: Array<{
    id: string;
    kind: string;
    workflow: string;
    inputs?: Record<string, unknown>;
    mock_action_executions?: unknown[];
    expected_task_sequence: string[];
    expected_workflow_status?: string;
    expected_output?: unknown;
  }>;
};
const tmp = mkdtempSync(join(tmpdir(), 'squall-wf-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  const program = new Command('squall').exitOverride();
  registerWorkflowCommands(program);
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'squall', ...args]);
  } finally {
    spy.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { stdout, exitCode };
}

const full = (id: string) => (id.includes('__r') ? id : `${id}__r0`);

describe('squall workflow rehearse (conformance run cases)', () => {
  for (const c of suite.cases.filter((x) => x.kind === 'run')) {
    it(c.id, async () => {
      const mocks = join(tmp, `${c.id}.json`);
      writeFileSync(mocks, JSON.stringify(c.mock_action_executions ?? []));
      const { stdout, exitCode } = await run([
        'workflow',
        'rehearse',
        join(root, c.workflow),
        '--inputs',
        JSON.stringify(c.inputs ?? {}),
        '--mocks',
        mocks,
        '--json',
      ]);
      expect(exitCode).toBe(0);
      const out = JSON.parse(stdout);
      expect(Object.keys(out)).toEqual([
        'status',
        'sequence',
        'routes',
        'errors',
        'output',
        'terminal_tasks',
      ]);
      expect(out.sequence.map(full)).toEqual(c.expected_task_sequence.map(full));
      expect(out.status).toBe(c.expected_workflow_status ?? 'succeeded');
      if (c.expected_output) expect(out.output).toEqual(c.expected_output);
    });
  }
});

describe('squall workflow inspect', () => {
  it('exits 0 for a clean workflow', async () => {
    const { stdout, exitCode } = await run(['workflow', 'inspect', join(root, 'sequential.yaml')]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('no errors');
  });

  it('lists type, spec path and message and exits 1 on errors', async () => {
    const { stdout, exitCode } = await run([
      'workflow',
      'inspect',
      join(st2Tests, 'orquesta-fail-inspection.yaml'),
    ]);
    expect(exitCode).toBe(1);
    expect(stdout).toContain(
      'context/yaql\ttasks.task1.action\tVariable "foobar" is referenced before assignment.',
    );
    expect(stdout).toContain('syntax\ttasks.task2.input\t');
  });

  it('prints JSON with --json', async () => {
    const { stdout, exitCode } = await run([
      'workflow',
      'inspect',
      join(st2Tests, 'orquesta-fail-inspection.yaml'),
      '--json',
    ]);
    expect(exitCode).toBe(1);
    const out = JSON.parse(stdout);
    expect(out.valid).toBe(false);
    expect(out.errors.context).toHaveLength(1);
  });

  it('rehearse refuses a workflow with inspection errors (exit 1)', async () => {
    const { exitCode } = await run(['workflow', 'rehearse', join(st2Tests, 'orquesta-fail-inspection.yaml')]);
    expect(exitCode).toBe(1);
  });

  it('rehearse prints a human summary', async () => {
    const { stdout, exitCode } = await run([
      'workflow',
      'rehearse',
      join(root, 'sequential.yaml'),
      '--inputs',
      '{"name":"x"}',
    ]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('status: succeeded');
    expect(stdout).toContain('sequence: task1 -> task2 -> task3 -> continue');
  });

  it('rehearse takes st2kv values with --kv', async () => {
    const wf = join(tmp, 'kv.yaml');
    writeFileSync(
      wf,
      "output:\n  - region: <% st2kv('system.region') %>\ntasks:\n  t:\n    action: core.noop\n",
    );
    const { stdout, exitCode } = await run([
      'workflow',
      'rehearse',
      wf,
      '--kv',
      '{"system.region":"eu"}',
      '--json',
    ]);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout).output).toEqual({ region: 'eu' });
  });

  it('test runs Orquesta-style test case files and fails on a mismatch', async () => {
    const good = join(tmp, 'good.yaml');
    const bad = join(tmp, 'bad.yaml');
    const workflow = join(root, 'sequential.yaml');
    writeFileSync(
      good,
      `workflow: ${workflow}\ninputs: {name: Stanley}\nmock_action_executions:\n  - {task_id: task3, result: hi}\nexpected_task_sequence: [task1, task2, task3, continue]\nexpected_output: {greeting: hi}\n`,
    );
    writeFileSync(
      bad,
      `workflow: ${workflow}\nexpected_task_sequence: [task1]\nexpected_workflow_status: failed\n`,
    );
    const ok = await run(['workflow', 'test', good]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain(`PASS ${good}`);
    const ko = await run(['workflow', 'test', good, bad]);
    expect(ko.exitCode).toBe(1);
    expect(ko.stdout).toContain(`FAIL ${bad}`);
    expect(ko.stdout).toContain('status "succeeded" != expected "failed"');
    expect(ko.stdout).toContain('1 passed, 1 failed');
  });
});
