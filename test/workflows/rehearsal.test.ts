import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createRehearsal,
  RehearsalError,
  rehearse,
  resumeRehearsal,
  runWorkflowTestCase,
  type WorkflowTestCase,
} from '../../engine/workflows/rehearsal.ts';

const here = dirname(fileURLToPath(import.meta.url));
const st2Tests = join(here, '../../../shared/compat/st2/examples/actions/workflows/tests');

describe('rehearse (public API)', () => {
  it("runs st2's task() functions across cycles and splits (YAQL and Jinja, keyword route)", () => {
    for (const lang of ['yaql', 'jinja']) {
      const r = rehearse({
        file: join(st2Tests, `orquesta-test-${lang}-task-functions.yaml`),
        mocks: [
          { task_id: 'task4', result: { stdout: 'looped' }, num_iter: 2 },
          { task_id: 'task9', result: { stdout: 'nine' }, num_iter: 2 },
        ],
      });
      expect(r.status, lang).toBe('succeeded');
      expect(r.output).toEqual({
        this_task_no_arg: 'task1',
        this_task_by_name: 'task1',
        that_task_by_name: 'task1',
        last_task4_result: 'looped',
        task9__1__parent: 'nine',
        task9__2__parent: 'nine',
      });
      expect(r.sequence).toContain('task9__r2');
    }
  });

  it('passes the st2 context to ctx(st2)', () => {
    const r = rehearse({
      specText:
        'output:\n  - cb: <% ctx(st2).api_url %>/executions/<% ctx(st2).action_execution_id %>\ntasks:\n  t:\n    action: core.noop\n',
      st2Context: { st2: { api_url: 'http://127.0.0.1/api/v1', action_execution_id: 'e1' } },
    });
    expect(r.output).toEqual({ cb: 'http://127.0.0.1/api/v1/executions/e1' });
  });

  it('rejects a workflow with inspection errors, with the inspection attached', () => {
    try {
      rehearse({ specText: 'tasks:\n  t:\n    action: core.noop\n    next: [{do: nowhere}]\n' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RehearsalError);
      expect((e as RehearsalError).inspection?.semantics[0]?.message).toBe(
        'The task "nowhere" is not defined.',
      );
    }
  });

  it('rejects mocks for unknown tasks', () => {
    expect(() =>
      rehearse({ specText: 'tasks:\n  t:\n    action: core.noop\n', mocks: [{ task_id: 'x' }] }),
    ).toThrow(/unknown task "x"/);
  });

  it('steps round by round, saves, and continues from the saved state', () => {
    const specText = readFileSync(join(st2Tests, 'orquesta-test-rerun.yaml'), 'utf8');
    const first = createRehearsal({ specText, mocks: [{ task_id: 'task2', status: 'failed' }] });
    expect(first.nextTasks().map((t) => t.id)).toEqual(['task1']);
    first.runRound();
    const saved = JSON.stringify(first.save());
    const before = first.run();
    expect(before.status).toBe('failed');
    // Continue the saved (unfinished) state with other mocks: task2 now succeeds.
    const again = resumeRehearsal({ state: saved }).run();
    expect(again.status).toBe('succeeded');
    expect(again.sequence).toEqual(['task1', 'task2', 'task3']);
    // Rerun the failed task of the finished one.
    const rerun = resumeRehearsal({ state: first.save() });
    rerun.rerun([{ task_id: 'task2' }]);
    expect(rerun.conductor.getWorkflowStatus()).toBe('resuming');
    expect(rerun.run().sequence).toEqual(['task1', 'task2', 'task2', 'task3']);
  });

  it('serves st2kv() from the kv option (system and user keys, default)', () => {
    const r = rehearse({
      file: join(st2Tests, '../orquesta-st2kv-default.yaml'),
      inputs: { key_name: 'nope', default: 'dflt' },
      kv: { 'system.k': 1 },
    });
    expect(r.errors).toEqual([]);
    expect(r.output).toEqual({ value_from_yaql: 'dflt', value_from_jinja: 'dflt' });
    const found = rehearse({
      file: join(st2Tests, '../orquesta-st2kv-default.yaml'),
      inputs: { key_name: 'system.k' },
      kv: { 'system.k': 'v' },
    });
    expect(found.output).toEqual({ value_from_yaql: 'v', value_from_jinja: 'v' });
  });

  it('steps one task at a time, in the order chosen', () => {
    const r = createRehearsal({
      specText: readFileSync(join(here, '../../../shared/conformance/orquesta/parallel.yaml'), 'utf8'),
    });
    expect(r.nextTasks().map((t) => t.id)).toEqual(['task1', 'task4']);
    expect(r.step('task4')?.id).toBe('task4');
    expect(r.step()?.id).toBe('task1');
    expect(r.step('nope')).toBeUndefined();
    expect(r.result().sequence).toEqual(['task4', 'task1']);
    expect(r.run().status).toBe('succeeded');
  });

  it('runWorkflowTestCase passes every conformance run case and reports each mismatch', () => {
    const root = join(here, '../../../shared/conformance/orquesta');
    const suite = JSON.parse(readFileSync(join(root, 'cases.json'), 'utf8')) as {
      cases: Array<Record<string, unknown>>;
    };
    const runs = suite.cases.filter((c) => c.kind === 'run') as unknown as WorkflowTestCase[];
    for (const c of runs) expect(runWorkflowTestCase(c, { baseDir: root }).failures).toEqual([]);
    const wrong = runWorkflowTestCase(
      {
        workflow: 'sequential.yaml',
        expected_task_sequence: ['task1'],
        expected_routes: [[], ['x']],
        expected_output: {},
      },
      { baseDir: root },
    );
    expect(wrong.passed).toBe(false);
    expect(wrong.failures).toHaveLength(3);
  });
});
