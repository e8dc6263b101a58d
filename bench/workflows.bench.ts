/**
 * Workflow conductor hot path, in memory: a 12-task workflow (fan-out, join, publish, a with-items task) run to
 * the end again and again; a transition is one task event (running, completed). Also the cost of a snapshot of
 * its finished state (serialize + JSON.stringify, what the runtime's journal writes now and then, see
 * engine/workflows/workflow-journal.ts) and of restoring one.
 */
import { Conductor } from '../engine/workflows/conductor.ts';
import { parseWorkflow } from '../engine/workflows/spec.ts';
import type { BenchResult } from './run.ts';

const WORKFLOW = `
version: 1.0
input:
  - host: web1
vars:
  - xs: [1, 2, 3, 4]
output:
  - summary: <% ctx().summary %>
tasks:
  start:
    action: core.echo message=<% ctx().host %>
    next:
      - when: <% succeeded() %>
        publish: started=<% result() %>
        do: a1, b1, c1
  a1:
    action: core.noop
    next: [{when: <% succeeded() %>, do: a2}]
  a2:
    action: core.echo message="a <% ctx().started %>"
    next: [{when: <% succeeded() %>, publish: a=<% result() %>, do: join}]
  b1:
    action: core.noop
    next: [{when: <% succeeded() %>, do: b2}]
  b2:
    action: core.noop
    next: [{when: <% succeeded() %>, publish: b=<% result() %>, do: join}]
  c1:
    with: <% ctx(xs) %>
    action: core.echo message=<% item() %>
    next: [{when: <% succeeded() %>, publish: c=<% result() %>, do: join}]
  join:
    join: all
    action: core.noop
    next:
      - when: <% succeeded() %>
        publish: summary=<% ctx().a %>
        do: d1
      - when: <% failed() %>
        do: fail
  d1:
    action: core.noop
    next: [{when: <% succeeded() %>, do: d2}]
  d2:
    action: core.noop
    next: [{when: <% succeeded() %>, do: d3}]
  d3:
    action: core.noop
`;

function runOnce(spec: ReturnType<typeof parseWorkflow>, onTransition?: (c: Conductor) => void): number {
  const c = new Conductor(spec, {});
  c.requestWorkflowStatus('running');
  let transitions = 0;
  const items = new Map<string, unknown[]>();
  let next = c.getNextTasks();
  while (next.length > 0) {
    for (const t of next) {
      c.updateTaskState(t.id, t.route, { status: 'running' });
      transitions++;
      onTransition?.(c);
    }
    for (const t of next) {
      if (t.items_count !== undefined) {
        const acc = items.get(t.id) ?? [];
        items.set(t.id, acc);
        for (const a of t.actions) {
          acc[a.item_id as number] = a.input;
          c.updateTaskState(t.id, t.route, {
            status: 'succeeded',
            itemId: a.item_id,
            result: a.input,
            accumulatedResult: acc,
          });
          transitions++;
          onTransition?.(c);
        }
      } else {
        c.updateTaskState(t.id, t.route, { status: 'succeeded', result: t.input });
        transitions++;
        onTransition?.(c);
      }
    }
    next = c.getNextTasks();
  }
  if (c.getWorkflowStatus() !== 'succeeded') throw new Error(`bench workflow ended ${c.getWorkflowStatus()}`);
  c.renderWorkflowOutput();
  return transitions;
}

function measure(seconds: number, fn: () => number): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) count += fn();
  return count / ((performance.now() - start) / 1000);
}

export async function benchWorkflows(): Promise<BenchResult[]> {
  const spec = parseWorkflow(WORKFLOW);
  const inMemory = measure(3, () => runOnce(spec));
  let finished: Conductor | undefined;
  runOnce(spec, (c) => {
    finished = c;
  });
  const state = finished as Conductor;
  let saved = '';
  const snapshots = measure(2, () => {
    saved = JSON.stringify(state.serialize({ spec: false, copy: false }));
    return 1;
  });
  const restores = measure(2, () => {
    Conductor.deserialize(saved, spec);
    return 1;
  });
  return [
    { name: 'workflows: conductor transitions (in memory)', value: inMemory, unit: 'transitions/s' },
    {
      name: 'workflows: snapshots of the finished state (serialize + stringify)',
      value: snapshots,
      unit: '/s',
    },
    { name: 'workflows: snapshot size (finished 12-task workflow)', value: saved.length, unit: 'bytes' },
    { name: 'workflows: conductor restores (deserialize)', value: restores, unit: 'restores/s' },
  ];
}
