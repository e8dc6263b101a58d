/**
 * The execution service on the store as the server runs it: statements and commits on a writer thread
 * (engine/store/sqlite-writer.ts). What must still hold: a runner that can cause outside effects starts only once
 * its record is committed, a cancel that lands meanwhile keeps it from starting, and scheduling without policies
 * (no transaction) or with them (a transaction, which waits for the writer) behaves as before.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutionService } from '../../engine/executions/execution-service.ts';
import type { Runner } from '../../engine/runners/runner.ts';
import { action, GateRunner, type Harness, makeHarness, policy, serviceDeps, statuses } from './harness.ts';

let h: Harness;
let svc: ExecutionService;

function start(maxParallel = 16): void {
  h = makeHarness(maxParallel, { writerThread: true });
  svc = new ExecutionService({
    ...serviceDeps(h),
  });
}

/** What another connection to the file sees of an execution: what a crash right now would leave. */
function committedStatus(id: string): string | undefined {
  const db = new Database(join(h.dir, 'squall.db'), { readonly: true });
  try {
    return (
      db.prepare('SELECT status FROM executions WHERE id = ?').get(id) as { status: string } | undefined
    )?.status;
  } finally {
    db.close();
  }
}

beforeEach(() => start());

afterEach(async () => {
  await svc.drain(0);
  h.cleanup();
});

describe('executions on the writer-thread store', () => {
  it('uses the writer thread', () => {
    expect(h.store.orderedCommits).toBe(true);
  });

  it('starts a runner with outside effects only once its running record is committed', async () => {
    const seen: Array<string | undefined> = [];
    const probe: Runner = {
      name: 'probe',
      parameters: {},
      async run(ctx) {
        seen.push(committedStatus(ctx.executionId));
        return { status: 'succeeded', result: {} };
      },
    };
    h.runners.set('probe', probe);
    h.actions.set('t.probe', action('t.probe', 'probe'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await svc.request({ action: 't.probe', context: { user: 'u' } })).id);
    for (const id of ids) expect((await svc.waitFor(id))?.status).toBe('succeeded');
    expect(seen).toEqual(['running', 'running', 'running', 'running', 'running']);
  });

  it('a cancel that lands while the record is being committed keeps the runner from starting', async () => {
    const gate = new GateRunner();
    h.runners.set('gate', gate);
    h.actions.set('t.gate', action('t.gate', 'gate'));
    const created = await svc.request({ action: 't.gate', context: { user: 'u' } });
    await svc.cancel(created.id); // same turn: the commit it waits for has not come back yet
    const done = await svc.waitFor(created.id);
    expect(done?.status).toBe('canceled');
    expect(gate.started).toHaveLength(0);
    await h.store.whenDurable();
    expect(committedStatus(created.id)).toBe('canceled');
  });

  it('schedules past the global cap without a transaction, and with a concurrency policy inside one', async () => {
    await svc.drain(0);
    h.cleanup();
    start(1);
    const gate = new GateRunner();
    h.runners.set('gate', gate);
    h.actions.set('t.gate', action('t.gate', 'gate'));
    h.actions.set('t.limited', action('t.limited', 'gate'));
    h.policies.push(policy('t.limited', 'action.concurrency', { threshold: 1, action: 'delay' }));
    const a = await svc.request({ action: 't.gate', context: { user: 'u' } });
    const b = await svc.request({ action: 't.gate', context: { user: 'u' } });
    await gate.waitStarted(1);
    expect(svc.get(b.id)?.status).toBe('scheduled');
    gate.release(a.id);
    await gate.waitStarted(2);
    gate.release(b.id);
    expect(statuses(await svc.waitFor(b.id))).toEqual(['requested', 'scheduled', 'running', 'succeeded']);

    const c = await svc.request({ action: 't.limited', context: { user: 'u' } });
    await gate.waitStarted(3);
    gate.release(c.id);
    expect((await svc.waitFor(c.id))?.status).toBe('succeeded');
    await h.store.whenDurable();
    expect([a.id, b.id, c.id].map(committedStatus)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });
});
