/**
 * The Orquesta runtime's journal (snapshot + transition log in the SQLite Store): after a simulated crash, the
 * state rebuilt from the Store equals the live one and the workflow continues to the same end; snapshots prune
 * the log; a state written before the journal existed resumes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionDefinition, ExecutionRecord } from '../../engine/model/index.ts';
import type { ExecutionRequest, RunnerServices } from '../../engine/runners/runner.ts';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';
import { OrquestaRunner, type WorkflowRunState } from '../../engine/workflows/workflow-runner.ts';
import { fakeChildServices, workflowRunContext } from './fake-child-services.ts';

const WORKFLOW = `
version: 1.0
input:
  - hosts
output:
  - greeting: <% ctx().greeting %>
  - dice: <% ctx().dice %>
  - results: <% ctx().results %>
  - last: <% ctx().last %>
tasks:
  init:
    action: core.echo message="hi"
    next:
      - when: <% succeeded() %>
        publish:
          - greeting: <% st2kv('system.greeting') %>
          - dice: <% random(1, 1000000) %>
        do: [left, right, each]
  left:
    action: core.echo message="left <% ctx().greeting %>"
    next:
      - when: <% succeeded() %>
        publish: l=<% result().stdout %>
        do: join
  right:
    action: core.echo message="right"
    next:
      - when: <% succeeded() %>
        do: join
  each:
    with:
      items: h in <% ctx(hosts) %>
      concurrency: 3
    action: core.echo message=<% item(h) %>
    next:
      - when: <% succeeded() %>
        publish: results=<% result() %>
        do: join
  join:
    join: all
    action: core.echo message="<% ctx().l %> <% ctx().dice %>"
    next:
      - when: <% succeeded() %>
        publish: last=<% result().stdout %>
`;

const HOSTS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'];

/** Fake execution service (fake-child-services.ts) plus `finishNext`. */
function fakeServices(kv: Map<string, unknown>) {
  const fake = fakeChildServices(kv);
  const { records } = fake;
  /** The oldest child still running, finished with a result made from its parameters. */
  const finishNext = (): ExecutionRecord | undefined => {
    const rec = [...records.values()].find((r) => r.status === 'running' && r.runner === 'fake');
    if (!rec) return undefined;
    const message = String(rec.parameters.message ?? '');
    Object.assign(rec, { status: 'succeeded', result: { stdout: `${message}!`, pad: 'x'.repeat(40) } });
    return rec;
  };
  return { ...fake, finishNext };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const ACTION: ActionDefinition = {
  ref: 'demo.wf',
  name: 'wf',
  pack: 'demo',
  enabled: true,
  runner_type: 'orquesta',
  entry_point: 'workflows/wf.yaml',
  parameters: {},
  metadata_file: '/dev/null',
  pack_path: '/dev/null',
};

let dir: string;
let stores: SqliteStore[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-journal-'));
  stores = [];
});

