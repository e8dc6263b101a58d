import { describe, expect, it } from 'vitest';
import { Conductor } from '../../engine/workflows/conductor.ts';
import { parseWorkflow } from '../../engine/workflows/spec.ts';

const SEQ = parseWorkflow(`
version: 1.0
input:
  - name
  - greeting: hello <% ctx().name %>
output:
  - msg: <% ctx().msg %>
tasks:
  task1:
    action: core.echo message=<% ctx().greeting %>
    next:
      - when: <% succeeded() %>
        publish: msg=<% result() %>
        do: task2
  task2:
    delay: 3
    action: core.noop
`);

function start(spec = SEQ, inputs: Record<string, unknown> = { name: 'bob' }): Conductor {
  const c = new Conductor(spec, { inputs });
  c.requestWorkflowStatus('running');
  return c;
}

describe('Conductor', () => {
  it('renders inputs (defaults can use earlier inputs) and task input, and completes with output', () => {
    const c = start();
    const [t1] = c.getNextTasks();
    expect(t1).toMatchObject({ id: 'task1', route: 0, action: 'core.echo', input: { message: 'hello bob' } });
    c.updateTaskState('task1', 0, { status: 'running' });
    c.updateTaskState('task1', 0, { status: 'succeeded', result: 'hi!' });
    const [t2] = c.getNextTasks();
    expect(t2).toMatchObject({ id: 'task2', delay: 3, action: 'core.noop', input: null });
    c.updateTaskState('task2', 0, { status: 'running' });
    c.updateTaskState('task2', 0, { status: 'succeeded' });
    expect(c.getWorkflowStatus()).toBe('succeeded');
    c.renderWorkflowOutput();
    expect(c.getWorkflowOutput()).toEqual({ msg: 'hi!' });
    expect(c.getTerminalTasks().map((t) => t.id)).toEqual(['task2']);
  });

  it('serializes to compact JSON and continues identically after deserialize', () => {
    const c = start();
    c.updateTaskState('task1', 0, { status: 'running' });
    const data = c.serialize({ spec: false });
    expect(data.spec).toBeUndefined();
    const json = JSON.stringify(data);
    expect(json).not.toContain('\n');
    const d = Conductor.deserialize(json, SEQ);
    d.updateTaskState('task1', 0, { status: 'succeeded', result: 'x' });
    expect(d.getNextTasks().map((t) => t.id)).toEqual(['task2']);
    // The original is untouched by the copy.
    expect(c.getTaskState('task1')?.status).toBe('running');
    const withSpec = Conductor.deserialize(c.serialize());
    expect(withSpec.getTaskSequence()).toEqual(['task1__r0']);
  });

  it('pauses (pausing while a task runs), refuses new tasks, then resumes', () => {
    const c = start();
    c.updateTaskState('task1', 0, { status: 'running' });
    c.requestWorkflowStatus('pausing');
    expect(c.getWorkflowStatus()).toBe('pausing');
    c.updateTaskState('task1', 0, { status: 'succeeded', result: 'r' });
    expect(c.getWorkflowStatus()).toBe('paused');
    expect(c.getNextTasks()).toEqual([]);
    c.requestWorkflowStatus('resuming');
    expect(c.getWorkflowStatus()).toBe('resuming');
    const next = c.getNextTasks();
    expect(next.map((t) => t.id)).toEqual(['task2']);
    c.updateTaskState('task2', 0, { status: 'running' });
    expect(c.getWorkflowStatus()).toBe('running');
    c.updateTaskState('task2', 0, { status: 'succeeded' });
    expect(c.getWorkflowStatus()).toBe('succeeded');
  });

  it('cancels: canceling until the active task ends, then canceled, output still rendered', () => {
    const c = start();
    c.updateTaskState('task1', 0, { status: 'running' });
    c.requestWorkflowStatus('canceling');
    expect(c.getWorkflowStatus()).toBe('canceling');
    c.updateTaskState('task1', 0, { status: 'succeeded', result: 'late' });
    expect(c.getWorkflowStatus()).toBe('canceled');
    expect(c.getNextTasks()).toEqual([]);
    // Output renders from the terminal task's incoming context (what task1 published went to task2).
    c.renderWorkflowOutput();
    expect(c.getWorkflowOutput()).toEqual({ msg: null });
  });

  it('a pending task (inquiry) pauses the workflow; the response resumes it', () => {
    const c = start();
    c.updateTaskState('task1', 0, { status: 'running' });
    c.updateTaskState('task1', 0, { status: 'pending' });
    expect(c.getWorkflowStatus()).toBe('paused');
    c.requestWorkflowStatus('resuming');
    c.updateTaskState('task1', 0, { status: 'succeeded', result: 'approved' });
    expect(c.getWorkflowStatus()).toBe('running');
    expect(c.getNextTasks().map((t) => t.id)).toEqual(['task2']);
  });

  it('fails on an unhandled task failure and logs the result', () => {
    const c = start();
    c.updateTaskState('task1', 0, { status: 'running' });
    c.updateTaskState('task1', 0, { status: 'failed', result: { stderr: 'boom' } });
    expect(c.getWorkflowStatus()).toBe('failed');
    expect(c.errors).toEqual([
      {
        type: 'error',
        message: 'Execution failed. See result for details.',
        task_id: 'task1',
        result: { stderr: 'boom' },
      },
    ]);
    expect(() => c.requestWorkflowStatus('running')).toThrow(/failed/);
  });

  it('fails the workflow when a task does not render, naming the task', () => {
    const spec = parseWorkflow('tasks:\n  t:\n    action: core.echo message=<% ctx().nope.deeper %>\n');
    const c = start(spec, {});
    expect(c.getNextTasks()).toEqual([]);
    expect(c.getWorkflowStatus()).toBe('failed');
    expect(c.errors[0]).toMatchObject({ type: 'error', task_id: 't', route: 0 });
  });

  it('runs with-items under a concurrency cap and gathers results in item order', () => {
    const spec = parseWorkflow(`
vars:
  - xs: [a, b, c]
output:
  - out: <% ctx().out %>
tasks:
  each:
    with:
      items: x in <% ctx(xs) %>
      concurrency: 2
    action: core.echo message=<% item(x) %>
    next:
      - when: <% succeeded() %>
        publish: out=<% result() %>
`);
    const c = start(spec, {});
    let [t] = c.getNextTasks();
    expect(t?.items_count).toBe(3);
    expect(t?.actions).toEqual([
      { action: 'core.echo', input: { message: 'a' }, item_id: 0 },
      { action: 'core.echo', input: { message: 'b' }, item_id: 1 },
    ]);
    c.updateTaskState('each', 0, { status: 'running', itemId: 0 });
    c.updateTaskState('each', 0, { status: 'running', itemId: 1 });
    expect(c.getNextTasks()).toEqual([]);
    const acc: unknown[] = ['A', null, null];
    c.updateTaskState('each', 0, { status: 'succeeded', itemId: 0, result: 'A', accumulatedResult: acc });
    [t] = c.getNextTasks();
    expect(t?.actions.map((a) => a.item_id)).toEqual([2]);
    c.updateTaskState('each', 0, { status: 'running', itemId: 2 });
    c.updateTaskState('each', 0, {
      status: 'succeeded',
      itemId: 2,
      result: 'C',
      accumulatedResult: ['A', null, 'C'],
    });
    expect(c.getWorkflowStatus()).toBe('running');
    c.updateTaskState('each', 0, {
      status: 'succeeded',
      itemId: 1,
      result: 'B',
      accumulatedResult: ['A', 'B', 'C'],
    });
    expect(c.getWorkflowStatus()).toBe('succeeded');
    c.renderWorkflowOutput();
    expect(c.getWorkflowOutput()).toEqual({ out: ['A', 'B', 'C'] });
  });

  it('an empty with-items list succeeds with an empty result', () => {
    const spec = parseWorkflow('tasks:\n  each:\n    with: <% [] %>\n    action: core.noop\n');
    const c = start(spec, {});
    const [t] = c.getNextTasks();
    expect(t).toMatchObject({ id: 'each', items_count: 0, actions: [] });
    c.updateTaskState('each', 0, { status: 'running' });
    c.updateTaskState('each', 0, { status: 'succeeded', result: [] });
    expect(c.getWorkflowStatus()).toBe('succeeded');
  });

  it('merges the st2 context under inputs and vars', () => {
    const spec = parseWorkflow(
      'vars:\n  - who: <% ctx().st2.user %>\ntasks:\n  t:\n    action: core.echo message=<% ctx().who %>\n',
    );
    const c = new Conductor(spec, { context: { st2: { user: 'stanley' } } });
    c.requestWorkflowStatus('running');
    expect(c.getNextTasks()[0]?.input).toEqual({ message: 'stanley' });
  });

  it("supports st2's task(): result and status of a task run, task() for the current one", () => {
    const spec = parseWorkflow(`
output:
  - approved: <% ctx().approved %>
  - name: <% ctx().name %>
tasks:
  ask:
    action: core.ask
    next:
      - when: <% task(ask).result.response.approved = true %>
        publish:
          - approved: <% task(ask).result.response.approved %>
          - name: <% task().task_name %>
        do: done
  done:
    action: core.noop
`);
    const c = start(spec, {});
    c.updateTaskState('ask', 0, { status: 'running' });
    c.updateTaskState('ask', 0, { status: 'succeeded', result: { response: { approved: true } } });
    expect(c.getNextTasks().map((t) => t.id)).toEqual(['done']);
    c.updateTaskState('done', 0, { status: 'running' });
    c.updateTaskState('done', 0, { status: 'succeeded' });
    c.renderWorkflowOutput();
    expect(c.getWorkflowOutput()).toEqual({ approved: true, name: 'ask' });
  });

  it('treats given inputs as data (never rendered); defaults are rendered', () => {
    const spec = parseWorkflow(
      'input:\n  - a\n  - b: <% ctx().a %>!\ntasks:\n  t:\n    action: core.echo message=<% ctx().b %>\n',
    );
    const c = start(spec, { a: '<% ctx(st2) %>' });
    expect(c.getNextTasks()[0]?.input).toEqual({ message: '<% ctx(st2) %>!' });
  });

  it('binds with-items names from zip() in YAQL and Jinja (json() and zip() exist in both)', () => {
    for (const items of [
      'i, j in <% zip(ctx(a), ctx(b)) %>',
      'i, j in {{ zip(ctx(\'a\'), json(\'["x", "y"]\')) }}',
    ]) {
      const spec = parseWorkflow(
        `vars:\n  - a: [1, 2, 3]\n  - b: [x, y]\ntasks:\n  t:\n    with: ${items}\n    action: core.echo\n    input:\n      message: "{{ item('i') }}-{{ item('j') }}"\n`,
      );
      const c = start(spec, {});
      expect(
        c.getNextTasks()[0]?.actions.map((a) => a.input),
        items,
      ).toEqual([{ message: '1-x' }, { message: '2-y' }]);
    }
  });
});
