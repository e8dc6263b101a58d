import { describe, expect, it } from 'vitest';
import type { ActionDefinition, ExecutionRecord, ExecutionStatus } from '../../engine/model/index.ts';
import type { RunnerServices } from '../../engine/runners/runner.ts';
import type { Store, WorkflowTransition } from '../../engine/store/store.ts';
import { OrquestaRunner, type WorkflowRunState } from '../../engine/workflows/workflow-runner.ts';
import { fakeChildServices, workflowRunContext } from './fake-child-services.ts';

/** The store part the runtime uses, in memory (JSON round trip, like a real store): snapshots and log rows. */
function memoryStore(): Store & { states: Map<string, string>; rows: Map<string, WorkflowTransition[]> } {
  const states = new Map<string, string>();
  const rows = new Map<string, WorkflowTransition[]>();
  return {
    states,
    rows,
    saveWorkflowState: (id: string, state: unknown) => void states.set(id, JSON.stringify(state)),
    loadWorkflowState: (id: string) => (states.has(id) ? JSON.parse(states.get(id) as string) : undefined),
    appendWorkflowTransition: (id: string, seq: number, entry: string) => {
      const list = rows.get(id) ?? [];
      if (list.some((r) => r.seq === seq)) throw new Error(`duplicate row ${id}#${seq}`);
      list.push({ seq, entry });
      rows.set(id, list);
    },
    listWorkflowTransitions: (id: string, after: number) => (rows.get(id) ?? []).filter((r) => r.seq > after),
    saveWorkflowSnapshot: (id: string, state: string, through: number) => {
      states.set(id, state);
      rows.set(
        id,
        (rows.get(id) ?? []).filter((r) => r.seq > through),
      );
    },
  } as unknown as Store & { states: Map<string, string>; rows: Map<string, WorkflowTransition[]> };
}

/** What the Store holds for a workflow, read as a restarted engine would (snapshot + replayed rows). */
function stored(store: Store, services: RunnerServices, id = 'wf1'): WorkflowRunState {
  const state = new OrquestaRunner({ store, services, loadDefinition: () => '' }).workflowState(id);
  if (!state) throw new Error(`no stored state for ${id}`);
  return state;
}

