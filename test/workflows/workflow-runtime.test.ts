/** The orquesta runner inside the real ExecutionService (SQLite store): children, completion, control. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutionService } from '../../engine/executions/execution-service.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { InquirerRunner } from '../../engine/runners/inquirer/inquirer-runner.ts';
import { attachWorkflowRunner, OrquestaRunner } from '../../engine/workflows/workflow-runner.ts';
import {
  action,
  GateRunner,
  type Harness,
  makeHarness,
  noopRunner,
  serviceDeps,
  tick,
} from '../executions/harness.ts';

const WORKFLOWS: Record<string, string> = {
  'demo.seq': `
version: 1.0
input:
  - who
output:
  - said: <% ctx().said %>
tasks:
  hello:
    action: demo.step message="hi <% ctx().who %>"
    next:
      - when: <% succeeded() %>
        publish: said=<% result().echo %>
        do: finish
  finish:
    action: core.noop
`,
  'demo.approve': `
tasks:
  ask:
    action: core.ask
    next:
      - when: <% succeeded() and result().response.approved %>
        do: ship
  ship:
    action: core.noop
`,
  'demo.fanout': `
vars:
  - xs: [1, 2, 3]
output:
  - all: <% ctx().all %>
tasks:
  each:
    with: <% ctx(xs) %>
    action: core.noop
    next:
      - when: <% succeeded() %>
        publish: all=<% result() %>
`,
};

let h: Harness;
let svc: ExecutionService;
let gate: GateRunner;
let detach: () => void;

beforeEach(() => {
  h = makeHarness();
  gate = new GateRunner('gate', { parameters: { message: { type: 'string' } } });
  const runner = new OrquestaRunner({
    store: h.store,
    loadDefinition: (a) => WORKFLOWS[a.ref] as string,
    logger: silentLogger(),
  });
  h.runners.set('orquesta', runner);
  h.runners.set('gate', gate);
  h.runners.set('noop', noopRunner);
  h.actions.set('demo.seq', action('demo.seq', 'orquesta', { who: { type: 'string', required: true } }));
  h.actions.set('demo.fanout', action('demo.fanout', 'orquesta'));
  h.actions.set('demo.step', action('demo.step', 'gate', { message: { type: 'string' } }));
  h.actions.set('core.noop', action('core.noop', 'noop'));
  h.actions.set('demo.approve', action('demo.approve', 'orquesta'));
  h.actions.set('core.ask', action('core.ask', 'inquirer'));
  h.runners.set('inquirer', new InquirerRunner());
  svc = new ExecutionService({
    ...serviceDeps(h),
  });
  detach = attachWorkflowRunner(runner, svc, silentLogger());
});

afterEach(() => {
  detach();
  h.cleanup();
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await tick();
  expect(check()).toBe(true);
}

describe('orquesta runner in the execution service', () => {
  it('runs tasks as child executions and completes the workflow with its output', async () => {
    const wf = await svc.request({
      action: 'demo.seq',
      parameters: { who: 'bob' },
      context: { user: 'stanley' },
    });
    await gate.waitStarted(1);
    const [step] = gate.started;
    expect(step?.parameters).toEqual({ message: 'hi bob' });
    expect(step?.context).toMatchObject({
      user: 'stanley',
      parent: { execution_id: wf.id, task_id: 'hello', route: 0 },
    });
    gate.release(step?.executionId as string, { status: 'succeeded', result: { echo: 'hi bob!' } });
    const done = await svc.waitFor(wf.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ output: { said: 'hi bob!' } });
    expect(svc.children(wf.id).map((c) => [c.action, c.status])).toEqual([
      ['demo.step', 'succeeded'],
      ['core.noop', 'succeeded'],
    ]);
  });

  it('runs with-items children and gathers their results', async () => {
    const wf = await svc.request({ action: 'demo.fanout', context: { user: 'stanley' } });
    const done = await svc.waitFor(wf.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({
      output: { all: [{ succeeded: true }, { succeeded: true }, { succeeded: true }] },
    });
    expect(svc.children(wf.id)).toHaveLength(3);
  });

  it('pauses and resumes through the service', async () => {
    const wf = await svc.request({
      action: 'demo.seq',
      parameters: { who: 'x' },
      context: { user: 'stanley' },
    });
    await gate.waitStarted(1);
    await svc.pause(wf.id);
    expect(svc.get(wf.id)?.status).toBe('pausing');
    gate.release(gate.started[0]?.executionId as string, { status: 'succeeded', result: { echo: 'e' } });
    await until(() => svc.get(wf.id)?.status === 'paused');
    expect(svc.children(wf.id)).toHaveLength(1);
    await svc.resume(wf.id);
    const done = await svc.waitFor(wf.id);
    expect(done.status).toBe('succeeded');
  });

  it('fails the workflow when a child fails, with the error in the result', async () => {
    const wf = await svc.request({
      action: 'demo.seq',
      parameters: { who: 'x' },
      context: { user: 'stanley' },
    });
    await gate.waitStarted(1);
    gate.release(gate.started[0]?.executionId as string, { status: 'failed', result: { stderr: 'nope' } });
    const done = await svc.waitFor(wf.id);
    expect(done.status).toBe('failed');
    expect(done.result).toMatchObject({
      errors: [{ type: 'error', message: 'Execution failed. See result for details.', task_id: 'hello' }],
    });
  });

  it('cancels: the running child is canceled too, then the workflow is canceled', async () => {
    const wf = await svc.request({
      action: 'demo.seq',
      parameters: { who: 'x' },
      context: { user: 'stanley' },
    });
    await gate.waitStarted(1);
    await svc.cancel(wf.id);
    const done = await svc.waitFor(wf.id);
    expect(done.status).toBe('canceled');
    expect(done.log.map((l) => l.status)).toContain('canceling');
    const children = svc.children(wf.id);
    expect(children).toHaveLength(1);
    expect(children[0]?.status).toBe('canceled');
  });

  it('an inquiry (core.ask) pauses the workflow; the response resumes and finishes it', async () => {
    const wf = await svc.request({ action: 'demo.approve', context: { user: 'stanley' } });
    await until(() => svc.get(wf.id)?.status === 'paused');
    const ask = svc.children(wf.id)[0];
    expect(ask?.status).toBe('pending');
    await svc.complete(ask?.id as string, 'succeeded', { response: { approved: true } });
    const done = await svc.waitFor(wf.id);
    expect(done.status).toBe('succeeded');
    expect(svc.children(wf.id).map((c) => c.action)).toEqual(['core.ask', 'core.noop']);
  });
});
