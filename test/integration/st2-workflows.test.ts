/**
 * StackStorm's own example workflows (../shared/compat/st2/examples, unchanged) run through a real engine with
 * the real core actions (core.local, core.echo, core.noop, core.ask): statuses and outputs as StackStorm's
 * documentation and integration tests expect. Workflows calling actions the corpus lacks (python actions, the
 * `fixtures` pack) or failing inspection on purpose are asserted to fail with a clear error.
 * (The `run` conformance cases through the CLI live in test/workflows/cli-workflow.test.ts.)
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../engine/auth/principal.ts';
import type { Engine } from '../../engine/engine.ts';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';
import { waitFor } from '../helpers/squall-process.ts';

const COMPAT = path.resolve(import.meta.dirname, '../../../shared/compat/st2');

let fx: EngineFixture;
let engine: Engine;
let admin: Principal;
let scratch: string;

beforeAll(async () => {
  fx = await startEngine({ packs: [COMPAT] });
  engine = fx.engine;
  admin = engine.rbac.principal('admin');
  scratch = mkdtempSync(path.join(tmpdir(), 'squall-st2wf-'));
}, 60_000);

afterAll(async () => {
  await fx?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface WorkflowResult {
  output?: Record<string, unknown> | null;
  errors?: Array<{ type?: string; message: string; task_id?: string }>;
}

async function start(name: string, parameters: Record<string, unknown> = {}): Promise<ExecutionRecord> {
  return engine.run({ action: `examples.${name}`, parameters, context: { user: 'admin' } }, admin);
}

async function run(name: string, parameters: Record<string, unknown> = {}) {
  const rec = await start(name, parameters);
  const done = await engine.waitForExecution(rec.id);
  return { ...done, result: done.result as WorkflowResult };
}

function children(id: string): ExecutionRecord[] {
  return engine.listExecutions({ parent: id, order: 'asc' });
}

/** Task ids of the children, in request order, with their statuses. */
function tasks(id: string): Array<[string | undefined, string]> {
  return children(id).map((c) => [c.context.parent?.task_id, c.status]);
}

function stdout(rec: ExecutionRecord | undefined): string {
  return String((rec?.result as { stdout?: unknown } | undefined)?.stdout ?? '');
}

async function statusOf(id: string, status: string): Promise<ExecutionRecord> {
  return waitFor(
    () => {
      const rec = engine.getExecution(id);
      return rec?.status === status ? rec : undefined;
    },
    30_000,
    `execution ${id} to be ${status} (is ${engine.getExecution(id)?.status})`,
  );
}

async function childRunning(id: string, task: string): Promise<ExecutionRecord> {
  return waitFor(
    () => children(id).find((c) => c.context.parent?.task_id === task && c.status === 'running'),
    30_000,
    `task ${task} of ${id} to run`,
  );
}

async function pendingInquiry(parentId: string, task?: string) {
  return waitFor(
    () =>
      engine
        .listInquiries({ status: 'pending' })
        .find(
          (i) =>
            i.parent_execution_id === parentId &&
            (!task || engine.getExecution(i.execution_id)?.context.parent?.task_id === task),
        ),
    30_000,
    `an inquiry of ${parentId}`,
  );
}

