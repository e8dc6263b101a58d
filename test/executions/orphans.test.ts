import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findExecutionProcessGroups, killOrphanedProcessGroups } from '../../engine/executions/orphans.ts';

const linux = existsSync('/proc/self/environ');

function spawnAction(id: string): ChildProcess {
  // A detached group (like the shell runners) with a background grandchild.
  return spawn('sh', ['-c', 'sleep 30 & wait'], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, ST2_ACTION_EXECUTION_ID: id },
  });
}

describe.skipIf(!linux)('orphaned process groups', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('finds the process group of an execution by its environment and kills only that one', async () => {
    const target = spawnAction('orphan-target-1');
    const bystander = spawnAction('orphan-bystander-2');
    children.push(target, bystander);
    await vi.waitFor(() => {
      const found = findExecutionProcessGroups(new Set(['orphan-target-1', 'orphan-bystander-2']));
      expect(found.get('orphan-target-1')).toEqual(new Set([target.pid]));
      expect(found.get('orphan-bystander-2')).toEqual(new Set([bystander.pid]));
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      target.on('exit', (_c, sig) => resolve(sig)),
    );
    expect(killOrphanedProcessGroups(new Set(['orphan-target-1']))).toBe(1);
    expect(await exited).toBe('SIGKILL');
    await vi.waitFor(() => expect(findExecutionProcessGroups(new Set(['orphan-target-1'])).size).toBe(0));
    expect(findExecutionProcessGroups(new Set(['orphan-bystander-2'])).size).toBe(1);
  });

  it('finds nothing for unknown ids or an empty set', () => {
    expect(findExecutionProcessGroups(new Set()).size).toBe(0);
    expect(findExecutionProcessGroups(new Set(['no-such-execution'])).size).toBe(0);
    expect(findExecutionProcessGroups(new Set(['x']), '/nonexistent-proc').size).toBe(0);
  });
});