afterEach(() => {
  for (const s of stores) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An engine on a database file: a store (no group commit: each write is committed at once) and a runner. */
function engine(file: string, services: RunnerServices, definition = WORKFLOW) {
  const store = new SqliteStore({ filename: join(dir, file) });
  stores.push(store);
  const runner = new OrquestaRunner({ store, services, loadDefinition: () => definition });
  return { store, runner };
}

function start(
  runner: OrquestaRunner,
  services: RunnerServices,
  records: Map<string, ExecutionRecord>,
  parameters: Record<string, unknown>,
) {
  const record: ExecutionRecord = {
    id: 'wf1',
    action: 'demo.wf',
    runner: 'orquesta',
    status: 'running',
    parameters,
    context: { user: 'stanley' },
    log: [],
    start_timestamp: '2026-01-01T00:00:00.000Z',
  };
  records.set('wf1', record);
  return { record, run: runner.run(workflowRunContext(record, ACTION, services)) };
}

/** What a restarted engine sees: the state rebuilt from the file (snapshot + replay of the log rows). */
function crash(file: string, services: RunnerServices, definition = WORKFLOW) {
  return engine(file, services, definition);
}

/** Runs the workflow to the end without crashes: the reference run. */
async function reference() {
  const kv = new Map<string, unknown>([['system.greeting', 'hello']]);
  const fake = fakeServices(kv);
  const { runner } = engine('reference.db', fake.services);
  await start(runner, fake.services, fake.records, { hosts: HOSTS }).run;
  await settle();
  for (let rec = fake.finishNext(); rec; rec = fake.finishNext()) {
    await runner.onChildCompleted(rec);
    await settle();
  }
  return { fake, state: runner.workflowState('wf1') as WorkflowRunState };
}

const asTasks = (requests: ExecutionRequest[]) =>
  requests.map((r) => [r.context.parent?.task_id, r.context.parent?.item_id ?? null]);

describe('workflow journal', () => {
  it('a workflow rebuilt from the Store after a crash equals the live one and ends the same way', async () => {
    const ref = await reference();
    expect(ref.fake.completions.at(-1)?.status).toBe('succeeded');

    const kv = new Map<string, unknown>([['system.greeting', 'hello']]);
    const fake = fakeServices(kv);
    let current = engine('crash.db', fake.services);
    const { record } = start(current.runner, fake.services, fake.records, { hosts: HOSTS });
    await settle();
    let completed = 0;
    for (let rec = fake.finishNext(); rec; rec = fake.finishNext()) {
      // Every other step, the process dies: once with the step's row written but its children never requested.
      const lose = completed === 1;
      fake.state.hang = lose;
      await current.runner.onChildCompleted(rec);
      await settle();
      completed++;
      if (completed % 2 === 1 && !lose) continue;
      const live = current.runner.workflowState('wf1');
      const restarted = crash('crash.db', fake.services);
      // Rebuilt from the snapshot and the rows: the same conductor state, children and results.
      expect(restarted.runner.workflowState('wf1')).toEqual(live);
      // Datastore values read before the crash stay what they were (the replay does not read them again).
      kv.set('system.greeting', `changed ${completed}`);
      fake.state.hang = false;
      const requested = fake.requests.length;
      await restarted.runner.recover(record);
      await settle();
      // The children lost with the dying process are requested by the restarted one.
      if (lose) expect(fake.requests.length).toBeGreaterThan(requested);
      current = restarted;
    }
    expect(fake.completions.at(-1)?.status).toBe('succeeded');
    const output = fake.completions.at(-1)?.result as { output: Record<string, unknown> };
    const refOutput = ref.fake.completions.at(-1)?.result as { output: Record<string, unknown> };
    expect(output.output.greeting).toBe('hello');
    expect(output.output.results).toEqual(refOutput.output.results);
    expect(output.output.last).toBe(`left hello! ${output.output.dice}!`);
    // No task lost, none run twice: the same children, each requested once.
    expect(asTasks(fake.requests)).toEqual(asTasks(ref.fake.requests));
    const final = current.runner.workflowState('wf1') as WorkflowRunState;
    expect(final.conductor.state.sequence.map((t) => [t.id, t.status])).toEqual(
      ref.state.conductor.state.sequence.map((t) => [t.id, t.status]),
    );
    // Finished: compacted to one snapshot, no rows left.
    expect(current.store.listWorkflowTransitions('wf1', 0)).toEqual([]);
  });

  it('snapshots prune the log while the workflow runs; a crash after one replays only later rows', async () => {
    const hosts = Array.from({ length: 200 }, (_, i) => `host-${i}-${'y'.repeat(500)}`);
    const kv = new Map<string, unknown>([['system.greeting', 'hello']]);
    const fake = fakeServices(kv);
    let current = engine('snap.db', fake.services);
    const { record } = start(current.runner, fake.services, fake.records, { hosts });
    await settle();
    let steps = 0;
    let snapshotSeen = false;
    for (let rec = fake.finishNext(); rec; rec = fake.finishNext()) {
      await current.runner.onChildCompleted(rec);
      await settle();
      steps++;
      const stored = current.store.loadWorkflowState('wf1') as WorkflowRunState;
      const rows = current.store.listWorkflowTransitions('wf1', 0);
      // Rows kept are only those after the snapshot.
      expect(rows.every((r) => r.seq > (stored.log_seq ?? 0))).toBe(true);
      if (!snapshotSeen && (stored.log_seq ?? 0) > 0 && rows.length > 0) {
        snapshotSeen = true;
        expect(rows.length).toBeLessThan(steps);
        const live = current.runner.workflowState('wf1');
        const restarted = crash('snap.db', fake.services);
        expect(restarted.runner.workflowState('wf1')).toEqual(live);
        await restarted.runner.recover(record);
        await settle();
        current = restarted;
      }
    }
    expect(snapshotSeen).toBe(true);
    expect(fake.completions.at(-1)?.status).toBe('succeeded');
    const output = fake.completions.at(-1)?.result as { output: { results: unknown[] } };
    expect(output.output.results).toHaveLength(200);
    expect(current.store.listWorkflowTransitions('wf1', 0)).toEqual([]);
  });

  it('a delayed task keeps its time across a restart (the clock of the step is recorded)', async () => {
    const fake = fakeServices(new Map());
    const definition =
      'tasks:\n  a:\n    action: core.noop\n    next: [{do: b}]\n  b:\n    delay: 60\n    action: core.noop\n';
    const first = engine('delay.db', fake.services, definition);
    start(first.runner, fake.services, fake.records, {});
    await settle();
    await first.runner.onChildCompleted(fake.finishNext() as ExecutionRecord);
    await settle();
    const live = first.runner.workflowState('wf1') as WorkflowRunState;
    expect(live.children).toEqual([
      expect.objectContaining({ task_id: 'b', not_before: expect.any(String) }),
    ]);
    await new Promise((r) => setTimeout(r, 20));
    const restarted = crash('delay.db', fake.services, definition);
    expect(restarted.runner.workflowState('wf1')).toEqual(live);
  });

  it('a state saved before the journal existed (workflow_state only, no log) resumes', async () => {
    const kv = new Map<string, unknown>([['system.greeting', 'hello']]);
    const fake = fakeServices(kv);
    const first = engine('before.db', fake.services);
    const { record } = start(first.runner, fake.services, fake.records, { hosts: HOSTS });
    await settle();
    for (let i = 0; i < 5; i++) {
      await first.runner.onChildCompleted(fake.finishNext() as ExecutionRecord);
      await settle();
    }
    // The shape older Squall wrote: the whole state, no log_seq, no rows.
    const legacy = first.runner.workflowState('wf1') as WorkflowRunState;
    delete legacy.log_seq;
    const old = engine('legacy.db', fake.services);
    old.store.saveWorkflowState('wf1', legacy);
    expect(old.store.listWorkflowTransitions('wf1', 0)).toEqual([]);

    const upgraded = crash('legacy.db', fake.services);
    expect(upgraded.runner.workflowState('wf1')).toEqual({ ...legacy, log_seq: 0 });
    await upgraded.runner.recover(record);
    await settle();
    for (let rec = fake.finishNext(); rec; rec = fake.finishNext()) {
      await upgraded.runner.onChildCompleted(rec);
      await settle();
    }
    expect(fake.completions.at(-1)?.status).toBe('succeeded');
    const output = fake.completions.at(-1)?.result as { output: { results: unknown[] } };
    expect(output.output.results).toHaveLength(HOSTS.length);
    // Each child was requested once across the "upgrade".
    expect(new Set(fake.requests.map((r) => r.dedupeKey)).size).toBe(fake.requests.length);
  });
});