function tempFile(name: string, content = ''): string {
  const file = path.join(scratch, `${name}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, content);
  return file;
}

describe('basic flow', () => {
  it('orquesta-basic runs a command and outputs its stdout', async () => {
    const done = await run('orquesta-basic', { cmd: 'echo hello from st2' });
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ stdout: 'hello from st2' });
    expect(children(done.id).map((c) => [c.action, c.status])).toEqual([['core.local', 'succeeded']]);
  });

  it('orquesta-sequential publishes from task to task', async () => {
    const done = await run('orquesta-sequential', { name: 'Stanley' });
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ output: { greeting: 'Stanley, All your base are belong to us!' } });
    expect(tasks(done.id)).toEqual([
      ['task1', 'succeeded'],
      ['task2', 'succeeded'],
      ['task3', 'succeeded'],
    ]);
  });

  it('orquesta-data-flow carries input → vars → publish → output', async () => {
    const done = await run('orquesta-data-flow', { a1: 'LSU Tigers' });
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ a5: 'LSU Tigers', b5: 'LSU Tigers' });
  });

  it('orquesta-join runs parallel branches and joins them', async () => {
    const done = await run('orquesta-join');
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({
      messages: [
        'Fee fi fo fum',
        'I smell the blood of an English man',
        'Be alive, or be he dead',
        "I'll grind his bones to make my bread",
      ],
    });
  });

  it('orquesta-delay delays its first task (short delay through the input)', async () => {
    const done = await run('orquesta-delay', { name: 'Lakshmi', delay: 1 });
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ greeting: 'Lakshmi, All your base are belong to us!' });
  });

  it('orquesta-test-action-less-tasks: tasks without actions publish and route', async () => {
    const done = await run('orquesta-test-action-less-tasks', { name: 'Stanley' });
    expect(done.status).toBe('succeeded');
    // st2's itest (test_action_less): task6 joins both branches and the uppered greeting wins
    expect(done.result).toEqual({ output: { greeting: 'STANLEY, ALL YOUR BASE ARE BELONG TO US!' } });
    expect(children(done.id).map((c) => c.context.parent?.task_id)).toEqual(['task2', 'task3', 'task6']);
  });

  it('orquesta-st2-ctx exposes the st2 context (api_url, action_execution_id)', async () => {
    const done = await run('orquesta-st2-ctx');
    expect(done.status).toBe('succeeded');
    expect(done.result.output?.callback).toBe(`${fx.config.http.publicUrl}/api/v1/executions/${done.id}`);
  });
});

describe('with-items', () => {
  const expected = [
    'Lakshmi, resistance is futile!',
    'Lindsay, resistance is futile!',
    'Tomaz, resistance is futile!',
  ];

  // Both examples read `task(task1).result.items.select($.result.stdout)`: st2 stores a with-items task's result as
  // {items: [{status, result}, ...]}; its integration tests (test_with_items, test_with_items_concurrency) expect
  // exactly `{output: {items: [...]}}`.
  it('orquesta-with-items: one child per item, output in item order', async () => {
    const done = await run('orquesta-with-items');
    expect(children(done.id)).toHaveLength(3);
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ items: expected });
  });

  it('orquesta-with-items-concurrency: same output with concurrency 1', async () => {
    const done = await run('orquesta-with-items-concurrency', { concurrency: 1 });
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ items: expected });
  });

  it('with-items children run with their item (orquesta-with-items)', async () => {
    const done = await run('orquesta-with-items', { members: ['Ann', 'Bob'] });
    const items = children(done.id);
    expect(items.map((c) => [c.context.parent?.item_id, stdout(c)])).toEqual([
      [0, 'Ann, resistance is futile!'],
      [1, 'Bob, resistance is futile!'],
    ]);
  });

  it('orquesta-test-with-items waits on every item (named item variable, concurrency from input)', async () => {
    const files = [tempFile('wi-a'), tempFile('wi-b')];
    const rec = await start('orquesta-test-with-items', { tempfiles: files });
    await waitFor(
      () => children(rec.id).filter((c) => c.status === 'running').length === 2,
      30_000,
      'both items',
    );
    for (const f of files) rmSync(f);
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('succeeded');
    expect(children(rec.id).map((c) => c.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('orquesta-test-with-items-failure: odd items fail, so the task and the workflow fail', async () => {
    const done = await run('orquesta-test-with-items-failure');
    expect(done.status).toBe('failed');
    const items = children(done.id);
    expect(items).toHaveLength(10);
    expect(items.filter((c) => c.status === 'failed').map((c) => c.context.parent?.item_id)).toEqual([
      1, 3, 5, 7, 9,
    ]);
  });

  it('orquesta-test-subworkflow-empty-with-items: a with-items over nothing succeeds', async () => {
    const done = await run('orquesta-test-subworkflow-empty-with-items');
    expect(done.status).toBe('succeeded');
    expect(children(done.id).map((c) => [c.action, c.status])).toEqual([
      ['examples.orquesta-test-with-items', 'succeeded'],
      ['core.noop', 'succeeded'],
    ]);
  });
});

describe('subworkflows', () => {
  it('orquesta-subworkflow runs a workflow as a task', async () => {
    const done = await run('orquesta-subworkflow');
    expect(done.status).toBe('succeeded');
    const kids = children(done.id);
    expect(kids.map((c) => [c.action, c.status])).toEqual([
      ['core.echo', 'succeeded'],
      ['examples.orquesta-sequential', 'succeeded'],
      ['core.echo', 'succeeded'],
    ]);
    const sub = kids[1]!;
    expect((sub.result as WorkflowResult).output).toEqual({
      greeting: 'Lakshmi, All your base are belong to us!',
    });
    expect(children(sub.id)).toHaveLength(3);
  });

  it('orquesta-examples runs three example workflows in a row', async () => {
    const done = await run('orquesta-examples');
    expect(done.status).toBe('succeeded');
    const kids = children(done.id);
    expect(kids.map((c) => [c.action, c.status])).toEqual([
      ['examples.orquesta-basic', 'succeeded'],
      ['examples.orquesta-sequential', 'succeeded'],
      ['examples.orquesta-data-flow', 'succeeded'],
    ]);
    expect((kids[2]!.result as WorkflowResult).output).toEqual({ a5: 'LSU Tigers', b5: 'LSU Tigers' });
    expect((kids[1]!.result as WorkflowResult).output).toEqual({
      greeting: 'Blueberry, All your base are belong to us!',
    });
  });
});

describe('error handling', () => {
  let lastRollbackRetry: WorkflowResult | undefined;
  it('orquesta-error-handling-continue: continue publishes, and the failure still fails the workflow', async () => {
    const failed = await run('orquesta-error-handling-continue', { cmd: 'exit 1' });
    expect(failed.status).toBe('failed');
    expect(failed.result.output).toEqual({ message: '$%#&@#$!!!' });
    const ok = await run('orquesta-error-handling-continue', { cmd: 'true' });
    expect(ok.status).toBe('succeeded');
    expect(ok.result.output).toEqual({ message: 'hooray!!!' });
  });

  it('orquesta-error-handling-noop: noop handles the failure, the workflow succeeds', async () => {
    const done = await run('orquesta-error-handling-noop', { cmd: 'exit 1' });
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ message: '$%#&@#$!!!' });
  });

  it('orquesta-error-handling-fail-manually: remediates, then fails explicitly', async () => {
    const done = await run('orquesta-error-handling-fail-manually', { cmd: 'exit 1' });
    expect(done.status).toBe('failed');
    expect(done.result.output).toEqual({ message: '$%#&@#$!!!' });
    expect(tasks(done.id)).toEqual([
      ['task1', 'failed'],
      ['task3', 'succeeded'],
    ]);
  });

  for (const name of ['orquesta-fail-manually', 'orquesta-remediate-then-fail']) {
    it(`${name}: logs the failure, then fails`, async () => {
      const done = await run(name);
      expect(done.status).toBe('failed');
      expect(tasks(done.id)).toEqual([
        ['task1', 'failed'],
        ['log', 'succeeded'],
      ]);
      expect(done.result.errors?.map((e) => e.task_id)).toEqual(['task1', 'fail']);
    });
  }

  it('orquesta-output-on-error renders the output of a failed workflow', async () => {
    const done = await run('orquesta-output-on-error');
    expect(done.status).toBe('failed');
    // exactly st2's itest (test_output_on_error)
    expect(done.result).toEqual({
      output: { progress: 25 },
      errors: [
        {
          type: 'error',
          task_id: 'task2',
          message: 'Execution failed. See result for details.',
          result: { failed: true, return_code: 1, stderr: '', stdout: '', succeeded: false },
        },
      ],
    });
  });

  it('orquesta-task-retry retries the check until the file exists', async () => {
    const done = await run('orquesta-task-retry');
    expect(done.status).toBe('succeeded');
    const checks = children(done.id).filter((c) => c.context.parent?.task_id === 'check');
    expect(checks.length).toBeGreaterThan(1);
    expect(checks.at(-1)?.status).toBe('succeeded');
    expect(checks.slice(0, -1).every((c) => c.status === 'failed')).toBe(true);
  });

  it('orquesta-task-retry-exhausted fails once the retries are used up', async () => {
    const done = await run('orquesta-task-retry-exhausted');
    expect(done.status).toBe('failed');
    const checks = children(done.id).filter((c) => c.context.parent?.task_id === 'check');
    expect(checks.map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
    expect(children(done.id).some((c) => c.context.parent?.task_id === 'delete')).toBe(false);
  });

  it('orquesta-rollback-retry loops check → rollback until it succeeds', async () => {
    const done = await run('orquesta-rollback-retry');
    expect(done.status).toBe('succeeded');
    const ids = children(done.id).map((c) => c.context.parent?.task_id);
    expect(ids).toContain('rollback');
    expect(ids.at(-1)).toBe('delete');
    lastRollbackRetry = done.result;
  });

  // st2's itest (test_cycle) expects exactly {output: None} for this succeeded workflow: the handled failures of
  // `check` are not listed as `errors`.
  it("orquesta-rollback-retry: a succeeded workflow's result is only {output} (st2)", () => {
    expect(lastRollbackRetry).toBeDefined();
    expect(lastRollbackRetry).toEqual({ output: null });
  });
});

describe('inquiries', () => {
  it('orquesta-ask-basic pauses on the question and finishes once answered', async () => {
    const rec = await start('orquesta-ask-basic');
    const inquiry = await pendingInquiry(rec.id);
    await statusOf(rec.id, 'paused');
    await expect(engine.respondInquiry(inquiry.id, { approved: 'yes' }, admin)).rejects.toThrow(/schema/);
    await engine.respondInquiry(inquiry.id, { approved: true }, admin);
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('succeeded');
    expect(tasks(rec.id)).toEqual([
      ['start', 'succeeded'],
      ['get_approval', 'succeeded'],
      ['finish', 'succeeded'],
    ]);
    await expect(engine.respondInquiry(inquiry.id, { approved: false }, admin)).rejects.toThrow(
      /already answered/,
    );
  });

  it('orquesta-ask-consecutive asks twice', async () => {
    const rec = await start('orquesta-ask-consecutive');
    await engine.respondInquiry((await pendingInquiry(rec.id, 'get_approval')).id, { approved: true }, admin);
    await engine.respondInquiry(
      (await pendingInquiry(rec.id, 'get_confirmation')).id,
      { approved: true },
      admin,
    );
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('succeeded');
    expect(children(rec.id).at(-1)?.context.parent?.task_id).toBe('finish');
  });

  it('orquesta-ask-multiple-parameters routes on the response fields', async () => {
    const rec = await start('orquesta_ask_multiple_parameters');
    const inquiry = await pendingInquiry(rec.id);
    await engine.respondInquiry(
      inquiry.id,
      { approved: true, department_id: 7, extra_output: 'hi there' },
      admin,
    );
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('succeeded');
    const kids = children(rec.id);
    expect(kids.map((c) => c.context.parent?.task_id)).toEqual([
      'start',
      'get_approval',
      'echo_extra_message',
      'finish',
    ]);
    expect(stdout(kids[2])).toBe('Extra info hi there.');
    expect(stdout(kids[3])).toBe('Approved by department 7. Automation completed.');
  });

  it('orquesta-ask-nested: the question inside a subworkflow pauses both; the answer finishes both', async () => {
    const rec = await start('orquesta-ask-nested');
    const sub = await waitFor(() => children(rec.id).find((c) => c.action === 'examples.orquesta-ask-basic'));
    const inquiry = await pendingInquiry(sub.id);
    await statusOf(sub.id, 'paused');
    await statusOf(rec.id, 'paused');
    await engine.respondInquiry(inquiry.id, { approved: true }, admin);
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('succeeded');
    expect(engine.getExecution(sub.id)?.status).toBe('succeeded');
  });

  it('orquesta-ask-parallel waits for both answers before the join', async () => {
    const rec = await start('orquesta-ask-parallel');
    const jack = await pendingInquiry(rec.id, 'ask_jack');
    const jill = await pendingInquiry(rec.id, 'ask_jill');
    await engine.respondInquiry(jack.id, { approved: true }, admin);
    await statusOf(rec.id, 'paused');
    expect(children(rec.id).some((c) => c.context.parent?.task_id === 'finish')).toBe(false);
    await engine.respondInquiry(jill.id, { approved: true }, admin);
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('succeeded');
    expect(children(rec.id).filter((c) => c.context.parent?.task_id === 'finish')).toHaveLength(1);
  });
});

describe('datastore', () => {
  it('orquesta-st2kv reads a key (and decrypts an encrypted one)', async () => {
    await engine.datastore.set(admin, 'wf_greeting', 'hello kv');
    const plain = await run('orquesta-st2kv', { key_name: 'system.wf_greeting' });
    expect(plain.status).toBe('succeeded');
    expect(plain.result.output).toEqual({ value: 'hello kv' });
    await engine.datastore.set(admin, 'wf_secret', 's3cr3t', { encrypt: true });
    const secret = await run('orquesta-st2kv', { key_name: 'system.wf_secret', decrypt: true });
    expect(secret.status).toBe('succeeded');
    expect(secret.result.output).toEqual({ value: 's3cr3t' });
  });

  it('orquesta-st2kv fails when the key does not exist', async () => {
    const done = await run('orquesta-st2kv', { key_name: 'system.no_such_key' });
    expect(done.status).toBe('failed');
    expect(done.result.errors?.[0]?.message).toMatch(/no_such_key/);
  });

  it('orquesta-st2kv-default falls back to the default in YAQL and Jinja', async () => {
    const done = await run('orquesta-st2kv-default', { key_name: 'system.absent_key', default: 'fallback' });
    expect(done.status).toBe('succeeded');
    expect(done.result.output).toEqual({ value_from_yaql: 'fallback', value_from_jinja: 'fallback' });
    await engine.datastore.set(admin, 'present_key', 'real');
    const present = await run('orquesta-st2kv-default', {
      key_name: 'system.present_key',
      default: 'fallback',
    });
    expect(present.result.output).toEqual({ value_from_yaql: 'real', value_from_jinja: 'real' });
  });
});

describe('expression functions (st2 itests)', () => {
  for (const lang of ['jinja', 'yaql']) {
    it(`orquesta-test-${lang}-data-functions`, async () => {
      const done = await run(`orquesta-test-${lang}-data-functions`);
      expect(done.status).toBe('succeeded');
      expect(done.result.output).toMatchObject({
        data_json_str_1: '{"foo": {"bar": "foobar"}}',
        data_json_obj_1: { foo: { bar: 'foobar' } },
        data_yaml_str_1: 'foo:\n  bar: foobar\n',
        data_json_obj_2: { foo: { bar: 'foobar' } },
        data_query_1: ['foobar'],
      });
    });

    it(`orquesta-test-${lang}-path-functions`, async () => {
      const done = await run(`orquesta-test-${lang}-path-functions`);
      expect(done.status).toBe('succeeded');
      expect(done.result.output).toEqual({ basename: 'file.txt', dirname: '/path/to/some' });
    });

    it(`orquesta-test-${lang}-regex-functions`, async () => {
      const done = await run(`orquesta-test-${lang}-regex-functions`);
      expect(done.status).toBe('succeeded');
      expect(done.result.output).toEqual({
        match: true,
        replace: 'wxyz',
        search: true,
        substring: '668 Infinite Dr',
      });
    });

    it(`orquesta-test-${lang}-time-functions`, async () => {
      const done = await run(`orquesta-test-${lang}-time-functions`);
      expect(done.status).toBe('succeeded');
      expect(done.result.output).toEqual({ time: '3h25m45s' });
    });

    it(`orquesta-test-${lang}-version-functions`, async () => {
      const done = await run(`orquesta-test-${lang}-version-functions`);
      expect(done.status).toBe('succeeded');
      expect(done.result.output).toEqual({
        compare_equal: 0,
        compare_more_than: -1,
        compare_less_than: 1,
        equal: true,
        more_than: false,
        less_than: false,
        match: true,
        bump_major: '1.0.0',
        bump_minor: '0.11.0',
        bump_patch: '0.10.1',
        strip_patch: '0.10',
      });
    });

    it(`orquesta-test-${lang}-task-functions`, async () => {
      const done = await run(`orquesta-test-${lang}-task-functions`);
      expect(done.status).toBe('succeeded');
      expect(done.result.output).toEqual({
        this_task_no_arg: 'task1',
        this_task_by_name: 'task1',
        that_task_by_name: 'task1',
        last_task4_result: 'False',
        task9__1__parent: 'task8__1',
        task9__2__parent: 'task8__2',
      });
    });

    it(`orquesta-test-${lang}-task-nonexistent fails naming the missing task`, async () => {
      const done = await run(`orquesta-test-${lang}-task-nonexistent`);
      expect(done.status).toBe('failed');
      expect(done.result.errors?.map((e) => e.message).join('\n')).toMatch(/task0/);
    });
  }
});

describe('pause, resume, cancel, rerun', () => {
  it('orquesta-test-pause: pausing waits for the running task, resume finishes', async () => {
    const file = tempFile('pause');
    const rec = await start('orquesta-test-pause', { tempfile: file });
    await childRunning(rec.id, 'task1');
    expect((await engine.pauseExecution(rec.id, admin)).status).toBe('pausing');
    rmSync(file);
    await statusOf(rec.id, 'paused');
    expect(tasks(rec.id)).toEqual([['task1', 'succeeded']]);
    await engine.resumeExecution(rec.id, admin);
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('succeeded');
    const kids = children(rec.id);
    expect(kids.map((c) => c.context.parent?.task_id)).toEqual(['task1', 'task2']);
    expect(stdout(kids[1])).toBe(`${file} is deleted.`);
  });

  it('orquesta-test-pause-resume carries its input across the pause', async () => {
    const file = tempFile('pause-resume');
    const rec = await start('orquesta-test-pause-resume', { tempfile: file, message: 'back again' });
    await childRunning(rec.id, 'task1');
    await engine.pauseExecution(rec.id, admin);
    rmSync(file);
    await statusOf(rec.id, 'paused');
    await engine.resumeExecution(rec.id, admin);
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('succeeded');
    expect(stdout(children(rec.id)[1])).toBe('back again');
  });

  it('orquesta-test-cancel: cancel reaches the running task; the next one never runs', async () => {
    const file = tempFile('cancel');
    const rec = await start('orquesta-test-cancel', { tempfile: file, message: 'x' });
    const task1 = await childRunning(rec.id, 'task1');
    expect((await engine.cancelExecution(rec.id, admin)).status).toBe('canceling');
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('canceled');
    expect(engine.getExecution(task1.id)?.status).toBe('canceled');
    expect(children(rec.id).map((c) => c.context.parent?.task_id)).toEqual(['task1']);
    expect(existsSync(file)).toBe(true);
  });

  it('orquesta-test-rerun: re-run from the failed task once the cause is fixed', async () => {
    const file = tempFile('rerun', '1');
    const first = await run('orquesta-test-rerun', { tempfile: file });
    expect(first.status).toBe('failed');
    expect(tasks(first.id)).toEqual([
      ['task1', 'succeeded'],
      ['task2', 'failed'],
    ]);
    writeFileSync(file, '0');
    const again = await engine.reRunExecution(first.id, admin, { tasks: ['task2'] });
    const done = await engine.waitForExecution(again.id);
    expect(done.status).toBe('succeeded');
    expect(tasks(again.id)).toEqual([
      ['task2', 'succeeded'],
      ['task3', 'succeeded'],
    ]);
  });

  it('orquesta-test-rerun-with-items: only the failed items run again', async () => {
    const file = tempFile('rerun-items', '1');
    const first = await run('orquesta-test-rerun-with-items', { tempfile: file });
    expect(first.status).toBe('failed');
    expect(children(first.id).map((c) => c.status)).toEqual(['succeeded', 'failed', 'succeeded', 'failed']);
    writeFileSync(file, '0');
    const again = await engine.reRunExecution(first.id, admin, { tasks: ['task1'] });
    const done = await engine.waitForExecution(again.id);
    expect(done.status).toBe('succeeded');
    expect(children(again.id).map((c) => [c.context.parent?.item_id, c.status])).toEqual([
      [1, 'succeeded'],
      [3, 'succeeded'],
    ]);
  });
});

describe('workflows that fail on purpose or call actions Squall lacks', () => {
  it('orquesta-fail-inspection fails with the inspector errors and runs nothing', async () => {
    const done = await run('orquesta-fail-inspection');
    expect(done.status).toBe('failed');
    const text = JSON.stringify(done.result);
    expect(text).toMatch(/is not valid under any of the given schemas/);
    expect(text).toMatch(/YAQL syntax error/);
    expect(text).toMatch(/Variable \\?"foobar\\?" is referenced before assignment/);
    expect(children(done.id)).toHaveLength(0);
  });

  it('orquesta-fail-inspection-task-contents fails on the unknown actions', async () => {
    const done = await run('orquesta-fail-inspection-task-contents');
    expect(done.status).toBe('failed');
    expect(JSON.stringify(done.result)).toMatch(/echo|core\.echoz/);
  });

  const rendering: Array<[string, RegExp]> = [
    ['orquesta-fail-input-rendering', /abs\(8\)\.value/],
    ['orquesta-fail-vars-rendering', /abs\(8\)\.value/],
    ['orquesta-fail-output-rendering', /abs\(8\)\.value/],
    ['orquesta-fail-start-task', /ctx\(\)\.name\.value/],
    ['orquesta-fail-task-publish', /result\(\)\.value/],
    ['orquesta-fail-task-transition', /result\(\)\.value/],
  ];
  // st2's itests (test_task_publish_error, test_task_transition_error) expect `failed` with "YaqlEvaluationException:
  // Unable to resolve key 'value' in expression '<% result().value %>' from context.".
  for (const [name, expression] of rendering) {
    it(`${name} fails with the expression error`, async () => {
      const done = await run(name, name.includes('rendering') ? {} : { name: 'Stanley' });
      expect(done.status).toBe('failed');
      expect(done.result.errors?.map((e) => e.message).join('\n')).toMatch(expression);
    });
  }

  it('orquesta-mock-create-vm fails: examples.python-mock-create-vm is not in the corpus', async () => {
    const done = await run('orquesta-mock-create-vm', {
      vm_name: 'vm1',
      cpu_cores: 1,
      memory_mb: 512,
      ip: '10.0.0.1',
    });
    expect(done.status).toBe('failed');
    expect(JSON.stringify(done.result)).toMatch(/action \\"examples\.python-mock-create-vm\\" not found/);
  });

  it('render_config_context fails: the fixtures pack is not in the corpus', async () => {
    const done = await run('render_config_context');
    expect(done.status).toBe('failed');
    expect(JSON.stringify(done.result)).toMatch(/action \\"fixtures\.render_config_context\\" not found/);
  });

  it('orquesta-test-field-escaping fails: examples.python-mock-core-remote is not in the corpus', async () => {
    const done = await run('orquesta-test-field-escaping');
    expect(done.status).toBe('failed');
    expect(JSON.stringify(done.result)).toMatch(/python-mock-core-remote/);
  });
});

describe('action chains of the st2 corpus', () => {
  it('chatops.run fails at its first node: chatops.match_and_execute (python) is not in the corpus', async () => {
    const rec = await engine.run(
      {
        action: 'chatops.run',
        parameters: { text: 'run something', channel: 'ops' },
        context: { user: 'admin' },
      },
      admin,
    );
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('failed');
    expect((done.result as { error: string }).error).toBe(
      'Failed to run task "match_and_execute". Action with reference "chatops.match_and_execute" doesn\'t exist.',
    );
    expect(children(rec.id)).toHaveLength(0);
  });

  it('linux.diag_loadavg runs its first node as a child; its failure (no such script/host) fails the chain', async () => {
    const rec = await engine.run(
      { action: 'linux.diag_loadavg', parameters: { hostname: '127.0.0.1' }, context: { user: 'admin' } },
      admin,
    );
    const done = await engine.waitForExecution(rec.id);
    expect(done.status).toBe('failed');
    const kids = children(rec.id);
    expect(kids.map((c) => [c.action, c.context.parent?.task_id, c.status])).toEqual([
      ['linux.check_loadavg', 'check_load', 'failed'],
    ]);
    expect((done.result as { tasks: Array<{ name: string; state: string }> }).tasks).toMatchObject([
      { name: 'check_load', state: 'failed', execution_id: kids[0]!.id },
    ]);
  });
});
