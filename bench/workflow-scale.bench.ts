/**
 * Workflow scale, as the Workflows issue asks: a sequential workflow of 1,000 noop tasks and a with-items task over
 * 10,000 items. A transition is one task (or item) event: `running`, then `succeeded`, so 2,000 and 20,000 per run.
 * Figures are the median run (at least 5 runs and 1 s) after at least 3 runs and 1 s of warm-up (the first runs of
 * a process measure the JIT, not the code).
 *
 * In memory: the conductor alone, driven as a rehearsal drives it (no store, no runtime).
 *
 * Persisted: the product's runtime (OrquestaRunner) on the SQLite Store (a file, WAL, group commit, as
 * `squall start` opens it), with a fake execution service whose children are noops that complete at once. What is
 * committed when: every step of the runtime (a child's completion, and the next task it starts; or the executions
 * of the children just requested) appends one row to the workflow's transition log before the runtime acts on it,
 * and the fake service commits the Store (`flush()`, as the execution service does before it starts a runner that
 * has effects) before it records each child it is asked for. So the row of every transition that led to a task is
 * committed before that task is scheduled; commits are grouped only when several children are requested at once
 * (with-items). Snapshots of the whole state are written as the runtime decides (when the log since the last one
 * outweighs it, and when the workflow ends), inside the timing. Children have no execution records: the figure is
 * the workflow runtime and its persistence, not the execution service (see the webhook bench for that).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventBus } from '../engine/events/event-bus.ts';
import type { ActionDefinition, ExecutionRecord, ExecutionStatus } from '../engine/model/index.ts';
import type { RunnerServices } from '../engine/runners/runner.ts';
import { SqliteStore } from '../engine/store/sqlite-store.ts';
import { Conductor } from '../engine/workflows/conductor.ts';
import { parseWorkflow, type WorkflowSpec } from '../engine/workflows/spec.ts';
import { OrquestaRunner } from '../engine/workflows/workflow-runner.ts';
import { workflowRunContext } from '../test/workflows/fake-child-services.ts';
import type { BenchResult } from './run.ts';

/** Warm-up: at least this many runs and this long (the JIT compiles the hot code meanwhile). */
const WARMUP_RUNS = 3;
const WARMUP_MS = 1000;
/** Measured: at least this many runs and this long; the median run is reported. */
const RUNS = 5;
const MEASURE_MS = 1000;

function sequential(n: number): string {
  const tasks = Array.from({ length: n }, (_, i) =>
    i < n - 1
      ? `  t${i}:\n    action: core.noop\n    next: [{do: t${i + 1}}]`
      : `  t${i}:\n    action: core.noop`,
  );
  return `version: 1.0\ntasks:\n${tasks.join('\n')}\n`;
}

const WITH_ITEMS = `version: 1.0
input:
  - xs
tasks:
  each:
    with: <% ctx(xs) %>
    action: core.noop
`;

/** Drives a workflow to the end in memory: every task (every item) running, then succeeded. */
function driveInMemory(spec: WorkflowSpec, inputs: Record<string, unknown>): number {
  const c = new Conductor(spec, { inputs });
  c.requestWorkflowStatus('running');
  let transitions = 0;
  let next = c.getNextTasks();
  while (next.length > 0) {
    for (const t of next) {
      if (t.items_count === undefined) {
        c.updateTaskState(t.id, t.route, { status: 'running' });
        transitions++;
        continue;
      }
      for (const a of t.actions) {
        c.updateTaskState(t.id, t.route, { status: 'running', itemId: a.item_id });
        transitions++;
      }
    }
    for (const t of next) {
      if (t.items_count === undefined) {
        c.updateTaskState(t.id, t.route, { status: 'succeeded', result: null });
        transitions++;
        continue;
      }
      const acc: unknown[] = [];
      for (const a of t.actions) {
        acc[a.item_id as number] = null;
        c.updateTaskState(t.id, t.route, {
          status: 'succeeded',
          itemId: a.item_id,
          result: null,
          accumulatedResult: acc,
        });
        transitions++;
      }
    }
    next = c.getNextTasks();
  }
  if (c.getWorkflowStatus() !== 'succeeded') throw new Error(`bench workflow ended ${c.getWorkflowStatus()}`);
  return transitions;
}

/**
 * The runtime on the Store with a fake execution service whose children are noops that complete at once. One
 * runner for all runs, as a server has one.
 */
