/** The action-chain runner inside the real ExecutionService (SQLite store): st2's chain semantics. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutionService } from '../../engine/executions/execution-service.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import {
  ActionChainRunner,
  attachActionChainRunner,
} from '../../engine/runners/action-chain/action-chain-runner.ts';
import { ChainSpecError, parseChain } from '../../engine/runners/action-chain/chain-spec.ts';
import { InquirerRunner } from '../../engine/runners/inquirer/inquirer-runner.ts';
import {
  action,
  GateRunner,
  type Harness,
  makeHarness,
  noopRunner,
  serviceDeps,
  tick,
} from '../executions/harness.ts';

const CHAINS: Record<string, string> = {
  // chatops.run's shape: results by node name, publish, action parameters.
  'demo.seq': `
vars:
  greeting: "hello {{ who }}"
chain:
  - name: first
    ref: demo.step
    parameters:
      message: "{{ greeting }}"
    publish:
      said: "{{ first.echo }}"
    on-success: second
  - name: second
    ref: demo.step
    parameters:
      message: "{{ said }} / {{ __results.first.echo }} / {{ count }}"
`,
  'demo.handled': `
chain:
  - name: risky
    ref: demo.step
    parameters: { message: risky }
    on-success: never
    on-failure: cleanup
  - name: never
    ref: core.noop
  - name: cleanup
    ref: demo.step
    params: { message: "cleaning after {{ risky.error }}" }
`,
  'demo.default': `
default: b
chain:
  - name: a
    ref: core.noop
  - name: b
    ref: core.noop
    on-success: a
`,
  'demo.missing': `
chain:
  - name: one
    ref: core.noop
    on-success: two
  - name: two
    ref: nope.nothing
`,
  'demo.badparam': `
chain:
  - name: one
    ref: demo.step
    parameters:
      message: "{{ missing | no_such_filter }}"
`,
  'demo.approve': `
chain:
  - name: ask
    ref: core.ask
    on-success: ship
  - name: ship
    ref: demo.step
    parameters:
      message: "approved={{ ask.response.continue }}"
`,
  'demo.ctx': `
chain:
  - name: only
    ref: demo.step
    parameters:
      message: "{{ action_context.parent.execution_id }} {{ action_context.parent.user }} {{ config_context.region }}"
`,
  'demo.unpublished': `
chain:
  - name: only
    ref: core.noop
    publish:
      x: "{{ only.succeeded }}"
`,
};

let h: Harness;
let svc: ExecutionService;
let gate: GateRunner;
let runner: ActionChainRunner;
let detach: () => void;

function service(processId?: string): ExecutionService {
  return new ExecutionService({
    ...serviceDeps(h),
    reapOrphans: () => 0,
    packConfig: (pack) => ({ region: `${pack}-eu` }),
    ...(processId ? { processId } : {}),
  });
}

function chainRunner(): ActionChainRunner {
  return new ActionChainRunner({
    store: h.store,
    loadDefinition: (a) => CHAINS[a.ref] as string,
    getAction: (ref) => h.actions.get(ref),
    logger: silentLogger(),
  });
}

beforeEach(() => {
  h = makeHarness();
  gate = new GateRunner('gate', { parameters: { message: { type: 'string' } } });
  runner = chainRunner();
  h.runners.set('action-chain', runner);
  h.runners.set('gate', gate);
  h.runners.set('noop', noopRunner);
  h.runners.set('inquirer', new InquirerRunner());
  for (const ref of Object.keys(CHAINS)) {
    h.actions.set(
      ref,
      action(ref, 'action-chain', { who: { type: 'string' }, count: { type: 'integer', default: 3 } }),
    );
  }
  h.actions.set('demo.step', action('demo.step', 'gate', { message: { type: 'string' } }));
  h.actions.set('core.noop', action('core.noop', 'noop'));
  h.actions.set('core.ask', action('core.ask', 'inquirer'));
  svc = service();
  detach = attachActionChainRunner(runner, svc, silentLogger());
});

afterEach(() => {
  detach();
  h.cleanup();
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await tick();
  expect(check()).toBe(true);
}

type Tasks = Array<{ name: string; state: string; execution_id: string | null; result: unknown }>;
const tasksOf = (rec: ExecutionRecord | undefined): Tasks =>
  (rec?.result as { tasks: Tasks } | undefined)?.tasks ?? [];

describe('chain definitions', () => {
  it('picks the start node as st2 does and validates node references', () => {
    expect(parseChain(CHAINS['demo.default']).default).toBe('b');
    expect(parseChain(CHAINS['demo.handled']).default).toBe('risky');
    expect(
      parseChain('chain:\n  - {name: a, ref: x.y, on-success: b}\n  - {name: b, ref: x.y, on-success: a}\n')
        .default,
    ).toBe('a');
    expect(() => parseChain('chain:\n  - {name: a, ref: x.y, on-success: zzz}\n')).toThrow(
      'Unable to find node with name "zzz" referenced in "on-success" in task "a".',
    );
    expect(() => parseChain('chain:\n  - {name: a, ref: x.y, params: {a: 1}, parameters: {b: 2}}\n')).toThrow(
      ChainSpecError,
    );
    expect(() => parseChain('chain:\n  - {name: a, ref: x.y, bogus: 1}\n')).toThrow(
      'unknown property "bogus"',
    );
    expect(() => parseChain('default: q\nchain:\n  - {name: a, ref: x.y}\n')).toThrow(
      'referenced in "default"',
    );
  });
});

describe('action-chain runner in the execution service', () => {
  it('runs nodes in order as children; templates see vars, parameters, results by name, __results and published vars', async () => {
    const chain = await svc.request({
      action: 'demo.seq',
      parameters: { who: 'bob' },
      context: { user: 'stanley' },
    });
    await gate.waitStarted(1);
    const first = gate.started[0]!;
    expect(first.parameters).toEqual({ message: 'hello bob' });
    expect(first.context).toMatchObject({
      user: 'stanley',
      parent: { execution_id: chain.id, task_id: 'first' },
    });
    // live task states while the chain runs: nothing finished yet
    expect(svc.get(chain.id)?.status).toBe('running');
    gate.release(first.executionId, { status: 'succeeded', result: { echo: 'hi!' } });
    await gate.waitStarted(2);
    expect(tasksOf(svc.get(chain.id)).map((t) => [t.name, t.state])).toEqual([['first', 'succeeded']]);
    const second = gate.started[1]!;
    expect(second.parameters).toEqual({ message: 'hi! / hi! / 3' });
    gate.release(second.executionId, { status: 'succeeded', result: { echo: 'done' } });
    const done = await svc.waitFor(chain.id);
    expect(done.status).toBe('succeeded');
    const result = done.result as { tasks: Tasks; published: Record<string, unknown> };
    expect(result.published).toEqual({ said: 'hi!' });
    expect(result.tasks.map((t) => [t.name, t.state, t.result])).toEqual([
      ['first', 'succeeded', { echo: 'hi!' }],
      ['second', 'succeeded', { echo: 'done' }],
    ]);
    expect(result.tasks.map((t) => t.execution_id)).toEqual([first.executionId, second.executionId]);
    expect(svc.children(chain.id).map((c) => [c.action, c.context.parent?.task_id])).toEqual([
      ['demo.step', 'first'],
      ['demo.step', 'second'],
    ]);
  });

  it('follows on-failure; the chain still fails (st2) with both tasks listed', async () => {
    const chain = await svc.request({ action: 'demo.handled', context: { user: 'u' } });
    await gate.waitStarted(1);
    gate.release(gate.started[0]!.executionId, { status: 'failed', result: { error: 'exit 3' } });
    await gate.waitStarted(2);
    expect(gate.started[1]!.parameters).toEqual({ message: 'cleaning after exit 3' });
    gate.release(gate.started[1]!.executionId, { status: 'succeeded', result: {} });
    const done = await svc.waitFor(chain.id);
    // the last node succeeded: st2's chain status is the last node's
    expect(done.status).toBe('succeeded');
    expect(tasksOf(done).map((t) => [t.name, t.state])).toEqual([
      ['risky', 'failed'],
      ['cleanup', 'succeeded'],
    ]);
  });

  it('a failed node without on-failure fails the chain', async () => {
    const chain = await svc.request({ action: 'demo.seq', parameters: { who: 'x' }, context: { user: 'u' } });
    await gate.waitStarted(1);
    gate.release(gate.started[0]!.executionId, { status: 'failed', result: { error: 'boom' } });
    const done = await svc.waitFor(chain.id);
    expect(done.status).toBe('failed');
    expect(tasksOf(done).map((t) => t.name)).toEqual(['first']);
    expect(gate.started).toHaveLength(1);
  });

  it('templates see action_context.parent (the chain execution) and the pack config', async () => {
    const chain = await svc.request({ action: 'demo.ctx', context: { user: 'stanley' } });
    await gate.waitStarted(1);
    expect(gate.started[0]!.parameters).toEqual({ message: `${chain.id} stanley demo-eu` });
    gate.release(gate.started[0]!.executionId, { status: 'succeeded', result: {} });
    expect((await svc.waitFor(chain.id)).status).toBe('succeeded');
  });

  it('starts at `default`', async () => {
    const done = await svc.waitFor(
      (await svc.request({ action: 'demo.default', context: { user: 'u' } })).id,
    );
    expect(done.status).toBe('succeeded');
    expect(tasksOf(done).map((t) => t.name)).toEqual(['b', 'a']);
  });

  it('a node whose action does not exist fails the chain with st2 wording', async () => {
    const done = await svc.waitFor(
      (await svc.request({ action: 'demo.missing', context: { user: 'u' } })).id,
    );
    expect(done.status).toBe('failed');
    expect((done.result as { error: string }).error).toBe(
      'Failed to run task "two". Action with reference "nope.nothing" doesn\'t exist.',
    );
    expect(tasksOf(done).map((t) => t.name)).toEqual(['one']);
  });

  it('a parameter that cannot be rendered fails the chain before the node runs', async () => {
    const done = await svc.waitFor(
      (await svc.request({ action: 'demo.badparam', context: { user: 'u' } })).id,
    );
    expect(done.status).toBe('failed');
    expect((done.result as { error: string }).error).toMatch(
      /^Failed to run task "one". Parameter rendering failed/,
    );
    expect(gate.started).toHaveLength(0);
  });

  it('display_published=false keeps published variables out of the result', async () => {
    const done = await svc.waitFor(
      (
        await svc.request({
          action: 'demo.unpublished',
          parameters: { display_published: false },
          context: { user: 'u' },
        })
      ).id,
    );
    expect(done.status).toBe('succeeded');
    expect(done.result).not.toHaveProperty('published');
    const shown = await svc.waitFor(
      (await svc.request({ action: 'demo.unpublished', context: { user: 'u' } })).id,
    );
    expect((shown.result as { published: unknown }).published).toEqual({ x: true });
  });

  it('pauses after the running node and resumes with the next one', async () => {
    const chain = await svc.request({ action: 'demo.seq', parameters: { who: 'p' }, context: { user: 'u' } });
    await gate.waitStarted(1);
    await svc.pause(chain.id);
    expect(svc.get(chain.id)?.status).toBe('pausing');
    gate.release(gate.started[0]!.executionId, { status: 'succeeded', result: { echo: 'e' } });
    await until(() => svc.get(chain.id)?.status === 'paused');
    for (let i = 0; i < 5; i++) await tick();
    expect(gate.started).toHaveLength(1);
    await svc.resume(chain.id);
    await gate.waitStarted(2);
    gate.release(gate.started[1]!.executionId, { status: 'succeeded', result: {} });
    expect((await svc.waitFor(chain.id)).status).toBe('succeeded');
  });

  it('cancel cancels the running node and ends the chain canceled', async () => {
    const chain = await svc.request({ action: 'demo.seq', parameters: { who: 'c' }, context: { user: 'u' } });
    await gate.waitStarted(1);
    await svc.cancel(chain.id);
    const done = await svc.waitFor(chain.id);
    expect(done.status).toBe('canceled');
    expect(gate.started).toHaveLength(1);
    expect(svc.get(gate.started[0]!.executionId)?.status).toBe('canceled');
  });

  it('an inquiry node pauses the chain; the answer continues it', async () => {
    const chain = await svc.request({ action: 'demo.approve', context: { user: 'u' } });
    await until(() => svc.get(chain.id)?.status === 'paused');
    const ask = svc.children(chain.id)[0]!;
    expect(ask.status).toBe('pending');
    await svc.complete(ask.id, 'succeeded', { response: { continue: true } });
    await gate.waitStarted(1);
    expect(gate.started[0]!.parameters).toEqual({ message: 'approved=True' });
    expect(svc.get(chain.id)?.status).toBe('running');
    gate.release(gate.started[0]!.executionId, { status: 'succeeded', result: {} });
    expect((await svc.waitFor(chain.id)).status).toBe('succeeded');
  });

  it('after a crash, recover() continues from the stored state: the abandoned node takes on-failure, nothing reruns', async () => {
    const chain = await svc.request({ action: 'demo.handled', context: { user: 'u' } });
    await gate.waitStarted(1);
    // A second process on the same store takes over (the first one "died" with the node running).
    detach();
    const runner2 = chainRunner();
    h.runners.set('action-chain', runner2);
    const svc2 = service(`${process.pid}-gone:1:x`);
    const detach2 = attachActionChainRunner(runner2, svc2, silentLogger());
    try {
      const counts = await svc2.recover();
      expect(counts.delegated).toBe(1);
      await gate.waitStarted(2);
      expect(gate.started[1]!.parameters.message).toMatch(/^cleaning after Squall stopped/);
      gate.release(gate.started[1]!.executionId, { status: 'succeeded', result: {} });
      const done = await svc2.waitFor(chain.id);
      expect(tasksOf(done).map((t) => [t.name, t.state])).toEqual([
        ['risky', 'abandoned'],
        ['cleanup', 'succeeded'],
      ]);
      expect(svc2.children(chain.id)).toHaveLength(2);
    } finally {
      detach2();
    }
  });
});
