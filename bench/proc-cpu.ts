import { readFileSync } from 'node:fs';

/** CPU ms (user + system) from a /proc stat file (10 ms ticks); undefined when it cannot be read (off Linux). */
function statCpuMs(file: string): number | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU ms (user + system, all threads) a process has used so far, from /proc; undefined off Linux. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statCpuMs(`/proc/${pid}/stat`);
}

/**
 * CPU ms a process's main thread (the event loop: its thread id is the pid) has used so far. Less sensitive to the
 * VM's drift than the rates, and the thread the webhook path is bound by.
 */
export function mainThreadCpuMsOf(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}