/** Fake engine services (fake-child-services.ts) plus `finish`, which ends a child by hand. */
function fakeServices() {
  const fake = fakeChildServices();
  const { records } = fake;
  const finish = (id: string, status: ExecutionStatus, result?: unknown): ExecutionRecord => {
    const rec = records.get(id) as ExecutionRecord;
    Object.assign(rec, { status, result });
    return rec;
  };
  return { ...fake, finish };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

async function settled(): Promise<void> {
  for (let i = 0; i < 10; i++) await settle();
}

function workflowAction(ref = 'demo.wf'): ActionDefinition {
  return {
    ref,
    name: ref.split('.')[1] as string,
    pack: 'demo',
    enabled: true,
    runner_type: 'orquesta',
    entry_point: 'workflows/wf.yaml',
    parameters: {},
    metadata_file: '/dev/null',
    pack_path: '/dev/null',
  };
}

function setup(definition: string, parameters: Record<string, unknown> = {}) {
  const store = memoryStore();
  const fake = fakeServices();
  const runner = new OrquestaRunner({ store, services: fake.services, loadDefinition: () => definition });
  const wfRecord: ExecutionRecord = {
    id: 'wf1',
    action: 'demo.wf',
    runner: 'orquesta',
    status: 'running',
    parameters,
    context: { user: 'stanley' },
    log: [],
    start_timestamp: new Date().toISOString(),
  };
  fake.records.set('wf1', wfRecord);
  const ctx = workflowRunContext(wfRecord, workflowAction(), fake.services);
  return { store, fake, runner, ctx, wfRecord };
}

const SEQUENTIAL = `
version: 1.0
input:
  - name
output:
  - greeting: <% ctx().greeting %>
tasks:
  task1:
    action: core.echo message=<% ctx().name %>
    next:
      - when: <% succeeded() %>
        publish: greeting=<% result().stdout %>
        do: task2
  task2:
    action: core.echo message="done <% ctx().greeting %>"
`;

describe('OrquestaRunner', () => {
  it('runs tasks as child executions with parent context and completes with the output', async () => {
    const { fake, runner, ctx, store } = setup(SEQUENTIAL, { name: 'Stanley' });
    const res = await runner.run(ctx);
    expect(res.status).toBe('running');
    await settled();
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      action: 'core.echo',
      parameters: { message: 'Stanley' },
      untrustedParameters: ['message'],
      context: { user: 'stanley', parent: { execution_id: 'wf1', task_id: 'task1', route: 0 } },
    });
    const saved = stored(store, fake.services);
    expect(saved.children).toHaveLength(1);
    expect(saved.children[0]?.execution_id).toBe('child1');

    await runner.onChildCompleted(fake.finish('child1', 'succeeded', { stdout: 'hello Stanley' }));
    await settled();
    expect(fake.requests[1]).toMatchObject({
      action: 'core.echo',
      parameters: { message: 'done hello Stanley' },
    });
    await runner.onChildCompleted(fake.finish('child2', 'succeeded', { stdout: 'ok' }));
    await settled();
    expect(fake.completions.at(-1)).toEqual({
      id: 'wf1',
      status: 'succeeded',
      result: { output: { greeting: 'hello Stanley' } },
    });
  });

  it('fails the workflow with errors when a task fails without remediation', async () => {
    const { fake, runner, ctx } = setup(SEQUENTIAL, { name: 'x' });
    await runner.run(ctx);
    await settled();
    await runner.onChildCompleted(fake.finish('child1', 'failed', { stderr: 'boom' }));
    await settled();
    const last = fake.completions.at(-1);
    expect(last?.status).toBe('failed');
    expect((last?.result as { errors?: unknown[] } | undefined)?.errors).toEqual([
      {
        type: 'error',
        message: 'Execution failed. See result for details.',
        task_id: 'task1',
        result: { stderr: 'boom' },
      },
    ]);
  });

  it('a task whose action cannot be requested fails like a failed action', async () => {
    const { fake, runner, ctx } = setup('tasks:\n  t:\n    action: missing.action\n');
    await runner.run(ctx);
    await settled();
    const last = fake.completions.at(-1);
    expect(last?.status).toBe('failed');
    expect(JSON.stringify(last?.result)).toContain('missing.action');
  });

  it('fails at once on inspection errors', async () => {
    const { runner, ctx } = setup('tasks:\n  t:\n    action: core.noop\n    next: [{do: nowhere}]\n');
    const res = await runner.run(ctx);
    expect(res.status).toBe('failed');
    expect(JSON.stringify(res.result)).toContain('The task \\"nowhere\\" is not defined.');
  });

  it('runs with-items children and gathers item results in order', async () => {
    const { fake, runner, ctx } = setup(`
vars:
  - hosts: [a, b, c]
output:
  - out: <% ctx().out %>
tasks:
  each:
    with:
      items: h in <% ctx(hosts) %>
      concurrency: 2
    action: core.echo message=<% item(h) %>
    next:
      - when: <% succeeded() %>
        publish: out=<% result() %>
`);
    await runner.run(ctx);
    await settled();
    expect(fake.requests.map((r) => [r.parameters, r.context.parent?.item_id])).toEqual([
      [{ message: 'a' }, 0],
      [{ message: 'b' }, 1],
    ]);
    await runner.onChildCompleted(fake.finish('child2', 'succeeded', 'B'));
    await settled();
    expect(fake.requests.map((r) => r.context.parent?.item_id)).toEqual([0, 1, 2]);
    await runner.onChildCompleted(fake.finish('child3', 'succeeded', 'C'));
    await runner.onChildCompleted(fake.finish('child1', 'succeeded', 'A'));
    await settled();
    expect(fake.completions.at(-1)).toEqual({
      id: 'wf1',
      status: 'succeeded',
      result: { output: { out: ['A', 'B', 'C'] } },
    });
  });

  it('recovers after a crash: re-requests unrequested children (deduped) and applies missed completions', async () => {
    const { fake, runner, ctx, store } = setup(
      'tasks:\n  a:\n    action: core.noop\n    next: [{do: b}]\n  b:\n    action: core.noop\n',
    );
    await runner.run(ctx);
    await settled();
    // The child finished while the engine was down: no onChildCompleted call.
    fake.finish('child1', 'succeeded', null);
    const again = new OrquestaRunner({ store, services: fake.services, loadDefinition: () => '' });
    await again.recover(ctx.record);
    await settled();
    expect(fake.requests.map((r) => r.context.parent?.task_id)).toEqual(['a', 'b']);
    // A state saved with a child never requested (crash between save and request) is requested once.
    const state = stored(store, fake.services);
    const child = state.children[0];
    expect(child?.task_id).toBe('b');
    const key = child?.key;
    delete (child as { execution_id?: string }).execution_id;
    store.saveWorkflowSnapshot('wf1', JSON.stringify(state), state.log_seq ?? 0);
    const third = new OrquestaRunner({ store, services: fake.services, loadDefinition: () => '' });
    await third.recover(ctx.record);
    await settled();
    expect(fake.requests).toHaveLength(2);
    expect(stored(store, fake.services).children[0]).toMatchObject({ key, execution_id: 'child2' });
    await third.onChildCompleted(fake.finish('child2', 'succeeded', null));
    await settled();
    expect(fake.completions.at(-1)?.status).toBe('succeeded');
  });

  it('pauses while a child runs, then resumes', async () => {
    const { fake, runner, ctx } = setup(
      'tasks:\n  a:\n    action: core.noop\n    next: [{do: b}]\n  b:\n    action: core.noop\n',
    );
    await runner.run(ctx);
    await settled();
    await runner.pause('wf1');
    await runner.onChildCompleted(fake.finish('child1', 'succeeded', null));
    await settled();
    expect(fake.completions.at(-1)).toEqual({ id: 'wf1', status: 'paused', result: undefined });
    expect(fake.requests).toHaveLength(1);
    await runner.resume('wf1');
    await settled();
    expect(fake.requests).toHaveLength(2);
    await runner.onChildCompleted(fake.finish('child2', 'succeeded', null));
    await settled();
    expect(fake.completions.at(-1)?.status).toBe('succeeded');
  });

  it('a pending child (inquiry) pauses the workflow; its answer resumes it', async () => {
    const { fake, runner, ctx } = setup(`
tasks:
  ask:
    action: core.ask
    next:
      - when: <% succeeded() and result().response.approved %>
        do: go
  go:
    action: core.noop
`);
    await runner.run(ctx);
    await settled();
    const pending = fake.records.get('child1') as ExecutionRecord;
    pending.status = 'pending';
    await runner.onChildUpdated(pending);
    expect(fake.completions.at(-1)).toMatchObject({ id: 'wf1', status: 'paused' });
    await runner.onChildCompleted(fake.finish('child1', 'succeeded', { response: { approved: true } }));
    await settled();
    expect(fake.requests.map((r) => r.action)).toEqual(['core.ask', 'core.noop']);
  });

  it('cancels: canceling while a child runs, canceled when it ends', async () => {
    const { fake, runner, ctx } = setup(SEQUENTIAL, { name: 'x' });
    await runner.run(ctx);
    await settled();
    await runner.cancel('wf1');
    expect(fake.completions.at(-1)).toMatchObject({ id: 'wf1', status: 'canceling' });
    await runner.onChildCompleted(fake.finish('child1', 'succeeded', { stdout: 'x' }));
    await settled();
    expect(fake.completions.at(-1)?.status).toBe('canceled');
    expect(fake.requests).toHaveLength(1);
  });

  it('waits for a task delay before requesting the child', async () => {
    const timers: Array<() => void> = [];
    const store = memoryStore();
    const fake = fakeServices();
    const runner = new OrquestaRunner({
      store,
      services: fake.services,
      loadDefinition: () => 'tasks:\n  t:\n    delay: 5\n    action: core.noop\n',
      setTimer: (fn) => {
        timers.push(fn);
        return { cancel: () => {} };
      },
    });
    const { ctx } = setup('');
    await runner.run({ ...ctx, services: fake.services });
    await settled();
    expect(fake.requests).toHaveLength(0);
    expect(timers).toHaveLength(1);
    timers[0]?.();
    await settled();
    expect(fake.requests).toHaveLength(1);
  });

  it('reads st2kv values from the datastore (system and user scope, default, decrypt)', async () => {
    const { fake, runner, ctx } = setup(`
vars:
  - region: <% st2kv('system.region') %>
output:
  - fallback: <% st2kv('nope', default => 'dflt') %>
tasks:
  t:
    action: core.echo
    input:
      message: <% ctx().region %>-<% st2kv('token', decrypt => true) %>
`);
    const reads: unknown[] = [];
    const values: Record<string, string> = { 'system:region': 'eu', 'user:token': 's3cret' };
    fake.services.datastore = {
      async get(key, options) {
        reads.push([key, options]);
        return values[`${options?.scope}:${key}`];
      },
      async set() {},
    };
    await runner.run(ctx);
    await settled();
    expect(fake.requests[0]?.parameters).toEqual({ message: 'eu-s3cret' });
    expect(reads).toContainEqual(['token', { scope: 'user', decrypt: true }]);
    await runner.onChildCompleted(fake.finish('child1', 'succeeded', null));
    await settled();
    expect(fake.completions.at(-1)).toEqual({
      id: 'wf1',
      status: 'succeeded',
      result: { output: { fallback: 'dflt' } },
    });
  });

  it('re-runs chosen tasks of a finished workflow in a new execution (st2 re-run --tasks)', async () => {
    const { fake, runner, ctx, store } = setup(SEQUENTIAL, { name: 'x' });
    await runner.run(ctx);
    await settled();
    await runner.onChildCompleted(fake.finish('child1', 'succeeded', { stdout: 'first' }));
    await settled();
    await runner.onChildCompleted(fake.finish('child2', 'failed', { stderr: 'boom' }));
    await settled();
    expect(fake.completions.at(-1)?.status).toBe('failed');

    const again: ExecutionRecord = {
      ...ctx.record,
      id: 'wf2',
      context: { user: 'stanley', re_run: { ref: 'wf1', tasks: ['task2'] } },
    };
    fake.records.set('wf2', again);
    const res = await runner.run({ ...ctx, executionId: 'wf2', context: again.context, record: again });
    expect(res.status).toBe('running');
    await settled();
    // Only task2 runs again, with the context task1 published in the first run.
    expect(fake.requests.at(-1)).toMatchObject({
      parameters: { message: 'done first' },
      context: { parent: { execution_id: 'wf2', task_id: 'task2' } },
    });
    await runner.onChildCompleted(fake.finish('child3', 'succeeded', { stdout: 'ok' }));
    await settled();
    expect(fake.completions.at(-1)).toEqual({
      id: 'wf2',
      status: 'succeeded',
      result: { output: { greeting: 'first' } },
    });
    expect(stored(store, fake.services).conductor.state.status).toBe('failed');
  });

  it('cascades cancel to running children and pause/resume to child workflows', async () => {
    const { fake, runner, ctx } = setup('tasks:\n  a:\n    action: demo.sub\n  b:\n    action: core.noop\n');
    const calls: string[] = [];
    fake.services.cancelExecution = async (id) => void calls.push(`cancel:${id}`);
    fake.services.pauseExecution = async (id) => void calls.push(`pause:${id}`);
    fake.services.resumeExecution = async (id) => void calls.push(`resume:${id}`);
    await runner.run(ctx);
    await settled();
    (fake.records.get('child1') as ExecutionRecord).runner = 'orquesta';
    await runner.pause('wf1');
    await runner.resume('wf1');
    await runner.cancel('wf1');
    expect(calls).toEqual(['pause:child1', 'cancel:child1', 'cancel:child2']);
  });

  it('a paused child workflow pauses its task and the workflow; running again resumes them', async () => {
    const { fake, runner, ctx } = setup(
      'tasks:\n  a:\n    action: demo.sub\n    next: [{do: b}]\n  b:\n    action: core.noop\n',
    );
    await runner.run(ctx);
    await settled();
    const sub = fake.records.get('child1') as ExecutionRecord;
    sub.status = 'paused';
    await runner.onChildUpdated(sub);
    expect(fake.completions.at(-1)).toMatchObject({ id: 'wf1', status: 'paused' });
    (fake.records.get('wf1') as ExecutionRecord).status = 'paused';
    sub.status = 'running';
    await runner.onChildUpdated(sub);
    expect(fake.completions.at(-1)).toMatchObject({ id: 'wf1', status: 'running' });
    await runner.onChildCompleted(fake.finish('child1', 'succeeded', null));
    await settled();
    expect(fake.requests.map((r) => r.action)).toEqual(['demo.sub', 'core.noop']);
  });

  it('runs the remediation task next to a `fail` before finishing the failed workflow', async () => {
    const { fake, runner, ctx } = setup(`
output:
  - message: <% ctx().message %>
tasks:
  task1:
    action: core.noop
    next:
      - when: <% failed() %>
        publish: message="cleaning up"
        do: cleanup, fail
  cleanup:
    action: core.noop
`);
    await runner.run(ctx);
    await settled();
    await runner.onChildCompleted(fake.finish('child1', 'failed', null));
    await settled();
    expect(fake.requests.map((r) => r.context.parent?.task_id)).toEqual(['task1', 'cleanup']);
    expect(fake.completions.filter((c) => c.id === 'wf1')).toEqual([]);
    await runner.onChildCompleted(fake.finish('child2', 'succeeded', null));
    await settled();
    expect(fake.completions.at(-1)).toMatchObject({
      id: 'wf1',
      status: 'failed',
      result: { output: { message: 'cleaning up' } },
    });
  });
});
