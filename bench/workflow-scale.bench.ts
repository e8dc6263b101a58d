/**
 * Workflow scale, as the Workflows issue asks: a sequential workflow of 1,000 noop tasks and a with-items task over
 * 10,000 items. A transition is one task (or item) event. In memory: the conductor alone (rehearsal-style). Persisted:
 * the conductor's state is written to the SQLite Store (file, WAL, group commit) after every transition, and the
 * commit is awaited before the next task is scheduled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../engine/store/sqlite-store.ts';
import { Conductor } from '../engine/workflows/conductor.ts';
import { parseWorkflow } from '../engine/workflows/spec.ts';
import type { BenchResult } from './run.ts';

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

type Save = (c: Conductor) => Promise<void> | void;

/** Drives a workflow to the end; `save` runs after every transition, `commit` before the next round is scheduled. */
async function drive(
  spec: ReturnType<typeof parseWorkflow>,
  inputs: Record<string, unknown>,
  save?: Save,
  commit?: (c: Conductor) => Promise<void>,
): Promise<number> {
  const c = new Conductor(spec, { inputs });
  c.requestWorkflowStatus('running');
  let transitions = 0;
  let next = c.getNextTasks();
  while (next.length > 0) {
    for (const t of next) {
      c.updateTaskState(t.id, t.route, { status: 'running' });
      transitions++;
      await save?.(c);
    }
    for (const t of next) {
      if (t.items_count !== undefined) {
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
          await save?.(c);
        }
      } else {
        c.updateTaskState(t.id, t.route, { status: 'succeeded', result: null });
        transitions++;
        await save?.(c);
      }
    }
    await commit?.(c);
    next = c.getNextTasks();
  }
  if (c.getWorkflowStatus() !== 'succeeded') throw new Error(`bench workflow ended ${c.getWorkflowStatus()}`);
  return transitions;
}

async function timed(fn: () => Promise<number>): Promise<{ perSecond: number; usPer: number }> {
  await fn(); // warm-up
  const start = performance.now();
  const n = await fn();
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: n / seconds, usPer: (seconds * 1e6) / n };
}

export async function benchWorkflowScale(): Promise<BenchResult[]> {
  const seq = parseWorkflow(sequential(1000));
  const items = parseWorkflow(WITH_ITEMS);
  const xs = Array.from({ length: 10_000 }, (_, i) => i);
  const results: BenchResult[] = [];

  const memSeq = await timed(() => drive(seq, {}));
  const memItems = await timed(() => drive(items, { xs }));
  results.push(
    { name: 'workflow 1,000 sequential tasks, in memory', value: memSeq.perSecond, unit: 'transitions/s' },
    { name: 'workflow 1,000 sequential tasks, in memory', value: memSeq.usPer, unit: 'µs/transition' },
    { name: 'workflow with-items 10,000 items, in memory', value: memItems.perSecond, unit: 'transitions/s' },
    { name: 'workflow with-items 10,000 items, in memory', value: memItems.usPer, unit: 'µs/transition' },
  );

  const dir = mkdtempSync(path.join(tmpdir(), 'squall-bench-wf-'));
  const store = new SqliteStore({ filename: path.join(dir, 'squall.db'), groupCommit: true });
  try {
    const save: Save = (c) => store.saveWorkflowState('bench', c.serialize({ spec: false, copy: false }));
    const commit = async () => {
      await store.whenDurable?.();
    };
    const dbSeq = await timed(() => drive(seq, {}, save, commit));
    results.push(
      {
        name: 'workflow 1,000 sequential tasks, SQLite store',
        value: dbSeq.perSecond,
        unit: 'transitions/s',
      },
      { name: 'workflow 1,000 sequential tasks, SQLite store', value: dbSeq.usPer, unit: 'µs/transition' },
    );
    // With-items: the state holds every item, so it is written once per scheduling round (all items of the round
    // complete, then one commit) rather than after each of the 10,000 item events.
    const dbItems = await timed(() =>
      drive(items, { xs }, undefined, async (c) => {
        await save(c);
        await commit();
      }),
    );
    results.push({
      name: 'workflow with-items 10,000 items, SQLite store (state per round)',
      value: dbItems.perSecond,
      unit: 'transitions/s',
    });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
