import { readdirSync, readFileSync } from 'node:fs';

/** The variable every runner-spawned process carries (engine/runners/local-shell/action-env.ts). */
export const EXECUTION_ID_ENV = 'ST2_ACTION_EXECUTION_ID';

function processGroupOf(procDir: string, pid: string): number | undefined {
  try {
    const stat = readFileSync(`${procDir}/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    return Number.isInteger(pgrp) && pgrp > 1 ? pgrp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Process groups of processes whose environment names one of `ids` as their execution (Linux /proc; an empty
 * map elsewhere). A worker killed with SIGKILL leaves its actions' process groups running (they are detached so a
 * timeout can kill the whole group); recovery finds them here.
 */
export function findExecutionProcessGroups(
  ids: ReadonlySet<string>,
  procDir = '/proc',
): Map<string, Set<number>> {
  const found = new Map<string, Set<number>>();
  if (ids.size === 0) return found;
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return found;
  }
  const own = processGroupOf(procDir, 'self');
  const key = Buffer.from(`${EXECUTION_ID_ENV}=`);
  for (const pid of entries) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`${procDir}/${pid}/environ`);
    } catch {
      continue; // gone, or another user's process
    }
    let at = environ.indexOf(key);
    // The variable must start an entry (beginning of the block or after a NUL).
    while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(key, at + 1);
    if (at < 0) continue;
    const start = at + key.length;
    const end = environ.indexOf(0, start);
    const id = environ.subarray(start, end < 0 ? environ.length : end).toString('utf8');
    if (!ids.has(id)) continue;
    const pgid = processGroupOf(procDir, pid);
    if (pgid === undefined || pgid === own) continue;
    let set = found.get(id);
    if (!set) {
      set = new Set();
      found.set(id, set);
    }
    set.add(pgid);
  }
  return found;
}

/** Kills (SIGKILL) the process groups left behind by executions `ids`; returns how many groups were signalled. */
export function killOrphanedProcessGroups(ids: ReadonlySet<string>, procDir = '/proc'): number {
  let killed = 0;
  for (const groups of findExecutionProcessGroups(ids, procDir).values()) {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
        killed++;
      } catch {
        // already gone, or not ours to signal
      }
    }
  }
  return killed;
}
