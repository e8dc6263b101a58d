import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../engine/events/event-bus.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import type { TriggerInstance } from '../../engine/model/index.ts';
import { SqliteStore } from '../../engine/store/sqlite-store.ts';
import { TriggerDispatcher } from '../../engine/triggers/trigger-dispatcher.ts';

/** Burns CPU like real rule processing does (no I/O, so a slice runs within one event-loop turn). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

describe('TriggerDispatcher: accept first, process next', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'squall-dispatch-'));
    store = SqliteStore.open(dir, { groupCommit: true });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function dispatcher(process: (instance: TriggerInstance) => Promise<void>): TriggerDispatcher {
    return new TriggerDispatcher({ store, events: new EventBus(), logger: silentLogger(), process });
  }

  it('starts processing only after the commit that makes the instances durable, in arrival order', async () => {
    const seen: Array<{ id: string; committed: boolean }> = [];
    const d = dispatcher(async (instance) => {
      // Another connection sees only committed rows.
      const other = SqliteStore.open(dir);
      seen.push({ id: instance.id, committed: other.getTriggerInstance(instance.id) !== undefined });
      other.close();
    });
    const ids = ['a', 'b', 'c'].map((x) => d.dispatch('core.st2.webhook', { x }).instance.id);
    expect(seen).toEqual([]);
    await store.whenDurable();
    await d.idle();
    expect(seen).toEqual(ids.map((id) => ({ id, committed: true })));
    expect(ids.map((id) => store.getTriggerInstance(id)?.status)).toEqual([
      'processed',
      'processed',
      'processed',
    ]);
  });

  it('works a burst off in slices across event-loop turns, so the turn that accepts it stays short', async () => {
    const turns: number[] = [];
    let turn = 0;
    const ticker = setInterval(() => turn++, 0);
    const d = dispatcher(async () => {
      busy(0.5);
      turns.push(turn);
    });
    for (let i = 0; i < 200; i++) d.dispatch('core.st2.webhook', { i });
    expect(d.backlog).toBe(200);
    await d.idle();
    clearInterval(ticker);
    expect(turns).toHaveLength(200);
    expect(d.backlog).toBe(0);
    // Not all in one turn: each turn started only a slice.
    expect(new Set(turns).size).toBeGreaterThan(10);
  });

  it('after stop() starts nothing more: waiting instances stay pending for the next start', async () => {
    const processed: string[] = [];
    const d = dispatcher(async (instance) => {
      busy(0.5);
      processed.push(instance.id);
    });
    const ids = Array.from({ length: 100 }, (_, i) => d.dispatch('core.st2.webhook', { i }).instance.id);
    await store.whenDurable();
    d.stop();
    await d.idle();
    const pending = ids.filter((id) => store.getTriggerInstance(id)?.status === 'pending');
    expect(processed.length + pending.length).toBe(100);
    expect(pending.length).toBeGreaterThan(0);
    const late = d.dispatch('core.st2.webhook', { late: true }).instance.id;
    await d.idle();
    expect(processed).not.toContain(late);

    const next = dispatcher(async (instance) => {
      processed.push(instance.id);
    });
    expect(next.processPending()).toBe(pending.length + 1);
    await next.idle();
    expect(new Set(processed)).toEqual(new Set([...ids, late]));
  });
});