function runtimeDriver(
  store: SqliteStore,
): (spec: string, parameters: Record<string, unknown>, id: string) => Promise<number> {
  const workflows = new Map<
    string,
    { record: ExecutionRecord; children: number; finish(status: string): void }
  >();
  const services: RunnerServices = {
    events: new EventBus(),
    async requestExecution(req) {
      // What the execution service does before a runner with effects starts: commit what led to it.
      store.flush();
      const parent = req.context?.parent?.execution_id as string;
      const wf = workflows.get(parent);
      if (!wf) throw new Error(`bench: unknown workflow ${parent}`);
      wf.children++;
      const rec: ExecutionRecord = {
        id: `${parent}-c${wf.children}`,
        action: req.action,
        runner: 'noop',
        status: 'running',
        parameters: req.parameters ?? {},
        context: { ...req.context, dedupe_key: req.dedupeKey },
        log: [],
        start_timestamp: wf.record.start_timestamp,
      };
      queueMicrotask(() => {
        void runner.onChildCompleted({ ...rec, status: 'succeeded', result: null });
      });
      return rec;
    },
    async completeExecution(id, status: ExecutionStatus) {
      const wf = workflows.get(id);
      if (!wf) return;
      wf.record.status = status;
      wf.finish(status);
    },
    getExecution: (id) => workflows.get(id)?.record,
    packConfig: () => ({}),
  };
  let definition = '';
  const runner = new OrquestaRunner({ store, services, loadDefinition: () => definition });
  const action: ActionDefinition = {
    ref: 'bench.wf',
    name: 'wf',
    pack: 'bench',
    enabled: true,
    runner_type: 'orquesta',
    entry_point: 'wf.yaml',
    parameters: {},
    metadata_file: '/dev/null',
    pack_path: '/dev/null',
  };
  return async (spec, parameters, id) => {
    definition = spec;
    const record: ExecutionRecord = {
      id,
      action: 'bench.wf',
      runner: 'orquesta',
      status: 'running',
      parameters,
      context: { user: 'bench' },
      log: [],
      start_timestamp: new Date().toISOString(),
    };
    let finish: (status: string) => void = () => {};
    const finished = new Promise<string>((resolve) => {
      finish = resolve;
    });
    const wf = { record, children: 0, finish };
    workflows.set(id, wf);
    const first = await runner.run(workflowRunContext(record, action, services));
    const status = first.status === 'running' ? await finished : first.status;
    if (status !== 'succeeded') throw new Error(`bench workflow ended ${status}`);
    await store.whenDurable();
    workflows.delete(id);
    return wf.children * 2;
  };
}

async function timed(
  fn: (run: number) => Promise<number> | number,
): Promise<{ perSecond: number; usPer: number }> {
  let run = 0;
  const warmup = performance.now();
  while (run < WARMUP_RUNS || performance.now() - warmup < WARMUP_MS) await fn(run++);
  const rates: number[] = [];
  const measure = performance.now();
  while (rates.length < RUNS || performance.now() - measure < MEASURE_MS) {
    const start = performance.now();
    const n = await fn(run++);
    rates.push(n / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  const perSecond = rates[Math.floor(rates.length / 2)] as number;
  return { perSecond, usPer: 1e6 / perSecond };
}

export async function benchWorkflowScale(): Promise<BenchResult[]> {
  const seqText = sequential(1000);
  const seq = parseWorkflow(seqText);
  const items = parseWorkflow(WITH_ITEMS);
  const xs = Array.from({ length: 10_000 }, (_, i) => i);
  const results: BenchResult[] = [];
  const push = (name: string, r: { perSecond: number; usPer: number }) =>
    results.push(
      { name, value: r.perSecond, unit: 'transitions/s' },
      { name, value: r.usPer, unit: 'µs/transition' },
    );

  push('workflow 1,000 sequential tasks, in memory', await timed(() => driveInMemory(seq, {})));
  push('workflow with-items 10,000 items, in memory', await timed(() => driveInMemory(items, { xs })));

  const dir = mkdtempSync(path.join(tmpdir(), 'squall-bench-wf-'));
  const store = new SqliteStore({ filename: path.join(dir, 'squall.db'), groupCommit: true });
  try {
    const drive = runtimeDriver(store);
    push(
      'workflow 1,000 sequential tasks, runtime + SQLite store',
      await timed((run) => drive(seqText, {}, `seq${run}`)),
    );
    push(
      'workflow with-items 10,000 items, runtime + SQLite store',
      await timed((run) => drive(WITH_ITEMS, { xs }, `items${run}`)),
    );
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
